"""``cellule indicateurs exporter`` : l'export des indicateurs d'un mois, pour tout le territoire."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.acteur import SYSTEME
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.cli.commun import echouer, preparer_base
from service.indicateurs import Mois, MoisInvalide, exporter
from service.indicateurs.production import produire

app = typer.Typer(help="Indicateurs mensuels de la cellule (sans donnée personnelle).", no_args_is_help=True)


@app.command("exporter")
def exporter_mois(
    mois: Annotated[str, typer.Option("--mois", help="Mois à exporter, AAAA-MM.")],
    format: Annotated[str, typer.Option("--format", help="csv, xlsx ou ods.")],
    sortie: Annotated[Path, typer.Option("--sortie", help="Fichier à écrire.")],
    commune: Annotated[str | None, typer.Option("--commune", help="Une seule commune (code INSEE).")] = None,
    masquage: Annotated[
        int | None, typer.Option("--masquage", min=2, help="Masque les effectifs inférieurs à ce seuil.")
    ] = None,
) -> None:
    """Écrit les indicateurs du mois : une ligne par commune, puis le total de chaque département."""
    if format not in {"csv", "xlsx", "ods"}:
        echouer(f"Format « {format} » inconnu : choisissez csv, xlsx ou ods.", code=2)
    try:
        periode = Mois.lire(mois)
    except MoisInvalide as erreur:
        echouer(str(erreur), code=2)
    bdd = preparer_base()
    try:
        with session_base(bdd) as session:
            tableau = produire(
                session, SYSTEME, periode, format=format, commune=commune, seuil_masquage=masquage
            )
            sortie.write_bytes(exporter(tableau, format))
    except RefusAutorisation:
        echouer(f"Commune {commune} inconnue : vérifiez le code INSEE (cellule referentiel commune).")
    typer.echo(f"Indicateurs de {periode} écrits dans {sortie} ({len(tableau.lignes)} lignes).")


def enregistrer(racine: typer.Typer) -> None:
    racine.add_typer(app, name="indicateurs")
