"""Chaque enfant écrit deux fois : comme la CAF (``caf_*``) et comme l'école (``eco_*``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from fictif.listes import COMMUNES, NOMS_VOIE, TYPES_VOIE
from fictif.tirages import cle_caf


def _majuscules_sans_accents(colonne: str) -> pl.Expr:
    return pl.col(colonne).map_batches(_cles, return_dtype=pl.Utf8)


def _cles(serie: pl.Series) -> pl.Series:
    """``cle_caf`` sur toute une colonne ; les noms se répètent, on ne traite que les valeurs distinctes."""
    distincts = serie.unique()
    cles = (
        distincts.str.normalize("NFD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all("Đ", "D")
        .str.replace_all("đ", "d")
        .str.to_uppercase()
    )
    return serie.replace_strict(distincts, cles)


def rendre(population: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Écrit chaque enfant comme la CAF (colonnes ``caf_*``) et comme l'école (``eco_*``)."""
    n = population.height
    types = pl.Series([t for t, _ in TYPES_VOIE])
    abreges = pl.Series([a for _, a in TYPES_VOIE])
    voies = pl.Series(NOMS_VOIE)
    codes = pl.Series([c for c, _ in COMMUNES])
    communes = pl.Series([c for _, c in COMMUNES])
    df = population.with_columns(
        pl.Series("type_voie", types.gather(population["adr_type"])),
        pl.Series("abrege_voie", abreges.gather(population["adr_type"])),
        pl.Series("voie", voies.gather(population["adr_voie"])),
        pl.Series("code_postal", codes.gather(population["adr_commune"])),
        pl.Series("commune", communes.gather(population["adr_commune"])),
        pl.Series(
            "caf_commune",
            communes.map_elements(cle_caf, return_dtype=pl.Utf8).gather(population["adr_commune"]),
        ),
        pl.Series(
            "type_cle", types.map_elements(cle_caf, return_dtype=pl.Utf8).gather(population["adr_type"])
        ),
        pl.Series(
            "voie_cle", voies.map_elements(cle_caf, return_dtype=pl.Utf8).gather(population["adr_voie"])
        ),
        pl.Series("u_accents", rng.random(n)),
        pl.Series("u_prenoms", rng.random(n)),
        pl.Series("u_casse", rng.random(n)),
        pl.Series("u_style", rng.integers(0, 3, n)),
        pl.Series("u_usage", rng.random(n)),
    )
    premier_prenom = pl.col("prenoms").str.split(" ").list.first()
    prenoms_ecole = pl.when(pl.col("u_prenoms") < 0.7).then(premier_prenom).otherwise(pl.col("prenoms"))
    adresse_ecole = (
        pl.when(pl.col("u_style") == 0)
        .then(
            pl.concat_str(
                [
                    pl.col("adr_numero").cast(pl.Utf8),
                    pl.lit(" "),
                    pl.col("type_voie").str.to_lowercase(),
                    pl.lit(" "),
                    pl.col("voie"),
                ]
            )
        )
        .when(pl.col("u_style") == 1)
        .then(
            pl.concat_str(
                [
                    pl.col("adr_numero").cast(pl.Utf8),
                    pl.lit(", "),
                    pl.col("type_voie"),
                    pl.lit(" "),
                    pl.col("voie"),
                ]
            ).str.to_uppercase()
        )
        .otherwise(
            pl.concat_str(
                [
                    pl.col("adr_numero").cast(pl.Utf8),
                    pl.lit(" "),
                    pl.col("abrege_voie"),
                    pl.lit(" "),
                    pl.col("voie"),
                ]
            ).str.to_uppercase()
        )
    )
    return df.with_columns(
        _majuscules_sans_accents("nom").alias("caf_nom"),
        _majuscules_sans_accents("prenoms").alias("caf_prenoms"),
        _majuscules_sans_accents("nom_allocataire").alias("caf_nom_allocataire"),
        _majuscules_sans_accents("prenom_allocataire").alias("caf_prenom_allocataire"),
        pl.concat_str([pl.col("adr_numero").cast(pl.Utf8), "type_cle", "voie_cle"], separator=" ").alias(
            "caf_adresse"
        ),
        pl.when(pl.col("u_accents") < 0.5)
        .then(pl.col("nom"))
        .otherwise(_majuscules_sans_accents("nom"))
        .alias("eco_nom"),
        pl.when(pl.col("u_casse") < 0.75)
        .then(prenoms_ecole)
        .otherwise(prenoms_ecole.str.to_uppercase())
        .alias("eco_prenoms"),
        # Nom d'usage à l'école : souvent le nom de la mère, quand il diffère.
        pl.when((pl.col("u_usage") < 0.04) & (pl.col("nom_mere") != pl.col("nom")))
        .then(pl.col("nom_mere"))
        .otherwise(None)
        .alias("eco_nom_usage"),
        adresse_ecole.alias("eco_adresse"),
        pl.col("naissance").alias("caf_naissance"),
        pl.col("naissance").alias("eco_naissance"),
        pl.col("sexe").alias("caf_sexe"),
        pl.col("sexe").alias("eco_sexe"),
        pl.col("code_postal").alias("eco_code_postal"),
        pl.col("commune").alias("eco_commune"),
    )
