"""Résultat d'une lecture : la table canonique et un rapport qui ne contient aucune valeur lue."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from pydantic import BaseModel, ConfigDict

from conventions.profil import NAISSANCE_PARTIELLE

#: Au-delà, les erreurs sont seulement comptées (``erreurs_omises``) : le rapport reste lisible.
ERREURS_MAX = 500


class ErreurLigne(BaseModel):
    """Une ligne signalée : son numéro, la colonne en cause et le motif — jamais la valeur.

    ``gardee`` : la ligne est lue malgré tout (un champ laissé vide) ; sinon elle est rejetée, et
    ``a_demander`` dit quoi demander au partenaire (rien pour un doublon, lu une fois).
    """

    model_config = ConfigDict(frozen=True)

    ligne: int
    champ: str
    motif: str
    gardee: bool = False
    a_demander: str | None = None


class Rapport(BaseModel):
    """Les comptes d'une lecture. ``lignes`` = ``valides`` + ``rejetees`` + ``sortis``.

    ``rejetees`` = ``illisibles`` (lignes qui ne désignent personne, ou identifiant repris) +
    ``doublons`` ; ``incompletes`` : lignes valides gardées avec un champ vide et une remarque.

    Pour un CSV, ``ligne`` est le numéro d'enregistrement, l'en-tête étant la ligne 1 ; pour
    SIECLE, c'est le rang de l'élément ``ELEVE`` dans le fichier (1 pour le premier).
    """

    lignes: int = 0
    valides: int = 0
    rejetees: int = 0
    illisibles: int = 0
    incompletes: int = 0
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


def _sans_remarque() -> pl.DataFrame:
    return pl.DataFrame(schema={"id": pl.Utf8(), "remarque": pl.Utf8(), **NAISSANCE_PARTIELLE})


def _sans_ecartee() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "ligne": pl.Int64(),
            "id": pl.Utf8(),
            "motif": pl.Utf8(),
            "a_demander": pl.Utf8(),
            "doublon": pl.Boolean(),
        }
    )


@dataclass(frozen=True)
class Lecture:
    """Table canonique (vide si le fichier est refusé), rapport de lecture, et ``remarques`` : pour
    chaque ligne gardée avec un champ manquant ou impossible, son ``id`` et ce qui ne va pas, en clair
    (« prénom absent de la liste CAF », « date de naissance impossible : 29/02/2011 »), avec l'année
    et le mois encore lisibles d'une date impossible. Ces remarques portent des valeurs lues : elles
    vont à l'agent avec l'identité, jamais dans un journal.

    ``ecartees`` : chaque ligne rejetée, sans limite de nombre, avec son numéro, son identifiant
    s'il est lu, le motif, ce qu'il faut demander au partenaire et ``doublon`` (répétition d'une
    ligne lue, pas un enfant perdu) ; aucune valeur lue hors de l'identifiant."""

    table: pl.DataFrame
    rapport: Rapport
    remarques: pl.DataFrame = field(default_factory=_sans_remarque)
    ecartees: pl.DataFrame = field(default_factory=_sans_ecartee)

    def table_avec_remarques(self) -> pl.DataFrame:
        """La table canonique, et pour chaque ligne sa remarque et l'année et le mois lisibles d'une
        date impossible (``NAISSANCE_PARTIELLE``), vides ailleurs : ce que reçoit le moteur, qui
        compare l'année et le mois et ignore la remarque."""
        return self.table.join(self.remarques, on="id", how="left", maintain_order="left")

    @property
    def accepte(self) -> bool:
        """Vrai quand le fichier n'est pas refusé en entier."""
        return self.rapport.accepte
