"""Lecture du journal pour le DPO : filtres, pagination, export CSV.

L'export CSV est en UTF-8 avec BOM et « ; » (ouverture directe dans un tableur français) ; toute
cellule qui commencerait par un caractère de formule (= + - @ tabulation, retour) est préfixée
d'une apostrophe pour qu'un tableur ne l'exécute jamais.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from audit.canonique import horodater, lire_heure
from audit.evenement import Action, Cible, Entree
from audit.tables import journal

PAR_PAGE_MAX = 1000
COLONNES_CSV = (
    "sequence",
    "heure",
    "acteur",
    "role",
    "action",
    "resultat",
    "cible_type",
    "cible_id",
    "motif",
    "requete",
    "details",
    "hachage",
)
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
_LOT_CSV = 2000


@dataclass(frozen=True)
class Filtre:
    """Critères de lecture ; tous facultatifs. La période est [debut, fin[ en UTC."""

    debut: datetime | None = None
    fin: datetime | None = None
    acteur: str | None = None
    action: Action | str | None = None
    cible_type: str | None = None
    cible_id: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """Les clauses SQL correspondantes."""
        conditions: list[sa.ColumnElement[bool]] = []
        if self.debut is not None:
            conditions.append(journal.c.heure >= horodater(self.debut))
        if self.fin is not None:
            conditions.append(journal.c.heure < horodater(self.fin))
        if self.acteur is not None:
            conditions.append(journal.c.acteur == self.acteur)
        if self.action is not None:
            conditions.append(journal.c.action == str(self.action))
        if self.cible_type is not None:
            conditions.append(journal.c.cible_type == self.cible_type)
        if self.cible_id is not None:
            conditions.append(journal.c.cible_id == self.cible_id)
        return conditions


@dataclass(frozen=True)
class Page:
    """Une page de résultats, de la plus récente à la plus ancienne entrée."""

    entrees: list[Entree]
    total: int
    page: int
    par_page: int


def _entree(ligne: sa.Row[Any]) -> Entree:
    cible = None
    if ligne.cible_type is not None and ligne.cible_id is not None:
        cible = Cible.model_construct(type=ligne.cible_type, id=ligne.cible_id)
    return Entree(
        sequence=ligne.sequence,
        heure=lire_heure(ligne.heure),
        acteur=ligne.acteur,
        role=ligne.role,
        action=ligne.action,
        resultat=ligne.resultat,
        cible=cible,
        motif=ligne.motif,
        requete=ligne.requete,
        details=json.loads(ligne.details),
        hachage=ligne.hachage,
    )


def lire(
    connexion: sa.Connection, filtre: Filtre | None = None, *, page: int = 1, par_page: int = 100
) -> Page:
    """Les entrées qui répondent au filtre, les plus récentes d'abord, page par page (à partir de 1)."""
    if page < 1 or not 1 <= par_page <= PAR_PAGE_MAX:
        raise ValueError(f"Pagination invalide : page ≥ 1 et 1 ≤ par_page ≤ {PAR_PAGE_MAX}.")
    conditions = (filtre or Filtre()).conditions()
    total = connexion.execute(sa.select(sa.func.count()).select_from(journal).where(*conditions)).scalar_one()
    lignes = connexion.execute(
        sa.select(journal)
        .where(*conditions)
        .order_by(journal.c.sequence.desc())
        .limit(par_page)
        .offset((page - 1) * par_page)
    ).all()
    return Page([_entree(ligne) for ligne in lignes], int(total), page, par_page)


def proteger_cellule(valeur: str) -> str:
    """Neutralise une cellule qu'un tableur prendrait pour une formule."""
    return "'" + valeur if valeur.startswith(_DEBUTS_DE_FORMULE) else valeur


def exporter_csv(connexion: sa.Connection, filtre: Filtre | None = None) -> Iterator[bytes]:
    """L'export CSV (UTF-8 avec BOM, « ; »), par morceaux, dans l'ordre chronologique."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(COLONNES_CSV)
    yield "\ufeff".encode() + tampon.getvalue().encode("utf-8")
    requete = sa.select(*(journal.c[nom] for nom in COLONNES_CSV)).where(*(filtre or Filtre()).conditions())
    resultat = connexion.execute(
        requete.order_by(journal.c.sequence),
        execution_options={"stream_results": True, "yield_per": _LOT_CSV},
    )
    for lot in resultat.partitions():
        tampon.seek(0)
        tampon.truncate()
        for ligne in lot:
            ecrivain.writerow(["" if valeur is None else proteger_cellule(str(valeur)) for valeur in ligne])
        yield tampon.getvalue().encode("utf-8")
