"""Seconde passe : l'établissement fréquenté, appris sur les liens sûrs de la première, pèse les
fiches dont l'école ne confirme pas l'adresse."""

from __future__ import annotations

import polars as pl

from appariement.affectation import par_rang
from appariement.comparaisons import ABSENT_NE_CONFIRME_PAS, niveau
from appariement.reglages import Reglages


def poids_ecole(
    notes: pl.DataFrame, lien: pl.Series, lieux: pl.Series, ecoles: pl.Series, reglages: Reglages
) -> pl.Series:
    """Poids en bits de l'établissement fréquenté, pour les paires dont l'école ne confirme pas
    l'adresse (elle ne l'a pas, ou en a une autre : déménagement, ou homonyme d'ailleurs).

    Un enfant va d'ordinaire à l'école près de chez lui. Sur les liens sûrs (score au moins
    ``seuil_apparie``), on compte, pour chaque établissement (UAI), les codes postaux des familles
    de ses élèves. Le poids d'une paire est log2(p / q) : p, la part du code postal de la famille
    parmi les élèves déjà liés à cet établissement (lissée vers q) ; q, la part de ce code postal
    parmi tous les enfants de la liste CAF (ce que donnerait une fiche prise au hasard). Il
    départage ainsi deux homonymes dont l'un est scolarisé dans une autre commune.
    ``lien`` : fiche liée à chaque famille au premier tour (par ``fi``) ; ``lieux`` : code postal
    de chaque famille ; ``ecoles`` : UAI de chaque inscrit (par ``ii``) ; tous deux catégoriels.
    """
    # Codes entiers plutôt que textes ; la part q de chaque code postal, calculée par famille, se lit
    # par ``fi`` comme le reste : ni chaîne copiée ni jointure sur les millions de paires.
    lieu = lieux.to_physical()
    familles = pl.DataFrame({"lieu": lieu}).select(
        pl.when(pl.col("lieu").is_not_null()).then(pl.len().over("lieu") / pl.col("lieu").count()).alias("q")
    )
    paires = notes.select(
        "score",
        lieu.gather(notes["fi"]).alias("lieu"),
        familles["q"].gather(notes["fi"]).alias("q"),
        ecoles.to_physical().gather(notes["ii"]).alias("uai"),
        (lien.gather(notes["fi"]) == notes["ii"]).fill_null(False).alias("lie"),
        (pl.col("adresse").fill_null(ABSENT_NE_CONFIRME_PAS) != niveau("adresse", "egale")).alias(
            "non_confirmee"
        ),
    )
    surs = paires.filter(pl.col("lie") & (pl.col("score") >= reglages.seuil_apparie)).drop_nulls(
        ["lieu", "uai"]
    )
    comptes = surs.group_by("uai", "lieu").len("n").with_columns(pl.col("n").sum().over("uai").alias("total"))
    lissage = reglages.ecole_lissage
    a_peser = paires.with_row_index("k").filter(pl.col("non_confirmee")).drop_nulls(["lieu", "uai"])
    poids = (
        a_peser.join(comptes.select("uai", "total").unique(), on="uai")
        .join(comptes.select("uai", "lieu", "n"), on=["uai", "lieu"], how="left")
        .select(
            "k",
            (((pl.col("n").fill_null(0) + lissage * pl.col("q")) / (pl.col("total") + lissage)) / pl.col("q"))
            .log(2)
            .clip(-reglages.ecole_poids_max, reglages.ecole_poids_max)
            .alias("poids_ecole"),
        )
    )
    return par_rang(notes.height, poids["k"], poids["poids_ecole"]).alias("poids_ecole")
