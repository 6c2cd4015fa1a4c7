"""La commande ``cellule`` parle français, y compris les textes que typer écrit lui-même.

Les commandes tournent dans un vrai processus, par le script ``cellule`` installé, comme les lance
l'équipe.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import MODULES, app

# Textes de typer et de click qui ne doivent plus jamais paraître.
ANGLAIS = (
    "Usage",
    "Show this message and exit",
    "Missing option",
    "Missing argument",
    "No such option",
    "No such command",
    "Invalid value",
    "[required]",
    "[default",
    "Try '",
    "Error",
    "Commands",
    "[ARGS]",
    "<bool>",
    "<str>",
    "<int>",
    "<path>",
    "<list[",
    "%Y",
    "Did you mean",
    "unexpected extra",
)


def _cellule(*arguments: str, donnees: Path) -> subprocess.CompletedProcess[str]:
    environnement = {**os.environ, "CELLULE_DONNEES": str(donnees), "COLUMNS": "200"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "cellule"), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=environnement,
        check=False,
    )


def _sans_anglais(texte: str) -> None:
    restes = [mot for mot in ANGLAIS if mot in texte]
    assert not restes, f"textes anglais restés : {restes}\n{texte}"


def test_l_aide_generale_est_en_francais(tmp_path: Path) -> None:
    fini = _cellule("--help", donnees=tmp_path)

    assert fini.returncode == 0, fini.stderr
    assert "Utilisation : cellule [OPTIONS] COMMANDE [ARGUMENTS]..." in fini.stdout
    assert "Commandes" in fini.stdout
    assert "Affiche cette aide et quitte." in fini.stdout
    _sans_anglais(fini.stdout)


def test_l_aide_d_une_commande_dit_en_francais_ce_qu_il_faut_ecrire(tmp_path: Path) -> None:
    apparier = _cellule("apparier", "--help", donnees=tmp_path)
    fichier = _cellule("fichier", "verifier", "--help", donnees=tmp_path)

    assert apparier.returncode == 0, apparier.stderr
    assert "<chemin...>" in apparier.stdout  # --inscrits, répétable
    assert "<texte>" in apparier.stdout
    assert "[obligatoire]" in apparier.stdout
    assert fichier.returncode == 0, fichier.stderr
    assert "<AAAA-MM-JJ|JJ/MM/AAAA>" in fichier.stdout
    assert re.search(r"fichier\s+<chemin>", fichier.stdout)  # l'argument garde son nom
    _sans_anglais(apparier.stdout + fichier.stdout)


def test_une_option_obligatoire_manquante_est_signalee_en_francais(tmp_path: Path) -> None:
    fini = _cellule("apparier", donnees=tmp_path)

    assert fini.returncode == 2
    assert "Option obligatoire manquante : '--familles'." in fini.stderr
    assert "Erreur" in fini.stderr
    assert "Pour l'aide : 'cellule apparier --help'." in fini.stderr
    _sans_anglais(fini.stderr)


def test_un_argument_manquant_est_signale_en_francais(tmp_path: Path) -> None:
    fini = _cellule("fichier", "verifier", donnees=tmp_path)

    assert fini.returncode == 2
    assert "Argument obligatoire manquant : 'fichier'." in fini.stderr
    _sans_anglais(fini.stderr)


def test_un_argument_en_trop_est_signale_en_francais(tmp_path: Path) -> None:
    fini = _cellule("archive", "verifier", "a.7z", "b.7z", donnees=tmp_path)

    assert fini.returncode == 2
    assert "Argument en trop : b.7z." in fini.stderr
    _sans_anglais(fini.stderr)


def test_une_option_inconnue_est_signalee_en_francais(tmp_path: Path) -> None:
    fini = _cellule("apparier", "--inconnue", donnees=tmp_path)

    assert fini.returncode == 2
    assert "Option inconnue : --inconnue." in fini.stderr
    _sans_anglais(fini.stderr)


def test_une_valeur_invalide_est_signalee_en_francais(tmp_path: Path) -> None:
    date = _cellule("fichier", "verifier", "x.csv", "--date", "31-12", donnees=tmp_path)
    seuil = _cellule("travailleur", "--nombre", "zero", donnees=tmp_path)

    assert date.returncode == 2
    assert "Valeur invalide pour '--date' : la date ne suit pas le format attendu." in date.stderr
    assert seuil.returncode == 2
    assert "Valeur invalide pour '--nombre' : un nombre entier est attendu." in seuil.stderr
    _sans_anglais(date.stderr + seuil.stderr)


def test_une_commande_inconnue_est_signalee_en_francais(tmp_path: Path) -> None:
    fini = _cellule("apparer", donnees=tmp_path)

    assert fini.returncode == 2
    assert "Commande inconnue : 'apparer'. Vouliez-vous dire 'apparier'" in fini.stderr
    _sans_anglais(fini.stderr)


def test_la_saisie_du_mot_de_passe_est_demandee_en_francais(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_DONNEES", str(tmp_path))
    saisie = "motdepasse-assez-long\nautre-mot-de-passe\n"  # puis plus rien : la personne abandonne

    resultat = CliRunner().invoke(
        app, ["utilisateurs", "creer", "admin.fictif", "--role", "administrateur"], input=saisie
    )

    assert resultat.exit_code == 1
    assert "Le même mot de passe, pour confirmer" in resultat.output
    assert resultat.output.rstrip().endswith("Interrompu.")
    assert "Repeat for confirmation" not in resultat.output


def _chemins_des_commandes() -> list[list[str]]:
    """Chaque commande et sous-commande de ``cellule``, par le chemin qu'on tape."""
    from service.cli import groupe_du_module

    chemins: list[list[str]] = []
    for module in sorted(set(MODULES.values())):
        for nom, commande in groupe_du_module(module).commands.items():
            chemins.append([nom])
            chemins.extend([nom, sous] for sous in getattr(commande, "commands", {}))
    return chemins


@pytest.mark.parametrize("chemin", _chemins_des_commandes(), ids=" ".join)
def test_aucune_aide_ne_laisse_de_texte_anglais(
    chemin: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_DONNEES", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")

    resultat = CliRunner().invoke(app, [*chemin, "--help"])

    assert resultat.exit_code == 0, resultat.output
    assert "Utilisation : cellule " in resultat.output
    _sans_anglais(resultat.output)


def test_une_commande_qui_reussit_ne_charge_pas_les_textes_de_rich() -> None:
    # Les textes français de typer.rich_utils ne se règlent qu'avant une aide ou une erreur :
    # le module tire rich et markdown, que « cellule --version » n'a pas à payer.
    code = (
        "import sys\n"
        "from service.cli import main\n"
        "sys.argv = ['cellule', '--version']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('typer.rich_utils' in sys.modules)"
    )

    fini = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert fini.stdout.splitlines() == [f"cellule {version('cellule')}", "False"]
