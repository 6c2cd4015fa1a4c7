"""Le mot de passe initial, fixé par l'administrateur, se change avant toute autre chose (ASVS 6.4.1)."""

from __future__ import annotations

import json

from sqlmodel import select

from service.base.connexion import session_base
from service.modeles import Utilisateur
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit

NOUVEAU = "Ma propre phrase de passe choisie seule 2027"


def test_un_compte_cree_par_l_administrateur_change_son_mot_de_passe_avant_toute_autre_chose(
    monde: Monde,
) -> None:
    cree = monde.client.post(
        "/api/v1/utilisateurs",
        headers=monde.entetes("admin.test"),
        json={
            "identifiant": "agent.c",
            "role": "agent_commune",
            "mot_de_passe": MOT_DE_PASSE,
            "communes": ["62001"],
        },
    )
    assert cree.status_code == 201, cree.text
    monde.approuver("agent.c")
    # La connexion réussit et dit ce qui reste à faire.
    connexion = monde.connecter("agent.c")
    assert connexion["mot_de_passe_a_changer"] is True
    entetes = monde.entetes("agent.c")
    for appel in (
        lambda: monde.client.get("/api/v1/campagnes", headers=entetes),
        lambda: monde.client.get("/api/v1/sessions", headers=entetes),
        lambda: monde.client.post(
            "/api/v1/campagnes",
            headers=entetes,
            json={"commune": "62001", "date_reference": "2026-10-01", "libelle": "Rentrée"},
        ),
    ):
        refus = appel()
        assert refus.status_code == 403
        assert refus.json()["detail"] == (
            "Changez d'abord votre mot de passe initial (POST /api/v1/session/mot-de-passe)."
        )
    refus_audites = [
        json.loads(e.details)["operation"]
        for e in entrees_audit(monde.bdd, "autorisation_refusee")
        if e.acteur == "agent.c"
    ]
    assert refus_audites == ["mot_de_passe_initial"] * 3
    # Savoir qui l'on est et changer son mot de passe restent permis.
    assert monde.client.get("/api/v1/session", headers=entetes).status_code == 200
    change = monde.client.post(
        "/api/v1/session/mot-de-passe", headers=entetes, json={"ancien": MOT_DE_PASSE, "nouveau": NOUVEAU}
    )
    assert change.status_code == 204, change.text
    assert monde.client.get("/api/v1/campagnes", headers=entetes).status_code == 200
    with session_base(monde.bdd) as session:
        compte = session.exec(select(Utilisateur).where(Utilisateur.identifiant == "agent.c")).one()
        assert compte.mot_de_passe_a_changer is False
    suivante = monde.client.post(
        "/api/v1/session",
        json={
            "identifiant": "agent.c",
            "mot_de_passe": NOUVEAU,
            "code_totp": code_totp(monde.secrets["agent.c"], 1),
        },
    )
    monde.client.cookies.clear()
    assert suivante.json()["mot_de_passe_a_changer"] is False


def test_un_compte_en_service_n_a_rien_a_changer(monde: Monde) -> None:
    assert monde.connecter("agent.a")["mot_de_passe_a_changer"] is False
    assert monde.client.get("/api/v1/campagnes", headers=monde.entetes("agent.a")).status_code == 200
