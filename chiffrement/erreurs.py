"""Erreurs du chiffrement au repos et du scellement ; chaque message, en français, dit quoi faire."""

from __future__ import annotations


class ErreurChiffrement(Exception):
    """Base des erreurs de clés, de chiffrement et de scellement."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DonneeIllisible(ErreurChiffrement):
    """La donnée chiffrée a été altérée, déplacée (autre table, autre enregistrement) ou sa clé ne va pas."""


class DonneeEffacee(ErreurChiffrement):
    """La clé de la donnée, ou celle de sa cohorte, a été détruite : la donnée est définitivement perdue."""


class TrousseauInvalide(ErreurChiffrement):
    """Trousseau absent, abîmé, ou qui ne correspond pas à la clé maîtresse fournie."""


class ScelleInvalide(ErreurChiffrement):
    """Le secret scellé ne s'ouvre pas : mauvaise clé du travailleur, ou scellé altéré."""
