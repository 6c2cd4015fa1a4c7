"""Fixtures des pages web : le monde de test du service (comptes par rôle, communes), un navigateur."""

from __future__ import annotations

from tests.service.conftest import monde, monde_sqlite, reglages, reglages_sqlite

__all__ = ["monde", "monde_sqlite", "reglages", "reglages_sqlite"]
