"""``cellule apparier`` : apparier des fichiers au format pivot, hors de toute campagne.

Lit la liste CAF/MSA (``--familles``) et un ou plusieurs fichiers d'inscrits (``--inscrits``, une
ligne dont le ``mode`` n'est pas ``ecole`` est une instruction déclarée), puis écrit une décision
par ligne de la liste : ``id_famille;statut;id_inscrit;score;explication;remarque`` (UTF-8, « ; »).
Une ligne incomplète (nom, prénom ou date manquant ou impossible) est appariée sur le reste, sa
remarque dit ce qui manque ; une ligne qui ne désigne personne (ni nom ni prénom) ou répétée a le
statut ``illisible`` ou ``doublon``, après les autres, et sa remarque dit quoi demander au partenaire.
Les comptes par statut et la durée sont affichés sur la sortie d'erreur. Codes de sortie :
0 fait, 1 fichier refusé ou illisible, 2 usage.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from appariement import STATUTS, DonneesInvalides, apparier
from conventions import Lecture, lire, profil_integre
from service.cli.commun import echouer

CODE_REFUS = 1
CODE_USAGE = 2
#: Statuts des lignes écartées à la lecture, en plus de ceux du moteur.
STATUT_ILLISIBLE = "illisible"
STATUT_DOUBLON = "doublon"


def _date(texte: str) -> date:
    try:
        return date.fromisoformat(texte)
    except ValueError:
        echouer(
            f"date de référence « {texte} » illisible : écrivez-la AAAA-MM-JJ (par exemple 2025-10-01).",
            CODE_USAGE,
        )


def _lire(chemin: Path, profil: str, quoi: str) -> Lecture:
    try:
        octets = chemin.read_bytes()
    except OSError:
        echouer(f"impossible de lire « {chemin} » ({quoi}) : vérifiez le chemin du fichier.", CODE_USAGE)
    lecture = lire(octets, profil_integre(profil), aujourd_hui=date.today())
    if lecture.rapport.refus:
        echouer(f"{quoi} « {chemin.name} » refusé : {lecture.rapport.refus}", CODE_REFUS)
    return lecture


def _familles(chemin: Path) -> Lecture:
    return _lire(chemin, "pivot-familles", "fichier des familles")


def _inscrits(chemins: list[Path]) -> pl.DataFrame:
    tables = []
    for chemin in chemins:
        lecture = _lire(chemin, "pivot-inscrits", "fichier d'inscrits")
        if lecture.rapport.illisibles:
            typer.echo(
                f"Attention : « {chemin.name} » : {lecture.rapport.illisibles} ligne(s) illisible(s) "
                "(ni nom ni prénom, ou mal découpées) ignorée(s) ; les enfants correspondants pourront "
                "être signalés à tort.",
                err=True,
            )
        tables.append(lecture.table_avec_remarques())
    inscrits = pl.concat(tables, how="vertical_relaxed")
    repetes = inscrits.height - inscrits["id"].n_unique()
    if repetes:
        echouer(
            f"{repetes} identifiant(s) d'inscrit se répètent entre les fichiers --inscrits : chaque ligne "
            "doit avoir un identifiant unique (préfixez-les par fichier, par exemple).",
            CODE_REFUS,
        )
    return inscrits


def _table_de_sortie(decisions: pl.DataFrame, lecture: Lecture) -> pl.DataFrame:
    """Une ligne par ligne de la liste : les décisions dans l'ordre du fichier, avec la remarque de
    lecture de chaque ligne incomplète, puis les lignes écartées (illisibles ou doublons)."""
    decidees = decisions.join(
        lecture.remarques.select(pl.col("id").alias("id_famille"), "remarque"),
        on="id_famille",
        how="left",
        maintain_order="left",
    ).select(
        "id_famille",
        "statut",
        "id_inscrit",
        pl.col("score").round(3),
        "explication",
        "remarque",
    )
    ecartees = lecture.ecartees.select(
        pl.col("id").alias("id_famille"),
        pl.when(pl.col("doublon"))
        .then(pl.lit(STATUT_DOUBLON))
        .otherwise(pl.lit(STATUT_ILLISIBLE))
        .alias("statut"),
        pl.lit(None, dtype=pl.String).alias("id_inscrit"),
        pl.lit(None, dtype=pl.Float64).alias("score"),
        pl.lit(None, dtype=pl.String).alias("explication"),
        pl.format("ligne {} : {}", "ligne", "motif")
        .add(
            pl.when(pl.col("a_demander").is_not_null())
            .then(pl.format(" ; {}", "a_demander"))
            .otherwise(pl.lit(""))
        )
        .alias("remarque"),
    )
    return pl.concat([decidees, ecartees], how="vertical_relaxed")


def _ecrire(table: pl.DataFrame, sortie: Path) -> None:
    """Écrit dans un fichier temporaire voisin puis le renomme : jamais de fichier à moitié écrit."""
    try:
        descripteur, temporaire = tempfile.mkstemp(prefix=".apparier-", dir=sortie.resolve().parent)
        with os.fdopen(descripteur, "wb") as fichier:
            table.write_csv(fichier, separator=";", null_value="", quote_style="necessary")
        os.replace(temporaire, sortie)
    except OSError:
        echouer(
            f"impossible d'écrire « {sortie} » : vérifiez que le dossier existe et est accessible.",
            CODE_USAGE,
        )


def commande_apparier(
    familles: Annotated[Path, typer.Option("--familles", help="Liste CAF/MSA au format pivot (familles).")],
    inscrits: Annotated[
        list[Path],
        typer.Option("--inscrits", help="Fichier d'inscrits au format pivot ; option répétable."),
    ],
    date_reference: Annotated[
        str, typer.Option("--date-reference", help="Date de référence de la campagne, AAAA-MM-JJ.")
    ],
    sortie: Annotated[Path, typer.Option("--sortie", help="Fichier CSV des décisions à écrire.")],
) -> None:
    """Apparie une liste CAF/MSA avec les listes d'inscrits et écrit une décision par enfant."""
    debut = time.perf_counter()
    jour = _date(date_reference)
    lecture = _familles(familles)
    table_inscrits = _inscrits(inscrits)
    try:
        resultat = apparier(lecture.table_avec_remarques(), table_inscrits, jour)
    except DonneesInvalides as erreur:
        echouer(str(erreur), CODE_REFUS)
    table = _table_de_sortie(resultat.decisions, lecture)
    _ecrire(table, sortie)
    comptes = dict(table.group_by("statut").len().iter_rows())
    typer.echo(f"{table.height} ligne(s) ; décisions écrites dans « {sortie} ».", err=True)
    for statut in (*STATUTS, STATUT_ILLISIBLE, STATUT_DOUBLON):
        typer.echo(f"  {statut} : {comptes.get(statut, 0)}", err=True)
    if lecture.rapport.incompletes:
        typer.echo(
            f"  dont {lecture.rapport.incompletes} ligne(s) incomplète(s) : voir la colonne remarque.",
            err=True,
        )
    typer.echo(f"Durée : {time.perf_counter() - debut:.1f} s", err=True)


def enregistrer(app: typer.Typer) -> None:
    app.command("apparier")(commande_apparier)
