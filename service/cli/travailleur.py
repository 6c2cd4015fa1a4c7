"""``cellule travailleur`` : des travailleurs seuls, sur d'autres machines, contre la même base PostgreSQL."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from service.campagnes.boucle import demarrer, nom_travailleur, traiter_un
from service.cli.commun import echouer, preparer_base
from service.parametres import parametres


def travailleur(
    nombre: Annotated[int, typer.Option("--nombre", min=1, help="Travailleurs dans ce processus.")] = 1,
    une_fois: Annotated[
        bool, typer.Option("--une-fois", help="Traite les travaux en attente puis s'arrête.")
    ] = False,
) -> None:
    """Prend les passages en file et les mène dans le travailleur confiné."""
    reglages = parametres()
    bdd = preparer_base()
    if une_fois:
        nom = nom_travailleur()
        traites = 0
        while traiter_un(bdd, reglages, nom):
            traites += 1
        typer.echo(f"{traites} travail(aux) traité(s).")
        return
    if nombre < 1:
        echouer("--nombre doit valoir au moins 1.")
    arret, fils = demarrer(bdd, reglages, nombre)
    fin = threading.Event()

    def _arreter(_signal: int, _cadre: object) -> None:
        arret.set()
        fin.set()

    signal.signal(signal.SIGTERM, _arreter)
    signal.signal(signal.SIGINT, _arreter)
    typer.echo(f"{nombre} travailleur(s) à l'écoute de la file (Ctrl+C pour arrêter).")
    fin.wait()
    for fil in fils:
        fil.join()


def enregistrer(app: typer.Typer) -> None:
    app.command("travailleur")(travailleur)
