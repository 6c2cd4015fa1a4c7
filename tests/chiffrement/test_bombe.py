"""Une bombe de décompression (des Go de zéros en quelques centaines de Kio) est refusée sans être ouverte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chiffrement.outils import MOT_DE_PASSE, sept_zip

GIO = 1024**3

# Lancé dans un processus neuf. Pic lu dans VmHWM : ru_maxrss garderait, à travers fork et exec,
# le pic du processus pytest.
_MESURE = """
import json, re, sys
from chiffrement import ArchiveRefusee, Limites, ouvrir_archive
octets = open(sys.argv[1], "rb").read()
grand = 4 * 1024**3
limites = Limites(taille_entree_max=grand, taille_totale_max=grand) if sys.argv[3] == "grand" else Limites()
try:
    ouvrir_archive(octets, sys.argv[2], limites)
    resultat = "ouverte"
except ArchiveRefusee as erreur:
    resultat = erreur.message
pic_mio = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024
print(json.dumps({"resultat": resultat, "pic_mio": pic_mio}))
"""


@pytest.fixture(scope="module")
def bombe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 Gio de zéros, compressés en flux par 7zz (rien de gros n'est écrit sur disque)."""
    chemin = tmp_path_factory.mktemp("bombe") / "bombe.7z"
    processus = subprocess.Popen(
        [
            sept_zip(),
            "a",
            "-t7z",
            "-m0=lzma2",
            "-mx1",
            f"-p{MOT_DE_PASSE}",
            "-mhe=on",
            "-bso0",
            "-bsp0",
            "-siliste.csv",
            str(chemin),
        ],
        stdin=subprocess.PIPE,
    )
    assert processus.stdin is not None
    zeros = bytes(1024 * 1024)
    for _ in range(2 * GIO // len(zeros)):
        processus.stdin.write(zeros)
    processus.stdin.close()
    assert processus.wait(timeout=120) == 0
    return chemin


def _ouvrir_dans_un_processus(bombe: Path, limites: str) -> dict[str, object]:
    sortie = subprocess.run(
        [sys.executable, "-c", _MESURE, str(bombe), MOT_DE_PASSE, limites],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    resultat: dict[str, object] = json.loads(sortie.stdout)
    return resultat


def test_la_bombe_est_petite_mais_annonce_des_gigaoctets(bombe: Path) -> None:
    assert bombe.stat().st_size < 2 * 1024 * 1024


def test_une_bombe_est_refusee_sans_gonfler_la_memoire(bombe: Path) -> None:
    mesure = _ouvrir_dans_un_processus(bombe, "defaut")

    assert "Mio une fois décompressée" in str(mesure["resultat"])
    assert float(str(mesure["pic_mio"])) < 200


def test_avec_des_tailles_permises_le_taux_de_compression_la_trahit(bombe: Path) -> None:
    mesure = _ouvrir_dans_un_processus(bombe, "grand")

    assert "taux de compression anormal" in str(mesure["resultat"])
    assert float(str(mesure["pic_mio"])) < 200
