"""Moteur d'appariement : tables canoniques en entrée, décisions expliquées en sortie."""

from appariement.apprentissage import Retour, RetourInvalide
from appariement.modele import Modele, ModeleInvalide, modele_par_defaut
from appariement.moteur import (
    STATUTS,
    DonneesInvalides,
    Reglages,
    Resultat,
    apparier,
    comparer_fiches,
    comparer_lots_de_fiches,
)

__all__ = [
    "STATUTS",
    "DonneesInvalides",
    "Modele",
    "ModeleInvalide",
    "Reglages",
    "Resultat",
    "Retour",
    "RetourInvalide",
    "apparier",
    "comparer_fiches",
    "comparer_lots_de_fiches",
    "modele_par_defaut",
]
