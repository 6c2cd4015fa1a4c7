"""Comptes, second facteur, sessions et CSRF."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from service.base.connexion import maintenant, session_base
from service.cli import app
from service.comptes.limiteur import Limiteur
from service.comptes.sessions import MESSAGE_CONNEXION_REFUSEE
from service.modeles import SessionWeb, Utilisateur
from service.parametres import parametres
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit


def _connexion(monde: Monde, identifiant: str, mot_de_passe: str = MOT_DE_PASSE, decalage: int = 0) -> int:
    reponse = monde.client.post(
        "/api/v1/session",
        json={
            "identifiant": identifiant,
            "mot_de_passe": mot_de_passe,
            "code_totp": code_totp(monde.secrets[identifiant], decalage),
        },
    )
    monde.client.cookies.clear()
    return reponse.status_code


def test_la_sante_repond_sans_authentification(monde_sqlite: Monde) -> None:
    assert monde_sqlite.client.get("/sante").json() == {"etat": "ok"}


def test_chaque_reponse_porte_les_en_tetes_de_securite(monde_sqlite: Monde) -> None:
    for reponse in (monde_sqlite.client.get("/sante"), monde_sqlite.client.get("/api/v1/cas")):
        assert reponse.headers["X-Frame-Options"] == "DENY"
        assert reponse.headers["X-Content-Type-Options"] == "nosniff"
        assert reponse.headers["Referrer-Policy"] == "no-referrer"
        assert reponse.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in reponse.headers["Content-Security-Policy"]
    # La documentation interactive a sa propre politique, sans « unsafe-inline » (voir test_socle).
    assert "'unsafe" not in monde_sqlite.client.get("/docs").headers["Content-Security-Policy"]


def test_sans_session_l_api_demande_de_se_connecter(monde_sqlite: Monde) -> None:
    reponse = monde_sqlite.client.get("/api/v1/cas")
    assert reponse.status_code == 401
    assert "Connectez-vous" in reponse.json()["detail"]


def test_le_code_totp_est_obligatoire_et_ne_sert_qu_une_fois(monde: Monde) -> None:
    refus = monde.client.post(
        "/api/v1/session",
        json={"identifiant": "agent.a", "mot_de_passe": MOT_DE_PASSE, "code_totp": "000000"},
    )
    assert refus.status_code == 401
    assert refus.json()["detail"] == MESSAGE_CONNEXION_REFUSEE
    assert _connexion(monde, "agent.a") == 200
    # Le même code rejoué dans la même fenêtre ne rouvre pas de session.
    assert _connexion(monde, "agent.a") == 401
    assert [e.details for e in entrees_audit(monde.bdd, "second_facteur")]


def test_un_identifiant_inconnu_recoit_le_meme_message(monde_sqlite: Monde) -> None:
    reponse = monde_sqlite.client.post(
        "/api/v1/session",
        json={"identifiant": "personne", "mot_de_passe": MOT_DE_PASSE, "code_totp": "123456"},
    )
    assert reponse.status_code == 401
    assert reponse.json()["detail"] == MESSAGE_CONNEXION_REFUSEE
    refus = entrees_audit(monde_sqlite.bdd, "connexion")
    assert (refus[-1].acteur, refus[-1].resultat) == ("anonyme", "refus")


def test_cinq_echecs_verrouillent_le_compte_meme_avec_le_bon_mot_de_passe(monde_sqlite: Monde) -> None:
    for _ in range(5):
        assert _connexion(monde_sqlite, "agent.b", "mauvais mot de passe 123") == 401
    reponse = monde_sqlite.client.post(
        "/api/v1/session",
        json={
            "identifiant": "agent.b",
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde_sqlite.secrets["agent.b"]),
        },
    )
    assert reponse.status_code == 401
    assert "verrouillé" in reponse.json()["detail"]
    with session_base(monde_sqlite.bdd) as session:
        compte = session.exec(select(Utilisateur).where(Utilisateur.identifiant == "agent.b")).one()
        assert compte.verrouille_jusqu_a is not None
        assert compte.verrouille_jusqu_a > maintenant()
        compte.verrouille_jusqu_a = maintenant() - timedelta(seconds=1)
    assert _connexion(monde_sqlite, "agent.b") == 200


def test_un_compte_verrouille_ne_se_distingue_pas_d_un_identifiant_inconnu(monde_sqlite: Monde) -> None:
    # Sinon, cinq essais sur un identifiant suffiraient à savoir s'il existe.
    def essai(identifiant: str) -> tuple[int, str]:
        reponse = monde_sqlite.client.post(
            "/api/v1/session",
            json={
                "identifiant": identifiant,
                "mot_de_passe": "mauvais mot de passe 123",
                "code_totp": "123456",
            },
        )
        return reponse.status_code, reponse.json()["detail"]

    for _ in range(5):
        essai("agent.b")
        essai("personne.inconnue")
    assert essai("agent.b") == essai("personne.inconnue") == (401, MESSAGE_CONNEXION_REFUSEE)
    assert [json.loads(e.details)["raison"] for e in entrees_audit(monde_sqlite.bdd, "connexion")][-2:] == [
        "verrouille",
        "compte_inconnu_ou_inactif",
    ]


def test_changer_son_mot_de_passe(monde_sqlite: Monde) -> None:
    entetes = monde_sqlite.entetes("agent.a")
    nouveau = "Une autre phrase assez longue 7"
    reponse = monde_sqlite.client.post(
        "/api/v1/session/mot-de-passe", headers=entetes, json={"ancien": MOT_DE_PASSE, "nouveau": nouveau}
    )
    assert reponse.status_code == 204
    assert monde_sqlite.client.get("/api/v1/session", headers=entetes).status_code == 200
    assert _connexion(monde_sqlite, "agent.a", nouveau, decalage=1) == 200


def test_une_session_volee_ne_sert_pas_a_essayer_des_mots_de_passe(monde_sqlite: Monde) -> None:
    entetes = monde_sqlite.entetes("agent.b")
    essai = {"ancien": "mauvais mot de passe 123", "nouveau": "Une autre phrase assez longue 7"}
    for _ in range(5):
        reponse = monde_sqlite.client.post("/api/v1/session/mot-de-passe", headers=entetes, json=essai)
        assert reponse.status_code == 422
        assert "ancien mot de passe est incorrect" in reponse.json()["detail"]
    # Au cinquième échec, le compte est verrouillé et la session fermée.
    assert monde_sqlite.client.get("/api/v1/session", headers=entetes).status_code == 401
    assert _connexion(monde_sqlite, "agent.b", decalage=1) == 401
    refus = [e for e in entrees_audit(monde_sqlite.bdd, "compte_modifie") if e.resultat == "refus"]
    assert len(refus) == 5


@pytest.mark.parametrize(
    ("mot_de_passe", "attendu"),
    [
        ("Court-1", "trop court"),
        ("motdepasse123", "trop courant"),
        ("azertyuiop123", "trop courant"),
        ("aaaaaaaaaaaaaaa", "répète"),
        ("xagent.nouveau-longueur", "identifiant"),
        ("Ablainville-Fictive 59001", "votre commune"),
    ],
)
def test_les_mots_de_passe_faibles_sont_refuses(monde_sqlite: Monde, mot_de_passe: str, attendu: str) -> None:
    reponse = monde_sqlite.client.post(
        "/api/v1/utilisateurs",
        headers=monde_sqlite.entetes("admin.test"),
        json={
            "identifiant": "agent.nouveau",
            "role": "agent_commune",
            "mot_de_passe": mot_de_passe,
            "communes": ["59001"],
        },
    )
    assert reponse.status_code == 422
    assert attendu in reponse.json()["detail"]


def test_les_mots_de_passe_faciles_a_deviner_sont_refuses_et_une_phrase_acceptee(monde: Monde) -> None:
    # Les quatre mots de passe faibles acceptés jusqu'ici (issue de sécurité n° 15, point 9).
    admin = monde.entetes("admin.test")
    for faible in ("Cellule2026!!", "Admin1234567", "Motdepasse12!", "qwertyuiopas"):
        reponse = monde.client.post(
            "/api/v1/utilisateurs",
            headers=admin,
            json={"identifiant": "dpo.nouveau", "role": "dpo", "mot_de_passe": faible},
        )
        assert reponse.status_code == 422, faible
        assert "trop facile à deviner" in reponse.json()["detail"]
        assert "phrase d'au moins quatre mots" in reponse.json()["detail"]
    acceptee = monde.client.post(
        "/api/v1/utilisateurs",
        headers=admin,
        json={"identifiant": "dpo.nouveau", "role": "dpo", "mot_de_passe": "Cheval agrafe batterie correcte"},
    )
    assert acceptee.status_code == 201, acceptee.text


def test_changer_de_mot_de_passe_refuse_l_actuel_et_un_mot_de_passe_faible(monde: Monde) -> None:
    entetes = monde.entetes("agent.a")
    for nouveau, attendu in (
        (MOT_DE_PASSE, "identique à l'actuel"),
        ("Ablainville-Fictive 2026", "votre commune"),
        ("Cellule2026!!", "trop facile à deviner"),
    ):
        reponse = monde.client.post(
            "/api/v1/session/mot-de-passe", headers=entetes, json={"ancien": MOT_DE_PASSE, "nouveau": nouveau}
        )
        assert reponse.status_code == 422, nouveau
        assert attendu in reponse.json()["detail"]
    assert _connexion(monde, "agent.a", decalage=1) == 200


def test_l_administrateur_cree_un_compte_qui_s_enrole_puis_le_desactive(monde_sqlite: Monde) -> None:
    admin = monde_sqlite.entetes("admin.test")
    cree = monde_sqlite.client.post(
        "/api/v1/utilisateurs",
        headers=admin,
        json={
            "identifiant": "agent.c",
            "role": "agent_commune",
            "mot_de_passe": MOT_DE_PASSE,
            "communes": ["62001"],
        },
    )
    assert cree.status_code == 201
    assert cree.json()["approuve"] is False
    # Le demandeur n'a pas le second facteur : il est remis à l'approbateur.
    assert "totp_secret" not in cree.json()
    approbation = monde_sqlite.client.post(
        "/api/v1/utilisateurs/agent.c/approbation", headers=monde_sqlite.entetes("dpo.test")
    )
    assert approbation.status_code == 200
    assert approbation.json()["uri_totp"].startswith("otpauth://totp/cellule:agent.c")
    monde_sqlite.secrets["agent.c"] = approbation.json()["totp_secret"]
    assert monde_sqlite.connecter("agent.c")["communes"] == ["62001"]
    liste = {
        c["identifiant"]: c for c in monde_sqlite.client.get("/api/v1/utilisateurs", headers=admin).json()
    }
    assert liste["agent.c"]["totp_confirme"] is True
    assert (
        monde_sqlite.client.post("/api/v1/utilisateurs/agent.c/desactiver", headers=admin).status_code == 200
    )
    # La session ouverte meurt avec le compte.
    assert (
        monde_sqlite.client.get("/api/v1/campagnes", headers=monde_sqlite.entetes("agent.c")).status_code
        == 401
    )


def test_la_deconnexion_detruit_vraiment_la_session(monde: Monde) -> None:
    entetes = monde.entetes("agent.a")
    assert monde.client.get("/api/v1/session", headers=entetes).json()["identifiant"] == "agent.a"
    assert monde.client.delete("/api/v1/session", headers=entetes).status_code == 204
    assert monde.client.get("/api/v1/session", headers=entetes).status_code == 401


def test_inactivite_et_duree_maximale_ferment_la_session(monde_sqlite: Monde) -> None:
    entetes = monde_sqlite.entetes("agent.a")
    with session_base(monde_sqlite.bdd) as session:
        ouverte = session.exec(select(SessionWeb)).one()
        ouverte.derniere_activite = maintenant() - timedelta(minutes=31)
    assert monde_sqlite.client.get("/api/v1/session", headers=entetes).status_code == 401
    entetes = {"Authorization": f"Bearer {monde_sqlite.connecter('agent.b')['jeton']}"}
    with session_base(monde_sqlite.bdd) as session:
        ouverte = session.exec(select(SessionWeb).where(SessionWeb.fermee_le.is_(None))).one()  # type: ignore[union-attr]
        ouverte.expire_le = maintenant() - timedelta(seconds=1)
    assert monde_sqlite.client.get("/api/v1/session", headers=entetes).status_code == 401


def test_une_nouvelle_connexion_remplace_la_session_du_cookie(monde_sqlite: Monde) -> None:
    client = monde_sqlite.client
    premiere = client.post(
        "/api/v1/session",
        json={
            "identifiant": "agent.a",
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde_sqlite.secrets["agent.a"]),
        },
    )
    ancien = premiere.json()["jeton"]
    assert client.cookies.get("cellule_session") == ancien
    seconde = client.post(
        "/api/v1/session",
        json={
            "identifiant": "agent.a",
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde_sqlite.secrets["agent.a"], 1),
        },
    )
    assert seconde.json()["jeton"] != ancien
    client.cookies.clear()
    assert client.get("/api/v1/session", headers={"Authorization": f"Bearer {ancien}"}).status_code == 401


def _attributs(entete: str) -> dict[str, str]:
    return {
        cle.strip().lower(): valeur.strip()
        for cle, _, valeur in (morceau.partition("=") for morceau in entete.split(";")[1:])
    }


def test_derriere_tls_les_cookies_portent_le_prefixe_host_et_meurent_avec_le_navigateur(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_COOKIE_SECURISE", "1")
    parametres.cache_clear()
    client = TestClient(monde.client.app, base_url="https://testserver")
    connexion = client.post(
        "/api/v1/session",
        json={
            "identifiant": "agent.a",
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets["agent.a"]),
        },
    )
    assert connexion.status_code == 200
    poses = {e.split("=", 1)[0]: _attributs(e) for e in connexion.headers.get_list("set-cookie")}
    assert set(poses) == {"__Host-cellule_session", "__Host-cellule_csrf"}
    for attributs in poses.values():
        assert attributs["path"] == "/"
        assert attributs["samesite"].lower() == "strict"
        assert "secure" in attributs
        assert not {"max-age", "expires", "domain"} & set(attributs)
    assert "httponly" in poses["__Host-cellule_session"]
    # Le service relit bien le cookie sous ce nom, et la déconnexion l'efface.
    assert client.get("/api/v1/session").json()["identifiant"] == "agent.a"
    sortie = client.delete("/api/v1/session", headers={"X-CSRF-Token": connexion.json()["csrf"]})
    assert sortie.status_code == 204
    effaces = {e.split("=", 1)[0]: _attributs(e) for e in sortie.headers.get_list("set-cookie")}
    assert set(effaces) == {"__Host-cellule_session", "__Host-cellule_csrf"}
    assert all("secure" in attributs for attributs in effaces.values())
    assert client.get("/api/v1/session").status_code == 401
    client.close()


def test_par_cookie_un_changement_d_etat_exige_le_jeton_csrf(monde: Monde) -> None:
    client = monde.client
    corps = client.post(
        "/api/v1/session",
        json={
            "identifiant": "agent.a",
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets["agent.a"]),
        },
    ).json()
    campagne = {"commune": "59001", "date_reference": "2026-10-01", "libelle": "Rentrée"}
    assert client.get("/api/v1/campagnes").status_code == 200  # lecture : pas de CSRF
    refus = client.post("/api/v1/campagnes", json=campagne)
    assert refus.status_code == 403
    assert "CSRF" in refus.json()["detail"]
    assert (
        client.post("/api/v1/campagnes", json=campagne, headers={"X-CSRF-Token": "faux"}).status_code == 403
    )
    assert (
        client.post("/api/v1/campagnes", json=campagne, headers={"X-CSRF-Token": corps["csrf"]}).status_code
        == 201
    )
    refus_audites = [e for e in entrees_audit(monde.bdd, "autorisation_refusee") if "csrf" in e.details]
    assert len(refus_audites) == 2
    client.cookies.clear()


def test_la_commande_utilisateurs_approuve_liste_et_desactive(monde_sqlite: Monde) -> None:
    runner = CliRunner()
    # Hors installation, la ligne de commande ne crée aucun compte : elle renvoie vers l'API.
    for role in ("referent_dsden", "administrateur"):
        refus = runner.invoke(
            app, ["utilisateurs", "creer", "compte.cli", "--role", role, "--mot-de-passe", MOT_DE_PASSE]
        )
        assert refus.exit_code == 1
        assert "par l'API" in refus.output
    nouveau = runner.invoke(app, ["utilisateurs", "totp", "agent.a"])
    assert nouveau.exit_code == 0
    assert "attend l'approbation" in nouveau.output
    assert "secret :" not in nouveau.output
    assert "agent.a" in (ligne := runner.invoke(app, ["utilisateurs", "lister"]).output)
    assert "en attente d'approbation" in ligne
    assert _connexion(monde_sqlite, "agent.a") == 401
    # L'approbateur prouve son identité : un mauvais code est refusé et compté.
    faux = runner.invoke(
        app,
        ["utilisateurs", "approuver", "agent.a", "--par", "dpo.test"],
        input=f"{MOT_DE_PASSE}\n000000\n",
    )
    assert faux.exit_code == 1
    assert "incorrect" in faux.output
    approuve = runner.invoke(
        app,
        ["utilisateurs", "approuver", "agent.a", "--par", "dpo.test"],
        input=f"{MOT_DE_PASSE}\n{code_totp(monde_sqlite.secrets['dpo.test'])}\n",
    )
    assert approuve.exit_code == 0, approuve.output
    secret = approuve.output.split("secret : ")[1].split()[0]
    with session_base(monde_sqlite.bdd) as session:
        enregistre = session.exec(select(Utilisateur).where(Utilisateur.identifiant == "agent.a")).one()
    assert secret not in enregistre.totp_secret  # chiffré en base
    monde_sqlite.secrets["agent.a"] = secret
    assert _connexion(monde_sqlite, "agent.a") == 200
    assert runner.invoke(app, ["utilisateurs", "desactiver", "agent.a"]).exit_code == 0
    assert "désactivé" in runner.invoke(app, ["utilisateurs", "lister"]).output


def test_trop_de_tentatives_depuis_une_adresse_sont_freinees(monde_sqlite: Monde) -> None:
    essai = {"identifiant": "personne", "mot_de_passe": "n'importe quoi 123", "code_totp": "000000"}
    codes = [monde_sqlite.client.post("/api/v1/session", json=essai).status_code for _ in range(21)]
    assert codes == [401] * 20 + [429]
    freine = monde_sqlite.client.post("/api/v1/session", json=essai)
    assert "attendez une minute" in freine.json()["detail"]
    dernier = entrees_audit(monde_sqlite.bdd, "connexion")[-1]
    assert json.loads(dernier.details) == {"raison": "trop_de_tentatives", "ip": "testclient"}


def test_le_limiteur_oublie_les_tentatives_de_plus_d_une_minute() -> None:
    limiteur = Limiteur(par_minute=2)
    assert [limiteur.autoriser("10.0.0.1", instant) for instant in (0.0, 1.0, 2.0)] == [True, True, False]
    assert limiteur.autoriser("10.0.0.2", 2.0)
    assert limiteur.autoriser("10.0.0.1", 61.5)
