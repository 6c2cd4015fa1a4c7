"""Séparation des tâches : un compte ne sert qu'approuvé par une seconde personne.

Issue de sécurité n° 15, point 2 : un administrateur ne peut pas se donner (ni donner à un complice)
l'accès aux données des enfants en créant un compte d'agent et en s'y connectant.
"""

from __future__ import annotations

import json

import pyotp
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from service.api.application import creer_application
from service.base.connexion import creer_bdd, session_base
from service.base.migrations import configuration, migrer
from service.cles import preparer_cles
from service.cli import app
from service.comptes.sessions import MESSAGE_CONNEXION_REFUSEE
from service.modeles import Utilisateur
from service.parametres import ReglagesService
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit

AGENT_C = {
    "identifiant": "agent.c",
    "role": "agent_commune",
    "mot_de_passe": MOT_DE_PASSE,
    "communes": ["62001"],
}


def _connexion(monde: Monde, identifiant: str, decalage: int = 0) -> tuple[int, str]:
    reponse = monde.client.post(
        "/api/v1/session",
        json={
            "identifiant": identifiant,
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets[identifiant], decalage),
        },
    )
    monde.client.cookies.clear()
    return reponse.status_code, reponse.json().get("detail", "")


def _approuver(monde: Monde, identifiant: str, par: str) -> tuple[int, str]:
    """Approuve par l'API ; le secret TOTP remis à l'approbateur est gardé pour se connecter."""
    reponse = monde.client.post(f"/api/v1/utilisateurs/{identifiant}/approbation", headers=monde.entetes(par))
    if reponse.status_code == 200:
        monde.secrets[identifiant] = reponse.json()["totp_secret"]
    return reponse.status_code, reponse.text


def _creer(monde: Monde, par: str, compte: dict[str, object]) -> None:
    reponse = monde.client.post("/api/v1/utilisateurs", headers=monde.entetes(par), json=compte)
    assert reponse.status_code == 201, reponse.text
    assert reponse.json()["approuve"] is False
    assert "totp_secret" not in reponse.json()
    # Le demandeur n'a que le mot de passe : un secret au hasard tient lieu du second facteur inconnu.
    monde.secrets[str(compte["identifiant"])] = pyotp.random_base32()


def test_un_agent_cree_par_l_administrateur_ne_sert_qu_approuve_par_le_dpo(monde: Monde) -> None:
    _creer(monde, "admin.test", AGENT_C)
    # En attente : refusé comme un compte inconnu ; la raison n'est écrite qu'au journal.
    assert _connexion(monde, "agent.c") == (401, MESSAGE_CONNEXION_REFUSEE)
    assert json.loads(entrees_audit(monde.bdd, "connexion")[-1].details)["raison"] == (
        "en_attente_approbation"
    )
    # Le créateur ne s'approuve pas lui-même ; le refus est en français et audité.
    code, texte = _approuver(monde, "agent.c", "admin.test")
    assert code == 403
    assert "revient au DPO ou à un autre administrateur" in json.loads(texte)["detail"]
    refus = entrees_audit(monde.bdd, "autorisation_refusee")[-1]
    assert (refus.acteur, json.loads(refus.details)["operation"]) == ("admin.test", "compte_approuver")
    assert _connexion(monde, "agent.c")[0] == 401

    code, texte = _approuver(monde, "agent.c", "dpo.test")
    assert code == 200, texte
    assert json.loads(texte)["approuve"] is True
    assert _connexion(monde, "agent.c", decalage=1)[0] == 200
    # Les deux temps sont tracés : la demande (création en attente) et l'approbation.
    creation = [e for e in entrees_audit(monde.bdd, "compte_cree") if e.cible_id == "agent.c"]
    assert [(e.acteur, json.loads(e.details)["etat"]) for e in creation] == [
        ("admin.test", "en_attente_approbation")
    ]
    approbation = [e for e in entrees_audit(monde.bdd, "compte_approuve") if e.cible_id == "agent.c"]
    assert [(e.acteur, json.loads(e.details)["demande_par"]) for e in approbation] == [
        ("dpo.test", "admin.test")
    ]
    assert _approuver(monde, "agent.c", "dpo.test")[0] == 409


def test_un_second_administrateur_cree_par_le_premier_ne_sert_pas_a_s_approuver(monde: Monde) -> None:
    # Le détour : créer un second administrateur pour approuver son propre agent.
    _creer(monde, "admin.test", AGENT_C)
    _creer(
        monde,
        "admin.test",
        {"identifiant": "admin.bis", "role": "administrateur", "mot_de_passe": MOT_DE_PASSE},
    )
    assert _approuver(monde, "admin.bis", "admin.test")[0] == 403
    assert _connexion(monde, "admin.bis")[0] == 401
    # Approuvé par le DPO, c'est une seconde personne : il peut alors approuver l'agent.
    assert _approuver(monde, "admin.bis", "dpo.test")[0] == 200
    # Il remplace d'abord le mot de passe initial, fixé par le premier administrateur.
    changement = monde.client.post(
        "/api/v1/session/mot-de-passe",
        headers=monde.entetes("admin.bis"),
        json={"ancien": MOT_DE_PASSE, "nouveau": "Une autre phrase choisie par lui seul 2027"},
    )
    assert changement.status_code == 204, changement.text
    code, texte = _approuver(monde, "agent.c", "admin.bis")
    assert code == 200, texte
    assert _connexion(monde, "agent.c")[0] == 200


