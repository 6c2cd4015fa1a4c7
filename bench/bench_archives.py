"""Mesure de l'ouverture des archives : temps de ``chiffrement.ouvrir_archive`` pour chaque codec.

Lancer depuis la racine du dépôt : ``.venv/bin/python -m bench.bench_archives`` (options
``--lignes``, ``--passages``). Les listes sont des CSV CAF synthétiques (``bench.fichiers`` :
identités fictives, graine fixe), archivées par le vrai 7-Zip (``7zz``, AES-256, noms chiffrés).
On mesure le déchiffrement et la décompression en mémoire, octets déjà lus (meilleur de
``--passages``), et le pic de mémoire d'un processus neuf qui ouvre l'archive une fois.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.fichiers import csv_caf
from chiffrement import ouvrir_archive

CODECS = ("lzma2", "lzma", "ppmd", "bzip2", "deflate", "copy")
MOT_DE_PASSE = "Banc-Essai-Archives-2026!"
# VmHWM et non ru_maxrss : ce dernier garde, à travers fork et exec, le pic du processus parent.
_PIC_MEMOIRE = """
import re, sys
from chiffrement import ouvrir_archive
ouvrir_archive(open(sys.argv[1], "rb").read(), sys.argv[2])
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024)
"""


def archiver(dossier: Path, csv: bytes, codec: str) -> Path:
    source = dossier / "liste_caf.csv"
    source.write_bytes(csv)
    archive = dossier / f"{codec}.7z"
    archive.unlink(missing_ok=True)
    subprocess.run(
        [
            "7zz",
            "a",
            "-t7z",
            f"-m0={codec}",
            f"-p{MOT_DE_PASSE}",
            "-mhe=on",
            "-bso0",
            "-bsp0",
            str(archive),
            source.name,
        ],
        cwd=dossier,
        check=True,
    )
    return archive


def mesurer(archive: Path, passages: int) -> tuple[float, float]:
    octets = archive.read_bytes()
    meilleur = float("inf")
    for _ in range(passages):
        debut = time.perf_counter()
        ouvrir_archive(octets, MOT_DE_PASSE)
        meilleur = min(meilleur, time.perf_counter() - debut)
    pic = subprocess.run(
        [sys.executable, "-c", _PIC_MEMOIRE, str(archive), MOT_DE_PASSE],
        capture_output=True,
        text=True,
        check=True,
    )
    return meilleur, float(pic.stdout)


def main() -> None:
    analyse = argparse.ArgumentParser(description=__doc__)
    analyse.add_argument("--lignes", type=int, nargs="+", default=[20_000, 200_000])
    analyse.add_argument("--passages", type=int, default=3)
    options = analyse.parse_args()
    if shutil.which("7zz") is None:
        sys.exit("7zz (paquet Debian « 7zip ») est nécessaire pour fabriquer les archives.")
    print(
        f"Python {platform.python_version()}, {platform.machine()}, meilleur de {options.passages} passages"
    )
    print()
    print("| lignes  | codec   | CSV Mo | archive Mo | secondes | Mo/s (CSV) | pic mémoire Mo |")
    print("|---------|---------|--------|------------|----------|------------|----------------|")
    resultats = []
    with tempfile.TemporaryDirectory(prefix="bench-archives-") as temporaire:
        dossier = Path(temporaire)
        for lignes in options.lignes:
            csv = csv_caf(lignes)
            for codec in CODECS:
                archive = archiver(dossier, csv, codec)
                secondes, pic = mesurer(archive, options.passages)
                mo_csv, mo_archive = len(csv) / 1e6, archive.stat().st_size / 1e6
                print(
                    f"| {lignes:>7} | {codec:<7} | {mo_csv:>6.1f} | {mo_archive:>10.2f} | {secondes:>8.3f} "
                    f"| {mo_csv / secondes:>10.0f} | {pic:>14.0f} |",
                    flush=True,
                )
                resultats.append({"lignes": lignes, "codec": codec, "secondes": secondes, "pic_mo": pic})
    print()
    print(json.dumps(resultats))


if __name__ == "__main__":
    main()
