"""Le socle : commande, réglages, filtre des journaux."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import service.cli
from service.api.application import creer_application
from service.cli import MODULES, app, groupe_du_module
from service.journalisation import configurer, filtrer_identites
from service.parametres import ReglagesService, parametres
from tests.service.fabriques import Monde


def test_la_commande_donne_sa_version() -> None:
    resultat = CliRunner().invoke(app, ["--version"])
    assert resultat.exit_code == 0
    assert resultat.output.startswith("cellule 0.")


def test_l_aide_est_en_francais() -> None:
    resultat = CliRunner().invoke(app, ["--help"])
    assert resultat.exit_code == 0
    assert "évitement scolaire" in resultat.output


def test_chaque_commande_est_annoncee_par_son_module() -> None:
    """La table des commandes (chargées à la demande) dit exactement ce que chaque module enregistre."""
    trouvees: dict[str, str] = {}
    for module in pkgutil.iter_modules(service.cli.__path__):
        if hasattr(importlib.import_module(f"service.cli.{module.name}"), "enregistrer"):
            trouvees |= {nom: module.name for nom in groupe_du_module(module.name).commands}
    assert trouvees == MODULES


def test_une_faute_de_frappe_dans_la_commande_propose_la_bonne() -> None:
    resultat = CliRunner().invoke(app, ["aparier"])
    assert resultat.exit_code == 2
    assert "apparier" in resultat.output.replace("'aparier'", "")


def test_apparier_ne_charge_ni_le_serveur_ni_la_base() -> None:
    """``cellule apparier`` démarre vite : l'aide d'une commande n'importe que son module."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from service.cli import app\n"
        "assert CliRunner().invoke(app, ['apparier', '--help']).exit_code == 0\n"
        "lourds = ('fastapi', 'sqlalchemy', 'py7zr', 'service.cli.serveur')\n"
        "print(sorted(m for m in lourds if m in sys.modules))"
    )
    sortie = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert sortie.stdout.strip() == "[]"


def test_le_script_installe_repond() -> None:
    sortie = subprocess.run(
        [sys.executable, "-m", "service", "--version"], capture_output=True, text=True, check=True
    )
    assert sortie.stdout.startswith("cellule ")


