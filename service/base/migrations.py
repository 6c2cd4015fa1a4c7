"""Migrations Alembic du service, lancées au démarrage et par ``cellule base migrer``."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

DOSSIER_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def configuration() -> Config:
    """La configuration Alembic du paquet, sans fichier alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(DOSSIER_MIGRATIONS))
    return config


def revision_courante(bdd: sa.Engine) -> str | None:
    """La révision appliquée à la base, ``None`` pour une base vide."""
    with bdd.connect() as connexion:
        return MigrationContext.configure(connexion).get_current_revision()


def revision_cible() -> str | None:
    """La dernière révision fournie par le paquet."""
    return ScriptDirectory.from_config(configuration()).get_current_head()


def migrer(bdd: sa.Engine) -> None:
    """Amène la base à la dernière révision (rien à faire si elle y est déjà)."""
    if revision_courante(bdd) == revision_cible():
        return
    config = configuration()
    with bdd.begin() as connexion:
        config.attributes["connection"] = connexion
        command.upgrade(config, "head")
