"""Clé phonétique française des noms et prénoms.

Algorithme propre au projet, dans l'esprit du Soundex français (Soundex2) mais sans troncature :
les graphies qui se prononcent pareil en français donnent la même clé (MOHAMED / MOHAMMED,
YOUCEF / YOUSSEF, AICHA / AISHA, KHADIJA / KHADIDJA, WALID / OUALID, PHILIPPE / FILIPE).
Les règles sont des remplacements de chaînes ; l'entrée est un texte déjà normalisé (majuscules
A-Z sans espace, voir ``normalisation``). Le moteur ne l'appelle qu'une fois par valeur distincte.
"""

from __future__ import annotations

import re

import polars as pl

# Lettres muettes en fin de mot (ROUX / ROU, ARNAUD / ARNAU, LOUIS / LOUI).
_FINALES_MUETTES = re.compile(r"[DSTXZ]+$")
# L muet de -AULT (ARNAULT / ARNAUD, PERRAULT / PERRAUD).
_AULT = re.compile(r"AULT$")
_DOUBLES = re.compile(r"(.)\1+")

# Ordre important : les groupes longs avant les courts, les consonnes avant les voyelles.
# Le « x » minuscule marque provisoirement le son CH, pour que la règle C → K ne le touche pas.
_REGLES: tuple[tuple[str, str], ...] = (
    ("PH", "F"),
    ("GH", "G"),
    ("KH", "K"),
    ("TH", "T"),
    ("CHR", "KR"),
    ("CHL", "KL"),
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
    ("Y", "I"),
    ("EAU", "O"),
    ("AU", "O"),
    ("OU", "U"),
    ("AI", "E"),
    ("EI", "E"),
    ("H", ""),
    ("Z", "S"),
    ("x", "C"),
)


def cle_phonetique(texte: str) -> str:
    """Clé phonétique d'un texte normalisé."""
    cle = _FINALES_MUETTES.sub("", _AULT.sub("AU", texte))
    for motif, remplacement in _REGLES:
        cle = cle.replace(motif, remplacement)
    cle = _DOUBLES.sub(r"\1", cle)
    # Un nom fait seulement de lettres muettes (« ST ») garde sa forme plutôt qu'une clé vide.
    return cle or texte


def phonetique(textes: pl.Series, memo: dict[str, str]) -> pl.Series:
    """Clés phonétiques d'une colonne de textes normalisés (null reste null).

    ``memo`` garde les clés déjà calculées pendant un appariement : les mêmes noms reviennent
    d'une colonne à l'autre. L'appelant le jette ensuite (il contient des noms).
    """
    cles: list[str | None] = []
    for texte in textes.to_list():
        if texte is None:
            cles.append(None)
            continue
        cle = memo.get(texte)
        if cle is None:
            cle = memo[texte] = cle_phonetique(texte)
        cles.append(cle)
    return pl.Series(textes.name, cles, dtype=pl.String)