@pytest.mark.parametrize("compte", ["agent.a", "referent.59", "pilote.test"])
def test_seuls_le_dpo_et_les_administrateurs_approuvent(monde_sqlite: Monde, compte: str) -> None:
    _creer(monde_sqlite, "admin.test", AGENT_C)
    assert _approuver(monde_sqlite, "agent.c", compte)[0] == 403
    assert _connexion(monde_sqlite, "agent.c")[0] == 401


def test_un_nouveau_secret_totp_remet_le_compte_en_attente_d_approbation(monde: Monde) -> None:
    # Qui a créé le compte connaît son mot de passe initial : avec un nouveau secret, il y entrerait.
    entetes = monde.entetes("agent.a")
    ancien_secret = monde.secrets["agent.a"]
    nouveau = monde.client.post("/api/v1/utilisateurs/agent.a/totp", headers=monde.entetes("admin.test"))
    assert nouveau.status_code == 200
    assert nouveau.json()["approuve"] is False
    assert "totp_secret" not in nouveau.json()
    assert monde.client.get("/api/v1/session", headers=entetes).status_code == 401
    assert _connexion(monde, "agent.a", decalage=1)[0] == 401
    assert _approuver(monde, "agent.a", "admin.test")[0] == 403
    assert _approuver(monde, "agent.a", "dpo.test")[0] == 200
    assert monde.secrets["agent.a"] != ancien_secret
    assert _connexion(monde, "agent.a", decalage=1)[0] == 200


def test_un_compte_n_a_qu_un_role(monde_sqlite: Monde) -> None:
    # Un identifiant désigne une personne et porte un seul rôle : l'administrateur ne peut pas
    # recevoir en plus le rôle d'agent, ni l'agent celui d'administrateur.
    for identifiant, role in (("admin.test", "agent_commune"), ("agent.a", "administrateur")):
        compte = {**AGENT_C, "identifiant": identifiant, "role": role}
        if role == "administrateur":
            compte.pop("communes")
        reponse = monde_sqlite.client.post(
            "/api/v1/utilisateurs", headers=monde_sqlite.entetes("admin.test"), json=compte
        )
        assert reponse.status_code == 422
        assert "existe déjà" in reponse.json()["detail"]


def test_les_premiers_comptes_viennent_de_la_ligne_de_commande_et_sont_traces(
    reglages: ReglagesService,
) -> None:
    preparer_cles(reglages)
    runner = CliRunner()

    def creer(identifiant: str, *options: str) -> tuple[int, str]:
        resultat = runner.invoke(
            app, ["utilisateurs", "creer", identifiant, *options, "--mot-de-passe", MOT_DE_PASSE]
        )
        return resultat.exit_code, resultat.output

    code, sortie = creer("premier.admin", "--role", "administrateur")
    assert code == 0, sortie
    assert "approuvé d'office" in sortie
    secret = sortie.split("secret : ")[1].split()[0]
    assert creer("premier.dpo", "--role", "dpo")[0] == 0
    # Ensuite, plus rien par cette voie : ni un second administrateur, ni un agent.
    code, sortie = creer("second.admin", "--role", "administrateur")
    assert (code, "déjà un compte « administrateur »" in sortie) == (1, True)
    code, sortie = creer("agent.x", "--role", "agent_commune", "--commune", "59001")
    assert (code, "par l'API" in sortie) == (1, True)

    bdd = creer_bdd(reglages.base)
    traces = sorted(
        (e.action, e.acteur, e.cible_id, json.loads(e.details).get("etat") or json.loads(e.details)["voie"])
        for action in ("compte_cree", "compte_approuve")
        for e in entrees_audit(bdd, action)
    )
    assert traces == [
        ("compte_approuve", "exploitant", "premier.admin", "installation"),
        ("compte_approuve", "exploitant", "premier.dpo", "installation"),
        ("compte_cree", "exploitant", "premier.admin", "approuve"),
        ("compte_cree", "exploitant", "premier.dpo", "approuve"),
    ]
    with TestClient(creer_application(bdd)) as client:
        reponse = client.post(
            "/api/v1/session",
            json={
                "identifiant": "premier.admin",
                "mot_de_passe": MOT_DE_PASSE,
                "code_totp": code_totp(secret),
            },
        )
    assert reponse.status_code == 200, reponse.text
    # Le mot de passe tapé par l'exploitant est à remplacer avant toute autre chose.
    assert reponse.json()["mot_de_passe_a_changer"] is True
    bdd.dispose()


def test_la_migration_repute_approuves_les_comptes_existants(reglages: ReglagesService) -> None:
    bdd = creer_bdd(reglages.base)
    config = configuration()
    with bdd.begin() as connexion:
        config.attributes["connection"] = connexion
        command.upgrade(config, "0002")
        connexion.execute(
            sa.text(
                "insert into utilisateur (identifiant, nom_affiche, role, mot_de_passe_hache, totp_secret, "
                "actif, echecs, cree_le) values ('ancien.agent', '', 'agent_commune', 'x', 'x', true, 0, "
                "'2026-09-01 08:00:00')"
            )
        )
    migrer(bdd)
    with session_base(bdd) as session:
        ancien = session.exec(select(Utilisateur).where(Utilisateur.identifiant == "ancien.agent")).one()
        assert ancien.approuve_le == ancien.cree_le
        assert (ancien.demande_par, ancien.approuve_par) == (None, None)
        # En service avant la migration 0006 : pas de changement de mot de passe imposé.
        assert ancien.mot_de_passe_a_changer is False
    bdd.dispose()
