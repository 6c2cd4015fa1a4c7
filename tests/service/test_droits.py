"""Le dossier des données, la base SQLite et les clés ne sont lisibles que par le compte du service.

Ce que crée ``cellule`` est fermé quel que soit le masque (umask) de l'exploitant ; ce qui a été ouvert
à d'autres comptes est refusé au démarrage de chaque commande, avec le ``chmod`` qui corrige.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiffrement.trousseau import FICHIER_CLE_PUBLIQUE_TRAVAILLEUR
from service.base.connexion import creer_bdd
from service.base.migrations import migrer
from service.cles import preparer_cles
from service.cli import app
from service.droits import fichiers_sqlite
from service.parametres import ReglagesService, parametres

RACINE = Path(__file__).resolve().parents[2]

CIBLES: dict[str, tuple[Callable[[ReglagesService], Path], int]] = {
    "dossier-des-donnees": (lambda r: r.donnees, 0o755),
    "dossier-des-cles": (lambda r: r.chemin_trousseau(), 0o750),
    "cle-maitresse": (lambda r: r.chemin_cle_maitresse(), 0o644),
    "cle-du-travailleur": (lambda r: r.chemin_trousseau() / "travailleur.cle", 0o640),
    "cle-d-appariement": (lambda r: r.chemin_trousseau() / "appariement.cle", 0o604),
    "cle-des-comptes": (lambda r: r.chemin_trousseau() / "comptes.cle", 0o660),
    "trousseau": (lambda r: r.chemin_trousseau() / "trousseau.json", 0o644),
    "base-sqlite": (lambda r: fichiers_sqlite(r.base)[0], 0o644),
}


def _installer(reglages: ReglagesService) -> None:
    preparer_cles(reglages)
    bdd = creer_bdd(reglages.base)
    migrer(bdd)
    bdd.dispose()


@pytest.mark.parametrize("commande", [["travailleur", "--une-fois"], ["base", "etat"]], ids=" ".join)
@pytest.mark.parametrize("cible", list(CIBLES))
def test_une_commande_refuse_au_demarrage_ce_que_d_autres_comptes_peuvent_lire(
    reglages: ReglagesService, cible: str, commande: list[str]
) -> None:
    if cible == "base-sqlite" and not fichiers_sqlite(reglages.base):
        pytest.skip("base PostgreSQL : pas de fichier de base à protéger")
    _installer(reglages)
    chemin_de, mode_ouvert = CIBLES[cible]
    chemin = chemin_de(reglages)
    mode_ferme = 0o700 if chemin.is_dir() else 0o600
    chemin.chmod(mode_ouvert)

    refus = CliRunner().invoke(app, commande)

    assert refus.exit_code == 1
    assert f"chmod {mode_ferme:o} {chemin}" in refus.output
    chemin.chmod(mode_ferme)
    assert CliRunner().invoke(app, commande).exit_code == 0


def _cellule(*arguments: str, environnement: dict[str, str], masque: int) -> subprocess.CompletedProcess[str]:
    """Lance le vrai ``cellule`` (``python -m service``) avec le masque de création donné."""
    ancien = os.umask(masque)
    try:
        return subprocess.run(
            [sys.executable, "-m", "service", *arguments],
            env=environnement,
            cwd=RACINE,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.umask(ancien)


def _environnement(donnees: Path, url_base: str) -> dict[str, str]:
    environnement = {cle: valeur for cle, valeur in os.environ.items() if not cle.startswith("CELLULE_")}
    environnement["CELLULE_DONNEES"] = str(donnees)
    if not url_base.startswith("sqlite"):
        environnement["CELLULE_BASE"] = url_base
    return environnement


def test_ce_que_cree_cellule_n_est_lisible_que_par_son_compte_quel_que_soit_l_umask(
    tmp_path: Path, url_base: str
) -> None:
    donnees = tmp_path / "donnees-neuves"
    environnement = _environnement(donnees, url_base)

    for arguments in (["cles", "init"], ["base", "migrer"]):
        fin = _cellule(*arguments, environnement=environnement, masque=0o022)
        assert fin.returncode == 0, fin.stderr

    trouves = {chemin.relative_to(donnees).as_posix(): chemin for chemin in [donnees, *donnees.rglob("*")]}
    assert "cle_maitresse" in trouves
    assert ("cellule.sqlite" in trouves) == url_base.startswith("sqlite")
    ouverts = {
        nom: f"{stat.S_IMODE(chemin.stat().st_mode):o}"
        for nom, chemin in trouves.items()
        if stat.S_IMODE(chemin.stat().st_mode) & 0o077 and chemin.name != FICHIER_CLE_PUBLIQUE_TRAVAILLEUR
    }
    assert ouverts == {}


def test_le_serveur_refuse_de_demarrer_avec_une_cle_maitresse_lisible_par_tous(
    tmp_path: Path, url_base: str
) -> None:
    donnees = tmp_path / "donnees"
    environnement = _environnement(donnees, url_base)
    assert _cellule("cles", "init", environnement=environnement, masque=0o077).returncode == 0
    (donnees / "cle_maitresse").chmod(0o644)

    # Sans le refus, le serveur démarrerait et ne rendrait pas la main : le délai de garde le dirait.
    fin = _cellule("serveur", "--port", "0", environnement=environnement, masque=0o077)

    assert fin.returncode == 1
    assert f"chmod 600 {donnees / 'cle_maitresse'}" in fin.stderr


def test_une_url_de_base_mal_formee_est_signalee_par_la_base_sans_trace_python(
    dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_BASE", "pas-une-url")
    parametres.cache_clear()

    resultat = CliRunner().invoke(app, ["base", "etat"])

    assert resultat.exit_code == 1
    assert resultat.exception is None or isinstance(resultat.exception, SystemExit)
    assert "vérifiez CELLULE_BASE" in resultat.output
