"""Le parcours ProConnect dans le chromium de Debian (issue n° 20) : bouton, passage chez le fournisseur
OpenID de test (127.0.0.1, vraies clés), retour, code TOTP quand ProConnect n'atteste pas de second
facteur, refus en français, déconnexion chez ProConnect ; axe-core sur chaque page du parcours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from service.parametres import parametres
from tests.service.fournisseur_oidc import (
    ACR_2FA,
    CLIENT_ID,
    CLIENT_SECRET,
    Fournisseur,
    fournisseur_en_marche,
)
from tests.service.parcours_proconnect import Parcours
from tests.web.navigateur import ServiceWeb, code, service_web, verifier_page


@dataclass
class Scene:
    service: ServiceWeb
    fournisseur: Fournisseur


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with (
        service_web(tmp_path_factory.mktemp("donnees")) as service,
        fournisseur_en_marche() as fournisseur,
        pytest.MonkeyPatch.context() as reglages,
    ):
        reglages.setenv("CELLULE_PROCONNECT_URL", fournisseur.emetteur)
        reglages.setenv("CELLULE_PROCONNECT_CLIENT_ID", CLIENT_ID)
        reglages.setenv("CELLULE_PROCONNECT_CLIENT_SECRET", CLIENT_SECRET)
        reglages.setenv("CELLULE_URL_PUBLIQUE", service.adresse)
        parametres.cache_clear()
        fournisseur.redirections.add(service.url("/proconnect/retour"))
        fournisseur.retours_deconnexion.add(service.url("/proconnect/deconnexion/retour"))
        parcours = Parcours(service.monde, fournisseur, client=None)  # type: ignore[arg-type]
        parcours.rattacher("agent.a", fournisseur.personne.email, fournisseur.personne.siret)
        parcours.totp_active("agent.a")
        try:
            yield Scene(service, fournisseur)
        finally:
            parametres.cache_clear()


@pytest.fixture(autouse=True)
def _identite_par_defaut(scene: Scene) -> None:
    scene.fournisseur.prouver(acr=ACR_2FA, email="camille.fictif@mairie-ablainville.example")


def _cliquer_proconnect(scene: Scene, page: Page, chemin: str = "/connexion") -> None:
    page.goto(scene.service.url(chemin))
    page.get_by_role("link", name="S’identifier avec ProConnect").click()


def test_un_agent_entre_par_proconnect_puis_se_deconnecte_chez_proconnect(scene: Scene) -> None:
    service = scene.service
    with service.page() as page:
        page.goto(service.url("/compte"))
        expect(page.get_by_role("link", name="Qu’est-ce que ProConnect ?")).to_have_attribute(
            "href", "https://proconnect.gouv.fr/"
        )
        verifier_page(service, page)
        page.get_by_role("link", name="S’identifier avec ProConnect").click()
        # Le fournisseur renvoie aussitôt ; la page de passage mène à la page d'abord demandée.
        expect(page).to_have_url(service.url("/compte"))
        expect(page.locator("#personne-connectee")).to_contain_text("agent.a")
        verifier_page(service, page)

        fins = len(scene.fournisseur.fins_de_session)
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page).to_have_url(service.url("/connexion?deconnecte=1"))
        expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté")
        assert len(scene.fournisseur.fins_de_session) == fins + 1
        page.goto(service.url("/compte"))
        expect(page).to_have_url(service.url("/connexion?suite=/compte"))


def test_sans_second_facteur_chez_proconnect_cellule_demande_son_code(scene: Scene) -> None:
    scene.fournisseur.prouver(acr="eidas1")
    service = scene.service
    with service.page() as page:
        _cliquer_proconnect(scene, page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Saisir votre code à usage unique")
        verifier_page(service, page)
        page.get_by_label("Code à usage unique").fill("000000")
        page.get_by_role("button", name="Valider et se connecter").click()
        expect(page.locator("#resume-erreurs")).to_be_visible()
        verifier_page(service, page)
        page.get_by_label("Code à usage unique").fill(code(service.monde.secrets["agent.a"], 1))
        page.get_by_role("button", name="Valider et se connecter").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")


def test_une_personne_sans_compte_lit_pourquoi_et_a_qui_s_adresser(scene: Scene) -> None:
    scene.fournisseur.prouver(email="dominique.inconnu@mairie-ablainville.example", sub="sub-0099")
    service = scene.service
    with service.page() as page:
        _cliquer_proconnect(scene, page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion par ProConnect refusée")
        expect(page.get_by_role("alert")).to_contain_text("demandez à l'administrateur de cellule")
        verifier_page(service, page)
        page.get_by_role("link", name="Revenir à la page de connexion").click()
        expect(page).to_have_url(service.url("/connexion"))
