"""Splink (DuckDB) au même contrat que ``cellule apparier`` : pivot en entrée, décisions en sortie.

Configuration (modèle de Fellegi–Sunter de Splink 5, ``link_only``) :
- données préparées comme le ferait un utilisateur soigneux : majuscules, sans accents ni
  ponctuation ; ``prenom`` = premier prénom ; le nom d'usage de l'école n'est pas utilisé ;
- comparaisons : ``NameComparison`` sur nom et prénom (avec ajustement de fréquence),
  ``DateOfBirthComparison``, ``ExactMatch`` sur le sexe et le code postal,
  ``JaroWinklerAtThresholds`` sur l'adresse ;
- blocages de prédiction : (prénom, date), (nom, date), (nom, prénom, année), (nom, prénom, mois),
  (date, code postal), (3 lettres du nom, 3 du prénom, année), (adresse, prénom) : une erreur seule
  ne cache pas une paire ; à 1 000 000 d'enfants, environ 57 millions de paires avant dédoublonnage
  (un blocage (nom, prénom) seul en donnerait 70 millions à lui seul) ;
- entraînement : probabilité a priori par règles déterministes, u par tirage aléatoire,
  m par EM sur deux blocages (date de naissance ; nom et prénom), bornés en nombre de paires.
Décision : chaque enfant garde au plus un élève et réciproquement (affectation gloutonne par
probabilité décroissante) ; ``apparie`` si la probabilité est ≥ 0,95, ``a_verifier`` entre 0,5 et
0,95, ``non_apparie`` sinon. Les enfants hors de l'âge de l'obligation (d'après la date CAF, par
``appariement.age``) sont ``hors_obligation`` ; un lien vers une liste déclarée donne
``instruction_declaree``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from appariement.age import est_soumis

SEUIL_LIEN = 0.95
SEUIL_REVUE = 0.5
PAIRES_EM = 2_000_000
PAIRES_U = 5_000_000


def _propre(colonne: str) -> pl.Expr:
    return (
        pl.col(colonne)
        .str.normalize("NFD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_uppercase()
        .str.replace_all(r"[^A-Z0-9]+", " ")
        .str.strip_chars()
        .replace("", None)
    )


def _preparer(table: pl.DataFrame) -> pl.DataFrame:
    return table.select(
        pl.col("id").alias("unique_id"),
        _propre("nom").alias("nom"),
        _propre("prenoms").str.split(" ").list.first().alias("prenom"),
        pl.col("date_naissance"),
        pl.col("sexe"),
        _propre("adresse").alias("adresse"),
        pl.col("code_postal"),
    )


def _lire(chemin: Path) -> pl.DataFrame:
    return pl.read_csv(chemin, separator=";", infer_schema=False).with_columns(
        pl.col("date_naissance").str.to_date("%Y-%m-%d", strict=False)
    )


def _affecter(paires: pl.DataFrame) -> pl.DataFrame:
    """Un enfant, au plus un élève, et réciproquement, par probabilité décroissante."""
    pris_f: set[str] = set()
    pris_i: set[str] = set()
    liens: list[tuple[str, str, float]] = []
    for famille, inscrit, proba in paires.sort("match_probability", descending=True).iter_rows():
        if famille in pris_f or inscrit in pris_i:
            continue
        pris_f.add(famille)
        pris_i.add(inscrit)
        liens.append((famille, inscrit, proba))
    return pl.DataFrame(
        liens, schema={"id_famille": pl.Utf8, "id_inscrit": pl.Utf8, "score": pl.Float64}, orient="row"
    )


def apparier_splink(familles: pl.DataFrame, inscrits: pl.DataFrame, date_reference: date) -> pl.DataFrame:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.internals.comparison_creator import ComparisonCreator

    dates = familles["date_naissance"].drop_nulls().unique()
    regle = pl.DataFrame({"date_naissance": dates, "soumis": [est_soumis(d, date_reference) for d in dates]})
    soumis = (
        familles.select("date_naissance")
        .join(regle, on="date_naissance", how="left", maintain_order="left")["soumis"]
        .fill_null(True)
    )
    a_lier = _preparer(familles.filter(soumis))
    eleves = _preparer(inscrits)
    import duckdb

    connexion = duckdb.connect()
    # Machine partagée : DuckDB déborde sur disque au-delà de 8 Go au lieu de prendre 80 % de la mémoire.
    connexion.execute("SET memory_limit = '8GB'")
    api = DuckDBAPI(connection=connexion)
    gauche = api.register(a_lier.to_arrow(), dataset_display_name="familles")
    droite = api.register(eleves.to_arrow(), dataset_display_name="inscrits")
    comparaisons: list[ComparisonCreator | dict[str, Any]] = [
        cl.NameComparison("nom").configure(term_frequency_adjustments=True),
        cl.NameComparison("prenom").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("date_naissance", input_is_string=False),
        cl.JaroWinklerAtThresholds("adresse", [0.95, 0.88, 0.8]),
        cl.ExactMatch("code_postal"),
    ]
    # Sans sexe d'un côté (FEBRL), la comparaison ne s'entraînerait pas : on l'omet.
    if a_lier["sexe"].null_count() < a_lier.height and eleves["sexe"].null_count() < eleves.height:
        comparaisons.append(cl.ExactMatch("sexe"))
    reglages = SettingsCreator(
        link_type="link_only",
        comparisons=comparaisons,
        blocking_rules_to_generate_predictions=[
            block_on("prenom", "date_naissance"),
            block_on("nom", "date_naissance"),
            block_on("nom", "prenom", "year(date_naissance)"),
            block_on("nom", "prenom", "month(date_naissance)"),
            block_on("date_naissance", "code_postal"),
            block_on("substr(nom, 1, 3)", "substr(prenom, 1, 3)", "year(date_naissance)"),
            block_on("adresse", "prenom"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker([gauche, droite], reglages, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nom", "prenom", "date_naissance")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=PAIRES_U, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_naissance"), max_pairs=PAIRES_EM
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("nom", "prenom"), max_pairs=PAIRES_EM
    )
    predictions = linker.inference.predict(threshold_match_probability=SEUIL_REVUE)
    paires = pl.from_arrow(predictions.as_pyarrow_table())
    assert isinstance(paires, pl.DataFrame)
    liens = _affecter(
        paires.select(
            pl.col("unique_id_l").alias("id_famille"),
            pl.col("unique_id_r").alias("id_inscrit"),
            "match_probability",
        )
        if "unique_id_l" in paires.columns
        else paires
    )
    modes = inscrits.select(pl.col("id").alias("id_inscrit"), pl.col("mode").fill_null("ecole"))
    decisions = (
        familles.select(pl.col("id").alias("id_famille"), pl.Series("soumis", soumis))
        .join(
            liens.join(modes, on="id_inscrit", how="left"), on="id_famille", how="left", maintain_order="left"
        )
        .select(
            "id_famille",
            pl.when(~pl.col("soumis"))
            .then(pl.lit("hors_obligation"))
            .when(pl.col("score").is_null())
            .then(pl.lit("non_apparie"))
            .when(pl.col("score") < SEUIL_LIEN)
            .then(pl.lit("a_verifier"))
            .when(pl.col("mode") != "ecole")
            .then(pl.lit("instruction_declaree"))
            .otherwise(pl.lit("apparie"))
            .alias("statut"),
            "id_inscrit",
            "score",
        )
    )
    lie = pl.col("statut").is_in(["apparie", "instruction_declaree"])
    return decisions.with_columns(
        pl.when(lie).then(pl.col("id_inscrit")).alias("id_inscrit"),
        pl.when(pl.col("statut") != "hors_obligation").then(pl.col("score")).alias("score"),
        pl.lit("").alias("explication"),
    )


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description="Splink au contrat de « cellule apparier ».")
    analyse.add_argument("--familles", type=Path, required=True)
    analyse.add_argument("--inscrits", type=Path, action="append", required=True)
    analyse.add_argument("--date-reference", type=date.fromisoformat, required=True)
    analyse.add_argument("--sortie", type=Path, required=True)
    options = analyse.parse_args(arguments)
    debut = time.perf_counter()
    familles = _lire(options.familles)
    inscrits = pl.concat([_lire(chemin) for chemin in options.inscrits], how="diagonal")
    decisions = apparier_splink(familles, inscrits, options.date_reference)
    decisions.write_csv(options.sortie, separator=";", null_value="")
    comptes = decisions["statut"].value_counts(sort=True)
    for statut, nombre in comptes.iter_rows():
        print(f"{statut} : {nombre}", file=sys.stderr)
    print(f"temps : {time.perf_counter() - debut:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
