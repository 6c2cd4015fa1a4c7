"""Refus par défaut : chaque opération dit quels rôles elle admet et sur quelle portée.

La portée (communes d'un agent, département d'un référent) vient toujours de la session, jamais
d'un paramètre de la requête. Chaque refus est audité par la couche web.
"""

from __future__ import annotations

from service.acteur import Acteur
from service.comptes.roles import Role


class RefusAutorisation(Exception):
    """Action non permise à cet utilisateur ; le message est montré tel quel."""

    def __init__(self, message: str, *, action: str, cible: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.action = action
        self.cible = cible


def exiger_role(acteur: Acteur, *roles: Role, action: str, cible: tuple[str, str] | None = None) -> None:
    if acteur.role not in roles:
        raise RefusAutorisation("Votre rôle ne permet pas cette action.", action=action, cible=cible)


def exiger_commune(
    acteur: Acteur, commune: str, *, action: str, cible: tuple[str, str] | None = None
) -> None:
    """Un agent n'agit que sur ses communes."""
    exiger_role(acteur, Role.AGENT_COMMUNE, action=action, cible=cible)
    if commune not in acteur.communes:
        raise RefusAutorisation("Cette commune n'est pas dans votre périmètre.", action=action, cible=cible)
