"""Réglages du service, lus dans les variables d'environnement préfixées ``CELLULE_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Parametres(BaseSettings):
    """Tout ce qu'un administrateur règle au déploiement.

    Chaque champ se règle par une variable ``CELLULE_<NOM>`` (``CELLULE_DONNEES``, ``CELLULE_BASE``…).
    """

    model_config = SettingsConfigDict(env_prefix="CELLULE_", extra="ignore")

    donnees: Path = Field(
        default=Path("donnees"),
        description="Dossier des données : base SQLite, trousseau de clés, exports.",
    )
    base: str = Field(
        default="",
        description="URL de la base (SQLAlchemy). Vide : SQLite dans le dossier des données.",
    )
    environnement: Literal["developpement", "production"] = Field(
        default="developpement",
        description="« production » : journaux en lignes JSON ; « developpement » : lisibles.",
    )
    niveau_journal: str = Field(default="INFO", description="Niveau des journaux techniques.")

    @model_validator(mode="after")
    def _base_par_defaut(self) -> Parametres:
        if not self.base:
            self.base = f"sqlite:///{(self.donnees / 'cellule.sqlite').resolve()}"
        return self


@lru_cache(maxsize=1)
def parametres() -> Parametres:
    """Les réglages du processus, lus une fois."""
    return Parametres()
