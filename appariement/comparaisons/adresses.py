"""Comparaison des adresses : même foyer (voie et numéro), même commune, différente."""

from __future__ import annotations

import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from appariement.comparaisons.outils import SEUIL_ADRESSE, SEUIL_RESSEMBLANT, par_couple, premier_niveau

_TYPE_DE_VOIE = (
    r"^(?:(?:RUE|AVENUE|BOULEVARD|ALLEE|IMPASSE|CHEMIN|PLACE|ROUTE|RESIDENCE|SQUARE|FAUBOURG|QUAI|COURS"
    r"|PROMENADE|LOTISSEMENT|HAMEAU|CITE|PASSAGE|VOIE|SENTIER) +)?(?:(?:DE LA|DE L|DES|DU|DE|D|LA|LE|L) +)?"
)
"""Type de voie et article en tête d'une voie (formes longues, après ``normalisation``)."""


def _meme_adresse(couples: pl.DataFrame) -> pl.Series:
    """Vrai si les adresses ``a`` et ``b`` se ressemblent (Jaro-Winkler) et portent le même numéro
    quand les deux en ont un : « 1 RUE DU LAVOIR » et « 7 RUE DU LAVOIR » sont deux foyers voisins."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    parties = couples.select(
        *[pl.col(c).str.extract(r"^(\d+)").alias(f"numero_{c}") for c in ("a", "b")],
        *[pl.col(c).str.replace(r"^\d+ *", "").alias(f"voie_{c}") for c in ("a", "b")],
    ).with_columns(pl.col(f"voie_{c}").str.replace(_TYPE_DE_VOIE, "").alias(f"nom_{c}") for c in ("a", "b"))
    jw = process.cpdist(
        parties["voie_a"].to_list(),
        parties["voie_b"].to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    # Le nom de la voie, sans son type ni son article, doit aussi se ressembler : sur la voie entière,
    # Jaro-Winkler voit surtout le début commun (RESIDENCE DES JARDINS / RESIDENCE DES HIRONDELLES).
    jw_nom = process.cpdist(
        parties["nom_a"].to_list(),
        parties["nom_b"].to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    meme_numero = parties.select(
        (pl.col("numero_a") == pl.col("numero_b"))
        | pl.col("numero_a").is_null()
        | pl.col("numero_b").is_null()
    ).to_series()
    return pl.Series((jw >= SEUIL_ADRESSE) & (jw_nom >= SEUIL_RESSEMBLANT)) & meme_numero


def niveau_adresse(paires: pl.DataFrame) -> pl.Series:
    """Même adresse (même numéro, même code postal quand ils sont connus), même commune, ou autre lieu."""
    meme_cp = pl.col("code_postal") == pl.col("code_postal_i")
    # Deux codes postaux différents excluent « egale » : la comparaison des voies n'y sert pas.
    meme = par_couple(paires, "adresse", "adresse_i", _meme_adresse, meme_cp.fill_null(True))
    meme_commune = meme_cp.fill_null(False) | (pl.col("commune") == pl.col("commune_i")).fill_null(False)
    rien = (
        (pl.col("adresse").is_null() | pl.col("adresse_i").is_null())
        & (pl.col("code_postal").is_null() | pl.col("code_postal_i").is_null())
        & (pl.col("commune").is_null() | pl.col("commune_i").is_null())
    )
    niveau = premier_niveau(
        [pl.col("_meme").fill_null(False) & meme_cp.fill_null(True), meme_commune],
        rien,
    )
    return paires.with_columns(meme.alias("_meme")).select(niveau.alias("adresse"))["adresse"]
