"""Qui agit : l'utilisateur d'une session, ou le service lui-même."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.comptes.roles import Role


@dataclass(frozen=True)
class Acteur:
    """L'auteur d'une action. Sa portée (communes, département) vient toujours de la base."""

    id: int | None
    identifiant: str
    role: Role | None
    communes: frozenset[str] = field(default_factory=frozenset)
    departement: str | None = None
    session_id: int | None = None


SYSTEME = Acteur(id=None, identifiant="systeme", role=None)
ANONYME = Acteur(id=None, identifiant="anonyme", role=None)
