"""Fichiers de partenaires fictifs pour les bancs : le générateur du projet, mis en forme comme les exports.

Les identités viennent de ``fictif.generer`` ; ``fictif.fichiers`` les écrit comme la CAF, ONDE et
SIECLE, exactement comme pour la démonstration.
"""

from __future__ import annotations

from datetime import date

from fictif import JeuSynthetique, generer
from fictif import fichiers as fichiers_fictifs

DATE_REFERENCE = date(2025, 10, 1)


def jeu(nb_enfants: int, graine: int) -> JeuSynthetique:
    return generer(nb_enfants, graine=graine, date_reference=DATE_REFERENCE)


def csv_caf(lignes: int, *, graine: int = 1, part_abimee: float = 0.0) -> bytes:
    return fichiers_fictifs.csv_caf(jeu(lignes, graine).familles, part_abimee=part_abimee)


def csv_onde(lignes: int, *, graine: int = 2) -> bytes:
    return fichiers_fictifs.csv_onde(jeu(lignes, graine).inscrits)


def xml_siecle(eleves: int, *, graine: int = 3) -> bytes:
    return fichiers_fictifs.xml_siecle(jeu(eleves, graine).inscrits)
