"""Clé phonétique française des noms et prénoms.

Algorithme propre au projet, dans l'esprit du Soundex français (Soundex2) mais sans troncature :
les graphies qui se prononcent pareil en français donnent la même clé (MOHAMED / MOHAMMED,
YOUCEF / YOUSSEF, AICHA / AISHA, KHADIJA / KHADIDJA, WALID / OUALID, PHILIPPE / FILIPE).
Les règles sont des remplacements de chaînes appliqués colonne par colonne par polars ; l'entrée
est un texte déjà normalisé (majuscules A-Z sans espace, voir ``normalisation``).
"""

from __future__ import annotations

import string

import polars as pl

# Lettres muettes en fin de mot (ROUX / ROU, ARNAUD / ARNAU, LOUIS / LOUI).
_FINALES_MUETTES = r"[DSTXZ]+$"

# Ordre important : les groupes longs avant les courts, les consonnes avant les voyelles.
# Le « x » minuscule marque provisoirement le son CH, pour que la règle C → K ne le touche pas.
_REGLES: tuple[tuple[str, str], ...] = (
    ("PH", "F"),
    ("GH", "G"),
    ("KH", "K"),
    ("TH", "T"),
    ("SCH", "x"),
    ("TCH", "x"),
    ("SH", "x"),
    ("CH", "x"),
    ("DJ", "J"),
    ("X", "KS"),
    ("QU", "K"),
    ("Q", "K"),
    ("CK", "K"),
    ("CE", "SE"),
    ("CI", "SI"),
    ("CY", "SI"),
    ("C", "K"),
    ("GUE", "KE"),
    ("GUI", "KI"),
    ("GE", "JE"),
    ("GI", "JI"),
    ("GY", "JI"),
    ("G", "K"),
    ("W", "OU"),
    ("EAU", "O"),
    ("AU", "O"),
    ("OU", "U"),
    ("AI", "E"),
    ("EI", "E"),
    ("Y", "I"),
    ("H", ""),
    ("Z", "S"),
    ("x", "C"),
)


def expr_phonetique(texte: pl.Expr) -> pl.Expr:
    """Clé phonétique d'une colonne de textes normalisés (null reste null, vide donne vide)."""
    cle = texte.str.replace(_FINALES_MUETTES, "")
    for motif, remplacement in _REGLES:
        cle = cle.str.replace_all(motif, remplacement, literal=True)
    for lettre in string.ascii_uppercase:
        cle = cle.str.replace_all(f"{lettre}{{2,}}", lettre)
    # Un nom fait seulement de lettres muettes (« ST ») garde sa forme plutôt qu'une clé vide.
    return pl.when(cle == "").then(texte).otherwise(cle)


def cle_phonetique(texte: str) -> str:
    """Clé phonétique d'un seul texte normalisé."""
    serie = pl.Series("texte", [texte], dtype=pl.String)
    return str(pl.select(expr_phonetique(pl.lit(serie))).item())
