"""Comparaisons champ par champ d'une paire (enfant de la liste CAF/MSA, inscrit).

Chaque comparaison donne un niveau d'accord (0 = le meilleur) ou null si l'un des deux côtés
manque. Elles travaillent sur une table de paires où les colonnes de l'enfant portent leur nom
préparé (``normalisation.preparer``) et celles de l'inscrit le suffixe ``_i``. Les similarités de
chaînes (rapidfuzz) sont calculées une fois par couple de valeurs distinct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

NIVEAUX: dict[str, tuple[str, ...]] = {
    "nom": ("exact", "compose", "proche", "ressemblant", "different"),
    "prenom": ("exact", "autre_prenom", "proche", "ressemblant", "different"),
    "date_naissance": (
        "exacte",
        "jour_mois_inverses",
        "un_chiffre",
        "quelques_jours",
        "annee_voisine",
        "differente",
    ),
    "sexe": ("egal", "different"),
    "adresse": ("egale", "meme_commune", "differente"),
}
"""Niveaux d'accord de chaque champ, du plus fort au plus faible."""

CHAMPS: tuple[str, ...] = tuple(NIVEAUX)

SEUIL_PROCHE = 0.92
SEUIL_RESSEMBLANT = 0.80
SEUIL_ADRESSE = 0.90
JOURS_PROCHES = 7
# Écarts de date (AAAAMMJJ en entier) produits par un seul chiffre faux.
_ECARTS_UN_CHIFFRE = [k * 10**p for k in range(1, 10) for p in range(8)]

Scorer = Callable[..., Any]


def similarite(paires: pl.DataFrame, gauche: str, droite: str, scorer: Scorer) -> pl.Series:
    """Similarité rapidfuzz (0 à 1) entre deux colonnes, calculée par couple de valeurs distinct."""
    couples = paires.select(gauche, droite).drop_nulls().unique()
    if couples.height == 0:
        return pl.Series("s", [None] * paires.height, dtype=pl.Float32)
    scores = process.cpdist(
        couples[gauche].to_list(), couples[droite].to_list(), scorer=scorer, workers=-1, dtype=np.float32
    )
    if scorer is fuzz.token_set_ratio:
        scores = scores / np.float32(100)
    couples = couples.with_columns(pl.Series("s", scores, dtype=pl.Float32))
    return paires.select(gauche, droite).join(
        couples, on=[gauche, droite], how="left", maintain_order="left"
    )["s"]


def _niveau(conditions: list[pl.Expr], manque: pl.Expr) -> pl.Expr:
    """Premier niveau dont la condition est vraie, le dernier sinon ; null si une donnée manque."""
    expression: Any = pl.lit(len(conditions), dtype=pl.Int8)
    for rang in range(len(conditions) - 1, -1, -1):
        expression = pl.when(conditions[rang]).then(pl.lit(rang, dtype=pl.Int8)).otherwise(expression)
    return pl.when(manque).then(pl.lit(None, dtype=pl.Int8)).otherwise(expression)


def _niveau_nom(paires: pl.DataFrame, cote_i: str) -> pl.Series:
    """Niveau d'accord entre le nom de l'enfant et un nom de l'inscrit (naissance ou usage)."""
    jw = similarite(paires, "nom_cs", f"{cote_i}_cs_i", JaroWinkler.normalized_similarity)
    ensembles = similarite(paires, "nom_t", f"{cote_i}_t_i", fuzz.token_set_ratio)
    c, cs, c_i, cs_i = pl.col("nom_c"), pl.col("nom_cs"), pl.col(f"{cote_i}_c_i"), pl.col(f"{cote_i}_cs_i")
    # Nom composé réduit à une partie, ou particule collée (DELAFONTAINE / LAFONTAINE).
    suffixe = ((cs_i.str.len_chars() >= 4) & c.str.ends_with(cs_i)) | (
        (cs.str.len_chars() >= 4) & c_i.str.ends_with(cs)
    )
    niveau = _niveau(
        [
            (c == c_i) | (cs == cs_i),
            (pl.col("_ens") >= 1.0) | suffixe,
            (pl.col("nom_ph") == pl.col(f"{cote_i}_ph_i")) | (pl.col("_jw") >= SEUIL_PROCHE),
            pl.col("_jw") >= SEUIL_RESSEMBLANT,
        ],
        c.is_null() | c_i.is_null(),
    )
    return paires.with_columns(jw.alias("_jw"), ensembles.alias("_ens")).select(niveau.alias("nom"))["nom"]


def niveau_nom(paires: pl.DataFrame) -> pl.Series:
    """Meilleur accord du nom de l'enfant avec le nom de naissance ou le nom d'usage de l'inscrit."""
    naissance = _niveau_nom(paires, "nom")
    usage = _niveau_nom(paires, "usage")
    return pl.select(pl.min_horizontal(naissance, usage).alias("nom"))["nom"]


