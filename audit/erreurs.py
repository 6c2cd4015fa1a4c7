"""Les erreurs du journal d'audit, chacune avec un message français qui dit quoi faire."""

from __future__ import annotations


class ErreurAudit(Exception):
    """Base des erreurs du journal d'audit."""


class EvenementRefuse(ErreurAudit):
    """L'événement porte une identité, un flottant ou un champ invalide : rien n'est écrit."""


class JournalIndisponible(ErreurAudit):
    """Le journal n'a pas pu être écrit : l'action qu'il devait tracer doit être annulée."""


class CleInvalide(ErreurAudit):
    """Clé de signature absente, illisible ou mal protégée."""


class PointDeControleIllisible(ErreurAudit):
    """Le fichier donné n'est pas un point de contrôle du journal."""


class JournalAltere(ErreurAudit):
    """La vérification a trouvé une altération : l'opération demandée est refusée."""
