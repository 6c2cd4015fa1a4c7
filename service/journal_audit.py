"""Le branchement du service sur le journal d'audit (``audit``).

Chaque écriture se fait dans la transaction de l'action qu'elle décrit : si le journal ne peut
pas être écrit, l'action n'a pas lieu. Les cibles sont des identifiants pseudonymes.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlmodel import Session

from audit.evenement import Action, Cible, Evenement, Resultat
from audit.journal import ecrire
from service.acteur import Acteur

requete_courante: ContextVar[str | None] = ContextVar("requete_courante", default=None)

__all__ = ["Action", "Resultat", "auditer", "requete_courante"]


def auditer(
    session: Session,
    acteur: Acteur,
    action: Action,
    *,
    cible: tuple[str, str] | None = None,
    resultat: Resultat = Resultat.SUCCES,
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
    )
