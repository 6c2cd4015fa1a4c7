"""Rattacher un compte à ProConnect (issue n° 20) : l'administrateur fixe courriel et SIRET avec le rôle.

Par l'API (création, modification) et par la ligne de commande ; rien d'autre ne peut le faire, le
journal ne garde jamais le courriel, et les réglages de ProConnect sont vérifiés au démarrage.
"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from service.cles import preparer_cles
from service.cli import app
from service.parametres import ReglagesService
from tests.service.fabriques import MOT_DE_PASSE, Monde, entrees_audit

AGENT_C = {
    "identifiant": "agent.c",
    "role": "agent_commune",
    "mot_de_passe": MOT_DE_PASSE,
    "communes": ["62001"],
    "courriel": "Dominique.Fictif@Mairie-Calonne.example",
    "siret": "216 200 010 00018",
}


def test_l_administrateur_cree_un_agent_avec_son_courriel_et_le_siret_de_sa_mairie(monde: Monde) -> None:
    reponse = monde.client.post("/api/v1/utilisateurs", headers=monde.entetes("admin.test"), json=AGENT_C)
    assert reponse.status_code == 201, reponse.text
    compte = reponse.json()
    assert compte["courriel"] == "dominique.fictif@mairie-calonne.example"
    assert compte["siret"] == "21620001000018"
    assert compte["proconnect_lie"] is False
    creation = entrees_audit(monde.bdd, "compte_cree")[-1]
    assert "mairie-calonne" not in str(creation)
    assert json.loads(creation.details)["proconnect"] == "rattache"


def test_un_courriel_ne_designe_qu_un_compte(monde: Monde) -> None:
    assert (
        monde.client.post(
            "/api/v1/utilisateurs", headers=monde.entetes("admin.test"), json=AGENT_C
        ).status_code
        == 201
    )
    reponse = monde.client.put(
        "/api/v1/utilisateurs/agent.a/proconnect",
        headers=monde.entetes("admin.test"),
        json={"courriel": AGENT_C["courriel"], "siret": "21590001000012"},
    )
    assert reponse.status_code == 422
    assert "Un autre compte porte déjà cette adresse" in reponse.json()["detail"]


@pytest.mark.parametrize(
    ("corps", "attendu"),
    [
        ({"courriel": "pas-une-adresse", "siret": "21590001000012"}, "Adresse électronique invalide"),
        ({"courriel": "camille@mairie.example", "siret": "2159"}, "SIRET invalide"),
        ({"courriel": "camille@mairie.example"}, "doit porter le SIRET"),
    ],
)
def test_un_rattachement_mal_forme_est_refuse_en_disant_quoi_corriger(
    monde_sqlite: Monde, corps: dict[str, str], attendu: str
) -> None:
    reponse = monde_sqlite.client.put(
        "/api/v1/utilisateurs/agent.a/proconnect", headers=monde_sqlite.entetes("admin.test"), json=corps
    )
    assert reponse.status_code == 422
    assert attendu in reponse.json()["detail"]


@pytest.mark.parametrize("compte", ["dpo.test", "agent.a", "referent.59", "pilote.test"])
def test_seul_l_administrateur_rattache_un_compte(monde_sqlite: Monde, compte: str) -> None:
    reponse = monde_sqlite.client.put(
        "/api/v1/utilisateurs/agent.a/proconnect",
        headers=monde_sqlite.entetes(compte),
        json={"courriel": "camille@mairie.example", "siret": "21590001000012"},
    )
    assert reponse.status_code == 403
    refus = entrees_audit(monde_sqlite.bdd, "autorisation_refusee")[-1]
    assert json.loads(refus.details)["operation"] == "compte_rattacher_proconnect"


def test_rattacher_puis_retirer_est_trace_sans_le_courriel(monde: Monde) -> None:
    entetes = monde.entetes("admin.test")
    reponse = monde.client.put(
        "/api/v1/utilisateurs/referent.59/proconnect",
        headers=entetes,
        json={"courriel": "alex.fictif@ac-exemple.example", "siret": "13001234500017"},
    )
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["courriel"] == "alex.fictif@ac-exemple.example"
    reponse = monde.client.put("/api/v1/utilisateurs/referent.59/proconnect", headers=entetes, json={})
    assert reponse.status_code == 200
    assert reponse.json()["courriel"] is None
    assert reponse.json()["siret"] is None
    traces = [json.loads(e.details) for e in entrees_audit(monde.bdd, "compte_modifie")][-2:]
    assert [t["proconnect"] for t in traces] == ["rattache", "non_rattache"]
    assert "ac-exemple" not in str(entrees_audit(monde.bdd, "compte_modifie"))
    inconnu = monde.client.put("/api/v1/utilisateurs/personne.x/proconnect", headers=entetes, json={})
    assert inconnu.status_code == 404


def test_la_ligne_de_commande_cree_le_premier_administrateur_avec_son_courriel(
    reglages: ReglagesService,
) -> None:
    preparer_cles(reglages)
    resultat = CliRunner().invoke(
        app,
        [
            "utilisateurs",
            "creer",
            "premier.admin",
            "--role",
            "administrateur",
            "--courriel",
            "sacha.fictif@dsden-exemple.example",
            "--mot-de-passe",
            MOT_DE_PASSE,
        ],
    )
    assert resultat.exit_code == 0, resultat.output
    resultat = CliRunner().invoke(
        app, ["utilisateurs", "proconnect", "premier.admin", "--courriel", "autre@dsden-exemple.example"]
    )
    assert resultat.exit_code == 0, resultat.output
    assert "rattaché à ProConnect" in resultat.output
    resultat = CliRunner().invoke(app, ["utilisateurs", "proconnect", "inconnu.x", "--courriel", ""])
    assert resultat.exit_code == 1
    assert "Aucun compte" in resultat.output


@pytest.mark.parametrize(
    ("variables", "attendu"),
    [
        ({"CELLULE_PROCONNECT_URL": "https://proconnect.exemple.fr/api/v2"}, "à moitié réglé"),
        (
            {
                "CELLULE_PROCONNECT_URL": "http://proconnect.exemple.fr/api/v2",
                "CELLULE_PROCONNECT_CLIENT_ID": "id",
                "CELLULE_PROCONNECT_CLIENT_SECRET": "secret",
                "CELLULE_URL_PUBLIQUE": "https://cellule.exemple.fr",
            },
            "https://",
        ),
        (
            {
                "CELLULE_PROCONNECT_URL": "https://proconnect.exemple.fr/api/v2",
                "CELLULE_PROCONNECT_CLIENT_ID": "id",
                "CELLULE_PROCONNECT_CLIENT_SECRET": "secret",
                "CELLULE_URL_PUBLIQUE": "https://cellule.exemple.fr",
                "CELLULE_PROCONNECT_ACR": " ",
            },
            "CELLULE_PROCONNECT_ACR est vide",
        ),
    ],
)
def test_des_reglages_proconnect_incomplets_ou_en_clair_sont_refuses_au_demarrage(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], attendu: str
) -> None:
    for nom, valeur in variables.items():
        monkeypatch.setenv(nom, valeur)
    with pytest.raises(ValidationError, match=attendu):
        ReglagesService()


def test_le_secret_de_proconnect_ne_s_affiche_jamais(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLULE_PROCONNECT_URL", "http://127.0.0.1:9/api/v2")
    monkeypatch.setenv("CELLULE_PROCONNECT_CLIENT_ID", "id")
    monkeypatch.setenv("CELLULE_PROCONNECT_CLIENT_SECRET", "tres-secret-0123456789")
    monkeypatch.setenv("CELLULE_URL_PUBLIQUE", "http://localhost:8000")
    reglages = ReglagesService()
    assert reglages.proconnect_configure()
    assert "tres-secret" not in repr(reglages)
    assert "tres-secret" not in str(reglages.model_dump())
    from service.comptes.proconnect import client_du_service

    client = client_du_service(reglages)
    assert client is not None
    assert "tres-secret" not in repr(client)
