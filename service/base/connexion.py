"""Une seule fabrique de connexion à la base (Engine SQLAlchemy, « bdd »), SQLite ou PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from service.parametres import parametres

# Le calendrier des communes : les mois des indicateurs et les dates saisies par les agents.
FUSEAU_LOCAL = ZoneInfo("Europe/Paris")


def maintenant() -> datetime:
    """L'heure courante, en UTC (avec fuseau : SQLModel refuse les dates naïves)."""
    return datetime.now(UTC)


def jour_local(instant: datetime | None = None) -> date:
    """Le jour, en France, d'un instant (par défaut : maintenant) ; un instant naïf est en UTC."""
    instant = instant or maintenant()
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(FUSEAU_LOCAL).date()


def _pragmas_sqlite(connexion_dbapi: Any, _enregistrement: Any) -> None:
    curseur = connexion_dbapi.cursor()
    # WAL : lecteurs et écrivain ne se bloquent pas ; clés étrangères vérifiées ; attente plutôt qu'échec.
    curseur.execute("PRAGMA journal_mode=WAL")
    curseur.execute("PRAGMA foreign_keys=ON")
    curseur.execute("PRAGMA busy_timeout=15000")
    curseur.execute("PRAGMA synchronous=NORMAL")
    # Une ligne effacée (déménagement, fin de conservation) est écrasée, pas laissée en page libre,
    # quelle que soit l'option de compilation de SQLite.
    curseur.execute("PRAGMA secure_delete=ON")
    curseur.close()


def creer_bdd(url: str) -> sa.Engine:
    """La connexion à la base désignée par ``url`` (SQLite ou ``postgresql+psycopg://``)."""
    adresse = make_url(url)
    if adresse.get_backend_name() == "sqlite":
        if adresse.database and adresse.database != ":memory:":
            # Créée 0600 (et son dossier 0700) quel que soit le masque du processus ; SQLite donne
            # ensuite les mêmes droits à ses fichiers -wal et -shm.
            Path(adresse.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(adresse.database, os.O_WRONLY | os.O_CREAT, 0o600))
        # Transactions explicites (BEGIN IMMEDIATE) pour que la réclamation d'un travail soit atomique.
        bdd_sqlite = sa.create_engine(
            adresse, connect_args={"check_same_thread": False, "timeout": 15, "isolation_level": None}
        )
        sa.event.listen(bdd_sqlite, "connect", _pragmas_sqlite)

        @sa.event.listens_for(bdd_sqlite, "begin")
        def _debut(connexion: sa.Connection) -> None:
            connexion.exec_driver_sql("BEGIN IMMEDIATE")

        return bdd_sqlite
    if adresse.get_backend_name() == "postgresql":
        return sa.create_engine(adresse, pool_pre_ping=True)
    raise ValueError(
        f"Base « {adresse.get_backend_name()} » non prise en charge : utilisez SQLite ou PostgreSQL "
        "(CELLULE_BASE=postgresql+psycopg://…)."
    )


@cache
def _bdd_pour(url: str) -> sa.Engine:
    return creer_bdd(url)


def bdd_du_service() -> sa.Engine:
    """La base du processus, connexion construite une fois à partir de ``CELLULE_BASE``."""
    return _bdd_pour(parametres().base)


@contextmanager
def session_base(bdd: sa.Engine) -> Iterator[Session]:
    """Une session ORM qui valide à la sortie et annule tout en cas d'erreur."""
    with Session(bdd, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
