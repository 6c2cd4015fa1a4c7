"""Outils communs aux comparaisons : tables de paires, calcul une fois par couple de valeurs ou de
formes distinct, similarités (rapidfuzz), premier niveau dont la condition est vraie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

SEUIL_PROCHE = 0.92
SEUIL_RESSEMBLANT = 0.80
SEUIL_ADRESSE = 0.90
JOURS_PROCHES = 7


def _cle_couple(gauche: str, droite: str) -> pl.Expr:
    """Entier unique d'un couple de valeurs catégorielles (null si l'une manque)."""
    return pl.col(gauche).to_physical().cast(pl.UInt64) * (1 << 32) + pl.col(droite).to_physical().cast(
        pl.UInt64
    )


def colonnes_des_paires(
    familles: pl.DataFrame,
    inscrits: pl.DataFrame,
    fi: pl.Series,
    ii: pl.Series,
    colonnes_f: tuple[str, ...],
    colonnes_i: tuple[str, ...],
) -> pl.DataFrame:
    """Table des paires (``fi``, ``ii``) : les ``colonnes_f`` de l'enfant sous leur nom, les
    ``colonnes_i`` de l'inscrit suffixées ``_i``."""
    return pl.DataFrame(
        [familles[c].gather(fi) for c in colonnes_f]
        + [inscrits[c].gather(ii).alias(f"{c}_i") for c in colonnes_i]
    )


def par_valeurs(
    familles: pl.DataFrame,
    inscrits: pl.DataFrame,
    fi: pl.Series,
    ii: pl.Series,
    identifiants: tuple[str, str],
    colonnes: tuple[tuple[str, ...], tuple[str, ...]],
    calcul: Callable[[pl.DataFrame], pl.Series],
) -> pl.Series:
    """Applique ``calcul`` (sur la table de ``colonnes_des_paires``) une fois par couple distinct de valeurs.

    ``identifiants`` nomment, dans chaque table, le numéro de la valeur d'origine (voir
    ``normalisation._par_valeur``) dont dépendent toutes les ``colonnes`` de ce côté : deux paires de
    mêmes numéros ont le même résultat. Un nom se retrouve dans des millions de paires, mais
    seulement dans environ un million de couples distincts pour un million d'enfants.
    """
    id_f, id_i = identifiants
    cles = pl.DataFrame(
        {
            "_cle": familles[id_f].gather(fi).cast(pl.UInt64) * (1 << 32) + inscrits[id_i].gather(ii),
            "fi": fi,
            "ii": ii,
        }
    )
    # Une paire quelconque de chaque couple le représente : ses colonnes sont celles de tout le couple.
    distincts = cles.unique("_cle", keep="any")
    valeurs = calcul(colonnes_des_paires(familles, inscrits, distincts["fi"], distincts["ii"], *colonnes))
    return (
        cles.select("_cle")
        .join(
            distincts.select("_cle").with_columns(valeurs.alias("_valeur")),
            on="_cle",
            how="left",
            maintain_order="left",
        )["_valeur"]
        .alias(valeurs.name)
    )


def par_couple(
    paires: pl.DataFrame,
    gauche: str,
    droite: str,
    calcul: Callable[[pl.DataFrame], pl.Series],
    utile: pl.Expr | None = None,
) -> pl.Series:
    """Applique ``calcul`` une fois par couple distinct de valeurs (colonnes ``a`` et ``b``, textes).

    Avec ``utile``, seules les paires où ce masque est vrai sont calculées ; les autres restent
    null : l'appelant n'écarte ainsi que des paires dont le niveau d'accord ne dépend pas de la valeur.
    """
    if utile is not None:
        lignes = paires.select(pl.arg_where(utile))[:, 0]
        calculees = par_couple(paires.select(gauche, droite)[lignes], gauche, droite, calcul)
        return (
            pl.select(pl.repeat(None, paires.height, dtype=calculees.dtype))
            .to_series()
            .scatter(lignes, calculees)
        )
    cles = paires.select(_cle_couple(gauche, droite).alias("_cle"))
    couples = (
        paires.select(
            _cle_couple(gauche, droite).alias("_cle"), pl.col(gauche).alias("a"), pl.col(droite).alias("b")
        )
        .drop_nulls()
        .unique("_cle")
        .with_columns(pl.col("a").cast(pl.String), pl.col("b").cast(pl.String))
    )
    valeurs = couples.select("_cle", calcul(couples).alias("_valeur"))
    return cles.join(valeurs, on="_cle", how="left", maintain_order="left")["_valeur"]


