"""Les indicateurs dans un vrai navigateur (chromium de Debian) : un agent à la souris, le pilotage au
clavier seul, la page sans JavaScript, le refus du DPO ; axe-core sur chaque page.

Les captures de la section « Indicateurs » de docs/guide-agent.md sont écrites ici.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.indicateurs.test_service import semer_suite
from tests.service.fabriques import MOT_DE_PASSE
from tests.web.navigateur import (
    ServiceWeb,
    capturer,
    code,
    enroler_au_clavier,
    secret_affiche,
    service_web,
    tabuler_jusqu_a,
    verifier_page,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        # Les étapes de cas de septembre à novembre 2026 dans les trois communes (sans identité).
        semer_suite(service.monde)
        yield service


def _connecter(service: ServiceWeb, page: Page, identifiant: str, chemin: str) -> None:
    """Demande ``chemin`` sans session : connexion, enrôlement du second facteur, retour à la page."""
    page.goto(service.url(chemin))
    page.get_by_label("Identifiant", exact=True).fill(identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    secret = secret_affiche(page)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_label("Code à usage unique").fill(code(secret))
    page.get_by_role("button", name="Activer et se connecter").click()


def _en_tetes(page: Page) -> list[str]:
    return page.locator("#tableau-mois thead th").all_inner_texts()[1:]


def test_un_agent_choisit_un_mois_a_la_souris_et_telecharge_le_tableur(service: ServiceWeb) -> None:
    with service.page() as page:
        _connecter(service, page, "agent.a", "/")
        page.get_by_role("link", name="Indicateurs").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Indicateurs")
        page.get_by_label("Mois", exact=True).select_option("2026-10")
        page.get_by_role("button", name="Afficher").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs d'octobre 2026")
        assert _en_tetes(page) == ["Ablainville-Fictive (59001)", "Total de vos communes (59)"]
        tableau = page.get_by_role("table", name="Indicateurs d'octobre 2026, par commune et total")
        ligne = tableau.get_by_role("row", name="Situations repérées")
        expect(ligne.get_by_role("cell")).to_have_text(["3", "3"])
        # Seules ses communes : le sélecteur ne propose pas celles des autres.
        expect(page.get_by_label("Commune", exact=True).locator("option")).to_have_text(
            ["Toutes (1 commune)", "Ablainville-Fictive (59001)"]
        )
        expect(page.locator("main")).not_to_contain_text("Bourg-Imaginaire")
        graphique = page.get_by_role("img", name="Évolution sur douze mois, jusqu'à octobre 2026")
        expect(graphique).to_be_visible()
        expect(page.get_by_role("table", name="Évolution sur douze mois")).to_be_visible()
        verifier_page(service, page)
        capturer(page, "indicateurs")

        with page.expect_download() as telechargement:
            page.get_by_role("link", name="Télécharger en XLSX").click()
        assert telechargement.value.suggested_filename == "indicateurs-2026-10.xlsx"
        with page.expect_download() as telechargement:
            page.get_by_role("button", name="Télécharger, petits effectifs masqués").click()
        assert telechargement.value.suggested_filename == "indicateurs-2026-10.xlsx"


def test_le_pilotage_au_clavier_seul_choisit_mois_et_commune(service: ServiceWeb) -> None:
    with service.page() as page:
        page.goto(service.url("/indicateurs"))
        enroler_au_clavier(page, "pilote.test")
        # La connexion ramène à la page demandée.
        expect(page.get_by_role("heading", level=1)).to_contain_text("Indicateurs")

        tabuler_jusqu_a(page, "#champ-mois")
        page.keyboard.type("oct")
        expect(page.locator("#champ-mois")).to_have_value("2026-10")
        page.keyboard.press("Tab")
        page.keyboard.type("Cal")
        expect(page.locator("#champ-commune")).to_have_value("62001")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs d'octobre 2026")
        assert _en_tetes(page) == ["Calonne-Inventee (62001)", "Total département 62"]
        verifier_page(service, page)
        capturer(page, "indicateurs-pilote")

        # Le graphique, plus large qu'un téléphone, défile au clavier ; puis le téléchargement.
        tabuler_jusqu_a(page, ".cellule-defilement")
        tabuler_jusqu_a(page, "a[href$='format=ods']")
        with page.expect_download() as telechargement:
            page.keyboard.press("Enter")
        assert telechargement.value.suggested_filename == "indicateurs-2026-10-62001.ods"


def test_sans_javascript_sur_petit_ecran_la_page_marche(service: ServiceWeb) -> None:
    with service.page(javascript=False, largeur=375) as page:
        _connecter(service, page, "referent.59", "/indicateurs?mois=2026-10")
        expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs d'octobre 2026")
        page.get_by_label("Commune", exact=True).select_option("59002")
        page.get_by_role("button", name="Afficher").click()
        # Sans JavaScript, le formulaire charge une nouvelle page : la lire une fois arrivée.
        page.wait_for_url("**commune=59002**")
        assert _en_tetes(page) == ["Bourg-Imaginaire (59002)", "Total département 59"]
        expect(page.get_by_role("img", name="Évolution sur douze mois, jusqu'à octobre 2026")).to_be_visible()


def test_le_dpo_recoit_une_page_qui_dit_pourquoi(service: ServiceWeb) -> None:
    with service.page() as page:
        _connecter(service, page, "dpo.test", "/indicateurs")
        expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
        expect(page.locator("main")).to_contain_text("Votre rôle ne donne pas accès aux indicateurs.")
        expect(page.locator("main table")).to_have_count(0)
        # Le menu ne lui propose pas la page.
        expect(page.get_by_role("link", name="Indicateurs")).to_have_count(0)
        verifier_page(service, page)
