"""L'examen d'une archive au dépôt : le travailleur confiné l'ouvre et la lit avant qu'elle soit gardée.

Le service web ne détient pas la clé privée du travailleur : pour l'examen, il scelle le mot de passe
reçu pour une paire de clés éphémère, créée pour ce seul examen et oubliée aussitôt. L'enfant
descelle, ouvre, lit selon la convention (sans apparier) et rend, pour la source, ses comptes et ses
lignes illisibles, ou son refus avec un motif codé. Rien de déchiffré ne sort de l'enfant ; le
passage relira l'archive.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chiffrement import sceller
from conventions import Convention
from service.base.connexion import maintenant
from service.parametres import ReglagesService
from service.travailleur.parent import (
    DemandeTravail,
    EchecTravail,
    ReglagesTravailleur,
    SourceTravail,
    executer,
)

#: Le code écrit au journal quand le travailleur n'a pas pu examiner l'archive.
EXAMEN_IMPOSSIBLE = "examen_impossible"
# Un enfant par cœur au plus : des dépôts simultanés attendent leur tour plutôt que de lancer chacun
# un enfant (jusqu'à CELLULE_TRAVAILLEUR_MEMOIRE_MIO chacun) et d'épuiser la machine.
_EXAMENS_SIMULTANES = threading.BoundedSemaphore(os.cpu_count() or 1)


class ExamenImpossible(Exception):
    """Le travailleur n'a pas pu examiner l'archive (panne, protection absente) : rien n'est gardé."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Examen:
    """Ce que l'examen dit d'une source : refusée (``code_refus``, ``refus``) ou acceptée (``resume``)."""

    code_refus: str | None
    refus: str | None
    resume: dict[str, Any]

    @property
    def acceptee(self) -> bool:
        return self.code_refus is None


def examiner(
    *,
    identifiant: str,
    archive: bytes,
    mot_de_passe: str | None,
    convention: Convention,
    commune: str,
    date_reference: date,
    reglages: ReglagesService,
) -> Examen:
    """Fait examiner l'archive par un enfant confiné ; lève ``ExamenImpossible`` s'il n'a pas abouti."""
    cle = X25519PrivateKey.generate()
    scelle = sceller(mot_de_passe.encode("utf-8"), cle.public_key()) if mot_de_passe else None
    try:
        with _EXAMENS_SIMULTANES:
            reponse = executer(
                DemandeTravail(
                    commune=commune,
                    date_reference=date_reference,
                    sources=[SourceTravail(identifiant, archive, scelle, convention.model_dump_json())],
                    cle_privee=cle,
                    jour=maintenant().date(),
                    examen=True,
                ),
                reglages=ReglagesTravailleur.depuis_parametres(reglages),
            )
    except EchecTravail as erreur:
        raise ExamenImpossible(
            f"L'archive n'a pas pu être examinée ({erreur.message}) ; elle n'a pas été gardée. "
            "Déposez-la de nouveau dans quelques minutes ; si cela se répète, prévenez l'administrateur."
        ) from None
    source = reponse.sources[0]
    if source.refus is not None:
        return Examen(code_refus=source.code_refus or "fichier_refuse", refus=source.refus, resume={})
    motifs = [
        {
            "fichier": e.fichier,
            "ligne": e.ligne,
            "champ": e.champ,
            "motif": e.motif,
            "a_demander": e.a_demander,
        }
        for e in reponse.erreurs
        if e.source == identifiant
    ]
    comptes = source.comptes
    return Examen(
        code_refus=None,
        refus=None,
        resume={
            "fichiers": source.fichiers,
            "lignes": comptes.lignes,
            "valides": comptes.valides,
            "illisibles": comptes.illisibles,
            "incompletes": comptes.incompletes,
            "doublons": comptes.doublons,
            "motifs": motifs,
        },
    )
