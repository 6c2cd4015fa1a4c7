"""Mesure de la lecture des fichiers : temps de ``conventions.lire`` sur des CSV synthétiques.

Lancer depuis la racine du dépôt : ``.venv/bin/python -m bench.bench_lecture`` (option ``--lignes``).
Les identités sont fictives (``fictif.generer``, graine fixe) ; chaque cas est mesuré trois fois
(meilleur temps gardé, les fichiers étant déjà en mémoire).
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

from bench.fichiers import DATE_REFERENCE, csv_caf, csv_onde, xml_siecle
from conventions import lire, profil_integre

AUJOURD_HUI = DATE_REFERENCE


def _mesurer(octets: bytes, profil: str) -> tuple[float, int, int]:
    meilleur = float("inf")
    valides = rejetees = 0
    for _ in range(3):
        debut = time.perf_counter()
        lecture = lire(octets, profil_integre(profil), aujourd_hui=AUJOURD_HUI)
        meilleur = min(meilleur, time.perf_counter() - debut)
        valides, rejetees = lecture.rapport.valides, lecture.rapport.rejetees
    return meilleur, valides, rejetees


def main() -> None:
    parametres = argparse.ArgumentParser(description=__doc__)
    parametres.add_argument("--lignes", type=int, default=200_000, help="lignes par fichier (200 000)")
    nombre = parametres.parse_args().lignes
    cas: list[tuple[str, str, Callable[[], bytes]]] = [
        ("CAF Windows-1252, propre", "caf", lambda: csv_caf(nombre)),
        ("CAF Windows-1252, 5 % de dates fausses", "caf", lambda: csv_caf(nombre, part_abimee=0.05)),
        ("ONDE UTF-8 BOM, 11 colonnes", "onde", lambda: csv_onde(nombre)),
        ("SIECLE XML ISO-8859-15, 5 % sortis", "siecle", lambda: xml_siecle(nombre // 10)),
    ]
    print(
        f"Machine : {platform.machine()}, Python {platform.python_version()}, {nombre} lignes par CSV, "
        f"{nombre // 10} élèves SIECLE (un établissement en compte quelques milliers)"
    )
    print(
        f"| {'cas':<40} | {'Mo':>6} | {'secondes':>8} | {'lignes/s':>10} | {'valides':>8} | {'rejetées':>8} |"
    )
    print(f"|{'-' * 42}|{'-' * 8}|{'-' * 10}|{'-' * 12}|{'-' * 10}|{'-' * 10}|")
    for nom, profil, fabriquer in cas:
        octets = fabriquer()
        secondes, valides, rejetees = _mesurer(octets, profil)
        lues = valides + rejetees
        print(
            f"| {nom:<40} | {len(octets) / 1e6:>6.1f} | {secondes:>8.2f} | {lues / secondes:>10,.0f} "
            f"| {valides:>8} | {rejetees:>8} |"
        )


if __name__ == "__main__":
    main()
