"""L'adresse du client : X-Forwarded-For n'est cru que des mandataires de CELLULE_PROXIES.

Elle sert au limiteur de connexions et est écrite dans les événements d'authentification.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.api.application import creer_application
from service.cli.serveur import configuration_uvicorn
from service.parametres import ReglagesService, parametres
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit

ESSAI = {"identifiant": "personne", "mot_de_passe": "n'importe quoi 123", "code_totp": "000000"}


def _ips(monde: Monde, action: str) -> list[str]:
    return [json.loads(e.details)["ip"] for e in entrees_audit(monde.bdd, action)]


def test_sans_mandataire_declare_changer_x_forwarded_for_ne_contourne_pas_le_limiteur(monde: Monde) -> None:
    codes = [
        monde.client.post(
            "/api/v1/session", json=ESSAI, headers={"X-Forwarded-For": f"198.51.100.{i}"}
        ).status_code
        for i in range(25)
    ]
    assert codes == [401] * 20 + [429] * 5
    assert set(_ips(monde, "connexion")) == {"testclient"}


def test_derriere_un_mandataire_declare_l_adresse_est_celle_du_client(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_PROXIES", "10.0.0.0/8")
    parametres.cache_clear()
    application = creer_application(monde.bdd)
    par_le_mandataire = TestClient(application, client=("10.0.0.2", 40000))
    en_direct = TestClient(application, client=("192.0.2.50", 40000))

    def essai(client: TestClient, transmis: str) -> int:
        return client.post("/api/v1/session", json=ESSAI, headers={"X-Forwarded-For": transmis}).status_code

    # Des clients distincts derrière le mandataire ne se freinent pas les uns les autres.
    assert {essai(par_le_mandataire, f"198.51.100.{i}") for i in range(25)} == {401}
    # L'adresse retenue est la plus à droite qui n'est pas un mandataire : ce que le client écrit
    # lui-même à gauche ne compte pas, et il ne peut donc pas changer d'adresse à chaque essai.
    essai(par_le_mandataire, "203.0.113.9, 10.0.0.7")
    essai(par_le_mandataire, "192.0.2.1, 203.0.113.9")
    codes = [essai(par_le_mandataire, f"192.0.2.{i}, 203.0.113.9") for i in range(19)]
    assert codes == [401] * 18 + [429]
    # Un pair qui n'est pas un mandataire déclaré n'est pas cru.
    essai(en_direct, "198.51.100.77")
    ips = _ips(monde, "connexion")
    assert ips[:25] == [f"198.51.100.{i}" for i in range(25)]
    assert set(ips[25:-1]) == {"203.0.113.9"}
    assert ips[-1] == "192.0.2.50"

    identifiants = {
        "identifiant": "agent.a",
        "mot_de_passe": MOT_DE_PASSE,
        "code_totp": code_totp(monde.secrets["agent.a"]),
    }
    entree = par_le_mandataire.post(
        "/api/v1/session", json=identifiants, headers={"X-Forwarded-For": "203.0.113.20"}
    )
    assert entree.status_code == 200
    sortie = par_le_mandataire.delete(
        "/api/v1/session",
        headers={"X-Forwarded-For": "203.0.113.20", "Authorization": f"Bearer {entree.json()['jeton']}"},
    )
    assert sortie.status_code == 204
    assert _ips(monde, "connexion")[-1] == "203.0.113.20"
    assert _ips(monde, "deconnexion") == ["203.0.113.20"]
    par_le_mandataire.close()
    en_direct.close()


@pytest.mark.parametrize("valeur", ["10.0.0.1, pas-une-adresse", "*", "10.0.0.0/33"])
def test_cellule_proxies_refuse_ce_qui_n_est_pas_une_adresse(
    valeur: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_PROXIES", valeur)
    with pytest.raises(ValidationError, match="CELLULE_PROXIES"):
        ReglagesService()


def test_cellule_proxies_lit_adresses_et_reseaux_separes_par_des_virgules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ReglagesService().proxies == []
    monkeypatch.setenv("CELLULE_PROXIES", " 10.0.0.1 , 192.168.0.0/16,2001:db8::/32")
    assert ReglagesService().proxies == ["10.0.0.1/32", "192.168.0.0/16", "2001:db8::/32"]


def _port_libre() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        port: int = prise.getsockname()[1]
        return port


def test_le_serveur_ne_croit_pas_x_forwarded_for_venu_de_la_machine_elle_meme(
    monde_sqlite: Monde,
) -> None:
    # uvicorn, réglé par défaut, croit X-Forwarded-For venu de 127.0.0.1 : c'est ainsi que 25 essais
    # à en-tête changeant passaient sous le limiteur.
    port = _port_libre()
    serveur = uvicorn.Server(configuration_uvicorn(monde_sqlite.client.app, "127.0.0.1", port))
    fil = threading.Thread(target=serveur.run, daemon=True)
    fil.start()
    try:
        limite = time.monotonic() + 60
        while not serveur.started and fil.is_alive() and time.monotonic() < limite:
            time.sleep(0.05)
        assert serveur.started
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            codes = [
                client.post(
                    "/api/v1/session", json=ESSAI, headers={"X-Forwarded-For": f"198.51.100.{i}"}
                ).status_code
                for i in range(25)
            ]
    finally:
        serveur.should_exit = True
        fil.join(timeout=30)
    assert codes == [401] * 20 + [429] * 5
    assert set(_ips(monde_sqlite, "connexion")) == {"127.0.0.1"}
