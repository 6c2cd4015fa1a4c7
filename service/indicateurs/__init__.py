"""Indicateurs mensuels de la cellule, calculés à partir des événements de cas, et leurs exports."""

from service.indicateurs.calcul import INDICATEURS, Commune, Indicateur, Mois, MoisInvalide, Tableau, calculer
from service.indicateurs.export import FORMATS, TYPES_MIME, exporter, vers_json

__all__ = [
    "FORMATS",
    "INDICATEURS",
    "TYPES_MIME",
    "Commune",
    "Indicateur",
    "Mois",
    "MoisInvalide",
    "Tableau",
    "calculer",
    "exporter",
    "vers_json",
]
