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
from typing import Any

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import demo
from service.api.application import creer_application
from service.base.connexion import creer_bdd
from service.base.migrations import migrer
from service.campagnes.boucle import traiter_un
from service.modeles import Utilisateur
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
        assert {c["role"]: frozenset(c) for c in comptes} == {
            role: frozenset(
                {"identifiant", "mot_de_passe", "totp_secret", "role", "communes", "courriel"}
                | ({"siret"} if role in {"agent_commune", "referent_dsden"} else set())
            )
            for role in {c["role"] for c in comptes}
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


def _luhn_valide(chiffres: str) -> bool:
    somme = 0
    for rang, chiffre in enumerate(reversed(chiffres)):
        valeur = int(chiffre) * (2 if rang % 2 else 1)
        somme += valeur - 9 if valeur > 9 else valeur
    return somme % 10 == 0


def test_chaque_compte_a_un_courriel_fictif_et_les_agents_le_siret_de_leur_organisation(
    reglages_sqlite: ReglagesService,
) -> None:
    bdd = creer_bdd(reglages_sqlite.base)
    migrer(bdd)
    dossier = demo.preparer_demo(bdd, reglages_sqlite)
    bdd.dispose()
    comptes = json.loads((dossier / "comptes.json").read_text(encoding="utf-8"))
    courriels = [c["courriel"] for c in comptes]
    assert len(set(courriels)) == len(comptes)
    assert all(c.count("@") == 1 and c.endswith((".test", ".example")) for c in courriels)
    sirets = {c["identifiant"]: c["siret"] for c in comptes if "siret" in c}
    assert sorted(sirets) == sorted(["agent.59991", "agent.59992", "referent.demo"])
    for siret in sirets.values():
        # SIRET : 14 chiffres, dont le SIREN (9 premiers) ; l'un et l'autre passent la formule de Luhn.
        assert len(siret) == 14
        assert siret.isdigit()
        assert _luhn_valide(siret)
        assert _luhn_valide(siret[:9])
    # Une organisation par commune : les deux mairies n'ont pas le même SIRET.
    assert len(set(sirets.values())) == 3
    assert not _luhn_valide(sirets["agent.59991"][:13] + str((int(sirets["agent.59991"][13]) + 1) % 10))


def test_les_comptes_de_la_demonstration_portent_en_base_le_courriel_et_le_siret_de_comptes_json(
    reglages_sqlite: ReglagesService,
) -> None:
    # Un fournisseur ProConnect de test qui prouve ce courriel et ce SIRET ouvre le compte (issue n° 20).
    bdd = creer_bdd(reglages_sqlite.base)
    migrer(bdd)
    dossier = demo.preparer_demo(bdd, reglages_sqlite)
    with Session(bdd) as session:
        en_base = {u.identifiant: (u.courriel, u.siret) for u in session.exec(select(Utilisateur))}
    bdd.dispose()
    comptes = json.loads((dossier / "comptes.json").read_text(encoding="utf-8"))
    assert en_base == {c["identifiant"]: (c["courriel"], c.get("siret")) for c in comptes}


# Chaque commune de la démonstration met en scène 2 jumeaux, 2 homonymes, 2 sexes mal saisis et 2
# dates décalées ; le moteur en envoie d'ordinaire 10 à 12 enfants en revue. 8 laisse de la marge
# au moteur, pas à une démonstration qui ne montrerait plus la revue.
A_VERIFIER_PAR_COMMUNE = 8
MOTIF = {"X-Motif-Consultation": "verification"}


def _campagne_de_demo(client: TestClient, dossier: Path, agent: dict[str, Any]) -> dict[str, Any]:
    """Ce que ferait un agent avec comptes.json et sources.json : connexion, dépôts, lancement."""
    connexion = client.post(
        "/api/v1/session",
        json={
            "identifiant": agent["identifiant"],
            "mot_de_passe": agent["mot_de_passe"],
            "code_totp": pyotp.TOTP(agent["totp_secret"]).now(),
        },
    )
    assert connexion.status_code == 200, connexion.text
    entetes = {"Authorization": f"Bearer {connexion.json()['jeton']}"}
    client.cookies.clear()
    commune = agent["communes"][0]
    campagne = client.post(
        "/api/v1/campagnes",
        headers=entetes,
        json={"commune": commune, "date_reference": date.today().isoformat(), "libelle": "Démonstration"},
    ).json()["id"]
    sources = json.loads((dossier / "sources.json").read_text(encoding="utf-8"))
    for source in (s for s in sources if s["commune"] == commune):
        depot = client.post(
            f"/api/v1/campagnes/{campagne}/sources",
            headers=entetes,
            files={"archive": (source["fichier"], (dossier / source["fichier"]).read_bytes())},
            data={"convention": source["convention"], "mot_de_passe": source["mot_de_passe"]},
        )
        assert depot.status_code == 201, depot.text
    # Rien ne manque à la démonstration : le lancement ne demande aucune confirmation.
    assert client.post(f"/api/v1/campagnes/{campagne}/lancer", headers=entetes).status_code == 202
    return {"campagne": campagne, "entetes": entetes}


def test_la_campagne_de_demo_montre_dans_chaque_commune_tout_le_travail(reglages: ReglagesService) -> None:
    """Des enfants à vérifier avec leurs candidats, des non retrouvés, de l'instruction déclarée et des
    enfants hors d'âge, dans chaque commune : ce que le moteur décide des sources de la démonstration."""
    bdd = creer_bdd(reglages.base)
    migrer(bdd)
    dossier = demo.preparer_demo(bdd, reglages)
    comptes = json.loads((dossier / "comptes.json").read_text(encoding="utf-8"))
    agents = [c for c in comptes if c["role"] == "agent_commune"]
    assert sorted(a["communes"][0] for a in agents) == sorted(c.insee for c in demo.COMMUNES)
    with TestClient(creer_application(bdd)) as client:
        for agent in agents:
            lancee = _campagne_de_demo(client, dossier, agent)
            assert traiter_un(bdd, reglages, "travailleur-demo")
            etat = client.get(f"/api/v1/campagnes/{lancee['campagne']}", headers=lancee["entetes"]).json()
            assert etat["etat"] == "terminee", etat["erreurs"]
            decomptes = etat["comptes"]
            assert decomptes["non_apparies"] >= 1, decomptes
            assert decomptes["instruction_declaree"] >= 1, decomptes
            assert decomptes["hors_obligation"] >= 1, decomptes
            # La majorité des enfants de la liste CAF est retrouvée sans revue.
            assert decomptes["apparies"] > demo.ENFANTS_PAR_COMMUNE / 2, decomptes
            page = client.get(
                "/api/v1/cas", headers={**lancee["entetes"], **MOTIF}, params={"par_page": 200}
            ).json()
            a_verifier = [c for c in page["cas"] if c["resultat"] == "a_verifier"]
            assert len(a_verifier) == decomptes["a_verifier"]
            avec_candidat = [
                cas
                for cas in a_verifier
                if client.get(f"/api/v1/cas/{cas['id']}", headers={**lancee["entetes"], **MOTIF}).json()[
                    "candidats"
                ]
            ]
            assert len(avec_candidat) >= A_VERIFIER_PAR_COMMUNE, decomptes
    bdd.dispose()
