"""Fabriques de tables canoniques pour les tests (identités fictives)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from appariement.controles import COLONNES_FAMILLES, COLONNES_INSCRITS


def _table(lignes: list[dict[str, Any]], colonnes: tuple[str, ...]) -> pl.DataFrame:
    schema = {c: (pl.Date if c == "date_naissance" else pl.String) for c in colonnes}
    return pl.DataFrame([{c: ligne.get(c) for c in colonnes} for ligne in lignes], schema=schema)


def familles(*lignes: dict[str, Any]) -> pl.DataFrame:
    return _table(list(lignes), COLONNES_FAMILLES)


def inscrits(*lignes: dict[str, Any]) -> pl.DataFrame:
    return _table(list(lignes), COLONNES_INSCRITS)


def enfant(
    id: str, nom: str | None, prenoms: str | None, naissance: date | None, sexe: str | None, **autres: Any
) -> dict[str, Any]:
    return {"id": id, "nom": nom, "prenoms": prenoms, "date_naissance": naissance, "sexe": sexe, **autres}


def decisions_par_id(resultat_decisions: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {ligne["id_famille"]: ligne for ligne in resultat_decisions.iter_rows(named=True)}
