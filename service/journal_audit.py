"""Le branchement du service sur le journal d'audit (``audit``).

Chaque écriture se fait dans la transaction de l'action qu'elle décrit : si le journal ne peut
pas être écrit, l'action n'a pas lieu. Les cibles sont des identifiants pseudonymes.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session

from audit import Aboutissement, Action, Cible, Evenement, Signataire, ecrire
from service.acteur import Acteur
from service.parametres import parametres

requete_courante: ContextVar[str | None] = ContextVar("requete_courante", default=None)

__all__ = ["Aboutissement", "Action", "auditer", "requete_courante"]


@cache
def _signataire(chemin: Path) -> Signataire:
    return Signataire.charger(chemin, creer=True)


def signataire() -> Signataire:
    """La clé qui signe les points de contrôle du journal (créée au premier usage)."""
    return _signataire(parametres().chemin_cle_audit())


def auditer(
    session: Session,
    acteur: Acteur,
    action: Action,
    *,
    cible: tuple[str, str] | None = None,
    resultat: Aboutissement = Aboutissement.SUCCES,
    motif: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Écrit un événement d'audit dans la transaction courante de ``session``."""
    if acteur.role is not None:
        role = acteur.role.value
    else:
        role = "systeme" if acteur.identifiant == "systeme" else "anonyme"
    ecrire(
        session.connection(),
        Evenement(
            action=action,
            acteur=acteur.identifiant,
            role=role,
            resultat=resultat,
            cible=Cible(type=cible[0], id=cible[1]) if cible else None,
            motif=motif,
            requete=requete_courante.get(),
            details=details or {},
        ),
        signataire=signataire(),
        intervalle_points=parametres().audit_points_intervalle,
    )
