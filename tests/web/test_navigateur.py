"""Parcours dans un vrai navigateur (chromium de Debian) : connexion avec enrôlement du second facteur,
tableau de bord, mon compte, déconnexion — à la souris puis au clavier seul ; axe-core sur chaque page.

Les captures d'écran de docs/guide-agent.md sont écrites ici, à 1280 et 375 px de large.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.service.fabriques import MOT_DE_PASSE, A, identite
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
        # De quoi remplir le tableau de bord de la commune A (identités fictives).
        service.monde.semer_cas(A, [identite("MARTINVERT", "LOU", date(2018, 3, 2))], resultat="a_verifier")
        service.monde.semer_cas(
            A, [identite("DUPONTFICTIF", "ALIX", date(2017, 5, 1)), identite("ROSEFICTIF", "NOA", None)]
        )
        yield service


def _se_connecter_une_premiere_fois(service: ServiceWeb, page: Page, identifiant: str) -> str:
    """Connexion avec enrôlement du second facteur ; rend le secret lu sur la page."""
    page.goto(service.url("/connexion"))
    page.get_by_label("Identifiant", exact=True).fill(identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    secret = secret_affiche(page)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_label("Code à usage unique").fill(code(secret))
    page.get_by_role("button", name="Activer et se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    return secret


def test_premiere_connexion_d_un_agent_a_la_souris_enrolement_tableau_de_bord_compte_deconnexion(
    service: ServiceWeb,
) -> None:
    with service.page() as page:
        page.goto(service.url("/compte"))
        # Sans session, la page demandée renvoie à la connexion, qui y ramènera.
        expect(page).to_have_url(service.url("/connexion?suite=/compte"))
        verifier_page(service, page)
        capturer(page, "connexion")

        page.get_by_label("Identifiant", exact=True).fill("agent.a")
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_role("button", name="Se connecter").click()
        # Premier passage : le second facteur n'a jamais servi, la page montre le code QR et la clé.
        expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
        verifier_page(service, page)
        capturer(page, "enrolement")
        secret = secret_affiche(page)
        assert secret == service.monde.secrets["agent.a"]
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_label("Code à usage unique").fill(code(secret))
        page.get_by_role("button", name="Activer et se connecter").click()

        expect(page).to_have_url(service.url("/compte"))
        expect(page.locator("#personne-connectee")).to_contain_text("agent.a")
        verifier_page(service, page)

        page.get_by_role("link", name="Tableau de bord").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
        expect(page.get_by_role("heading", name="Mes communes")).to_be_visible()
        expect(page.get_by_role("link", name="À vérifier : 1 cas")).to_have_attribute(
            "href", "/cas?statut=a_verifier"
        )
        expect(page.get_by_role("link", name="À classer ou à transmettre : 2 cas")).to_be_visible()
        verifier_page(service, page)
        capturer(page, "tableau-de-bord")

        # Mon compte : renouveler la double authentification (nouveau téléphone).
        page.get_by_role("link", name="Mon compte").first.click()
        expect(page.get_by_role("heading", name="Mes sessions ouvertes")).to_be_visible()
        verifier_page(service, page)
        capturer(page, "compte")
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_label("Code à usage unique actuel").fill(code(secret, 1))
        page.get_by_role("button", name="Obtenir une nouvelle clé").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle clé de double authentification")
        verifier_page(service, page)
        capturer(page, "compte-nouvelle-cle")
        nouveau = secret_affiche(page)
        page.get_by_label("Premier code de la nouvelle clé").fill(code(nouveau))
        page.get_by_role("button", name="Confirmer la nouvelle clé").click()
        expect(page.get_by_role("status")).to_contain_text("Votre double authentification est renouvelée")

        page.get_by_role("button", name="Se déconnecter").click()
        expect(page).to_have_url(service.url("/connexion?deconnecte=1"))
        expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté")
        page.goto(service.url("/"))
        expect(page).to_have_url(service.url("/connexion"))


def test_premiere_connexion_au_clavier_seul(service: ServiceWeb) -> None:
    with service.page() as page:
        page.goto(service.url("/"))
        # Le lien d'évitement est le premier élément atteint.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Contenu"
        enroler_au_clavier(page, "agent.b")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")

        tabuler_jusqu_a(page, "#personne-connectee")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
        tabuler_jusqu_a(page, ".fr-header__tools-links button[type=submit]")
        page.keyboard.press("Enter")
        expect(page).to_have_url(service.url("/connexion?deconnecte=1"))


def test_les_erreurs_de_connexion_sont_a_cote_des_champs_et_resumees_en_haut(service: ServiceWeb) -> None:
    with service.page() as page:
        page.goto(service.url("/connexion"))
        page.get_by_role("button", name="Se connecter").click()
        resume = page.locator("#resume-erreurs")
        expect(resume).to_contain_text("2 erreurs à corriger")
        champ = page.locator("#champ-identifiant")
        expect(champ).to_have_attribute("aria-invalid", "true")
        assert "erreur-identifiant" in (champ.get_attribute("aria-describedby") or "")
        expect(page.locator("#erreur-identifiant")).to_have_text("Saisissez votre identifiant.")
        verifier_page(service, page)
        capturer(page, "connexion-erreurs")


@pytest.mark.parametrize(
    "chemin", ["/mentions-legales", "/donnees-personnelles", "/accessibilite", "/absente"]
)
def test_les_pages_publiques_et_d_erreur_sont_accessibles(service: ServiceWeb, chemin: str) -> None:
    with service.page() as page:
        page.goto(service.url(chemin))
        verifier_page(service, page)
        expect(page.locator("footer")).to_contain_text("Accessibilité : non conforme")


def test_sans_javascript_la_connexion_marche_aussi(service: ServiceWeb, tmp_path: Path) -> None:
    with service.page(javascript=False, largeur=375) as page:
        page.goto(service.url("/connexion"))
        page.get_by_label("Identifiant", exact=True).fill("referent.59")
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_role("button", name="Se connecter").click()
        secret = secret_affiche(page)
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_label("Code à usage unique").fill(code(secret))
        page.get_by_role("button", name="Activer et se connecter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
        # Sur petit écran et sans JavaScript, « Se déconnecter » reste visible et marche.
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page).to_have_url(service.url("/connexion?deconnecte=1"))


def test_la_fin_de_session_est_annoncee_et_se_prolonge_sans_perdre_la_saisie(service: ServiceWeb) -> None:
    with service.page() as page:
        page.clock.install()
        _se_connecter_une_premiere_fois(service, page, "referent.62")
        page.goto(service.url("/compte"))
        page.get_by_label("Nouveau mot de passe, de nouveau", exact=True).fill("une saisie en cours")
        alerte = page.locator("#expiration")
        expect(alerte).to_be_hidden()
        # 28 minutes sans activité sur 30 : l'annonce paraît, avec l'heure de fermeture.
        page.clock.fast_forward("28:05")
        expect(alerte).to_be_visible()
        expect(alerte).to_contain_text("votre session se fermera à")
        verifier_page(service, page)
        capturer(page, "expiration")
        page.get_by_role("button", name="Rester connecté").click()
        expect(alerte).to_be_hidden()
        saisie = page.get_by_label("Nouveau mot de passe, de nouveau", exact=True)
        expect(saisie).to_have_value("une saisie en cours")
