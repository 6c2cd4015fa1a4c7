"""``cellule apparier`` : apparier des fichiers au format pivot, hors de toute campagne.

Lit la liste CAF/MSA (``--familles``) et un ou plusieurs fichiers d'inscrits (``--inscrits``, une
ligne dont le ``mode`` n'est pas ``ecole`` est une instruction déclarée), puis écrit une décision
par ligne de la liste : ``id_famille;statut;id_inscrit;score;explication`` (UTF-8, « ; »).
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


def _familles(chemin: Path) -> pl.DataFrame:
    lecture = _lire(chemin, "pivot-familles", "fichier des familles")
    rapport = lecture.rapport
    if rapport.rejetees or rapport.doublons:
        # Une décision par ligne du fichier est promise : une ligne illisible ne peut pas être sautée.
        details = "; ".join(f"ligne {e.ligne}, colonne {e.champ} : {e.motif}" for e in rapport.erreurs[:10])
        echouer(
            f"fichier des familles « {chemin.name} » : {rapport.rejetees} ligne(s) illisible(s) et "
            f"{rapport.doublons} identifiant(s) en double. Corrigez-les puis relancez. {details}",
            CODE_REFUS,
        )
    return lecture.table


def _inscrits(chemins: list[Path]) -> pl.DataFrame:
    tables = []
    for chemin in chemins:
        lecture = _lire(chemin, "pivot-inscrits", "fichier d'inscrits")
        if lecture.rapport.rejetees:
            typer.echo(
                f"Attention : « {chemin.name} » : {lecture.rapport.rejetees} ligne(s) illisible(s) "
                "ignorée(s) ; les enfants correspondants pourront être signalés à tort.",
                err=True,
            )
        tables.append(lecture.table)
    inscrits = pl.concat(tables, how="vertical_relaxed")
    repetes = inscrits.height - inscrits["id"].n_unique()
    if repetes:
        echouer(
            f"{repetes} identifiant(s) d'inscrit se répètent entre les fichiers --inscrits : chaque ligne "
            "doit avoir un identifiant unique (préfixez-les par fichier, par exemple).",
            CODE_REFUS,
        )
    return inscrits


def _ecrire(decisions: pl.DataFrame, sortie: Path) -> None:
    """Écrit dans un fichier temporaire voisin puis le renomme : jamais de fichier à moitié écrit."""
    table = decisions.select(
        "id_famille",
        "statut",
        "id_inscrit",
        pl.col("score").round(3),
        "explication",
    )
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
    table_familles = _familles(familles)
    table_inscrits = _inscrits(inscrits)
    try:
        resultat = apparier(table_familles, table_inscrits, jour)
    except DonneesInvalides as erreur:
        echouer(str(erreur), CODE_REFUS)
    _ecrire(resultat.decisions, sortie)
    comptes = resultat.comptes()
    typer.echo(f"{resultat.decisions.height} enfant(s) ; décisions écrites dans « {sortie} ».", err=True)
    for statut in STATUTS:
        typer.echo(f"  {statut} : {comptes[statut]}", err=True)
    typer.echo(f"Durée : {time.perf_counter() - debut:.1f} s", err=True)


def enregistrer(app: typer.Typer) -> None:
    app.command("apparier")(commande_apparier)
