"""Ce que les lecteurs de format (CSV, SIECLE) extraient avant la mise en forme canonique."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from conventions.erreurs import FichierRefuse

LIGNE = "_ligne"

FICHIER_VIDE = "Le fichier est vide. Vérifiez l'export chez le partenaire puis déposez le bon fichier."

_ARCHIVE_7Z = "une archive 7-Zip : extrayez-en le fichier avant de le vérifier"
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (
        b"PK\x03\x04",
        "une archive ZIP ou un classeur Excel (.xlsx) : extrayez le fichier, ou "
        "enregistrez la feuille au format CSV (séparateur point-virgule)",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "un ancien classeur Excel (.xls) : enregistrez la feuille au format CSV (séparateur point-virgule)",
    ),
    (b"%PDF", "un document PDF : demandez au partenaire l'export CSV ou XML prévu par la convention"),
    (b"\x1f\x8b", "une archive gzip : extrayez-en le fichier avant de le vérifier"),
)


@dataclass
class Brut:
    """Les cellules lues, en texte, avant toute interprétation.

    ``donnees`` a une colonne ``c<i>`` par en-tête ``entetes[i]`` et la colonne ``_ligne``.
    ``anomalies`` : conditions (expressions sur ``donnees``) qui rejettent une ligne, avec champ et motif.
    ``fixes`` : colonnes canoniques de valeur unique pour tout le fichier (l'UAI d'un export SIECLE).
    ``non_extraites`` : en-têtes présents dans le fichier dont rien n'a été extrait (SIECLE : éléments
    hors du profil) ; leurs noms seulement, pour les classer comme les autres en-têtes.
    """

    donnees: pl.DataFrame
    entetes: list[str]
    anomalies: list[tuple[pl.Expr, str, str]] = field(default_factory=list)
    fixes: dict[str, str] = field(default_factory=dict)
    sortis: int = 0
    non_extraites: list[str] = field(default_factory=list)


def colonne(position: int) -> str:
    """Nom interne de la colonne à la position donnée."""
    return f"c{position}"


def refuser_si_vide_ou_binaire(octets: bytes, attendu: str) -> None:
    """Refuse un fichier vide ou d'un type reconnaissable qui n'est pas ``attendu``."""
    if not octets or octets.isspace():
        raise FichierRefuse(FICHIER_VIDE)
    # La signature 7z est celle de ``chiffrement``, importé seulement ici : ``cellule apparier``,
    # qui lit des fichiers en clair, démarre sans charger py7zr ni cryptography.
    from chiffrement import SIGNATURE_7Z

    for signature, nature in ((SIGNATURE_7Z, _ARCHIVE_7Z), *_SIGNATURES):
        if octets.startswith(signature):
            raise FichierRefuse(f"Ce fichier n'est pas un {attendu} mais {nature}.")
