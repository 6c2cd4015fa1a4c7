"""Mesure de la lecture des fichiers : temps de ``conventions.lire`` sur des CSV synthétiques.

Lancer depuis la racine du dépôt : ``.venv/bin/python bench/bench_lecture.py`` (option ``--lignes``).
Les identités sont fictives, tirées d'une graine fixe ; chaque cas est mesuré trois fois
(meilleur temps gardé, les fichiers étant déjà en mémoire).
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable
from datetime import date, timedelta

from conventions import lire, profil_integre

AUJOURD_HUI = date(2025, 10, 1)
NOMS = [
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "SIMON",
    "LAURENT",
    "LEFEBVRE",
    "MICHEL",
    "GARCIA",
    "DAVID",
    "BERTRAND",
    "ROUX",
    "VINCENT",
    "FOURNIER",
]
PRENOMS = [
    "Léa",
    "Noé",
    "Inès",
    "Jérôme",
    "Zoé",
    "Maël",
    "Chloé",
    "Anaïs",
    "Théo",
    "Lucas",
    "Emma",
    "Gabriel",
    "Louise",
    "Raphaël",
    "Jade",
    "Arthur",
    "Ambre",
    "Hugo",
    "Rose",
    "Noah",
]


def _naissance(hasard: random.Random) -> date:
    return date(2009, 1, 1) + timedelta(days=hasard.randrange(0, 6000))


def csv_caf(lignes: int, *, graine: int = 1, part_abimee: float = 0.0) -> bytes:
    """Une liste CAF type (Windows-1252, « ; », dates JJ/MM/AAAA, sexe 1/2)."""
    hasard = random.Random(graine)
    rangs = [
        "Nom enfant;Prénoms enfant;Date de naissance;Sexe;Nom allocataire;Prénom allocataire;"
        "Adresse;Code postal;Commune"
    ]
    for rang in range(lignes):
        naissance = _naissance(hasard).strftime("%d/%m/%Y")
        if hasard.random() < part_abimee:
            naissance = "31/02/2015"
        rangs.append(
            f"{hasard.choice(NOMS)};{hasard.choice(PRENOMS)} {hasard.choice(PRENOMS)};{naissance};"
            f"{hasard.choice('12')};{hasard.choice(NOMS)};{hasard.choice(PRENOMS)};"
            f'"{rang % 200 + 1} rue des Écoles; bât. {rang % 7}";59000;Lille'
        )
    return ("\r\n".join(rangs) + "\r\n").encode("windows-1252")


def csv_onde(lignes: int, *, graine: int = 2) -> bytes:
    """Une extraction ONDE (UTF-8 avec BOM, colonnes de classe, sexe MASCULIN/FEMININ)."""
    hasard = random.Random(graine)
    rangs = [
        "Nom élève;Nom d'usage élève;Prénom élève;Deuxième prénom;Date naissance;Sexe;INE;"
        "Adresse1;Cp1;Commune1;Pays1; Cycle;Niveau;Libellé classe"
    ]
    for rang in range(lignes):
        rangs.append(
            f"{hasard.choice(NOMS)};;{hasard.choice(PRENOMS)};{hasard.choice(PRENOMS)};"
            f"{_naissance(hasard):%d/%m/%Y};{hasard.choice(['MASCULIN', 'FEMININ'])};{rang:010d}A;"
            f"{rang % 300} avenue Fictive;59000;Lille;France;2;CE1;CE1 A"
        )
    return ("\ufeff" + "\n".join(rangs) + "\n").encode("utf-8")


def xml_siecle(eleves: int, *, graine: int = 3) -> bytes:
    """Un export SIECLE ElevesSansAdresses.xml (ISO-8859-15), un élève sur vingt sorti."""
    hasard = random.Random(graine)
    corps = []
    for rang in range(eleves):
        sortie = "<DATE_SORTIE>05/07/2025</DATE_SORTIE>" if rang % 20 == 0 else ""
        corps.append(
            f'<ELEVE ELEVE_ID="{rang}" ELENOET="{rang}"><ID_NATIONAL>{rang:010d}B</ID_NATIONAL>'
            f"<NOM_DE_FAMILLE>{hasard.choice(NOMS)}</NOM_DE_FAMILLE><PRENOM>{hasard.choice(PRENOMS)}</PRENOM>"
            f"<PRENOM2>{hasard.choice(PRENOMS)}</PRENOM2><DATE_NAISS>{_naissance(hasard):%d/%m/%Y}</DATE_NAISS>"
            f"<CODE_SEXE>{hasard.choice('12')}</CODE_SEXE>{sortie}</ELEVE>"
        )
    return (
        '<?xml version="1.0" encoding="ISO-8859-15"?><BEE_ELEVES VERSION="3.1"><PARAMETRES>'
        "<UAJ>0599999X</UAJ></PARAMETRES><DONNEES><ELEVES>"
        + "".join(corps)
        + "</ELEVES></DONNEES></BEE_ELEVES>"
    ).encode("iso-8859-15")


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
        ("ONDE UTF-8 BOM, 14 colonnes", "onde", lambda: csv_onde(nombre)),
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
