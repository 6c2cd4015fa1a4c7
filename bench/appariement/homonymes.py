"""Les enfants absents liés à la fiche d'un autre, et ce que coûterait de les envoyer en revue.

``.venv/bin/python -m bench.appariement.homonymes --taille 1000000 --graines 0 1 2 3 --dossier /tmp/b``

Relit les décisions de cellule gardées par le banc (``--garder``) et régénère la vérité de chaque
jeu (même taille, même graine). Pour chaque graine : les homonymes parfaits du jeu (un enfant de la
liste CAF et la fiche d'un autre enfant, mêmes nom, premier prénom et date, à la casse et aux
accents près), ceux qui touchent un enfant absent, les absents liés (score, niveau de l'adresse).
Puis, pour des seuils plus hauts quand l'école ne confirme pas l'adresse, combien d'enfants
inscrits passeraient en revue et combien d'absents liés seraient rattrapés.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import polars as pl

from bench.appariement.mesures import LIES
from fictif import generer

SEUILS = (8, 10, 12, 14, 16, 18)


def _forme(colonne: str) -> pl.Expr:
    return pl.col(colonne).str.to_uppercase().str.normalize("NFKD").str.replace_all(r"\p{M}", "")


def _graine(
    taille: int, graine: int, dossier: Path, date_reference: date
) -> tuple[str, dict[int, tuple[int, int]]]:
    """Le compte rendu d'une graine, et pour chaque seuil (inscrits de plus en revue, absents rattrapés)."""
    jeu = generer(taille, graine=graine, date_reference=date_reference)
    nom = f"synthetique_{taille}" + (f"_graine{graine}" if graine else "")
    decisions = pl.read_csv(
        dossier / nom / "decisions_cellule.csv",
        separator=";",
        infer_schema=False,
        columns=["id_famille", "statut", "id_inscrit", "score", "explication"],
    )
    table = jeu.verite.rename({"statut": "vrai", "id_inscrit": "vrai_inscrit"}).join(
        decisions, on="id_famille"
    )
    absents = table.filter(pl.col("vrai") == "non_apparie")

    cles = [
        _forme("nom").alias("n"),
        _forme("prenoms").str.split(" ").list.first().alias("p"),
        pl.col("date_naissance"),
    ]
    enfants = jeu.familles.select("id", *cles).join(jeu.verite, left_on="id", right_on="id_famille")
    fiches = jeu.inscrits.select(pl.col("id").alias("fiche"), *cles)
    homonymes = enfants.join(fiches, on=["n", "p", "date_naissance"]).filter(
        pl.col("id_inscrit").is_null() | (pl.col("id_inscrit") != pl.col("fiche"))
    )
    touchent = homonymes.filter(pl.col("statut") == "non_apparie")["id"].n_unique()

    adresse = pl.col("explication").str.json_path_match("$.champs[?(@.champ=='adresse')].niveau")
    lies = table.filter(pl.col("statut").is_in(LIES)).with_columns(
        pl.col("score").cast(pl.Float64), adresse.fill_null("manquant").alias("adresse")
    )
    absents_lies = lies.filter(pl.col("vrai") == "non_apparie")
    non_confirmes = lies.filter((pl.col("adresse") != "egale") & (pl.col("vrai") != "non_apparie"))
    par_seuil = {
        seuil: (
            non_confirmes.filter(pl.col("score") < seuil).height,
            absents_lies.filter((pl.col("score") < seuil) & (pl.col("adresse") != "egale")).height,
        )
        for seuil in SEUILS
    }
    details = " : " * (absents_lies.height > 0) + ", ".join(
        f"{score:.1f} bits (adresse {niveau})"
        for score, niveau in absents_lies.select("score", "adresse").sort("score").iter_rows()
    )
    compte_rendu = (
        f"graine {graine} : {homonymes.height} couples d'homonymes parfaits, {touchent} touchent un des "
        f"{absents.height} absents ; {absents_lies.height} absent(s) lié(s){details} ; "
        f"{non_confirmes.height} liens d'enfants inscrits dont l'école ne confirme pas l'adresse"
    )
    return compte_rendu, par_seuil


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(
        description="Absents liés et coût d'un seuil plus haut sans adresse confirmée."
    )
    analyse.add_argument("--taille", type=int, default=1_000_000)
    analyse.add_argument("--graines", type=int, nargs="+", default=[0, 1, 2, 3])
    analyse.add_argument("--dossier", type=Path, default=Path("/tmp/bench-appariement"))
    analyse.add_argument("--date-reference", type=date.fromisoformat, default=date(2026, 11, 15))
    options = analyse.parse_args(arguments)

    par_seuil: dict[int, list[tuple[int, int]]] = {seuil: [] for seuil in SEUILS}
    for graine in options.graines:
        compte_rendu, seuils = _graine(options.taille, graine, options.dossier, options.date_reference)
        print(compte_rendu)
        for seuil, compte in seuils.items():
            par_seuil[seuil].append(compte)
    print()
    print(
        "| Seuil quand l'école ne confirme pas l'adresse (au lieu de 6 bits) "
        "| Inscrits de plus en revue, par graine | Absents liés rattrapés |"
    )
    print("|---|---|---|")
    for seuil, comptes in par_seuil.items():
        revue = " / ".join(f"{en_revue:_}".replace("_", " ") for en_revue, _ in comptes)
        print(f"| {seuil} bits | {revue} | {sum(rattrapes for _, rattrapes in comptes)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
