"""Les événements de cas sous la forme qu'attendent les indicateurs : aucune donnée personnelle."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlmodel import col

from service.modeles import EvenementCas

SCHEMA = {"cas": pl.Utf8, "commune": pl.Utf8, "date": pl.Date, "etape": pl.Utf8, "motif": pl.Utf8}


def evenements_indicateurs(connexion: sa.Connection, communes: list[str] | None = None) -> pl.DataFrame:
    """Une ligne par étape atteinte : cas, commune, date, étape (statut atteint), motif.

    La date est celle que l'utilisateur a saisie quand l'action en porte une (notification de la
    mise en demeure, rescolarisation…), sinon le jour UTC de l'enregistrement.
    """
    requete = sa.select(
        col(EvenementCas.cas_id),
        col(EvenementCas.commune),
        col(EvenementCas.date_effet),
        col(EvenementCas.survenu_le),
        col(EvenementCas.vers_statut),
        col(EvenementCas.motif),
    ).order_by(col(EvenementCas.id))
    if communes is not None:
        requete = requete.where(col(EvenementCas.commune).in_(communes))
    lignes = connexion.execute(requete).all()
    return pl.DataFrame(
        {
            "cas": [ligne.cas_id for ligne in lignes],
            "commune": [ligne.commune for ligne in lignes],
            "date": [ligne.date_effet or ligne.survenu_le.date() for ligne in lignes],
            "etape": [ligne.vers_statut for ligne in lignes],
            "motif": [ligne.motif for ligne in lignes],
        },
        schema=SCHEMA,
    )
