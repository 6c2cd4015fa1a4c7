"""Sessions : les voir et fermer les siennes, nombre borné par compte, fermeture par l'administrateur ;
en-têtes HSTS et Clear-Site-Data."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from service.api.application import creer_application
from service.base.connexion import session_base
from service.modeles import SessionWeb, Utilisateur
from service.parametres import parametres
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit


def _connecter(monde: Monde, identifiant: str) -> dict[str, str]:
    """Une session de plus pour le compte : le dernier pas TOTP est oublié, le même code resert."""
    with session_base(monde.bdd) as session:
        utilisateur = session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).one()
        utilisateur.dernier_pas_totp = None
    reponse = monde.client.post(
        "/api/v1/session",
        json={
            "identifiant": identifiant,
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets[identifiant]),
        },
    )
    assert reponse.status_code == 200, reponse.text
    monde.client.cookies.clear()
    return {"Authorization": f"Bearer {reponse.json()['jeton']}"}


def _ouverte(monde: Monde, entetes: dict[str, str]) -> bool:
    return monde.client.get("/api/v1/session", headers=entetes).status_code == 200


def _sessions_en_base(monde: Monde, identifiant: str) -> list[SessionWeb]:
    with session_base(monde.bdd) as session:
        return list(
            session.exec(
                select(SessionWeb)
                .join(Utilisateur, col(Utilisateur.id) == col(SessionWeb.utilisateur_id))
                .where(Utilisateur.identifiant == identifiant)
                .order_by(col(SessionWeb.id))
            )
        )


def test_derriere_tls_chaque_reponse_impose_https_un_an_sous_domaines_compris(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    # En HTTP (développement), pas de HSTS : le navigateur l'ignorerait et le poser tromperait.
    assert "Strict-Transport-Security" not in monde.client.get("/sante").headers
    monkeypatch.setenv("CELLULE_COOKIE_SECURISE", "1")
    parametres.cache_clear()
    with TestClient(creer_application(monde.bdd), base_url="https://testserver") as client:
        for reponse in (client.get("/sante"), client.get("/api/v1/cas"), client.get("/inexistant")):
            assert reponse.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_la_deconnexion_demande_au_navigateur_d_effacer_cache_cookies_et_stockage(monde: Monde) -> None:
    entetes = _connecter(monde, "agent.a")
    assert "Clear-Site-Data" not in monde.client.get("/api/v1/session", headers=entetes).headers
    sortie = monde.client.delete("/api/v1/session", headers=entetes)
    assert sortie.status_code == 204
    assert sortie.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_je_vois_mes_sessions_ouvertes_sans_leur_jeton_et_ferme_celle_que_je_ne_reconnais_pas(
    monde: Monde,
) -> None:
    ailleurs = _connecter(monde, "agent.a")
    ici = _connecter(monde, "agent.a")
    _connecter(monde, "agent.b")
    liste = monde.client.get("/api/v1/sessions", headers=ici)
    assert liste.status_code == 200
    sessions = liste.json()
    # Seulement les miennes, avec l'adresse vue à la connexion ; jamais un jeton ni son empreinte.
    assert len(sessions) == 2
    assert [s["courante"] for s in sessions] == [False, True]
    assert {s["adresse_client"] for s in sessions} == {"testclient"}
    assert set(sessions[0]) == {"id", "creee_le", "derniere_activite", "adresse_client", "courante"}
    for jeton in (ailleurs, ici):
        assert jeton["Authorization"].removeprefix("Bearer ") not in liste.text
    assert [e.acteur for e in entrees_audit(monde.bdd, "sessions_listees")] == ["agent.a"]
    autre = sessions[0]["id"]
    assert monde.client.delete(f"/api/v1/sessions/{autre}", headers=ici).status_code == 204
    assert not _ouverte(monde, ailleurs)
    assert _ouverte(monde, ici)
    assert [s["id"] for s in monde.client.get("/api/v1/sessions", headers=ici).json()] == [sessions[1]["id"]]
    (fermeture,) = entrees_audit(monde.bdd, "session_fermee")
    assert (fermeture.acteur, fermeture.cible_type, fermeture.cible_id) == ("agent.a", "session", str(autre))
    # Fermer la session de la requête passe par la déconnexion, qui efface aussi les cookies.
    courante = monde.client.delete(f"/api/v1/sessions/{sessions[1]['id']}", headers=ici)
    assert courante.status_code == 409
    assert "DELETE /api/v1/session" in courante.json()["detail"]


def test_je_ferme_toutes_mes_autres_sessions_d_un_coup(monde: Monde) -> None:
    anciennes = [_connecter(monde, "referent.59") for _ in range(2)]
    ici = _connecter(monde, "referent.59")
    autre_compte = _connecter(monde, "agent.a")
    reponse = monde.client.delete("/api/v1/sessions/autres", headers=ici)
    assert reponse.status_code == 200
    assert reponse.json() == {"fermees": 2}
    assert [_ouverte(monde, e) for e in (*anciennes, ici, autre_compte)] == [False, False, True, True]
    (fermeture,) = entrees_audit(monde.bdd, "session_fermee")
    assert json.loads(fermeture.details)["nombre"] == 2


def test_la_session_d_un_autre_compte_repond_introuvable_comme_une_session_inconnue(monde: Monde) -> None:
    agent_a = _connecter(monde, "agent.a")
    agent_b = _connecter(monde, "agent.b")
    (session_b,) = _sessions_en_base(monde, "agent.b")
    assert session_b.id is not None
    chez_b = monde.client.delete(f"/api/v1/sessions/{session_b.id}", headers=agent_a)
    inconnue = monde.client.delete(f"/api/v1/sessions/{session_b.id + 1000}", headers=agent_a)
    # 404 et non 403 : la réponse ne dit pas qu'une session de ce numéro existe chez un autre.
    assert (chez_b.status_code, inconnue.status_code) == (404, 404)
    assert chez_b.json() == inconnue.json()
    assert _ouverte(monde, agent_b)
    assert entrees_audit(monde.bdd, "session_fermee") == []
    # Un numéro hors des entiers de la base est refusé proprement, pas par une erreur 500.
    assert monde.client.delete(f"/api/v1/sessions/{2**63}", headers=agent_a).status_code == 422


def test_au_dela_du_nombre_permis_une_connexion_ferme_la_plus_ancienne(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parametres().sessions_par_compte == 3
    connexions = [_connecter(monde, "agent.a") for _ in range(4)]
    assert [_ouverte(monde, e) for e in connexions] == [False, True, True, True]
    premiere = _sessions_en_base(monde, "agent.a")[0]
    (fermeture,) = entrees_audit(monde.bdd, "session_fermee")
    assert (fermeture.acteur, fermeture.cible_id) == ("agent.a", str(premiere.id))
    assert json.loads(fermeture.details) == {"raison": "nombre_max_de_sessions"}
    # Le nombre se règle : à une seule session, la nouvelle connexion ferme toutes les autres.
    monkeypatch.setenv("CELLULE_SESSIONS_PAR_COMPTE", "1")
    parametres.cache_clear()
    derniere = _connecter(monde, "agent.a")
    assert [_ouverte(monde, e) for e in (*connexions, derniere)] == [False] * 4 + [True]
    assert len(entrees_audit(monde.bdd, "session_fermee")) == 4


def test_l_administrateur_ferme_les_sessions_d_un_compte_ou_de_tous(monde: Monde) -> None:
    admin = _connecter(monde, "admin.test")
    agent_a, agent_b, dpo = (_connecter(monde, c) for c in ("agent.a", "agent.b", "dpo.test"))
    un = monde.client.delete("/api/v1/utilisateurs/agent.a/sessions", headers=admin)
    assert (un.status_code, un.json()) == (200, {"fermees": 1})
    assert [_ouverte(monde, e) for e in (agent_a, agent_b, dpo, admin)] == [False, True, True, True]
    inconnu = monde.client.delete("/api/v1/utilisateurs/personne/sessions", headers=admin)
    assert inconnu.status_code == 404
    # Personne d'autre que l'administrateur : le refus est audité.
    for appel in ("/api/v1/utilisateurs/sessions", "/api/v1/utilisateurs/agent.a/sessions"):
        assert monde.client.delete(appel, headers=dpo).status_code == 403
    assert len(entrees_audit(monde.bdd, "autorisation_refusee")) == 2
    tous = monde.client.delete("/api/v1/utilisateurs/sessions", headers=admin)
    assert (tous.status_code, tous.json()) == (200, {"fermees": 2})
    # Sa propre session reste ouverte.
    assert [_ouverte(monde, e) for e in (agent_b, dpo, admin)] == [False, False, True]
    details = [json.loads(e.details) for e in entrees_audit(monde.bdd, "session_fermee")]
    assert [(d["portee"], d["nombre"]) for d in details] == [("un_compte", 1), ("tous_les_comptes", 2)]


def test_desactiver_un_compte_ferme_toutes_ses_sessions(monde: Monde) -> None:
    connexions = [_connecter(monde, "agent.a") for _ in range(2)]
    admin = _connecter(monde, "admin.test")
    assert monde.client.post("/api/v1/utilisateurs/agent.a/desactiver", headers=admin).status_code == 200
    # Fermées en base, pas seulement refusées à la prochaine requête.
    assert [s.fermee_le is not None for s in _sessions_en_base(monde, "agent.a")] == [True, True]
    assert [_ouverte(monde, e) for e in connexions] == [False, False]
