"""Erreurs des conventions : chacune porte un message en français qui dit quoi faire."""

from __future__ import annotations


class ErreurConvention(Exception):
    """Racine des erreurs du paquet ``conventions``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConventionInvalide(ErreurConvention):
    """Le texte d'une convention (ou d'un profil) est mal formé ou incohérent."""


class ProfilInconnu(ErreurConvention):
    """Aucun profil intégré ne porte ce nom."""


class UsageRefuse(ErreurConvention):
    """La convention n'autorise pas ce dépôt (commune non couverte, hors de ses dates)."""


class FichierRefuse(ErreurConvention):
    """Le fichier est refusé en entier ; ``lire`` la transforme en ``Rapport.refus``."""
