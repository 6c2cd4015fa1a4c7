"""La première commande du README : « cellule serveur --demo », puis le parcours d'un nouveau venu."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pyotp
import pytest

from service import demo
from service.base.connexion import creer_bdd
from service.base.migrations import migrer
from service.parametres import ReglagesService


def _port_libre() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        port: int = prise.getsockname()[1]
        return port


@contextmanager
def _serveur(dossier: Path) -> Iterator[str]:
    port = _port_libre()
    environnement = {**os.environ, "CELLULE_DONNEES": str(dossier), "CELLULE_ARGON2_LEGER": "1"}
    environnement.pop("CELLULE_BASE", None)
    processus = subprocess.Popen(
        [sys.executable, "-m", "service", "serveur", "--demo", "--port", str(port)],
        env=environnement,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    adresse = f"http://127.0.0.1:{port}"
    try:
        limite = time.monotonic() + 120
        while time.monotonic() < limite:
            assert processus.poll() is None, processus.stdout.read() if processus.stdout else ""
            try:
                if httpx.get(f"{adresse}/sante", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield adresse
    finally:
        os.killpg(processus.pid, signal.SIGTERM)
        processus.communicate(timeout=30)


def test_un_nouveau_venu_voit_des_enfants_signales_en_quelques_minutes(tmp_path: Path) -> None:
    dossier = tmp_path / "donnees"
    with _serveur(dossier) as adresse:
        comptes = json.loads((dossier / "demo" / "comptes.json").read_text(encoding="utf-8"))
        sources = json.loads((dossier / "demo" / "sources.json").read_text(encoding="utf-8"))
        assert sorted(c["role"] for c in comptes) == sorted(
            ["administrateur", "agent_commune", "agent_commune", "referent_dsden", "dpo", "pilote"]
        )
        assert {frozenset(c) for c in comptes} == {
            frozenset({"identifiant", "mot_de_passe", "totp_secret", "role", "communes"})
        }
        assert {frozenset(s) for s in sources} == {
            frozenset({"commune", "fichier", "mot_de_passe", "convention"})
        }
        agent = next(c for c in comptes if c["role"] == "agent_commune")
        commune = agent["communes"][0]
        client = httpx.Client(base_url=adresse, timeout=30)
        connexion = client.post(
            "/api/v1/session",
            json={
                "identifiant": agent["identifiant"],
                "mot_de_passe": agent["mot_de_passe"],
                "code_totp": pyotp.TOTP(agent["totp_secret"]).now(),
            },
        )
        assert connexion.status_code == 200
        csrf = {"X-CSRF-Token": connexion.json()["csrf"]}  # le client garde le cookie de session
        campagne = client.post(
            "/api/v1/campagnes",
            headers=csrf,
            json={"commune": commune, "date_reference": date.today().isoformat(), "libelle": "Démonstration"},
        ).json()["id"]
        for source in (s for s in sources if s["commune"] == commune):
            depot = client.post(
                f"/api/v1/campagnes/{campagne}/sources",
                headers=csrf,
                files={"archive": (source["fichier"], (dossier / "demo" / source["fichier"]).read_bytes())},
                data={"convention": source["convention"], "mot_de_passe": source["mot_de_passe"]},
            )
            assert depot.status_code == 201, depot.text
        assert client.post(f"/api/v1/campagnes/{campagne}/lancer", headers=csrf).status_code == 202
        limite = time.monotonic() + 120
        while (etat := client.get(f"/api/v1/campagnes/{campagne}").json())["etat"] not in {
            "terminee",
            "echec",
        }:
            assert time.monotonic() < limite
            time.sleep(0.5)
        assert etat["etat"] == "terminee", etat["erreurs"]
        # La démonstration porte aussi une liste d'instruction déclarée (IEF, hors contrat…).
        assert any(s["convention"] == "ief-demo" for s in sources if s["commune"] == commune)
        assert etat["comptes"]["instruction_declaree"] >= 1, etat["comptes"]
        cas = client.get("/api/v1/cas", headers={"X-Motif-Consultation": "verification"}).json()
        assert cas["total"] == etat["comptes"]["a_verifier"] + etat["comptes"]["non_apparies"] > 0
        client.close()
    deja = (dossier / "demo" / "comptes.json").read_bytes()
    # Relancée, la démonstration réutilise ce qui existe.
    with _serveur(dossier) as adresse:
        assert httpx.get(f"{adresse}/sante").json() == {"etat": "ok"}
    assert (dossier / "demo" / "comptes.json").read_bytes() == deja


def test_une_demonstration_interrompue_se_refait_a_la_relance(
    reglages_sqlite: ReglagesService, monkeypatch: pytest.MonkeyPatch
) -> None:
    bdd = creer_bdd(reglages_sqlite.base)
    migrer(bdd)
    ecrire = demo._ecrire_json

    def panne(chemin: Path, contenu: object) -> None:
        if chemin.name == "comptes.json":
            raise OSError("disque plein (panne simulée)")
        ecrire(chemin, contenu)

    monkeypatch.setattr(demo, "_ecrire_json", panne)
    with pytest.raises(OSError, match="panne simulée"):
        demo.preparer_demo(bdd, reglages_sqlite)
    monkeypatch.setattr(demo, "_ecrire_json", ecrire)
    # Aucun compte sans mot de passe connu n'est resté : la relance refait la démonstration.
    dossier = demo.preparer_demo(bdd, reglages_sqlite)
    comptes = json.loads((dossier / "comptes.json").read_text(encoding="utf-8"))
    assert len(comptes) == 6
    bdd.dispose()
