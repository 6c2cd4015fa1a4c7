"""``cellule audit verifier`` et ``cellule audit point-de-controle`` : codes de sortie et messages."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import audit
from service.cli import app
from service.parametres import parametres
from tests.audit.conftest import attaquer, ecrire_consultations, rechainer


@pytest.fixture
def base_du_service(
    bdd: sa.Engine, url_base: str, dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sa.Engine]:
    """La base de ``CELLULE_BASE``, journal installé, 10 entrées signées par la clé du service."""
    monkeypatch.setenv("CELLULE_BASE", url_base)
    parametres.cache_clear()
    signataire = audit.Signataire.charger(parametres().chemin_cle_audit(), creer=True)
    ecrire_consultations(bdd, 10, signataire=signataire, intervalle=5)
    yield bdd
    parametres.cache_clear()


def _cellule(*arguments: str) -> tuple[int, str]:
    resultat = CliRunner().invoke(app, ["audit", *arguments])
    # Une exception non rattrapée serait une trace Python montrée à l'utilisateur.
    assert resultat.exception is None or isinstance(resultat.exception, SystemExit), resultat.exception
    return resultat.exit_code, resultat.output


def test_un_journal_intact_sort_en_code_0_avec_un_resume(base_du_service: sa.Engine) -> None:
    code, sortie = _cellule("verifier")
    assert code == 0, sortie
    assert "Journal intact : 10 entrées (n° 1 à n° 10)" in sortie
    assert "2 point(s) de contrôle" in sortie


def test_une_entree_modifiee_sort_en_code_1_en_la_nommant(base_du_service: sa.Engine) -> None:
    attaquer(base_du_service, "UPDATE audit_journal SET acteur = 'agent-9' WHERE sequence = 4")
    code, sortie = _cellule("verifier")
    assert code == 1
    assert "JOURNAL ALTÉRÉ — entrée n° 4" in sortie


def test_le_point_de_controle_exporte_est_signe_et_la_cle_protegee(
    base_du_service: sa.Engine, tmp_path: Path
) -> None:
    fichier = tmp_path / "point-dpo.json"
    code, sortie = _cellule("point-de-controle", "--sortie", str(fichier))
    assert code == 0, sortie
    point = audit.PointDeControle.depuis_json(fichier.read_text(encoding="utf-8"))
    assert point.taille == 10
    assert point.signature_valide()
    assert json.loads(fichier.read_text(encoding="utf-8"))["format"] == "cellule-audit-point-de-controle"
    assert stat.S_IMODE(parametres().chemin_cle_audit().stat().st_mode) == 0o600
    code, sortie = _cellule("verifier", "--point-de-controle", str(fichier))
    assert code == 0, sortie


def test_une_reecriture_qui_efface_aussi_les_points_est_trahie_par_la_copie_du_dpo(
    base_du_service: sa.Engine, tmp_path: Path
) -> None:
    fichier = tmp_path / "point-dpo.json"
    assert _cellule("point-de-controle", "--sortie", str(fichier))[0] == 0
    attaquer(
        base_du_service,
        "UPDATE audit_journal SET motif = 'autre' WHERE sequence = 3",
        "DELETE FROM audit_point_de_controle",
    )
    rechainer(base_du_service, 3)
    code, sortie = _cellule("verifier", "--point-de-controle", str(fichier))
    assert code == 1
    assert "réécrit entre l'entrée n° 1 et l'entrée n° 10" in sortie


def test_une_troncature_est_trahie_par_la_copie_du_dpo(base_du_service: sa.Engine, tmp_path: Path) -> None:
    fichier = tmp_path / "point-dpo.json"
    assert _cellule("point-de-controle", "--sortie", str(fichier))[0] == 0
    attaquer(
        base_du_service, "DELETE FROM audit_journal WHERE sequence > 7", "DELETE FROM audit_point_de_controle"
    )
    code, sortie = _cellule("verifier", "--point-de-controle", str(fichier))
    assert code == 1
    assert "entrée n° 8 : journal tronqué" in sortie


def test_un_point_de_controle_retouche_est_refuse(base_du_service: sa.Engine, tmp_path: Path) -> None:
    fichier = tmp_path / "point-dpo.json"
    assert _cellule("point-de-controle", "--sortie", str(fichier))[0] == 0
    donnees = json.loads(fichier.read_text(encoding="utf-8"))
    donnees["taille"] = 7
    fichier.write_text(json.dumps(donnees), encoding="utf-8")
    code, sortie = _cellule("verifier", "--point-de-controle", str(fichier))
    assert code == 1
    assert "signature invalide ou une clé non reconnue" in sortie


def test_un_fichier_qui_n_est_pas_un_point_de_controle_est_refuse_clairement(
    base_du_service: sa.Engine, tmp_path: Path
) -> None:
    fichier = tmp_path / "autre.json"
    fichier.write_text('{"bonjour": 1}', encoding="utf-8")
    code, sortie = _cellule("verifier", "--point-de-controle", str(fichier))
    assert code == 2
    assert "n'est pas un point de contrôle" in sortie
    assert "Traceback" not in sortie


def test_l_export_n_ecrase_pas_un_fichier_existant(base_du_service: sa.Engine, tmp_path: Path) -> None:
    fichier = tmp_path / "deja.json"
    fichier.write_text("précieux", encoding="utf-8")
    code, sortie = _cellule("point-de-controle", "--sortie", str(fichier))
    assert code == 2
    assert "existe déjà" in sortie
    assert fichier.read_text(encoding="utf-8") == "précieux"


def test_une_base_sans_journal_donne_un_message_clair(
    url_base: str, dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bdd = sa.create_engine(url_base)
    with bdd.begin() as connexion:
        connexion.exec_driver_sql("CREATE TABLE autre (id INTEGER)")
    bdd.dispose()
    monkeypatch.setenv("CELLULE_BASE", url_base)
    parametres.cache_clear()
    code, sortie = _cellule("verifier")
    assert code == 2
    assert "ne contient pas de journal d'audit" in sortie
    assert "Traceback" not in sortie


def test_une_base_sqlite_absente_n_est_pas_creee(dossier_donnees: Path) -> None:
    code, sortie = _cellule("verifier")
    assert code == 2
    assert "n'existe pas" in sortie
    assert not (dossier_donnees / "cellule.sqlite").exists()


def test_une_cle_lisible_par_tous_est_refusee(base_du_service: sa.Engine) -> None:
    parametres().chemin_cle_audit().chmod(0o644)
    code, sortie = _cellule("verifier")
    assert code == 2
    assert "chmod 600" in sortie


def test_une_cle_abimee_est_signalee_sans_trace_python(base_du_service: sa.Engine) -> None:
    parametres().chemin_cle_audit().write_text("pas une clé", encoding="utf-8")
    code, sortie = _cellule("verifier")
    assert code == 2
    assert "illisible : restaurez-la" in sortie


@pytest.mark.parametrize("commande", [["verifier"], ["point-de-controle", "--sortie", "{d}/point.json"]])
@pytest.mark.parametrize(
    "base",
    [
        "sqlite:///{d}/pas-une-base.sqlite",
        "postgresql+psycopg://cellule:motdepasse-secret@127.0.0.1:1/absente",
    ],
)
def test_une_base_illisible_ou_injoignable_donne_un_message_sans_trace_python(
    base: str, commande: list[str], dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (dossier_donnees / "pas-une-base.sqlite").write_text("identifiant;nom\n", encoding="utf-8")
    monkeypatch.setenv("CELLULE_BASE", base.format(d=dossier_donnees))
    parametres.cache_clear()

    code, sortie = _cellule(*(argument.format(d=dossier_donnees) for argument in commande))

    assert code == 2
    assert "CELLULE_BASE" in sortie
    assert "motdepasse-secret" not in sortie
    assert not (dossier_donnees / "point.json").exists()


def test_une_fin_coupee_est_trahie_par_le_compteur_meme_sans_la_copie_du_dpo(
    base_du_service: sa.Engine,
) -> None:
    attaquer(
        base_du_service, "DELETE FROM audit_journal WHERE sequence > 7", "DELETE FROM audit_point_de_controle"
    )
    code, sortie = _cellule("verifier")
    assert code == 1
    assert "entrée n° 8 : journal tronqué : le compteur d'écritures compte 10 entrées" in sortie
