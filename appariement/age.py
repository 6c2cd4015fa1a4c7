"""Qui est soumis à l'obligation d'instruction (Code de l'éducation, L131-1 et L131-5).

Un enfant est soumis à partir de la rentrée (1er septembre) de l'année civile de ses 3 ans et
jusqu'à la veille de ses 16 ans. C'est la seule fonction du projet qui en décide.
"""

from __future__ import annotations

from datetime import date

MOIS_RENTREE = 9


def _anniversaire(date_naissance: date, age: int) -> date:
    annee = date_naissance.year + age
    try:
        return date_naissance.replace(year=annee)
    except ValueError:
        # Né un 29 février : l'anniversaire tombe le 1er mars les années non bissextiles.
        return date(annee, 3, 1)


def debut_obligation(date_naissance: date) -> date:
    """Rentrée de l'année civile des 3 ans."""
    return date(date_naissance.year + 3, MOIS_RENTREE, 1)


def fin_obligation(date_naissance: date) -> date:
    """Jour des 16 ans : l'enfant n'est plus soumis à partir de ce jour-là."""
    return _anniversaire(date_naissance, 16)


def est_soumis(date_naissance: date, jour: date) -> bool:
    """Vrai si l'enfant né le ``date_naissance`` est soumis à l'obligation d'instruction le ``jour``."""
    return debut_obligation(date_naissance) <= jour < fin_obligation(date_naissance)


def fin_annee_scolaire(jour: date) -> date:
    """Le 31 août qui clôt l'année scolaire en cours le ``jour`` (elle commence à la rentrée)."""
    return date(jour.year + 1 if jour.month >= MOIS_RENTREE else jour.year, 8, 31)


def fin_de_cohorte(cohorte: int) -> date:
    """Le 31 août qui clôt la conservation d'une cohorte (son année) ; la purge suivante la détruit."""
    return date(cohorte, 8, 31)


def annee_fin_conservation(date_naissance: date) -> int:
    """Année A telle que le 31 août A clôt l'année scolaire au cours de laquelle l'enfant a 16 ans.

    C'est la règle de conservation (R131-10-x) : la seule fonction du projet qui la calcule.
    """
    return fin_annee_scolaire(fin_obligation(date_naissance)).year
