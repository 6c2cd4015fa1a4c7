"""Le parcours du DPO dans le chromium de Debian : journal d'audit (recherche, vérification, point de
contrôle, export) et droit d'accès (réponse, impression, PDF) — à la souris, puis au clavier seul ;
axe-core sur chaque page. Les captures de docs/guide-dpo.md sont écrites ici.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

import audit
from tests.service.fabriques import MOT_DE_PASSE, A, B, identite
from tests.web.navigateur import (
    CAPTURES,
    ServiceWeb,
    capturer,
    code,
    service_web,
    tabuler_jusqu_a,
    verifier_page,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        service.monde.semer_cas(A, [identite("LEFEBVRE", "Anouk Maëlle", date(2015, 3, 14))])
        service.monde.semer_cas(
            B, [identite("GARNIERFICTIF", "Noé", date(2016, 9, 30))], resultat="a_verifier"
        )
        yield service


@pytest.fixture(scope="module")
def cookies_dpo(service: ServiceWeb) -> list[Any]:
    """La session du DPO, ouverte une fois dans le navigateur (avec l'activation du second facteur)."""
    with service.page() as page:
        page.goto(service.url("/connexion"))
        page.get_by_label("Identifiant", exact=True).fill("dpo.test")
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_role("button", name="Se connecter").click()
        secret = page.locator("#secret-totp").inner_text().replace(" ", "")
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_label("Code à usage unique").fill(code(secret))
        page.get_by_role("button", name="Activer et se connecter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
        return list(page.context.cookies())


def _reprendre_la_session(page: Page, cookies: list[Any]) -> None:
    page.context.add_cookies(cookies)


def _signer_un_point(service: ServiceWeb) -> audit.PointDeControle:
    signataire = audit.Signataire.charger(service.monde.reglages.chemin_cle_audit(), creer=True)
    with service.monde.bdd.begin() as connexion:
        return audit.signer_point_de_controle(connexion, signataire)


def test_le_dpo_a_la_souris_journal_verification_point_de_controle_et_export(
    service: ServiceWeb, cookies_dpo: list[Any]
) -> None:
    point = _signer_un_point(service)
    with service.page() as page:
        _reprendre_la_session(page, cookies_dpo)
        page.goto(service.url("/"))
        verifier_page(service, page)
        capturer(page, "dpo-tableau-de-bord")
        page.get_by_role("main").get_by_role("link", name="Journal d'audit").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Journal d'audit")
        expect(page.locator("#tableau-journal caption")).to_contain_text("Entrées du journal")
        verifier_page(service, page)
        capturer(page, "audit-journal")

        page.get_by_label("Action").select_option("connexion")
        page.get_by_label("Acteur").fill("dpo.test")
        page.get_by_role("button", name="Rechercher").click()
        expect(page).to_have_url(service.url("/audit?debut=&fin=&acteur=dpo.test&action=connexion&cible="))
        expect(page.get_by_role("status")).to_have_text("1 entrée répond à ces critères.")
        expect(page.locator("#tableau-journal tbody tr")).to_have_count(1)
        with page.expect_download() as telechargement:
            page.get_by_role("link", name="Exporter ces 1 entrées en CSV").click()
        contenu = telechargement.value.path().read_bytes().decode("utf-8-sig")
        assert contenu.splitlines()[0].startswith("sequence;heure;acteur")
        assert len(contenu.splitlines()) == 2

        # Une erreur de saisie reste à côté de son champ, avec le résumé en haut.
        page.get_by_label("Acteur").fill("Jeanne Martin")
        page.get_by_role("button", name="Rechercher").click()
        expect(page.locator("#erreur-acteur")).to_contain_text("Saisissez un identifiant de compte")
        expect(page.locator("#resume-erreurs")).to_be_visible()
        verifier_page(service, page)
        capturer(page, "audit-erreur")

        with page.expect_download() as telechargement:
            page.get_by_role("link", name="Télécharger le point de contrôle").click()
        garde = audit.PointDeControle.depuis_json(telechargement.value.path().read_text(encoding="utf-8"))
        assert garde.signature_valide()
        assert garde.taille >= point.taille

        page.get_by_role("button", name="Vérifier l'intégrité").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Vérification du journal d'audit")
        expect(page.locator("#verdict")).to_contain_text("Journal intact")
        verifier_page(service, page)
        capturer(page, "audit-verification")


def test_le_dpo_a_la_souris_repond_a_un_droit_d_acces(service: ServiceWeb, cookies_dpo: list[Any]) -> None:
    with service.page() as page:
        _reprendre_la_session(page, cookies_dpo)
        page.goto(service.url("/"))
        page.get_by_role("main").get_by_role("link", name="Droit d'accès").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Droit d'accès")
        verifier_page(service, page)
        capturer(page, "droit-acces-recherche")

        page.get_by_role("button", name="Chercher et préparer la réponse").click()
        expect(page.locator("#erreur-nom")).to_have_text("Saisissez le nom de l'enfant.")
        verifier_page(service, page)

        page.get_by_label("Nom de l'enfant").fill("LEFEBVRE")
        page.get_by_label("Prénoms de l'enfant").fill("Anouk Maëlle")
        page.get_by_label("Date de naissance").fill("2015-03-14")
        page.get_by_label("Répondre à une demande de la famille").check()
        page.get_by_role("button", name="Chercher et préparer la réponse").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Réponse au droit d'accès")
        lettre = page.locator("article.cellule-lettre")
        expect(lettre).to_contain_text("Anouk Maëlle LEFEBVRE, né(e) le 14/03/2015")
        expect(lettre).to_contain_text("commune de Ablainville-Fictive")
        expect(lettre).not_to_contain_text("GARNIERFICTIF")
        expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
        verifier_page(service, page)
        capturer(page, "droit-acces-reponse")

        with page.expect_download() as telechargement:
            page.get_by_role("button", name="Télécharger en PDF").click()
        assert telechargement.value.path().read_bytes().startswith(b"%PDF-")

        # À l'impression, la lettre seule : ni en-tête, ni boutons.
        page.emulate_media(media="print")
        expect(page.locator("header.fr-header")).to_be_hidden()
        expect(page.get_by_role("button", name="Télécharger en PDF")).to_be_hidden()
        expect(lettre).to_be_visible()
        page.screenshot(path=str(CAPTURES / "droit-acces-impression.png"), full_page=True)


def test_le_parcours_du_dpo_au_clavier_seul(service: ServiceWeb, cookies_dpo: list[Any]) -> None:
    with service.page() as page:
        _reprendre_la_session(page, cookies_dpo)
        page.goto(service.url("/"))
        tabuler_jusqu_a(page, "main a[href='/audit']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Journal d'audit")

        tabuler_jusqu_a(page, "#champ-action")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        page.keyboard.type("dpo.test")
        tabuler_jusqu_a(page, "form[action='/audit'] button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("répond")

        tabuler_jusqu_a(page, "form[action='/audit/verifier'] button")
        page.keyboard.press("Enter")
        expect(page.locator("#verdict")).to_contain_text("Journal intact")

        page.goto(service.url("/droit-acces"))
        tabuler_jusqu_a(page, "#champ-nom")
        page.keyboard.type("LEFEBVRE")
        page.keyboard.press("Tab")
        page.keyboard.type("Anouk Maëlle")
        # Un groupe de boutons radio se choisit aux flèches, une fois le bouton coché atteint.
        tabuler_jusqu_a(page, "#motif-demande_famille")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.id") == "motif-controle_dpo"
        tabuler_jusqu_a(page, "form[action='/droit-acces'] button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Réponse au droit d'accès")
        expect(page.locator("article.cellule-lettre")).to_contain_text("Anouk Maëlle LEFEBVRE")
        tabuler_jusqu_a(page, "form[action='/droit-acces/reponse.pdf'] button")
        with page.expect_download() as telechargement:
            page.keyboard.press("Enter")
        assert telechargement.value.path().read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("identifiant", ["agent.a", "referent.59", "admin.test"])
def test_un_autre_role_voit_une_page_403_qui_dit_pourquoi(service: ServiceWeb, identifiant: str) -> None:
    # Une session ouverte par l'API pour ce compte (le cookie est celui des pages).
    with service.page() as page:
        page.goto(service.url("/connexion"))
        page.get_by_label("Identifiant", exact=True).fill(identifiant)
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_role("button", name="Se connecter").click()
        secret = page.locator("#secret-totp").inner_text().replace(" ", "")
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_label("Code à usage unique").fill(code(secret))
        page.get_by_role("button", name="Activer et se connecter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
        for chemin in ("/audit", "/droit-acces"):
            reponse = page.goto(service.url(chemin))
            assert reponse is not None
            assert reponse.status == 403
            expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
            expect(page.get_by_role("main")).to_contain_text("délégué à la protection des données (DPO)")
            expect(page.locator("table")).to_have_count(0)
        if identifiant == "agent.a":
            verifier_page(service, page)
            capturer(page, "dpo-refus")
