"""Parcours de l'administrateur dans un vrai navigateur (chromium de Debian), à la souris puis au
clavier seul, et l'approbation par le DPO (quatre yeux) ; axe-core sur chaque page.

Les captures d'écran de docs/guide-administrateur.md sont écrites ici, à 1280 et 375 px de large.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.service.fabriques import MOT_DE_PASSE, A, convention_toml, identite
from tests.web.navigateur import ServiceWeb, capturer, code, service_web, tabuler_jusqu_a, verifier_page


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        # Un cas (identité fictive) : sa cohorte a une clé, que la page des clés montre.
        service.monde.semer_cas(A, [identite("MARTINVERT", "LOU", date(2018, 3, 2))])
        yield service


# Un code ne sert qu'une fois : chaque connexion d'un même compte prend le pas de temps suivant.
_connexions: dict[str, int] = {}


def _se_connecter(service: ServiceWeb, page: Page, identifiant: str) -> None:
    decalage = _connexions.get(identifiant, 0)
    _connexions[identifiant] = decalage + 1
    page.goto(service.url("/connexion"))
    page.get_by_label("Identifiant", exact=True).fill(identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_label("Code à usage unique").fill(code(service.monde.secrets[identifiant], decalage))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")


def test_l_administrateur_cree_un_compte_que_le_dpo_approuve_et_gere_le_referentiel_a_la_souris(
    service: ServiceWeb, tmp_path: Path
) -> None:
    with service.page() as page:
        _se_connecter(service, page, "admin.test")
        verifier_page(service, page)
        capturer(page, "admin-tableau-de-bord")

        # Comptes : créer, vérifier, confirmer.
        page.get_by_role("link", name="Comptes", exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Comptes")
        page.get_by_role("link", name="Créer un compte").click()
        page.get_by_role("button", name="Vérifier le compte").click()
        # Rien de rempli : les erreurs sont à côté des champs et résumées en haut.
        expect(page.locator("#resume-erreurs")).to_contain_text("3 erreurs à corriger")
        verifier_page(service, page)
        page.get_by_role("link", name="Comptes", exact=True).first.click()
        page.get_by_role("link", name="Créer un compte").click()
        page.get_by_label("Identifiant").fill("agent.nouveau")
        page.get_by_label("Rôle").select_option("agent_commune")
        page.get_by_label("Communes, pour un agent communal (codes INSEE)").fill("59001")
        page.get_by_label("Mot de passe initial").fill("Une autre phrase assez longue 77")
        page.get_by_label("Adresse électronique professionnelle").fill("agent.nouveau@mairie-fictive.fr")
        page.get_by_label("SIRET de l'organisation").fill("21590001700011")
        capturer(page, "admin-compte-nouveau")
        page.get_by_role("button", name="Vérifier le compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier le nouveau compte")
        verifier_page(service, page)
        capturer(page, "admin-compte-verifier")
        page.get_by_role("button", name="Créer le compte").click()
        expect(page.get_by_role("status")).to_contain_text("Le compte est créé")
        expect(page.get_by_role("heading", name="Comptes à approuver (1)")).to_be_visible()
        # Le demandeur n'a pas de lien pour approuver son propre compte.
        expect(page.get_by_role("link", name="Approuver le compte agent.nouveau")).to_have_count(0)
        verifier_page(service, page)
        capturer(page, "admin-comptes")

        # Communes.
        page.get_by_role("link", name="Communes", exact=True).first.click()
        page.get_by_label("Code INSEE").fill("59003")
        page.get_by_label("Nom de la commune").fill("Coron-Fictif")
        page.get_by_label("Département").fill("59")
        page.get_by_role("button", name="Enregistrer la commune").click()
        expect(page.get_by_role("status")).to_contain_text("La commune 59003 est enregistrée")
        verifier_page(service, page)
        capturer(page, "admin-communes")

        # Conventions : déposer, lire, enregistrer.
        fichier = tmp_path / "msa-coron.toml"
        fichier.write_text(convention_toml("msa-coron", "msa", "pivot-familles", ["59003"]), encoding="utf-8")
        page.get_by_role("link", name="Conventions", exact=True).first.click()
        verifier_page(service, page)
        page.get_by_label("Fichier de la convention").set_input_files(str(fichier))
        page.get_by_role("button", name="Lire la convention").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier la convention msa-coron")
        verifier_page(service, page)
        capturer(page, "admin-convention-verifier")
        page.get_by_role("button", name="Enregistrer la convention").click()
        expect(page.get_by_role("status")).to_contain_text("La convention est enregistrée")
        expect(page.get_by_role("heading", name="msa-coron — Convention de test")).to_be_visible()
        # Page rechargée avant la capture : après l'envoi du fichier, le champ caché du formulaire de
        # déconnexion porte un style posé pendant la capture, que le DSFR recopie dans le menu mobile
        # (violation de style-src signalée par la console).
        page.goto(service.url("/admin/conventions"))
        verifier_page(service, page)
        capturer(page, "admin-conventions")

        # Clés, puis purge simulée et confirmée.
        page.get_by_role("link", name="Clés", exact=True).first.click()
        expect(page.locator("#empreinte-maitresse")).not_to_be_empty()
        verifier_page(service, page)
        capturer(page, "admin-cles")
        page.get_by_role("link", name="Purge", exact=True).first.click()
        verifier_page(service, page)
        page.get_by_role("button", name="Simuler la purge").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Purge : simulation")
        verifier_page(service, page)
        capturer(page, "admin-purge-simulation")
        page.get_by_role("button", name="Confirmer la purge").click()
        expect(page.get_by_role("status")).to_contain_text("La purge est faite")
        verifier_page(service, page)
        page.get_by_role("button", name="Se déconnecter").click()

        # Le DPO approuve le compte et reçoit sa clé, une seule fois.
        _se_connecter(service, page, "dpo.test")
        page.get_by_role("link", name="Comptes", exact=True).first.click()
        page.get_by_role("link", name="Approuver le compte agent.nouveau").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Approuver le compte agent.nouveau")
        verifier_page(service, page)
        capturer(page, "admin-approbation")
        page.get_by_role("button", name="Approuver et voir la clé").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Compte agent.nouveau approuvé")
        verifier_page(service, page)
        capturer(page, "admin-approbation-cle")
        secret = page.locator("#secret-totp").inner_text().replace(" ", "")
        assert len(pyotp.TOTP(secret).now()) == 6
        page.get_by_role("link", name="J'ai remis la clé : revenir aux comptes").click()
        expect(page.get_by_role("heading", name="Comptes à approuver (0)")).to_be_visible()


def test_l_administrateur_desactive_un_compte_au_clavier_seul(service: ServiceWeb) -> None:
    with service.page() as page:
        _se_connecter(service, page, "admin.test")
        tabuler_jusqu_a(page, "nav a[href='/admin/utilisateurs']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Comptes")
        tabuler_jusqu_a(page, "a[href='/admin/utilisateurs/agent.b/desactivation']", essais=80)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Désactiver le compte agent.b")
        verifier_page(service, page)
        capturer(page, "admin-desactivation")
        tabuler_jusqu_a(page, "main button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Le compte est désactivé")
        expect(page.locator("#tableau-comptes tr", has_text="agent.b")).to_contain_text("Désactivé")


def test_une_page_d_administration_refusee_dit_pourquoi(service: ServiceWeb) -> None:
    with service.page() as page:
        _se_connecter(service, page, "agent.a")
        page.goto(service.url("/admin/cles"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
        expect(page.locator("main")).to_contain_text("réservée à l'administrateur technique")
        expect(page.locator("main")).not_to_contain_text("empreinte")
        verifier_page(service, page)
        capturer(page, "admin-refus")
