"""Comparaison des dates de naissance : exacte, jour et mois inversés, fautes de saisie, écarts."""

from __future__ import annotations

import polars as pl

from appariement.comparaisons.outils import JOURS_PROCHES, premier_niveau


def _jjmmaaaa(jour: pl.Expr) -> pl.Expr:
    """La date en entier JJMMAAAA, l'ordre où on l'écrit (et où se font les fautes de saisie)."""
    return (
        jour.dt.day().cast(pl.Int32) * 1_000_000
        + jour.dt.month().cast(pl.Int32) * 10_000
        + jour.dt.year().cast(pl.Int32)
    )


def _chiffres(entier: pl.Expr, cote: str) -> list[pl.Expr]:
    """Les huit chiffres d'un entier JJMMAAAA, de gauche à droite, nommés ``{cote}0`` à ``{cote}7``."""
    return [((entier // 10 ** (7 - k)) % 10).cast(pl.Int8).alias(f"{cote}{k}") for k in range(8)]


def _une_faute_de_chiffre() -> pl.Expr:
    """Vrai si deux dates JJMMAAAA (chiffres en champs ``g0``… ``g7`` et ``d0``… ``d7`` de la struct)
    ne diffèrent que d'un chiffre, ou de deux chiffres voisins échangés (12/03 saisi 21/03, 2015
    saisi 2051…) : une seule faute de frappe."""
    g, d = [pl.field(f"g{k}") for k in range(8)], [pl.field(f"d{k}") for k in range(8)]
    differents = pl.sum_horizontal([(g[k] != d[k]).cast(pl.Int8) for k in range(8)])
    echange = pl.any_horizontal([(g[k] == d[k + 1]) & (g[k + 1] == d[k]) for k in range(7)])
    return (differents == 1) | ((differents == 2) & echange)


def expr_niveau_date(gauche: pl.Expr, droite: pl.Expr) -> pl.Expr:
    """Accord de deux dates, jour, mois et année regardés à part : exacte, jour et mois inversés,
    année ±1, une faute de frappe (un chiffre, ou deux chiffres voisins échangés, à un an près),
    quelques jours, même année et même jour ou même mois (l'autre partie mal saisie), une faute dans
    l'année à plus d'un an d'écart.

    Les valeurs intermédiaires (dates en entiers JJMMAAAA, faute de frappe) sont des champs d'une
    struct, calculés une seule fois : répétées dans l'expression, elles seraient recalculées à
    chaque usage (plusieurs secondes sur 4 M de paires).
    """
    g, d = pl.field("g"), pl.field("d")
    entier_g, entier_d = pl.field("entier_g"), pl.field("entier_d")
    annee_g, annee_d = entier_g % 10000, entier_d % 10000
    mois_g, mois_d = entier_g // 10000 % 100, entier_d // 10000 % 100
    jour_g, jour_d = entier_g // 1_000_000, entier_d // 1_000_000
    ecart_annees = (annee_g - annee_d).abs()
    une_faute = pl.field("une_faute")
    niveau = premier_niveau(
        [
            g == d,
            (annee_g == annee_d) & (mois_g == jour_d) & (jour_g == mois_d),
            (ecart_annees == 1) & (mois_g == mois_d) & (jour_g == jour_d),
            # Une faute dans l'année à plus d'un an d'écart : niveau à part (annee_chiffre), car
            # c'est aussi le portrait d'un frère ou d'une sœur.
            une_faute & (ecart_annees <= 1),
            (g - d).dt.total_days().abs() <= JOURS_PROCHES,
            (annee_g == annee_d) & ((mois_g == mois_d) | (jour_g == jour_d)),
            une_faute,
        ],
        g.is_null() | d.is_null(),
    )
    return (
        pl.struct(gauche.alias("g"), droite.alias("d"))
        .struct.with_fields(_jjmmaaaa(g).alias("entier_g"), _jjmmaaaa(d).alias("entier_d"))
        .struct.with_fields(*_chiffres(entier_g, "g"), *_chiffres(entier_d, "d"))
        .struct.with_fields(_une_faute_de_chiffre().alias("une_faute"))
        .struct.with_fields(niveau.alias("niveau"))
        .struct.field("niveau")
    )


def niveau_date(paires: pl.DataFrame) -> pl.Series:
    return paires.select(expr_niveau_date(pl.col("date"), pl.col("date_i")).alias("date_naissance"))[
        "date_naissance"
    ]
