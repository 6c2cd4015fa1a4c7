"""Normalisation des identités françaises, colonne par colonne (polars).

Accents, casse, ponctuation et apostrophes disparaissent ; tiret, espace ou rien entre deux
parties d'un nom ne comptent plus ; les particules (DE, LA, D', BEN, EL, AIT…) sont retirées des
formes « sans particules » ; les prénoms passent par la table de translittération ; chaque forme a
sa clé phonétique. Le moteur travaille ensuite uniquement sur ces formes.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from appariement.equivalences import CANONIQUE
from appariement.phonetique import expr_phonetique

PARTICULES: frozenset[str] = frozenset(
    {
        "D", "DE", "DU", "DES", "L", "LE", "LA", "LES", "DA", "DAS", "DO", "DOS", "DI", "DEL", "DELLA",
        "DELLE", "VAN", "VON", "DER", "DEN", "TER", "TEN", "BEN", "BENT", "BINT", "IBN", "EL", "AL",
        "AIT", "OULD", "MAC", "MC", "SAINT", "STE", "ST",
    }
)  # fmt: skip


def expr_texte(colonne: pl.Expr, *, chiffres: bool = False) -> pl.Expr:
    """Majuscules A-Z (et chiffres si demandé), espaces simples ; accents et ponctuation disparaissent.

    Un texte vide devient null.
    """
    autres = r"[^A-Z0-9]+" if chiffres else r"[^A-Z]+"
    texte = (
        colonne.str.to_uppercase()
        .str.replace_all("Œ", "OE", literal=True)
        .str.replace_all("Æ", "AE", literal=True)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_all(autres, " ")
        .str.strip_chars()
    )
    return pl.when(texte == "").then(None).otherwise(texte)


def expr_sans_particules(mots: pl.Expr) -> pl.Expr:
    """Les mots d'un nom moins ses particules (tous les mots si le nom n'est fait que de particules)."""
    utiles = mots.list.eval(pl.element().filter(~pl.element().is_in(list(PARTICULES))))
    return pl.when(utiles.list.len() > 0).then(utiles).otherwise(mots)


def expr_canonique(mots: pl.Expr) -> pl.Expr:
    """Chaque prénom ramené à sa forme canonique de translittération (MOHAMMED → MOHAMED)."""
    return mots.list.eval(pl.element().replace(CANONIQUE))


def _par_valeur(
    table: pl.DataFrame, source: str, cible: str, calcul: Callable[[pl.Expr], pl.Expr]
) -> pl.DataFrame:
    """Calcule ``cible`` une fois par valeur distincte de ``source`` (les noms se répètent beaucoup)."""
    valeurs = table.select(pl.col(source).unique()).with_columns(calcul(pl.col(source)).alias(cible))
    return table.join(valeurs, on=source, how="left", nulls_equal=True)


def _formes_nom(table: pl.DataFrame, source: str, prefixe: str) -> pl.DataFrame:
    mots = pl.col(source).str.split(" ")
    utiles = expr_sans_particules(mots)
    formes = table.select(pl.col(source).unique()).with_columns(
        mots.list.join("").alias(f"{prefixe}_c"),
        utiles.list.join("").alias(f"{prefixe}_cs"),
        utiles.list.join(" ").alias(f"{prefixe}_t"),
        # Clés de blocage : chaque partie du nom, et le nom entier avec et sans particules.
        pl.concat_list(utiles, mots.list.join(""), utiles.list.join(""))
        .list.unique()
        .alias(f"{prefixe}_blocs"),
    )
    formes = formes.with_columns(expr_phonetique(pl.col(f"{prefixe}_cs")).alias(f"{prefixe}_ph"))
    return table.join(formes, on=source, how="left", nulls_equal=True)


def _formes_prenoms(table: pl.DataFrame) -> pl.DataFrame:
    mots = pl.col("_prenoms").str.split(" ")
    canon = expr_canonique(mots)
    formes = table.select(pl.col("_prenoms").unique()).with_columns(
        canon.list.first().alias("prenom1"),
        canon.list.join(" ").alias("prenoms_t"),
        mots.list.join("").alias("prenoms_c"),
    )
    formes = formes.with_columns(expr_phonetique(pl.col("prenom1")).alias("prenom_ph"))
    return table.join(formes, on="_prenoms", how="left", nulls_equal=True)


def _sexe(colonne: pl.Expr) -> pl.Expr:
    initiale = colonne.str.strip_chars().str.to_uppercase().str.slice(0, 1)
    return pl.when(initiale.is_in(["M", "F"])).then(initiale).otherwise(None)


def preparer(table: pl.DataFrame, *, inscrits: bool) -> pl.DataFrame:
    """Formes normalisées d'une table canonique (familles ou inscrits), une ligne par ligne, index ``idx``."""
    colonnes = [
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("idx"),
        pl.col("id").cast(pl.String),
        expr_texte(pl.col("nom")).alias("_nom"),
        expr_texte(pl.col("prenoms")).alias("_prenoms"),
        pl.col("date_naissance").cast(pl.Date).alias("date"),
        _sexe(pl.col("sexe")).alias("sexe"),
        expr_texte(pl.col("adresse"), chiffres=True).alias("adresse"),
        pl.col("code_postal").str.replace_all(r"\D", "").alias("code_postal"),
        expr_texte(pl.col("commune")).str.replace_all(" ", "").alias("commune"),
    ]
    if inscrits:
        colonnes += [
            expr_texte(pl.col("nom_usage")).alias("_nom_usage"),
            pl.col("mode").str.strip_chars().str.to_lowercase().fill_null("ecole").alias("mode"),
        ]
    prepare = table.select(colonnes)
    prepare = _formes_nom(prepare, "_nom", "nom")
    if inscrits:
        prepare = _formes_nom(prepare, "_nom_usage", "usage")
    prepare = _formes_prenoms(prepare)
    blocs = pl.col("nom_blocs")
    if inscrits:
        blocs = pl.concat_list(blocs, pl.col("usage_blocs").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    prepare = prepare.with_columns(blocs.list.unique().alias("nom_blocs"))
    prepare = _par_valeur(prepare.explode("nom_blocs"), "nom_blocs", "bloc_ph", lambda c: expr_phonetique(c))
    cles = prepare.group_by("idx").agg(pl.col("bloc_ph").drop_nulls().unique().alias("noms_ph"))
    prepare = prepare.unique("idx", keep="first").drop("nom_blocs", "bloc_ph", "usage_blocs", strict=False)
    return (
        prepare.join(cles, on="idx", how="left")
        .sort("idx")
        .drop("_nom", "_prenoms", "_nom_usage", strict=False)
    )
