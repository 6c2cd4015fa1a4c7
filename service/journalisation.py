"""Configuration unique de structlog, avec un filtre qui retire toute donnée d'identité.

Les journaux techniques ne portent que des identifiants pseudonymes (cas, campagne, source).
Un champ qui porte une identité (nom, prénoms, date de naissance, adresse… : la même liste que
celle que refuse le journal d'audit) est retiré avant l'écriture, et son nom est signalé pour que
le développeur corrige l'appel.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

from audit import est_cle_identite


def filtrer_identites(
    _logger: Any, _methode: str, evenement: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Processeur structlog : retire les champs d'identité et note leurs noms."""
    retires = sorted(cle for cle in evenement if est_cle_identite(cle))
    for cle in retires:
        del evenement[cle]
    if retires:
        evenement["champs_retires"] = retires
    return evenement


# Les cadres du projet disent où la panne est née ; des bibliothèques, seuls les derniers servent.
PAQUETS_DU_PROJET = ("service", "audit", "appariement", "conventions", "chiffrement")
CADRES_DE_BIBLIOTHEQUE = 3


def _du_projet(chemin: str) -> bool:
    return "site-packages" not in chemin and not set(Path(chemin).parts).isdisjoint(PAQUETS_DU_PROJET)


def _lieux(erreur: BaseException) -> list[str]:
    cadres = traceback.extract_tb(erreur.__traceback__)
    dernier_de_bibliotheque = len(cadres) - CADRES_DE_BIBLIOTHEQUE
    return [
        f"{'/'.join(Path(cadre.filename).parts[-2:])}:{cadre.lineno} {cadre.name}"
        for rang, cadre in enumerate(cadres)
        if _du_projet(cadre.filename) or rang >= dernier_de_bibliotheque
    ]


def trace_sans_donnees(
    _logger: Any, _methode: str, evenement: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Processeur structlog : une exception devient son type et ses lieux (fichier:ligne fonction).

    Ni son message ni les variables des cadres ne sont écrits : l'un comme les autres peuvent porter
    une identité (date mal formée citée par ``ValueError``, paramètres d'une requête SQL refusée,
    enfants en cours d'écriture).
    """
    info = evenement.pop("exc_info", None)
    if isinstance(info, BaseException):
        erreur: BaseException | None = info
    elif isinstance(info, tuple):
        erreur = info[1]
    elif info:
        erreur = sys.exc_info()[1]
    else:
        erreur = None
    if erreur is not None:
        evenement["exception"] = type(erreur).__name__
        evenement["lieux"] = _lieux(erreur)
        cause = erreur.__cause__ or erreur.__context__
        if cause is not None:
            evenement["cause"] = type(cause).__name__
    return evenement


def configurer(environnement: str = "developpement", niveau: str = "INFO") -> None:
    """Configure structlog une fois pour tout le processus."""
    rendu: structlog.typing.Processor
    if environnement == "production":
        rendu = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        rendu = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            filtrer_identites,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            trace_sans_donnees,
            rendu,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(niveau.upper(), logging.INFO)
        ),
        # sys.stderr est relu à chaque journal : il peut avoir été remplacé depuis (tests, typer).
        logger_factory=lambda *_arguments: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
