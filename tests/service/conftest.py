"""Fixtures du service : une base migrée (SQLite puis PostgreSQL), des clés, des comptes par rôle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.parametres import ReglagesService, parametres
from tests.service.fabriques import Monde, construire_monde


def _reglages(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReglagesService]:
    monkeypatch.setenv("CELLULE_BASE", url)
    monkeypatch.setenv("CELLULE_ARGON2_LEGER", "1")
    monkeypatch.setenv("CELLULE_TRAVAIL_DELAI_ABANDON_SECONDES", "5")
    parametres.cache_clear()
    yield parametres()
    parametres.cache_clear()


@pytest.fixture
def reglages(
    dossier_donnees: Path, url_base: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReglagesService]:
    """Les réglages d'un service de test, sur SQLite puis PostgreSQL : Argon2 allégé, abandon rapide."""
    yield from _reglages(url_base, monkeypatch)


@pytest.fixture
def reglages_sqlite(dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReglagesService]:
    """Les mêmes réglages, sur SQLite seulement : pour ce qui ne dépend pas du moteur de base."""
    yield from _reglages(f"sqlite:///{dossier_donnees / 'cellule.sqlite'}", monkeypatch)


@pytest.fixture
def monde(reglages: ReglagesService) -> Iterator[Monde]:
    """Trois communes (A et B dans le 59, C dans le 62), leurs conventions et un compte par rôle."""
    monde = construire_monde(reglages)
    yield monde
    monde.fermer()


@pytest.fixture
def monde_sqlite(reglages_sqlite: ReglagesService) -> Iterator[Monde]:
    """Le même monde, sur SQLite seulement."""
    monde = construire_monde(reglages_sqlite)
    yield monde
    monde.fermer()
