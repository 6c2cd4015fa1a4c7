"""Le référent de la DSDEN dans un vrai navigateur (chromium de Debian), au clavier seul : connexion,
modèle de lettre (erreur puis enregistrement) ; axe-core sur chaque page. Les captures de
docs/guide-referent.md sont écrites ici, à 1280 et 375 px de large.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.service.fabriques import MOT_DE_PASSE
from tests.web.navigateur import ServiceWeb, capturer, code, service_web, verifier_page
from tests.web.test_navigateur import _secret_affiche, _tabuler_jusqu_a


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        yield service


def _connexion_au_clavier(service: ServiceWeb, page: Page, identifiant: str) -> None:
    page.goto(service.url("/connexion"))
    _tabuler_jusqu_a(page, "#champ-identifiant")
    page.keyboard.type(identifiant)
    page.keyboard.press("Tab")
    page.keyboard.type(MOT_DE_PASSE)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    secret = _secret_affiche(page)
    _tabuler_jusqu_a(page, "#champ-mot_de_passe")
    page.keyboard.type(MOT_DE_PASSE)
    page.keyboard.press("Tab")
    page.keyboard.type(code(secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")


def _effacer_et_taper(page: Page, texte: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(texte)


def test_le_referent_modifie_le_modele_de_lettre_au_clavier_seul(service: ServiceWeb) -> None:
    with service.page() as page:
        _connexion_au_clavier(service, page, "referent.59")
        _tabuler_jusqu_a(page, "a.fr-nav__link[href='/modele-lettre']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Modèle de lettre de mise en demeure")
        verifier_page(service, page)
        capturer(page, "referent-modele-lettre")
        # Un champ inconnu est refusé, l'erreur dite à côté du champ et résumée en haut.
        _tabuler_jusqu_a(page, "#champ-corps")
        page.keyboard.press("Control+End")
        page.keyboard.type(" {numero_secu}")
        _tabuler_jusqu_a(page, "button[type=submit]:has-text('Enregistrer le modèle')")
        page.keyboard.press("Enter")
        expect(page.locator("#resume-erreurs")).to_contain_text("Champ inconnu : {numero_secu}")
        expect(page.locator("#champ-corps")).to_have_attribute("aria-invalid", "true")
        verifier_page(service, page)
        capturer(page, "referent-modele-lettre-erreur")
        _tabuler_jusqu_a(page, "#champ-signataire")
        _effacer_et_taper(page, "Pour le DASEN du Nord,\nCamille EXEMPLE, cheffe de la division des élèves")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.id") == "champ-corps"
        page.keyboard.press("Control+End")
        for _ in " {numero_secu}":
            page.keyboard.press("Backspace")
        _tabuler_jusqu_a(page, "button[type=submit]:has-text('Enregistrer le modèle')")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Le modèle est enregistré")
        expect(page.locator("#champ-signataire")).to_have_value(
            "Pour le DASEN du Nord,\nCamille EXEMPLE, cheffe de la division des élèves"
        )
