"""« Mon compte » et la première connexion, sans navigateur : renouveler son second facteur, fermer ses
sessions, et ce que l'enrôlement ne montre jamais."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient

from service.api.application import creer_application
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit
from tests.web.test_pages import _csrf, _jeton_de_connexion, connecter


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _details(entree: object) -> dict[str, object]:
    details = entree.details  # type: ignore[attr-defined]
    return json.loads(details) if isinstance(details, str) else details


def _premiere_connexion_sans_code(client: TestClient, mot_de_passe: str) -> str:
    return client.post(
        "/connexion",
        data={
            "identifiant": "agent.a",
            "mot_de_passe": mot_de_passe,
            "code_totp": "",
            "jeton_formulaire": _jeton_de_connexion(client),
        },
    ).text


def test_l_enrolement_ne_montre_la_cle_qu_avec_le_bon_mot_de_passe_et_une_seule_fois(
    client: TestClient, monde: Monde
) -> None:
    secret = monde.secrets["agent.a"]
    refus = _premiere_connexion_sans_code(client, "pas le bon")
    assert secret not in refus.replace(" ", "")
    assert "Identifiant, mot de passe ou code à usage unique incorrect" in refus
    page = _premiere_connexion_sans_code(client, MOT_DE_PASSE)
    assert "Activer la double authentification" in page
    assert secret in re.sub(r"\s", "", page)
    presentations = [e for e in entrees_audit(monde.bdd, "second_facteur") if e.resultat == "succes"]
    assert [_details(e)["etape"] for e in presentations] == ["enrolement_presente"]
    # Une fois le second facteur confirmé par une connexion, la clé ne se montre plus.
    connecter(client, monde, "agent.a")
    client.cookies.clear()
    apres = _premiere_connexion_sans_code(client, MOT_DE_PASSE)
    assert secret not in re.sub(r"\s", "", apres)
    assert "Identifiant, mot de passe ou code à usage unique incorrect" in apres


def test_je_renouvelle_ma_double_authentification_et_l_ancienne_cle_ne_sert_plus(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    ancien = monde.secrets["agent.a"]
    page = client.post(
        "/compte/totp",
        data={"csrf": _csrf(client), "mot_de_passe": MOT_DE_PASSE, "code_totp": code_totp(ancien, 1)},
    )
    assert page.status_code == 200, page.text
    nouveau = re.sub(r"\s", "", re.search(r'id="secret-totp">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    scelle = re.search(r'name="scelle" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert nouveau != ancien
    assert nouveau not in scelle
    # Un code de l'ancienne clé ne confirme pas la nouvelle.
    faux = client.post(
        "/compte/totp/confirmer",
        data={"csrf": _csrf(client), "scelle": scelle, "code_totp": code_totp(ancien)},
    )
    assert faux.status_code == 422
    assert "ne vient pas du nouveau compte" in faux.text
    bon = client.post(
        "/compte/totp/confirmer",
        data={"csrf": _csrf(client), "scelle": scelle, "code_totp": pyotp.TOTP(nouveau).now()},
    )
    assert bon.headers["location"] == "/compte?fait=totp"
    modifie = [
        e for e in entrees_audit(monde.bdd, "compte_modifie") if _details(e).get("changement") == "totp"
    ]
    assert modifie
    assert modifie[-1].resultat == "succes"
    # Connexion suivante : l'ancienne clé est refusée, la nouvelle acceptée.
    monde.secrets["agent.a"] = ancien
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as autre:
        refus = autre.post(
            "/connexion",
            data={
                "identifiant": "agent.a",
                "mot_de_passe": MOT_DE_PASSE,
                "code_totp": code_totp(ancien, 1),
                "jeton_formulaire": _jeton_de_connexion(autre),
            },
        )
        assert refus.status_code == 401
        monde.secrets["agent.a"] = nouveau
        # Le pas de temps de la confirmation a servi : le code suivant ouvre la session.
        assert connecter(autre, monde, "agent.a", decalage=1) == "/"


def test_un_renouvellement_forge_ou_d_un_autre_compte_est_refuse(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.b")
    page = client.post(
        "/compte/totp",
        data={
            "csrf": _csrf(client),
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets["agent.b"], 1),
        },
    )
    scelle_de_b = re.search(r'name="scelle" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    connecter(client, monde, "agent.a")
    for scelle in (scelle_de_b, "abc", ""):
        refus = client.post(
            "/compte/totp/confirmer", data={"csrf": _csrf(client), "scelle": scelle, "code_totp": "123456"}
        )
        assert refus.status_code == 422
        assert "Ce renouvellement a expiré" in refus.text


def test_un_mauvais_mot_de_passe_au_renouvellement_compte_comme_un_echec(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    refus = client.post(
        "/compte/totp", data={"csrf": _csrf(client), "mot_de_passe": "faux", "code_totp": "000000"}
    )
    assert refus.status_code == 422
    assert 'id="erreur-mot_de_passe"' in refus.text
    echecs = [e for e in entrees_audit(monde.bdd, "compte_modifie") if e.resultat == "refus"]
    assert _details(echecs[-1]) == {"changement": "totp", "raison": "mot_de_passe_faux"}


def test_je_vois_mes_sessions_et_ferme_les_autres(client: TestClient, monde: Monde) -> None:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as ailleurs:
        connecter(ailleurs, monde, "agent.a")
        connecter(client, monde, "agent.a", decalage=1)
        page = client.get("/compte").text
        assert "Sessions ouvertes de votre compte (2)" in page
        assert "Cette session" in page
        fermer = client.post("/compte/sessions/fermer-autres", data={"csrf": _csrf(client)})
        assert fermer.headers["location"] == "/compte?fait=sessions"
        assert ailleurs.get("/").headers["location"] == "/connexion?expiree=1"
    assert "Sessions ouvertes de votre compte (1)" in client.get("/compte").text
