"""Les contrôles d'une ligne lue : ce qui la rejette, ce qui la garde avec une remarque, et leurs tables.

Un contrôle sans remarque rejette la ligne (elle ne désigne personne, ou elle est mal découpée) et dit
quoi demander au partenaire ; un contrôle avec remarque garde la ligne, le champ en défaut laissé vide,
et joint une remarque pour l'agent. Les tables d'erreurs et de lignes écartées ne portent aucune
valeur lue hors de l'identifiant : elles vont au rapport.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from conventions.brut import LIGNE

DEMANDER_LIGNE = (
    "demandez au partenaire de corriger cette ligne (le nombre de champs doit être celui de l'en-tête ; "
    "une valeur qui contient le séparateur s'écrit entre guillemets)"
)
DEMANDER_NOMS = "demandez au partenaire le nom et le prénom de l'enfant de cette ligne"
DEMANDER_ID = "demandez au partenaire l'identifiant de cette ligne"
DEMANDER_MODE = "demandez au partenaire le mode d'instruction de cette ligne"
DEMANDER_ID_DOUBLE = (
    "demandez au partenaire un identifiant distinct pour chaque ligne, ou dites s'il s'agit du même enfant"
)

_SCHEMA_ERREURS = pl.Schema(
    {
        LIGNE: pl.Int64(),
        "champ": pl.Utf8(),
        "motif": pl.Utf8(),
        "gardee": pl.Boolean(),
        "a_demander": pl.Utf8(),
    }
)


@dataclass(frozen=True)
class Controle:
    """Une condition qui signale une ligne. Sans ``remarque``, la ligne est rejetée (``a_demander`` dit
    quoi demander au partenaire) ; avec, elle est gardée, le champ vide, et la remarque (texte pour
    l'agent, qui peut citer la valeur lue) jointe à la ligne."""

    condition: pl.Expr
    champ: str
    motif: str
    a_demander: str | None = None
    remarque: pl.Expr | None = None


def remarque(texte: str, valeur: pl.Expr | None = None) -> pl.Expr:
    """La remarque d'une ligne gardée : ``texte``, suivi de la valeur lue s'il y en a une."""
    return pl.lit(texte) if valeur is None else pl.format(f"{texte} : {{}}", valeur)


def signalees(preparee: pl.DataFrame, drapeaux: list[str], controles: list[Controle]) -> list[pl.DataFrame]:
    """Pour chaque contrôle, les lignes qu'il signale : numéro, champ, motif, gardée ou non, quoi demander.

    En requête paresseuse, seules la colonne du numéro de ligne et le drapeau sont lus : la table
    entière (en morceaux après la lecture parallèle) n'est pas recopiée pour chaque contrôle.
    """
    return pl.collect_all(
        [
            preparee.lazy()
            .filter(pl.col(drapeau))
            .select(
                LIGNE,
                pl.lit(controle.champ).alias("champ"),
                pl.lit(controle.motif).alias("motif"),
                pl.lit(controle.remarque is not None).alias("gardee"),
                pl.lit(controle.a_demander, dtype=pl.Utf8).alias("a_demander"),
            )
            for drapeau, controle in zip(drapeaux, controles, strict=True)
        ]
    )


def table_des_erreurs(lots: list[pl.DataFrame]) -> pl.DataFrame:
    """Les lignes signalées, toutes ensemble, les rejetées d'abord (les enfants que la campagne ne
    verra pas), puis par numéro de ligne et champ."""
    toutes = (
        pl.concat([lot.cast(_SCHEMA_ERREURS) for lot in lots])
        if lots
        else pl.DataFrame(schema=_SCHEMA_ERREURS)
    )
    return toutes.sort("gardee", LIGNE, "champ")


def lignes_ecartees(erreurs: pl.DataFrame, identifiants: pl.DataFrame, doublons: pl.Series) -> pl.DataFrame:
    """Une ligne par ligne rejetée : numéro, identifiant lu (s'il l'est), motifs, quoi demander, doublon.

    ``erreurs`` : ``table_des_erreurs`` ; ``identifiants`` : numéro de ligne et ``id`` de chaque ligne
    lue ; ``doublons`` : numéros des lignes qui répètent une ligne précédente.
    """
    return (
        erreurs.filter(~pl.col("gardee"))
        .group_by(LIGNE, maintain_order=True)
        .agg(pl.col("motif").str.join(" ; "), pl.col("a_demander").drop_nulls().first())
        .join(identifiants, on=LIGNE, how="left")
        .select(
            pl.col(LIGNE).alias("ligne"),
            "id",
            "motif",
            "a_demander",
            pl.col(LIGNE).is_in(doublons.implode()).alias("doublon"),
        )
    )
