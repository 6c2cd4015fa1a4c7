"""Contrôle des tables d'entrée : colonnes indispensables présentes, les autres ajoutées vides, types."""

from __future__ import annotations

import polars as pl

from conventions.profil import COLONNES, INDISPENSABLES

COLONNES_FAMILLES: tuple[str, ...] = tuple(COLONNES["familles"])
COLONNES_INSCRITS: tuple[str, ...] = tuple(COLONNES["inscrits"])


class DonneesInvalides(ValueError):
    """Une table d'entrée n'a pas les colonnes attendues."""


def completer(table: pl.DataFrame, colonnes: tuple[str, ...], nom_table: str) -> pl.DataFrame:
    manquantes = [c for c in INDISPENSABLES if c not in table.columns]
    if manquantes:
        raise DonneesInvalides(
            f"table {nom_table} : colonnes obligatoires absentes : {', '.join(manquantes)}"
        )
    ajouts = [pl.lit(None, dtype=pl.String).alias(c) for c in colonnes if c not in table.columns]
    table = table.with_columns(ajouts) if ajouts else table
    texte = [c for c in colonnes if c != "date_naissance" and table.schema[c] != pl.String]
    table = table.with_columns([pl.col(c).cast(pl.String) for c in texte]) if texte else table
    if table.schema["date_naissance"] != pl.Date:
        raise DonneesInvalides(f"table {nom_table} : la colonne date_naissance doit être de type Date")
    return table
