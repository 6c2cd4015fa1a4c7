"""Les travailleurs : réclamer un travail, le mener, recommencer — seuls ou dans ``cellule serveur``."""

from __future__ import annotations

import os
import socket
import threading
import uuid

import sqlalchemy as sa
import structlog

from service.campagnes.file import reclamer
from service.campagnes.passage import echouer, executer_travail
from service.parametres import ReglagesService

journal = structlog.get_logger("service.travailleurs")

ATTENTE_SECONDES = 2.0


def nom_travailleur() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def traiter_un(bdd: sa.Engine, reglages: ReglagesService, travailleur: str) -> bool:
    """Prend et mène un travail ; ``False`` s'il n'y en avait aucun."""
    travail_id = reclamer(bdd, travailleur, delai_abandon_secondes=reglages.travail_delai_abandon_secondes)
    if travail_id is None:
        return False
    journal.info("travail réclamé", travail=travail_id, travailleur=travailleur)
    try:
        executer_travail(bdd, travail_id, travailleur, reglages)
    except Exception as erreur:
        # Une panne imprévue ne laisse rien de partiel (le registre s'écrit d'un coup) : la campagne
        # passe en échec avec un message sans donnée, le détail technique va au journal.
        journal.exception(
            "passage interrompu par une erreur", travail=travail_id, erreur=type(erreur).__name__
        )
        echouer(
            bdd,
            travail_id,
            travailleur,
            [
                "Erreur interne pendant le passage : rien n'a été écrit. Relancez ; si l'erreur revient, "
                "transmettez l'identifiant de la campagne à l'administrateur."
            ],
        )
    return True


def boucler(bdd: sa.Engine, reglages: ReglagesService, arret: threading.Event) -> None:
    """Un travailleur : tant qu'on ne l'arrête pas, il prend les travaux un par un."""
    travailleur = nom_travailleur()
    while not arret.is_set():
        try:
            occupe = traiter_un(bdd, reglages, travailleur)
        except sa.exc.SQLAlchemyError as erreur:
            journal.warning("base indisponible pour la file des travaux", erreur=type(erreur).__name__)
            occupe = False
        if not occupe:
            arret.wait(ATTENTE_SECONDES)


def demarrer(
    bdd: sa.Engine, reglages: ReglagesService, nombre: int
) -> tuple[threading.Event, list[threading.Thread]]:
    arret = threading.Event()
    fils = [
        threading.Thread(target=boucler, args=(bdd, reglages, arret), name=f"travailleur-{n}", daemon=True)
        for n in range(nombre)
    ]
    for fil in fils:
        fil.start()
    return arret, fils