def niveau_prenom(paires: pl.DataFrame) -> pl.Series:
    """Accord des prénoms : premier prénom, un prénom commun (un seul prénom d'un côté), proximité."""
    jw = similarite(paires, "prenom1", "prenom1_i", JaroWinkler.normalized_similarity)
    ensembles = similarite(paires, "prenoms_t", "prenoms_t_i", fuzz.token_set_ratio)
    niveau = _niveau(
        [
            (pl.col("prenom1") == pl.col("prenom1_i")) | (pl.col("prenoms_c") == pl.col("prenoms_c_i")),
            pl.col("_ens") >= 1.0,
            (pl.col("prenom_ph") == pl.col("prenom_ph_i")) | (pl.col("_jw") >= SEUIL_PROCHE),
            pl.col("_jw") >= SEUIL_RESSEMBLANT,
        ],
        pl.col("prenom1").is_null() | pl.col("prenom1_i").is_null(),
    )
    return paires.with_columns(jw.alias("_jw"), ensembles.alias("_ens")).select(niveau.alias("prenom"))[
        "prenom"
    ]


def inversion_nom_prenom(paires: pl.DataFrame) -> pl.Series:
    """Vrai quand le nom de l'un est le prénom de l'autre et réciproquement (à la phonétique près)."""
    return paires.select(
        ((pl.col("nom_ph") == pl.col("prenom_ph_i")) & (pl.col("prenom_ph") == pl.col("nom_ph_i"))).fill_null(
            False
        )
    ).to_series()


def expr_niveau_date(gauche: pl.Expr, droite: pl.Expr) -> pl.Expr:
    """Accord de deux dates : exacte, jour et mois inversés, un chiffre faux, quelques jours, année ±1."""
    entier_g = gauche.dt.year() * 10000 + gauche.dt.month() * 100 + gauche.dt.day()
    entier_d = droite.dt.year() * 10000 + droite.dt.month() * 100 + droite.dt.day()
    ecart_jours = (gauche - droite).dt.total_days().abs()
    return _niveau(
        [
            gauche == droite,
            (gauche.dt.year() == droite.dt.year())
            & (gauche.dt.month() == droite.dt.day())
            & (gauche.dt.day() == droite.dt.month()),
            (entier_g - entier_d).abs().is_in(_ECARTS_UN_CHIFFRE),
            ecart_jours <= JOURS_PROCHES,
            ((gauche.dt.year() - droite.dt.year()).abs() == 1)
            & (gauche.dt.month() == droite.dt.month())
            & (gauche.dt.day() == droite.dt.day()),
        ],
        gauche.is_null() | droite.is_null(),
    )


def niveau_date(paires: pl.DataFrame) -> pl.Series:
    return paires.select(expr_niveau_date(pl.col("date"), pl.col("date_i")).alias("date_naissance"))[
        "date_naissance"
    ]


def niveau_sexe(paires: pl.DataFrame) -> pl.Series:
    return paires.select(
        _niveau(
            [pl.col("sexe") == pl.col("sexe_i")], pl.col("sexe").is_null() | pl.col("sexe_i").is_null()
        ).alias("sexe")
    )["sexe"]


def niveau_adresse(paires: pl.DataFrame) -> pl.Series:
    """Même adresse (même code postal quand il est connu), même commune, ou autre lieu."""
    jw = similarite(paires, "adresse", "adresse_i", JaroWinkler.normalized_similarity)
    meme_cp = pl.col("code_postal") == pl.col("code_postal_i")
    meme_commune = meme_cp.fill_null(False) | (pl.col("commune") == pl.col("commune_i")).fill_null(False)
    rien = (
        (pl.col("adresse").is_null() | pl.col("adresse_i").is_null())
        & (pl.col("code_postal").is_null() | pl.col("code_postal_i").is_null())
        & (pl.col("commune").is_null() | pl.col("commune_i").is_null())
    )
    niveau = _niveau(
        [(pl.col("_jw") >= SEUIL_ADRESSE) & meme_cp.fill_null(True), meme_commune],
        rien,
    )
    return paires.with_columns(jw.alias("_jw")).select(niveau.alias("adresse"))["adresse"]


def comparer(paires: pl.DataFrame) -> pl.DataFrame:
    """Niveaux de tous les champs (une colonne Int8 par champ) et drapeau d'inversion nom/prénom."""
    inversion = inversion_nom_prenom(paires)
    nom = niveau_nom(paires)
    prenom = niveau_prenom(paires)
    # Nom et prénom échangés : on compare dans l'autre sens, compté comme accord « proche ».
    inverse = pl.select(inversion & ((nom.fill_null(9) > 2) | (prenom.fill_null(9) > 2))).to_series()
    proche = pl.lit(2, dtype=pl.Int8)
    return pl.DataFrame(
        {
            "nom": pl.select(pl.when(inverse).then(proche).otherwise(nom)).to_series(),
            "prenom": pl.select(pl.when(inverse).then(proche).otherwise(prenom)).to_series(),
            "date_naissance": niveau_date(paires),
            "sexe": niveau_sexe(paires),
            "adresse": niveau_adresse(paires),
            "inversion": inverse,
        }
    )
