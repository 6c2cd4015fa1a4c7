"""Doutes sur un lien : un concurrent proche, ou une fiche plausible prise de peu par un autre enfant."""

from __future__ import annotations

import polars as pl

from appariement.affectation import par_rang
from appariement.comparaisons import ABSENT_NE_CONFIRME_PAS, niveau
from appariement.reglages import Reglages


def reperer_doutes(
    paires: pl.DataFrame, nb_familles: int, nb_inscrits: int, reglages: Reglages
) -> pl.DataFrame:
    """Pour chaque enfant : un concurrent proche de son lien, ou une fiche plausible prise de peu.

    ``paires`` porte ``lie`` (la paire est le lien de son enfant). La paire du lien de chaque enfant
    et de chaque fiche est repérée par son rang dans ``paires`` : ses score, adresse… se lisent par
    index.
    """
    liees = paires.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("k"), "fi", "ii", "lie").filter("lie")
    k_f = pl.lit(par_rang(nb_familles, liees["fi"], liees["k"])).gather(pl.col("fi"))
    k_i = pl.lit(par_rang(nb_inscrits, liees["ii"], liees["k"])).gather(pl.col("ii"))
    autres = paires.select(
        "fi",
        "ii",
        "score",
        "nom",
        "prenom",
        "liable",
        "lie",
        pl.col("score").gather(k_f).alias("lien_f"),
        pl.col("liable").gather(k_f).fill_null(False).alias("lien_f_liable"),
        (pl.col("adresse").gather(k_f).fill_null(ABSENT_NE_CONFIRME_PAS) == niveau("adresse", "egale")).alias(
            "adresse_confirmee"
        ),
        pl.col("score").gather(k_i).alias("lien_i"),
        pl.col("fi").gather(k_i).alias("fi_lien_i"),
    ).filter((pl.col("score") >= reglages.seuil_revue) & ~pl.col("lie"))
    marge = reglages.marge
    # Un concurrent resté sans lien met toujours le lien en doute. Lié ailleurs, il ne le fait que
    # s'il porte exactement les mêmes nom et prénom et que l'adresse ne confirme pas le lien : deux
    # homonymes de familles différentes, sans adresse à l'école, peuvent cacher un enfant absent lié
    # à la fiche d'un élève hors liste CAF (un jumeau au prénom voisin, lui, se distingue).
    # Un enfant évincé d'une fiche (resté sans lien, ou lié ailleurs à une fiche qui ne tiendrait
    # pas seule), parce qu'un autre l'a prise de peu (un jumeau absent, un homonyme), ou alors
    # qu'elle aurait pu lui être liée sans revue (deux enfants de la liste CAF pour une seule
    # fiche : l'un des deux n'est pas scolarisé là), met en doute le lien de l'autre, et reste
    # lui-même à vérifier.
    homonyme = (pl.col("nom") == niveau("nom", "exact")) & (pl.col("prenom") == niveau("prenom", "exact"))
    fiche_libre = autres.filter(
        pl.col("lien_f").is_not_null()
        & (pl.col("lien_i").is_null() | (homonyme & ~pl.col("adresse_confirmee")))
        & (pl.col("score") >= pl.col("lien_f") - marge)
    ).select("fi")
    evinces = autres.filter(
        pl.col("lien_i").is_not_null()
        & (pl.col("lien_f").is_null() | ((pl.col("score") > pl.col("lien_f")) & ~pl.col("lien_f_liable")))
        & ((pl.col("score") >= pl.col("lien_i") - marge) | pl.col("liable"))
    )
    cote_fiche = evinces.select(pl.col("fi_lien_i").alias("fi"))
    lies_ailleurs = evinces.filter(pl.col("lien_f").is_not_null()).select("fi")
    concurrents = (
        pl.concat([fiche_libre, cote_fiche, lies_ailleurs])
        .unique()
        .with_columns(pl.lit(True).alias("concurrent"))
    )
    prises = (
        evinces.filter(pl.col("lien_f").is_null())
        .select("fi")
        .unique()
        .with_columns(pl.lit(True).alias("deja_prise"))
    )
    return concurrents.join(prises, on="fi", how="full", coalesce=True)