def test_les_reglages_viennent_de_l_environnement(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CELLULE_DONNEES", str(tmp_path / "ici"))
    reglages = ReglagesService()
    assert reglages.donnees == tmp_path / "ici"
    assert reglages.base == f"sqlite:///{(tmp_path / 'ici' / 'cellule.sqlite').resolve()}"
    monkeypatch.setenv("CELLULE_BASE", "postgresql+psycopg://u@h/b")
    assert ReglagesService().base == "postgresql+psycopg://u@h/b"


def test_par_defaut_les_donnees_sont_dans_donnees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELLULE_DONNEES", raising=False)
    monkeypatch.delenv("CELLULE_BASE", raising=False)
    reglages = ReglagesService()
    assert reglages.donnees == Path("donnees")
    assert reglages.base.endswith("donnees/cellule.sqlite")


def test_le_filtre_retire_les_champs_d_identite() -> None:
    evenement = {
        "event": "cas créé",
        "cas": "c-12",
        "nom": "DUPONT",
        "date_naissance": "x",
        "nom_enfant": "y",
    }
    filtre = filtrer_identites(None, "info", evenement)
    assert filtre == {
        "event": "cas créé",
        "cas": "c-12",
        "champs_retires": ["date_naissance", "nom", "nom_enfant"],
    }


def test_un_journal_json_ne_porte_aucune_identite(capsys: pytest.CaptureFixture[str]) -> None:
    configurer("production")
    structlog.get_logger().info("source lue", source="s-1", prenoms="LINA", adresse="3 rue")
    ligne = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert ligne["source"] == "s-1"
    assert "prenoms" not in ligne
    assert "adresse" not in ligne
    assert ligne["champs_retires"] == ["adresse", "prenoms"]


def test_les_journaux_suivent_la_sortie_d_erreur_du_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    configurer("production")
    ancienne = io.StringIO()
    monkeypatch.setattr(sys, "stderr", ancienne)
    ancienne.close()
    nouvelle = io.StringIO()
    monkeypatch.setattr(sys, "stderr", nouvelle)
    structlog.get_logger().info("après remplacement", campagne="c-1")
    assert json.loads(nouvelle.getvalue())["campagne"] == "c-1"


def test_une_erreur_interne_repond_en_francais_sans_trace_ni_donnee(
    monde_sqlite: Monde, capsys: pytest.CaptureFixture[str]
) -> None:
    configurer("production")
    application = monde_sqlite.client.app
    assert isinstance(application, FastAPI)

    @application.get("/api/v1/panne-de-test")
    def panne() -> None:
        raise ValueError("Invalid isoformat string: '2015-13-02' (PANNEFICTIF LOU)")

    reponse = monde_sqlite.client.get("/api/v1/panne-de-test")
    assert reponse.status_code == 500
    assert reponse.headers["X-Requete"] in reponse.json()["detail"]
    assert "Erreur interne" in reponse.json()["detail"]
    ligne = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (ligne["event"], ligne["exception"]) == ("erreur interne", "ValueError")
    assert any("panne" in lieu for lieu in ligne["lieux"])
    assert "PANNEFICTIF" not in json.dumps(ligne)
    assert "2015-13-02" not in json.dumps(ligne)


def test_en_production_le_cookie_de_session_est_reserve_a_https(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLULE_ENVIRONNEMENT", "production")
    monkeypatch.delenv("CELLULE_COOKIE_SECURISE", raising=False)
    monkeypatch.delenv("CELLULE_ARGON2_LEGER", raising=False)
    assert ReglagesService().cookie_securise is True
    # Un choix explicite reste respecté (essai local en production sans TLS, par exemple).
    monkeypatch.setenv("CELLULE_COOKIE_SECURISE", "false")
    assert ReglagesService().cookie_securise is False
    monkeypatch.setenv("CELLULE_ENVIRONNEMENT", "developpement")
    monkeypatch.delenv("CELLULE_COOKIE_SECURISE")
    assert ReglagesService().cookie_securise is False


def _client_du_service(environnement: str, monkeypatch: pytest.MonkeyPatch, dossier: Path) -> TestClient:
    monkeypatch.setenv("CELLULE_ENVIRONNEMENT", environnement)
    monkeypatch.setenv("CELLULE_BASE", f"sqlite:///{dossier / 'cellule.sqlite'}")
    monkeypatch.delenv("CELLULE_ARGON2_LEGER", raising=False)
    parametres.cache_clear()
    return TestClient(creer_application(sa.create_engine(f"sqlite:///{dossier / 'cellule.sqlite'}")))


def test_en_production_la_documentation_et_le_schema_de_l_api_n_existent_pas(
    dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _client_du_service("production", monkeypatch, dossier_donnees) as client:
        for adresse in ("/docs", "/redoc", "/openapi.json", "/docs/fichiers/swagger-ui-bundle.js"):
            reponse = client.get(adresse)
            assert reponse.status_code == 404, adresse
            assert reponse.json() == {"detail": "Ressource introuvable."}


def test_hors_production_la_documentation_ne_charge_rien_d_une_autre_origine(
    dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _client_du_service("developpement", monkeypatch, dossier_donnees) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        adresses = re.findall(r'(?:src|href)="([^"]*)"', page.text)
        assert len(adresses) == 3
        for adresse in adresses:
            assert adresse.startswith("/docs/fichiers/"), adresse
            assert client.get(adresse).status_code == 200, adresse
        assert "http" not in page.text.replace("http-equiv", "")
        politique = page.headers["Content-Security-Policy"]
        assert "http" not in politique
        assert "unsafe" not in politique
        directives = dict(d.strip().split(" ", 1) for d in politique.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        # Le seul script en ligne de la page est permis par son empreinte, pas par « unsafe-inline ».
        script = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
        empreinte = base64.b64encode(hashlib.sha256(script[0].encode()).digest()).decode()
        assert directives["script-src"] == f"'self' 'sha256-{empreinte}'"
        assert "SwaggerUIBundle" in script[0]
        assert client.get("/openapi.json").json()["info"]["title"] == "cellule"
        # Redoc (polices et styles en ligne) n'est pas servi.
        assert client.get("/redoc").status_code == 404


def test_ni_trace_ni_liste_de_dossier(dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _client_du_service("developpement", monkeypatch, dossier_donnees) as client:
        assert client.request("TRACE", "/sante").status_code == 405
        assert client.request("TRACE", "/docs").status_code == 405
        # Le dossier des fichiers de Swagger UI ne se liste pas.
        assert client.get("/docs/fichiers/").status_code == 404
        assert client.get("/docs/fichiers").status_code == 404
