"""Comparaison des prénoms : premier prénom, prénom commun, autre prénom, proche, ressemblant."""

from __future__ import annotations

import polars as pl

from appariement.comparaisons.outils import (
    SEUIL_PROCHE,
    SEUIL_RESSEMBLANT,
    deux_fautes,
    inclus,
    jaro_winkler,
    par_couple,
    par_valeurs,
    premier_niveau,
    une_faute,
)

_FORMES_PRENOMS = (
    "prenom1", "prenom1_brut", "prenom2", "prenoms_t", "prenoms_c", "prenom12", "prenom_ph", "seconds_ph",
)  # fmt: skip


def niveau_prenom(familles: pl.DataFrame, inscrits: pl.DataFrame, fi: pl.Series, ii: pl.Series) -> pl.Series:
    """Accord des prénoms : premier prénom, un prénom commun (un seul prénom d'un côté), proximité."""
    return par_valeurs(
        familles,
        inscrits,
        fi,
        ii,
        ("prenoms_id", "prenoms_id"),
        (_FORMES_PRENOMS, _FORMES_PRENOMS),
        _niveau_prenom,
    )


def _niveau_prenom(paires: pl.DataFrame) -> pl.Series:
    """``niveau_prenom`` sur une table de paires (colonnes ``_FORMES_PRENOMS`` des deux côtés)."""
    meme_premier = pl.col("prenom1") == pl.col("prenom1_i")
    # Les similarités ne servent que si les premiers prénoms diffèrent (sinon niveau 0 ou 1).
    autre_premier = ~meme_premier.fill_null(False)
    jw = jaro_winkler(paires, "prenom1", "prenom1_i", autre_premier)
    ensembles = par_couple(paires, "prenoms_t", "prenoms_t_i", inclus, autre_premier)
    # Jaro-Winkler ne voit presque rien entre deux prénoms courts : une seule lettre ajoutée, ôtée,
    # changée ou deux lettres voisines échangées (ALI / AIL, LEO / LO, MIA / MAI) reste une faute.
    faute = par_couple(paires, "prenom1", "prenom1_i", une_faute, autre_premier)
    # Une variante de la table d'un côté, la même avec une faute de l'autre (ABDOULAYE /
    # ABDOULAYYE) : comparées aussi telles qu'écrites, là où la table a changé un premier prénom.
    traduits = paires.select(
        pl.arg_where(
            autre_premier
            & (
                (pl.col("prenom1") != pl.col("prenom1_brut")).fill_null(False)
                | (pl.col("prenom1_i") != pl.col("prenom1_brut_i")).fill_null(False)
            )
        )
    ).to_series()
    if traduits.len():
        bruts = paires[traduits]
        jw = jw.scatter(
            traduits,
            pl.select(
                pl.max_horizontal(
                    jw.gather(traduits),
                    jaro_winkler(bruts, "prenom1_brut", "prenom1_brut_i"),
                )
            ).to_series(),
        )
        faute = faute.scatter(
            traduits, faute.gather(traduits) | par_couple(bruts, "prenom1_brut", "prenom1_brut_i", une_faute)
        )
    # Deux fautes dans un prénom de cinq lettres au moins (saisie, lecture optique) : ressemblant.
    # Cherchées seulement là où le prénom serait sinon « différent ».
    different = autre_premier & (pl.lit(jw) < SEUIL_RESSEMBLANT) & ~pl.lit(faute).fill_null(False)
    fautes = par_couple(paires, "prenom1", "prenom1_i", deux_fautes, different)
    # Deux listes complètes qui ne partagent que le premier prénom : homonymes plutôt que le même enfant.
    seconds_differents = (pl.col("prenom2") != pl.col("prenom2_i")).fill_null(False)
    niveau = premier_niveau(
        [
            (meme_premier & ~seconds_differents)
            | (pl.col("prenoms_c") == pl.col("prenoms_c_i"))
            | (pl.col("prenom1") == pl.col("prenom12_i"))
            | (pl.col("prenom12") == pl.col("prenom1_i")),
            meme_premier,
            # Prénom secondaire : le même, ou au même son que le premier de l'autre côté.
            pl.col("_ens").fill_null(False)
            | pl.col("seconds_ph").list.contains(pl.col("prenom_ph_i")).fill_null(False)
            | pl.col("seconds_ph_i").list.contains(pl.col("prenom_ph")).fill_null(False),
            (pl.col("prenom_ph") == pl.col("prenom_ph_i")) | (pl.col("_jw") >= SEUIL_PROCHE),
            (pl.col("_jw") >= SEUIL_RESSEMBLANT)
            | pl.col("_faute").fill_null(False)
            | pl.col("_fautes").fill_null(False),
        ],
        pl.col("prenom1").is_null() | pl.col("prenom1_i").is_null(),
    )
    return paires.with_columns(
        jw.alias("_jw"), ensembles.alias("_ens"), faute.alias("_faute"), fautes.alias("_fautes")
    ).select(niveau.alias("prenom"))["prenom"]
