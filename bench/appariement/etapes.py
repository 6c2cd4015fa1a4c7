"""Temps de chaque étape d'``apparier``, dans le processus : ``.venv/bin/python -m bench.appariement.etapes``.

Sur les fichiers gardés d'un jeu du banc (``--garder``), chronomètre la lecture contrôlée, chaque
étape du moteur et l'écriture des décisions, ``--passages`` fois, et garde le meilleur temps de
chacune. Les étapes sont les fonctions qu'appelle ``appariement.moteur``, enveloppées d'un chronomètre le
temps de la mesure ; seul le fil principal est chronométré : les paires tirées au hasard, comparées
dans un second fil, se recouvrent avec le blocage et la comparaison. Avec ``--arbre``, c'est le code
d'un autre arbre de travail qui est mesuré (``git worktree add /tmp/avant <commit>``).

Exemple : ``.venv/bin/python -m bench.appariement.etapes --dossier /tmp/b/synthetique_1000000``.
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ETAPES = {
    "paires_candidates": "blocage",
    "comparer_paires": "comparaison",
    "estimer": "estimation (EM)",
    "noter": "scores",
    "affecter": "affectation (deux tours)",
    "poids_ecole": "établissement",
    "reperer_doutes": "doutes",
    "score_fratrie": "frère ou sœur",
}
"""Fonctions du moteur chronométrées, et leur nom dans le tableau."""


def _chronometrer(
    module: Any, nom: str, temps: dict[str, float], bornes: dict[str, tuple[float, float]]
) -> None:
    """Enveloppe ``module.nom`` : ajoute sa durée à ``temps[nom]`` et note son premier début et sa
    dernière fin dans ``bornes[nom]``, pour les seuls appels du fil principal. Une étape que le code
    mesuré n'a pas (un arbre plus ancien) est laissée de côté."""
    if not hasattr(module, nom):
        return
    fonction: Callable[..., Any] = getattr(module, nom)

    @functools.wraps(fonction)
    def chronometree(*arguments: Any, **options: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return fonction(*arguments, **options)
        debut = time.perf_counter()
        resultat = fonction(*arguments, **options)
        fin = time.perf_counter()
        temps[nom] = temps.get(nom, 0.0) + fin - debut
        bornes[nom] = (bornes.get(nom, (debut, fin))[0], fin)
        return resultat

    setattr(module, nom, chronometree)


def _passage(dossier: Path, date_reference: date, sortie: Path) -> dict[str, float]:
    import polars as pl

    from appariement import moteur
    from conventions import lire, profil_integre

    temps: dict[str, float] = {}
    bornes: dict[str, tuple[float, float]] = {}
    for nom in ("apparier", *ETAPES):
        _chronometrer(moteur, nom, temps, bornes)
    try:
        debut = time.perf_counter()
        tables = [
            lire(
                (dossier / f"{nom}.csv").read_bytes(),
                profil_integre(f"pivot-{nom}"),
                aujourd_hui=date.today(),
            ).table
            for nom in ("familles", "inscrits")
        ]
        lecture = time.perf_counter() - debut
        resultat = moteur.apparier(tables[0], tables[1], date_reference)
        debut = time.perf_counter()
        resultat.decisions.select(
            "id_famille", "statut", "id_inscrit", pl.col("score").round(3), "explication"
        ).write_csv(sortie, separator=";")
        ecriture = time.perf_counter() - debut
    finally:
        for nom in ("apparier", *ETAPES):
            if hasattr(moteur, nom):
                setattr(moteur, nom, getattr(moteur, nom).__wrapped__)
    # La préparation des deux tables va du début d'``apparier`` au blocage ; décisions et explications,
    # des doutes à la fin.
    mesures = {
        "lecture contrôlée des deux fichiers": lecture,
        "préparation des deux tables": bornes["paires_candidates"][0] - bornes["apparier"][0],
        **{libelle: temps.get(nom, 0.0) for nom, libelle in ETAPES.items()},
        "décisions et explications": bornes["apparier"][1] - bornes["reperer_doutes"][1],
    }
    mesures["autres"] = temps["apparier"] - sum(list(mesures.values())[1:])
    mesures["**apparier en tout**"] = temps["apparier"]
    mesures["écriture des décisions"] = ecriture
    return mesures


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description="Temps de chaque étape d'apparier, dans le processus.")
    analyse.add_argument("--dossier", type=Path, required=True, help="jeu gardé par le banc (--garder)")
    analyse.add_argument("--passages", type=int, default=2)
    analyse.add_argument("--arbre", type=Path, help="arbre de travail dont mesurer le code")
    analyse.add_argument("--date-reference", type=date.fromisoformat, default=date(2026, 11, 15))
    options = analyse.parse_args(arguments)
    if options.arbre:
        sys.path.insert(0, str(options.arbre.resolve()))

    sortie = options.dossier / "decisions_etapes.csv"
    meilleurs: dict[str, float] = {}
    for _ in range(options.passages):
        for etape, secondes in _passage(options.dossier, options.date_reference, sortie).items():
            meilleurs[etape] = min(meilleurs.get(etape, secondes), secondes)
    sortie.unlink(missing_ok=True)

    code = options.arbre or Path(__file__).resolve().parents[2]
    print(f"{options.dossier.name}, code de {code}, meilleur temps de {options.passages} passage(s)")
    print("| Étape | Temps |")
    print("|---|---|")
    for etape, secondes in meilleurs.items():
        print(f"| {etape} | {secondes:.2f} s |".replace(".", ","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
