"""Le référent de la DSDEN dans un vrai navigateur (chromium de Debian), au clavier seul : connexion,
modèle de lettre (erreur puis enregistrement) ; axe-core sur chaque page. Les captures de
docs/guide-referent.md sont écrites ici, à 1280 et 375 px de large.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from service.base.connexion import jour_local
from tests.service.fabriques import A, identite
from tests.web.navigateur import (
    ServiceWeb,
    capturer,
    enroler_au_clavier,
    service_web,
    tabuler_jusqu_a,
    verifier_page,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        yield service


def _connexion_au_clavier(service: ServiceWeb, page: Page, identifiant: str) -> None:
    page.goto(service.url("/connexion"))
    enroler_au_clavier(page, identifiant)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")


def _effacer_et_taper(page: Page, texte: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(texte)


def test_le_referent_modifie_le_modele_de_lettre_au_clavier_seul(service: ServiceWeb) -> None:
    with service.page() as page:
        _connexion_au_clavier(service, page, "referent.62")
        tabuler_jusqu_a(page, "a.fr-nav__link[href='/modele-lettre']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Modèle de lettre de mise en demeure")
        verifier_page(service, page)
        capturer(page, "referent-modele-lettre")
        # Un champ inconnu est refusé, l'erreur dite à côté du champ et résumée en haut.
        tabuler_jusqu_a(page, "#champ-corps")
        page.keyboard.press("Control+End")
        page.keyboard.type(" {numero_secu}")
        tabuler_jusqu_a(page, "button[type=submit]:has-text('Enregistrer le modèle')")
        page.keyboard.press("Enter")
        expect(page.locator("#resume-erreurs")).to_contain_text("Champ inconnu : {numero_secu}")
        expect(page.locator("#champ-corps")).to_have_attribute("aria-invalid", "true")
        verifier_page(service, page)
        capturer(page, "referent-modele-lettre-erreur")
        tabuler_jusqu_a(page, "#champ-signataire")
        _effacer_et_taper(
            page, "Pour le DASEN du Pas-de-Calais,\nCamille EXEMPLE, cheffe de la division des élèves"
        )
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.id") == "champ-corps"
        page.keyboard.press("Control+End")
        for _ in " {numero_secu}":
            page.keyboard.press("Backspace")
        tabuler_jusqu_a(page, "button[type=submit]:has-text('Enregistrer le modèle')")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Le modèle est enregistré")
        expect(page.locator("#champ-signataire")).to_have_value(
            "Pour le DASEN du Pas-de-Calais,\nCamille EXEMPLE, cheffe de la division des élèves"
        )


def _choisir_le_motif_procedure(page: Page) -> None:
    """Sur la fiche : le motif « Faire avancer la procédure » choisi au clavier, puis l'identité affichée.

    Le motif vaut ensuite pour la session : les fiches suivantes montrent l'identité sans le redemander.
    """
    expect(page.locator("#motif-affiche, input[name=motif_consultation]").first).to_be_attached()
    if page.locator("#motif-affiche").is_visible():
        return
    tabuler_jusqu_a(page, "input[name=motif_consultation] >> nth=0")
    while page.evaluate("document.activeElement.value") != "procedure":
        page.keyboard.press("ArrowDown")
    tabuler_jusqu_a(page, "button[type=submit]:has-text('Afficher l')")
    page.keyboard.press("Enter")
    expect(page.locator("#motif-affiche")).to_be_visible()


def _taper_une_date(page: Page, jour: date) -> None:
    """Le champ date de chromium suit la langue du navigateur (jj/mm/aaaa ou mm/jj/aaaa) : on tape
    dans un ordre, et dans l'autre si la valeur lue n'est pas la bonne."""
    for ordre in ("%d%m%Y", "%m%d%Y"):
        page.keyboard.type(jour.strftime(ordre))
        if page.evaluate("document.activeElement.value") == jour.isoformat():
            return
        # Maj+Tab passe d'une partie de la date à la précédente, sans quitter le champ.
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
    pytest.fail(f"date {jour} impossible à saisir au clavier")


def _etape(page: Page, action: str, *, jour: date | None = None, choix: str | None = None) -> None:
    """Remplit le formulaire d'une étape au clavier et l'envoie."""
    if jour is not None:
        tabuler_jusqu_a(page, f"#action-{action} input[type=date]")
        _taper_une_date(page, jour)
    if choix is not None:
        tabuler_jusqu_a(page, f"#action-{action} select")
        while page.evaluate("document.activeElement.value") != choix:
            page.keyboard.press("ArrowDown")
    tabuler_jusqu_a(page, f"#action-{action} button[type=submit]")
    page.keyboard.press("Enter")


def _confirmer(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmer")
    tabuler_jusqu_a(page, "#confirmer")
    page.keyboard.press("Enter")


def test_la_procedure_du_referent_au_clavier_seul(service: ServiceWeb) -> None:
    monde = service.monde
    (cas_id,) = monde.semer_cas(A, [identite("CLAVIERFICTIF", "NOE", date(2016, 2, 3))])
    reponse = monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes("agent.a"),
        json={"action": "transmettre", "champs": {}},
    )
    assert reponse.status_code == 200, reponse.text
    aujourd_hui = jour_local()
    with service.page() as page:
        _connexion_au_clavier(service, page, "referent.59")
        # Du tableau de bord à la liste des cas transmis, puis à la fiche.
        tabuler_jusqu_a(page, "a[href='/cas?statut=transmis_dasen']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Cas")
        verifier_page(service, page)
        capturer(page, "referent-liste")
        tabuler_jusqu_a(page, f"a[href='/cas/{cas_id}']")
        page.keyboard.press("Enter")
        _choisir_le_motif_procedure(page)
        verifier_page(service, page)
        capturer(page, "referent-fiche-transmis")

        _etape(page, "controler", jour=aujourd_hui)
        expect(page.get_by_role("status")).to_contain_text("C'est enregistré")
        _choisir_le_motif_procedure(page)

        # La lettre, générée puis téléchargée, avant l'envoi en recommandé.
        tabuler_jusqu_a(page, "button:has-text('Générer la lettre de mise en demeure')")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("La lettre est générée")
        _choisir_le_motif_procedure(page)
        lien = "a.fr-link--download[href*='/lettres/']"
        tabuler_jusqu_a(page, lien)
        with page.expect_download() as telechargement:
            page.keyboard.press("Enter")
        assert telechargement.value.suggested_filename.endswith(".odt")

        # La mise en demeure : confirmation, puis échéance à J+15.
        _etape(page, "mettre_en_demeure", jour=aujourd_hui)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmer : Mise en demeure")
        echeance = aujourd_hui + timedelta(days=15)
        expect(page.locator("#echeance-annoncee")).to_contain_text(f"Échéance : {echeance:%d/%m/%Y}")
        verifier_page(service, page)
        capturer(page, "referent-confirmation-mise-en-demeure")
        _confirmer(page)
        _choisir_le_motif_procedure(page)
        expect(page.locator("#echeance-cas")).to_contain_text(f"Échéance le {echeance:%d/%m/%Y}")

        # Attribution et commentaire.
        tabuler_jusqu_a(page, "#champ-attribue_a")
        page.keyboard.press("ArrowDown")
        tabuler_jusqu_a(page, "button:has-text('Enregistrer le référent')")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Le référent chargé du cas est enregistré")
        _choisir_le_motif_procedure(page)
        expect(page.locator("#champ-attribue_a")).to_have_value(str(monde.acteur("referent.59").id))
        tabuler_jusqu_a(page, "#champ-commentaire")
        page.keyboard.type("Mère jointe par téléphone : inscription promise au collège.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Le commentaire est enregistré")
        _choisir_le_motif_procedure(page)
        expect(page.locator("main")).to_contain_text("inscription promise au collège")
        verifier_page(service, page)
        capturer(page, "referent-fiche-mise-en-demeure")

        # Sans rescolarisation : signalement (confirmé), enquête, suite du parquet.
        _etape(page, "signaler_procureur", jour=aujourd_hui)
        _confirmer(page)
        _choisir_le_motif_procedure(page)
        _etape(page, "enqueter", choix="sociale")
        _choisir_le_motif_procedure(page)
        _etape(page, "donner_suite", choix="stage_parentalite")
        _choisir_le_motif_procedure(page)
        expect(page.locator("#frise")).to_contain_text("Suite donnée par le parquet")
        verifier_page(service, page)
        capturer(page, "referent-fiche-suites")
