"""Fixtures communes : une base jetable par test, sur SQLite toujours et sur PostgreSQL si possible.

PostgreSQL est utilisé quand ``CELLULE_TEST_POSTGRES`` donne une URL SQLAlchemy
(par exemple ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) ; chaque test y reçoit
un schéma neuf, supprimé après lui. Sans URL, ou sans serveur joignable, la partie PostgreSQL
est sautée avec sa raison.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import structlog

VARIABLE_POSTGRES = "CELLULE_TEST_POSTGRES"


@cache
def raison_sans_postgres() -> str | None:
    """``None`` si PostgreSQL est utilisable pour les tests, sinon la raison de le sauter."""
    url = os.environ.get(VARIABLE_POSTGRES)
    if not url:
        return f"{VARIABLE_POSTGRES} n'est pas défini : partie PostgreSQL non lancée"
    try:
        bdd = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with bdd.connect() as connexion:
            connexion.execute(sa.text("select 1"))
        bdd.dispose()
    except Exception as erreur:
        return f"PostgreSQL injoignable à {VARIABLE_POSTGRES} : {type(erreur).__name__}"
    return None


def _url_postgres_avec_schema() -> Iterator[str]:
    url = os.environ[VARIABLE_POSTGRES]
    schema = f"test_{uuid.uuid4().hex[:12]}"
    bdd = sa.create_engine(url)
    with bdd.begin() as connexion:
        connexion.execute(sa.text(f'create schema "{schema}"'))
    separateur = "&" if "?" in url else "?"
    yield f"{url}{separateur}options={quote(f'-csearch_path={schema}')}"
    with bdd.begin() as connexion:
        connexion.execute(sa.text(f'drop schema "{schema}" cascade'))
    bdd.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def url_base(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL d'une base vide, propre à ce test : SQLite, puis PostgreSQL quand il est joignable."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cellule.sqlite'}"
        return
    raison = raison_sans_postgres()
    if raison:
        pytest.skip(raison)
    yield from _url_postgres_avec_schema()


@pytest.fixture
def dossier_donnees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Un dossier de données vide, désigné par ``CELLULE_DONNEES`` pour ce test."""
    dossier = tmp_path / "donnees"
    # Fermé aux autres comptes, comme l'exigent les commandes du service au démarrage.
    dossier.mkdir(mode=0o700)
    monkeypatch.setenv("CELLULE_DONNEES", str(dossier))
    from service.parametres import parametres

    parametres.cache_clear()
    yield dossier
    parametres.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _creations_privees() -> Iterator[None]:
    """Les tests créent leurs fichiers comme ``cellule`` au démarrage (umask 077) : un dossier de
    données ou une base créés par un test ne sont pas refusés par la vérification des droits."""
    ancien = os.umask(0o077)
    yield
    os.umask(ancien)


@pytest.fixture(autouse=True)
def _journaux_neufs() -> Iterator[None]:
    """La CLI lie structlog au flux d'erreur du moment, que CliRunner ferme ensuite : chaque test
    part de la configuration par défaut de structlog, et la laisse ainsi."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()
