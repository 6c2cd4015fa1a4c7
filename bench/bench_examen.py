"""Banc de l'examen au dépôt : combien de temps l'agent attend la réponse à son dépôt.

Lancer depuis la racine du dépôt : ``.venv/bin/python -m bench.bench_examen`` (option
``--passages``). On mesure ``service.campagnes.examen.examiner`` de bout en bout, comme la route de
dépôt l'appelle : paire de clés éphémère, scellement, lancement de l'enfant confiné, descellement,
ouverture de l'archive, lecture selon la convention, réponse validée. Deux listes CAF fictives
(``fictif``) au format de la CAF, en archive 7z chiffrée : la taille d'une commune de démonstration
(``service.demo.ENFANTS_PAR_COMMUNE`` enfants) et 100 000 lignes. Médiane de ``--passages``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time

from bench.fichiers import csv_caf
from chiffrement import fabriquer_archive
from conventions import Convention
from fictif.fichiers import CHAMPS_CAF
from service.campagnes.examen import examiner
from service.demo import ENFANTS_PAR_COMMUNE
from service.parametres import parametres

COMMUNE = "59350"
MOT_DE_PASSE = "Banc-Examen-Depot-2026!"


def _convention() -> Convention:
    aujourd_hui = dt.date.today()
    return Convention.model_validate(
        {
            "identifiant": "banc-caf",
            "titre": "Convention fictive CAF (banc d'essai)",
            "partenaire": "Partenaire fictif",
            "source": "caf",
            "communes": [COMMUNE],
            "date_signature": aujourd_hui - dt.timedelta(days=400),
            "debut": aujourd_hui - dt.timedelta(days=365),
            "fin": aujourd_hui + dt.timedelta(days=365),
            "signataires": ["Signataire fictif"],
            "finalite": "Banc d'essai",
            "conservation": "Banc d'essai",
            "champs_autorises": CHAMPS_CAF,
            "profil": "caf",
        }
    )


def main() -> None:
    analyseur = argparse.ArgumentParser(description=__doc__)
    analyseur.add_argument("--passages", type=int, default=3)
    arguments = analyseur.parse_args()
    convention = _convention()
    print(f"machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| liste                    | lignes  | archive (Kio) | examen (s) | lignes lues | valides |")
    print("|--------------------------|---------|---------------|------------|-------------|---------|")
    for libelle, lignes in (("commune de démonstration", ENFANTS_PAR_COMMUNE), ("grosse liste CAF", 100_000)):
        archive = fabriquer_archive({"liste_caf.csv": csv_caf(lignes, part_abimee=0.01)}, MOT_DE_PASSE)
        durees = []
        for passage in range(arguments.passages):
            debut = time.perf_counter()
            resultat = examiner(
                identifiant=f"banc-{passage}",
                archive=archive,
                mot_de_passe=MOT_DE_PASSE,
                convention=convention,
                commune=COMMUNE,
                date_reference=dt.date.today(),
                reglages=parametres(),
            )
            durees.append(time.perf_counter() - debut)
            assert resultat.code_refus is None, resultat.refus
        resume = resultat.resume
        mediane = statistics.median(durees)
        print(
            f"| {libelle:<24} | {lignes:>7} | {len(archive) // 1024:>13} | {mediane:>10.2f} "
            f"| {resume['lignes']:>11} | {resume['valides']:>7} |"
        )


if __name__ == "__main__":
    main()
