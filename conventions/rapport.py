"""Résultat d'une lecture : la table canonique et un rapport qui ne contient aucune valeur lue."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from pydantic import BaseModel, ConfigDict

#: Au-delà, les erreurs sont seulement comptées (``erreurs_omises``) : le rapport reste lisible.
ERREURS_MAX = 500


class ErreurLigne(BaseModel):
    """Une ligne rejetée : son numéro, la colonne en cause et le motif — jamais la valeur."""

    model_config = ConfigDict(frozen=True)

    ligne: int
    champ: str
    motif: str


class Rapport(BaseModel):
    """Les comptes d'une lecture. ``lignes`` = ``valides`` + ``rejetees`` + ``sortis``.

    Pour un CSV, ``ligne`` est le numéro d'enregistrement, l'en-tête étant la ligne 1 ; pour
    SIECLE, c'est le rang de l'élément ``ELEVE`` dans le fichier (1 pour le premier).
    """

    lignes: int = 0
    valides: int = 0
    rejetees: int = 0
    sortis: int = 0
    doublons: int = 0
    erreurs: list[ErreurLigne] = []
    erreurs_omises: int = 0
    refus: str | None = None
    #: En-têtes du fichier connus du profil et jamais lus (classe, autorisations…) : noms seulement.
    colonnes_non_lues: list[str] = []
    #: En-têtes inconnus du profil, ignorés (exports officiels) : à signaler, noms seulement.
    colonnes_inconnues: list[str] = []

    @property
    def accepte(self) -> bool:
        """Vrai quand le fichier n'est pas refusé en entier."""
        return self.refus is None


@dataclass(frozen=True)
class Lecture:
    """Table canonique (vide si le fichier est refusé) et rapport de lecture."""

    table: pl.DataFrame
    rapport: Rapport

    @property
    def accepte(self) -> bool:
        """Vrai quand le fichier n'est pas refusé en entier."""
        return self.rapport.accepte
