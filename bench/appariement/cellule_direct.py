"""cellule sans le contrôle de ``cellule apparier`` : les tables pivot passées telles quelles à ``apparier``.

Pour les jeux du banc qui ont des lignes sans nom ou sans prénom (FEBRL) : ``cellule apparier`` refuse
la liste des familles et ignore ces lignes d'inscrits (issue #17 décidera du sort de ces lignes dans
le service). Ici, elles arrivent au moteur avec un nom ou un prénom vide, comme le moteur les
recevrait si la lecture les laissait passer. Même contrat que ``cellule apparier`` : mêmes options,
même fichier de décisions, durée sur la sortie d'erreur.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl

from appariement import apparier


def _lire(chemin: Path) -> pl.DataFrame:
    table = pl.read_csv(chemin, separator=";", infer_schema=False)
    return table.with_columns(pl.col("date_naissance").str.to_date("%Y-%m-%d", strict=False))


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description=__doc__)
    analyse.add_argument("--familles", type=Path, required=True)
    analyse.add_argument("--inscrits", type=Path, action="append", required=True)
    analyse.add_argument("--date-reference", type=date.fromisoformat, required=True)
    analyse.add_argument("--sortie", type=Path, required=True)
    options = analyse.parse_args(arguments)
    debut = time.perf_counter()
    familles = _lire(options.familles)
    inscrits = pl.concat([_lire(c) for c in options.inscrits], how="vertical_relaxed")
    resultat = apparier(familles, inscrits, options.date_reference)
    resultat.decisions.select(
        "id_famille", "statut", "id_inscrit", pl.col("score").round(3), "explication"
    ).write_csv(options.sortie, separator=";", null_value="")
    print(f"Durée : {time.perf_counter() - debut:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
