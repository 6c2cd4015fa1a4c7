"""Configuration unique de structlog, avec un filtre qui retire toute donnée d'identité.

Les journaux techniques ne portent que des identifiants pseudonymes (cas, campagne, source).
Un champ qui porte une identité (nom, prénoms, date de naissance, adresse… : la même liste que
celle que refuse le journal d'audit) est retiré avant l'écriture, et son nom est signalé pour que
le développeur corrige l'appel.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
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
            structlog.processors.format_exc_info,
            rendu,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(niveau.upper(), logging.INFO)
        ),
        # sys.stderr est relu à chaque journal : il peut avoir été remplacé depuis (tests, typer).
        logger_factory=lambda *_arguments: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
