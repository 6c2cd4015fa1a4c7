"""Comparaison de textes sans casse ni accents, pour les en-têtes et les valeurs codées."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

_NON_ALPHANUMERIQUE = re.compile(r"[^0-9a-z]+")


def normaliser(texte: str) -> str:
    """« Nom d'usage Élève » → « nom d usage eleve » : casse, accents et ponctuation ignorés."""
    sans_accents = "".join(c for c in unicodedata.normalize("NFKD", texte) if not unicodedata.combining(c))
    return _NON_ALPHANUMERIQUE.sub(" ", sans_accents.lower()).strip()


def normaliser_expr(expr: pl.Expr) -> pl.Expr:
    """La même normalisation que ``normaliser``, en expression polars (vectorisée)."""
    return (
        expr.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^0-9a-z]+", " ")
        .str.strip_chars()
    )
