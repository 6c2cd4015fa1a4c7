"""Clé phonétique française des noms et prénoms.

Algorithme propre au projet, dans l'esprit du Soundex français (Soundex2) mais sans troncature :
les graphies qui se prononcent pareil en français donnent la même clé (MOHAMED / MOHAMMED,
YOUCEF / YOUSSEF, AICHA / AISHA, KHADIJA / KHADIDJA, WALID / OUALID, PHILIPPE / FILIPE).
Les règles sont des remplacements de chaînes ; l'entrée est un texte déjà normalisé (majuscules
A-Z sans espace, voir ``normalisation``). Elles s'appliquent à toute une colonne à la fois, en
expressions polars.
"""

from __future__ import annotations

import string

import polars as pl

# Lettres muettes en fin de mot (ROUX / ROU, ARNAUD / ARNAU, LOUIS / LOUI).
_FINALES_MUETTES = r"[DSTXZ]+$"
# L muet de -AULT (ARNAULT / ARNAUD, PERRAULT / PERRAUD).
_AULT = r"AULT$"

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


def expr_phonetique(texte: pl.Expr) -> pl.Expr:
    """Clé phonétique d'une colonne de textes normalisés (null reste null)."""
    cle = texte.str.replace(_AULT, "AU").str.replace(_FINALES_MUETTES, "")
    for motif, remplacement in _REGLES:
        cle = cle.str.replace_all(motif, remplacement, literal=True)
    # Lettres doublées réduites à une seule, lettre par lettre (les règles ne laissent que A-Z).
    for lettre in string.ascii_uppercase:
        cle = cle.str.replace_all(f"{lettre}{lettre}+", lettre)
    # Un nom fait seulement de lettres muettes (« ST ») garde sa forme plutôt qu'une clé vide.
    # ``cle`` ne paraît qu'une fois : répétée, toute la chaîne de remplacements serait recalculée.
    return cle.replace("", None).fill_null(texte)


def phonetique(textes: pl.Series) -> pl.Series:
    """Clés phonétiques d'une série de textes normalisés (null reste null).

    Chaque valeur distincte n'est calculée qu'une fois : les mêmes noms reviennent souvent.
    """
    valeurs = pl.DataFrame({"t": textes.drop_nulls().unique()})
    cles = valeurs.with_columns(expr_phonetique(pl.col("t")).alias("cle"))
    return (
        textes.to_frame("t").join(cles, on="t", how="left", maintain_order="left")["cle"].alias(textes.name)
    )


def cle_phonetique(texte: str) -> str:
    """Clé phonétique d'un texte normalisé."""
    cle: str = phonetique(pl.Series([texte], dtype=pl.String)).item()
    return cle