def jaro_winkler(paires: pl.DataFrame, gauche: str, droite: str, utile: pl.Expr | None = None) -> pl.Series:
    """Similarité de Jaro-Winkler (0 à 1) entre deux colonnes, calculée par couple de valeurs distinct
    (seulement là où ``utile`` est vrai, voir ``par_couple``). Sous ``SEUIL_RESSEMBLANT``, seul
    compte qu'elle y soit : elle vaut alors 0, ce qui laisse rapidfuzz s'arrêter plus tôt."""

    def calcul(couples: pl.DataFrame) -> pl.Series:
        if couples.height == 0:
            return pl.Series([], dtype=pl.Float32)
        scores = process.cpdist(
            couples["a"].to_list(),
            couples["b"].to_list(),
            scorer=JaroWinkler.normalized_similarity,
            # Un peu sous le seuil : une similarité à peine inférieure en double (0,7999999…)
            # l'atteint une fois arrondie en float32, comme les niveaux l'ont toujours lue.
            score_cutoff=SEUIL_RESSEMBLANT - 1e-6,
            workers=-1,
            dtype=np.float32,
        )
        return pl.Series(scores, dtype=pl.Float32)

    return par_couple(paires, gauche, droite, calcul, utile)


def inclus(couples: pl.DataFrame) -> pl.Series:
    """Vrai si les mots de ``a`` sont tous dans ``b``, ou l'inverse (ils en partagent au moins un) :
    un nom composé dans l'autre ordre ou réduit à une partie, un prénom de plus d'un côté."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    a, b = pl.col("a").str.split(" "), pl.col("b").str.split(" ")
    return couples.select(
        (a.list.set_intersection(b).list.len() > 0)
        & ((a.list.set_difference(b).list.len() == 0) | (b.list.set_difference(a).list.len() == 0))
    ).to_series()


def premier_niveau(conditions: list[pl.Expr], manque: pl.Expr) -> pl.Expr:
    """Premier niveau dont la condition est vraie, le dernier sinon ; null si une donnée manque."""
    expression: Any = pl.lit(len(conditions), dtype=pl.Int8)
    for rang in range(len(conditions) - 1, -1, -1):
        expression = pl.when(conditions[rang]).then(pl.lit(rang, dtype=pl.Int8)).otherwise(expression)
    return pl.when(manque).then(pl.lit(None, dtype=pl.Int8)).otherwise(expression)


def _peut_etre_une_faute(a: pl.Expr, b: pl.Expr, lettres_min: int) -> pl.Expr:
    """Condition nécessaire pour que deux textes différents (``lettres_min`` lettres au moins) ne
    diffèrent que d'une faute (lettre ajoutée, ôtée, changée, deux lettres voisines échangées) :
    longueurs à une lettre près et, dès trois lettres, même première ou même dernière lettre (une
    seule faute ne touche pas les deux). Elle écarte presque tous les couples sans rapidfuzz."""
    longueur_a, longueur_b = a.str.len_chars().cast(pl.Int32), b.str.len_chars().cast(pl.Int32)
    courte = pl.min_horizontal(longueur_a, longueur_b)
    return (
        (a != b)
        & (courte >= lettres_min)
        & ((longueur_a - longueur_b).abs() <= 1)
        & ((courte < 3) | (a.str.head(1) == b.str.head(1)) | (a.str.tail(1) == b.str.tail(1)))
    )


def _au_plus(couples: pl.DataFrame, a_mesurer: pl.Series, fautes: int) -> tuple[pl.Series, pl.Series]:
    """Les lignes de ``a_mesurer`` et, pour chacune, si ``a`` et ``b`` diffèrent de ``fautes`` fautes au
    plus (distance OSA : lettres ajoutées, ôtées, changées, voisines échangées)."""
    lignes = a_mesurer.arg_true()
    distances = process.cpdist(
        couples["a"].gather(lignes).to_list(),
        couples["b"].gather(lignes).to_list(),
        scorer=OSA.distance,
        score_cutoff=fautes,
        workers=-1,
    )
    return lignes, pl.Series(distances <= fautes, dtype=pl.Boolean)


def une_faute(couples: pl.DataFrame, lettres_min: int = 2) -> pl.Series:
    """Vrai si ``a`` et ``b`` (``lettres_min`` lettres au moins) sont égaux ou ne diffèrent que d'une
    lettre ajoutée, ôtée, changée, ou de deux lettres voisines échangées."""
    a, b = pl.col("a"), pl.col("b")
    masques = couples.select(
        ((a == b) & (a.str.len_chars() >= lettres_min)).alias("egaux"),
        _peut_etre_une_faute(a, b, lettres_min).alias("a_mesurer"),
    )
    return masques["egaux"].scatter(*_au_plus(couples, masques["a_mesurer"], 1))


def deux_fautes(couples: pl.DataFrame, lettres_min: int = 5) -> pl.Series:
    """Vrai si ``a`` et ``b`` (``lettres_min`` lettres au moins chacun) diffèrent de deux fautes au plus
    (lettres ajoutées, ôtées, changées, voisines échangées) : ARNINA / AMINA, TIAGO / TUAGQ. Deux fautes
    dans un mot plus court en font souvent un autre mot (LEA / LOU) : pas en dessous de ``lettres_min``."""
    a, b = pl.col("a"), pl.col("b")
    longueur_a, longueur_b = a.str.len_chars().cast(pl.Int32), b.str.len_chars().cast(pl.Int32)
    a_mesurer = couples.select(
        (pl.min_horizontal(longueur_a, longueur_b) >= lettres_min) & ((longueur_a - longueur_b).abs() <= 2)
    ).to_series()
    return a_mesurer.scatter(*_au_plus(couples, a_mesurer, 2))
