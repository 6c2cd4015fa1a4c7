"""Fixtures du journal d'audit : une base installée, une clé, des événements synthétiques.

Les « attaques » simulent quelqu'un qui a un accès en écriture à la base : il commence par
supprimer les déclencheurs, puis modifie les lignes à sa guise, empreintes recalculées comprises
(l'algorithme de chaînage est public ; seule la clé de signature lui manque).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import audit
from audit.canonique import ORIGINE, chainer, contenu_entree


@pytest.fixture
def bdd(url_base: str) -> Iterator[sa.Engine]:
    """Une base vide où le journal est installé."""
    bdd = sa.create_engine(url_base, connect_args=_options(url_base))
    with bdd.begin() as connexion:
        audit.installer(connexion)
    yield bdd
    bdd.dispose()


def _options(url: str) -> dict[str, object]:
    return {"timeout": 30} if url.startswith("sqlite") else {}


@pytest.fixture
def signataire() -> audit.Signataire:
    return audit.Signataire.generer()


def consultation(numero: int, *, acteur: str = "agent-7") -> audit.Evenement:
    """L'affichage de l'identité d'un cas par un agent de commune."""
    return audit.Evenement(
        action=audit.Action.CONSULTATION,
        acteur=acteur,
        role="agent_commune",
        cible=audit.Cible(type="cas", id=f"cas-{numero:04d}"),
        motif="instruction du cas",
        requete=f"req-{numero}",
        details={"campagne": "camp-2026-01", "rang": numero},
    )


class Horloge:
    """Une horloge qu'on avance à la main (pour écrire des mois passés)."""

    def __init__(self, depart: datetime) -> None:
        self.instant = depart

    def __call__(self) -> datetime:
        self.instant += timedelta(seconds=1)
        return self.instant


def ecrire_consultations(
    bdd: sa.Engine,
    nombre: int,
    *,
    signataire: audit.Signataire | None = None,
    intervalle: int = 1000,
    horloge: Callable[[], datetime] | None = None,
    debut: int = 1,
) -> None:
    """Écrit ``nombre`` consultations, dans une seule transaction (plus rapide qu'une par entrée)."""
    with bdd.begin() as connexion:
        for numero in range(debut, debut + nombre):
            audit.ecrire(
                connexion,
                consultation(numero),
                signataire=signataire,
                intervalle_points=intervalle,
                horloge=horloge or audit.journal.maintenant,
            )


def verifier(
    bdd: sa.Engine, signataire: audit.Signataire, point_externe: audit.PointDeControle | None = None
) -> audit.Rapport:
    """Vérifie tout le journal avec la clé de ``signataire`` pour seule clé de confiance."""
    with bdd.connect() as connexion:
        return audit.verifier(connexion, cles={signataire.cle_publique}, point_externe=point_externe)


def supprimer_declencheurs(connexion: sa.Connection) -> None:
    """Ce que fait d'abord un attaquant qui a les droits d'écriture sur la base."""
    if connexion.dialect.name == "sqlite":
        noms = connexion.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
        for nom in list(noms):
            connexion.exec_driver_sql(f'DROP TRIGGER "{nom}"')
    else:
        lignes = connexion.exec_driver_sql(
            "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
            "WHERE NOT tgisinternal AND left(relname, 6) = 'audit_' "
            "AND relnamespace = current_schema()::regnamespace"
        ).all()
        for nom, table in lignes:
            connexion.exec_driver_sql(f'DROP TRIGGER "{nom}" ON "{table}"')


def attaquer(bdd: sa.Engine, *instructions: str) -> None:
    """Supprime les déclencheurs puis exécute ``instructions`` en une transaction."""
    with bdd.begin() as connexion:
        supprimer_declencheurs(connexion)
        for instruction in instructions:
            connexion.exec_driver_sql(instruction)


def rechainer(bdd: sa.Engine, a_partir_de: int) -> None:
    """Recalcule les empreintes à partir d'une entrée, comme un attaquant qui réécrit la suite."""
    with bdd.begin() as connexion:
        supprimer_declencheurs(connexion)
        precedente = ORIGINE
        if a_partir_de > 1:
            precedente = connexion.execute(
                sa.select(audit.tables.journal.c.hachage).where(
                    audit.tables.journal.c.sequence == a_partir_de - 1
                )
            ).scalar_one()
        lignes = connexion.execute(
            sa.select(audit.tables.journal)
            .where(audit.tables.journal.c.sequence >= a_partir_de)
            .order_by(audit.tables.journal.c.sequence)
        ).all()
        for ligne in lignes:
            precedente = chainer(precedente, contenu_ligne(ligne))
            connexion.execute(
                sa.update(audit.tables.journal)
                .where(audit.tables.journal.c.sequence == ligne.sequence)
                .values(hachage=precedente)
            )


def contenu_ligne(ligne: Any) -> bytes:
    return contenu_entree(
        sequence=ligne.sequence,
        heure=ligne.heure,
        acteur=ligne.acteur,
        role=ligne.role,
        action=ligne.action,
        cible_type=ligne.cible_type,
        cible_id=ligne.cible_id,
        motif=ligne.motif,
        resultat=ligne.resultat,
        requete=ligne.requete,
        details=json.loads(ligne.details),
    )


def il_y_a_mois(mois: int) -> datetime:
    """Le 2 du mois situé ``mois`` mois avant le mois courant, à midi UTC."""
    aujourd_hui = datetime.now(UTC)
    rang = aujourd_hui.year * 12 + aujourd_hui.month - 1 - mois
    return datetime(rang // 12, rang % 12 + 1, 2, 12, tzinfo=UTC)
