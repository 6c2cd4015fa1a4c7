"""Fabrique de campagnes de test : listes fictives, archives 7z chiffrées par le vrai 7-Zip.

Les listes passent à 7zz par son entrée standard (``-si``) : même le test n'écrit jamais de
texte clair sur disque, seule l'archive chiffrée y passe le temps de la lire.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import py7zr
import pytest

from chiffrement import PaireTravailleur, generer_paire_travailleur, sceller
from conventions import COLONNES, Convention
from service.travailleur import DemandeTravail, ReglagesTravailleur, SourceTravail, sonder

COMMUNE = "59350"
JOUR = dt.date(2026, 1, 15)
DATE_REFERENCE = dt.date(2026, 1, 15)

# Les colonnes des tables canoniques, d'une seule source : celle des lecteurs.
COLONNES_FAMILLES = tuple(COLONNES["familles"])
COLONNES_INSCRITS = tuple(COLONNES["inscrits"])

_PARTENAIRES = {
    "caf": ("CAF du Nord (fictive)", "pivot-familles", COLONNES_FAMILLES[1:]),
    "msa": ("MSA Nord-Pas-de-Calais (fictive)", "pivot-familles", COLONNES_FAMILLES[1:]),
    "onde": ("DSDEN du Nord (fictive)", "pivot-inscrits", COLONNES_INSCRITS[1:]),
    "siecle": ("Collège fictif", "pivot-inscrits", COLONNES_INSCRITS[1:]),
    "ief": ("DSDEN du Nord (fictive)", "pivot-inscrits", COLONNES_INSCRITS[1:]),
    "cned": ("CNED (fictif)", "pivot-inscrits", COLONNES_INSCRITS[1:]),
    "hors_contrat": ("DSDEN du Nord (fictive)", "pivot-inscrits", COLONNES_INSCRITS[1:]),
    "medico_social": ("ARS (fictive)", "pivot-inscrits", COLONNES_INSCRITS[1:]),
}


@cache
def protections_disponibles() -> frozenset[str]:
    """Les protections que ce noyau permet (rapport de la sonde) : les tests de la chaîne les exigent
    toutes, et tournent aussi sur un noyau qui n'en permet qu'une partie (test_confinement le dit)."""
    rapport = sonder("essais", reglages=ReglagesTravailleur(protections_obligatoires=frozenset()))
    return frozenset(nom for nom, active in rapport.protections.items() if active)


def reglages(**changements: Any) -> ReglagesTravailleur:
    """Réglages des tests : 2 Gio, 60 s, toutes les protections disponibles obligatoires."""
    base = ReglagesTravailleur(
        memoire=2048 * 1024 * 1024, cpu=60, duree=60, protections_obligatoires=protections_disponibles()
    )
    return dataclasses.replace(base, **changements)


def sept_zip() -> str:
    """Le chemin de ``7zz`` ; saute le test avec sa raison s'il manque."""
    chemin = shutil.which("7zz")
    if chemin is None:
        pytest.skip("7zz (paquet Debian 7zip) n'est pas installé")
    return chemin


def convention(source: str, *, identifiant: str | None = None, fin: dt.date = dt.date(2026, 8, 31)) -> str:
    """Une convention fictive au format pivot pour ``source``, sérialisée comme le service la stocke."""
    partenaire, profil, champs = _PARTENAIRES[source]
    return Convention.model_validate(
        {
            "identifiant": identifiant or f"{source}-essai",
            "titre": f"Convention fictive {source}",
            "partenaire": partenaire,
            "source": source,
            "communes": [COMMUNE],
            "date_signature": dt.date(2025, 6, 1),
            "debut": dt.date(2025, 9, 1),
            "fin": fin,
            "signataires": ["Le maire (fictif)"],
            "finalite": "Contrôle de l'obligation d'instruction (essai)",
            "conservation": "Non conservé (essai)",
            "champs_autorises": list(champs),
            "profil": profil,
        }
    ).model_dump_json()


def csv_pivot(table: pl.DataFrame) -> bytes:
    """Une table canonique au format pivot (UTF-8, « ; », dates ISO)."""
    return table.write_csv(separator=";", date_format="%Y-%m-%d").encode()


def archive_7z(contenu: bytes, mot_de_passe: str, *, nom: str = "liste.csv", methode: str = "LZMA2") -> bytes:
    """Une archive 7z chiffrée (AES-256, noms chiffrés) faite par le vrai 7-Zip, contenu passé sur stdin."""
    programme = sept_zip()
    with tempfile.TemporaryDirectory(prefix="cellule-essai-7z-") as dossier:
        chemin = Path(dossier) / "envoi.7z"
        subprocess.run(
            [
                programme,
                "a",
                "-t7z",
                f"-m0={methode}",
                f"-p{mot_de_passe}",
                "-mhe=on",
                f"-si{nom}",
                str(chemin),
            ],
            input=contenu,
            check=True,
            capture_output=True,
        )
        return chemin.read_bytes()


def archive_7z_plusieurs(fichiers: dict[str, bytes], mot_de_passe: str) -> bytes:
    """Une archive 7z chiffrée de plusieurs fichiers, écrite en mémoire par py7zr (noms chiffrés)."""
    tampon = io.BytesIO()
    with py7zr.SevenZipFile(tampon, "w", password=mot_de_passe, header_encryption=True) as archive:
        for nom, contenu in fichiers.items():
            archive.writestr(contenu, nom)
    return tampon.getvalue()


class Campagne:
    """Les sources d'une campagne de test et la paire de clés de son travailleur."""

    def __init__(self) -> None:
        self.paire: PaireTravailleur = generer_paire_travailleur()
        self.sources: list[SourceTravail] = []

    def ajouter(
        self,
        identifiant: str,
        source: str,
        table: pl.DataFrame,
        *,
        mot_de_passe: str = "Cartable-Ardoise-Préau-42",
        convention_json: str | None = None,
        mot_de_passe_scelle: str | None = None,
    ) -> None:
        self.ajouter_archive(
            identifiant,
            archive_7z(csv_pivot(table), mot_de_passe),
            mot_de_passe_scelle or mot_de_passe,
            convention_json or convention(source),
        )

    def ajouter_archive(
        self, identifiant: str, archive: bytes, mot_de_passe: str, convention_json: str
    ) -> None:
        self.sources.append(
            SourceTravail(
                identifiant=identifiant,
                archive=archive,
                mot_de_passe_scelle=sceller(mot_de_passe.encode(), self.paire.cle_publique),
                convention=convention_json,
            )
        )

    def demande(self) -> DemandeTravail:
        return DemandeTravail(
            commune=COMMUNE,
            date_reference=DATE_REFERENCE,
            sources=list(self.sources),
            cle_privee=self.paire.cle_privee,
            jour=JOUR,
        )


def familles(*lignes: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(
        [{c: ligne.get(c) for c in COLONNES_FAMILLES} for ligne in lignes],
        schema={c: (pl.Date if c == "date_naissance" else pl.Utf8) for c in COLONNES_FAMILLES},
    )


def inscrits(*lignes: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(
        [{c: ligne.get(c) for c in COLONNES_INSCRITS} for ligne in lignes],
        schema={c: (pl.Date if c == "date_naissance" else pl.Utf8) for c in COLONNES_INSCRITS},
    )
