"""Travailleur isolé : chaque campagne tourne dans un processus enfant confiné, lancé par travail.

API du service : ``executer(DemandeTravail, reglages=ReglagesTravailleur) -> ReponseTravail`` ou
``EchecTravail`` ; ``sonder`` lance la sonde de diagnostic sous les mêmes protections.
Voir docs/travailleur.md.

Les noms sont chargés à la demande : l'enfant (``python -m service.travailleur.enfant``) passe par
ce fichier et doit pouvoir se confiner avant d'importer quoi que ce soit de lourd.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.travailleur.confinement import PROTECTIONS
    from service.travailleur.parent import (
        DemandeTravail,
        EchecTravail,
        ReglagesTravailleur,
        ReponseTravail,
        SourceTravail,
        executer,
        sonder,
    )
    from service.travailleur.protocole import (
        Candidat,
        Comptes,
        CompteSource,
        EnfantSignale,
        ErreurTravail,
        IdentiteEnfant,
        IdentiteInscrit,
        RapportSonde,
    )

_MODULES = {
    "PROTECTIONS": "confinement",
    **dict.fromkeys(
        ("DemandeTravail", "EchecTravail", "ReglagesTravailleur", "ReponseTravail", "SourceTravail"), "parent"
    ),
    "executer": "parent",
    "sonder": "parent",
    **dict.fromkeys(
        (
            "Candidat",
            "Comptes",
            "CompteSource",
            "EnfantSignale",
            "ErreurTravail",
            "IdentiteEnfant",
            "IdentiteInscrit",
            "RapportSonde",
        ),
        "protocole",
    ),
}

__all__ = [
    "PROTECTIONS",
    "Candidat",
    "CompteSource",
    "Comptes",
    "DemandeTravail",
    "EchecTravail",
    "EnfantSignale",
    "ErreurTravail",
    "IdentiteEnfant",
    "IdentiteInscrit",
    "RapportSonde",
    "ReglagesTravailleur",
    "ReponseTravail",
    "SourceTravail",
    "executer",
    "sonder",
]


def __getattr__(nom: str) -> object:
    if nom not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {nom!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[nom]}"), nom)
