"""``cellule purger [--simulation]`` : appliquer les durées de conservation."""

from __future__ import annotations

from typing import Annotated

import typer

from chiffrement import ErreurChiffrement
from service.cli.commun import echouer, preparer_base
from service.parametres import parametres
from service.retention import purger as appliquer


def purger(
    simulation: Annotated[bool, typer.Option("--simulation", help="Compter sans rien effacer.")] = False,
) -> None:
    """Efface ce qui a dépassé sa durée de conservation (cas, clés de cohorte, journal d'audit)."""
    bdd = preparer_base()
    try:
        bilan = appliquer(bdd, parametres(), simulation=simulation)
    except ErreurChiffrement as erreur:
        echouer(f"Trousseau inutilisable : {erreur}")
    if simulation:
        typer.echo("Simulation : rien n'a été effacé.")
    for ligne in bilan.lignes():
        typer.echo(ligne)


def enregistrer(app: typer.Typer) -> None:
    app.command("purger")(purger)
