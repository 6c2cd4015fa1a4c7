"""Notation des paires : niveaux d'accord (noms et prénoms échangés compris), puis score de
Fellegi–Sunter, poids log2(m/u) ajustés à la fréquence des noms et prénoms et aux homonymes complets."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from appariement.comparaisons import CHAMPS, comparer, niveau
from appariement.modele import Modele
from appariement.normalisation import Contexte, preparer
from appariement.reglages import Reglages


def comparer_paires(
    f: pl.DataFrame, i: pl.DataFrame, inscrits: pl.DataFrame, index: pl.DataFrame, contexte: Contexte
) -> pl.DataFrame:
    """Niveaux d'accord des paires ``index`` (voir ``comparaisons.comparer``).

    Un nom et un prénom échangés y comptent chacun « proche ». Ces paires-là sont comparées une
    seconde fois, la fiche remise à l'endroit (``inscrits`` : la table canonique de ``i``) : un
    échange net (GABRIEL MARTIN / MARTIN Gabriel) donne alors deux accords exacts, un échange avec
    une faute, ce que donnerait la faute seule. On garde le meilleur des deux."""
    niveaux = comparer(f, i, index)
    lignes = niveaux["inversion"].arg_true()
    if lignes.len() == 0:
        return niveaux
    # Chaque fiche n'est remise à l'endroit qu'une fois, même présente dans plusieurs de ces paires.
    fiches = index["ii"].gather(lignes)
    distinctes = fiches.unique()
    remises = preparer(
        inscrits[distinctes].with_columns(pl.col("prenoms").alias("nom"), pl.col("nom").alias("prenoms")),
        inscrits=True,
        contexte=contexte,
    )
    rang = pl.DataFrame({"ii": distinctes, "rang": remises["idx"]})
    sous_index = (
        pl.DataFrame({"fi": index["fi"].gather(lignes), "ii": fiches})
        .join(rang, on="ii", how="left", maintain_order="left")
        .select("fi", pl.col("rang").alias("ii"))
    )
    refaits = comparer(f, remises, sous_index)
    return niveaux.with_columns(
        niveaux[champ].scatter(
            lignes, pl.select(pl.min_horizontal(niveaux[champ].gather(lignes), refaits[champ])).to_series()
        )
        for champ in ("nom", "prenom")
    )


def _paires_au_hasard(nb_familles: int, nb_inscrits: int, nombre: int, graine: int) -> pl.DataFrame:
    generateur = np.random.default_rng(graine)
    return pl.DataFrame(
        {
            "fi": generateur.integers(0, nb_familles, nombre, dtype=np.uint32),
            "ii": generateur.integers(0, nb_inscrits, nombre, dtype=np.uint32),
        }
    )


def niveaux_au_hasard(
    f: pl.DataFrame, i: pl.DataFrame, inscrits: pl.DataFrame, contexte: Contexte, reglages: Reglages
) -> pl.DataFrame:
    """Niveaux d'accord de paires tirées au hasard : presque toutes de deux personnes différentes."""
    index = _paires_au_hasard(f.height, i.height, reglages.paires_hasard, reglages.graine)
    return comparer_paires(f, i, inscrits, index, contexte)


def _ajustement_frequence(
    familles: pl.DataFrame, inscrits: pl.DataFrame, colonne: str, u_exact: float, limite: float
) -> pl.Expr:
    """Bonus (malus) en bits pour un accord exact sur une valeur rare (courante) : log2(u / fréquence).

    La fréquence parmi les inscrits de la valeur de l'enfant est cherchée une fois par enfant, puis
    lue par ``fi`` pour chaque paire."""
    frequences = (
        inscrits.select(pl.col(colonne).alias("_valeur"))
        .drop_nulls()
        .group_by("_valeur")
        .len()
        .with_columns((pl.col("len") / inscrits.height).alias("_freq"))
    )
    freq = familles.select(pl.col(colonne).alias("_valeur")).join(
        frequences, on="_valeur", how="left", maintain_order="left"
    )["_freq"]
    plancher = 1.0 / max(inscrits.height, 1)
    return (
        (pl.lit(u_exact) / pl.lit(freq).gather(pl.col("fi")).fill_null(plancher).clip(lower_bound=plancher))
        .log(2)
        .clip(-limite, limite)
    )


def _correction_homonymes(inscrits: pl.DataFrame, limite: float) -> pl.Expr:
    """Malus en bits pour un couple (nom, prénom) plus porté que ne le disent ses deux fréquences.

    Les deux ajustements de fréquence supposent le nom et le prénom indépendants ; or certains
    prénoms vont avec certains noms (TRAORE et MAMADOU, RODRIGUES et NUNO), et les homonymes
    complets sont alors bien plus nombreux. Malus : log2(c / (e + 1)), où c compte les inscrits qui
    portent le couple de la fiche et e ce qu'en prédiraient les deux fréquences ; jamais de bonus.
    Le couple est lu sur la fiche : pour un nom composé réduit à une partie (DA SILVA DA SILVA /
    DA SILVA), ce sont les homonymes de la fiche qui pourraient la disputer à l'enfant.
    """
    portes = inscrits.select("nom_cs", "prenom1").drop_nulls()
    total = max(inscrits.height, 1)
    couples = (
        portes.group_by("nom_cs", "prenom1")
        .len("c")
        .join(portes.group_by("nom_cs").len("c_nom"), on="nom_cs")
        .join(portes.group_by("prenom1").len("c_prenom"), on="prenom1")
        .select(
            "nom_cs",
            "prenom1",
            (pl.col("c") / (pl.col("c_nom").cast(pl.Float64) * pl.col("c_prenom") / total + 1))
            .log(2)
            .clip(0.0, limite)
            .alias("_malus"),
        )
    )
    # Cherché une fois par fiche, lu par ``ii`` pour chaque paire.
    malus = inscrits.select("nom_cs", "prenom1").join(
        couples, on=["nom_cs", "prenom1"], how="left", maintain_order="left"
    )["_malus"]
    return -pl.lit(malus).gather(pl.col("ii")).fill_null(0.0)


CHAMPS_AJUSTES: dict[str, str] = {"nom": "nom_cs", "prenom": "prenom1"}
"""Champs dont le poids d'un accord exact s'ajuste à la fréquence de la valeur (colonne lue)."""


def noter(
    niveaux: pl.DataFrame, familles: pl.DataFrame, inscrits: pl.DataFrame, modele: Modele, reglages: Reglages
) -> pl.DataFrame:
    """Poids de chaque champ (null si manquant) et score total de chaque paire (``niveaux`` porte
    les rangs ``fi`` et ``ii`` de l'enfant et de la fiche)."""
    # A priori à l'échelle de l'enfant : inscrit quelque part (part_inscrits) contre absent, et
    # alors une fiche quelconque parmi toutes celles des listes ressemblerait par hasard.
    a_priori = math.log2(reglages.part_inscrits / (1 - reglages.part_inscrits)) - math.log2(
        max(inscrits.height, 1)
    )
    poids = []
    for champ in CHAMPS:
        table = modele.champs[champ].poids()
        poids_niveau = pl.col(champ).replace_strict(list(range(len(table))), table, return_dtype=pl.Float64)
        poids.append(poids_niveau.alias(f"poids_{champ}"))
    resultat = niveaux.with_columns(poids)
    for champ, colonne in CHAMPS_AJUSTES.items():
        bonus = _ajustement_frequence(
            familles, inscrits, colonne, modele.champs[champ].u[0], reglages.ajustement_frequence_max
        )
        # Même pour un nom très courant, l'accord exact pèse plus que tout accord approché.
        plancher = max(modele.champs[champ].poids()[niveau(champ, "exact") + 1 :]) + 0.5
        resultat = resultat.with_columns(
            pl.when(pl.col(champ) == niveau(champ, "exact"))
            .then((pl.col(f"poids_{champ}") + bonus).clip(lower_bound=plancher))
            .otherwise(pl.col(f"poids_{champ}"))
            .alias(f"poids_{champ}")
        )
    # Nom et prénom retrouvés tous deux : corrigés de leur dépendance (homonymes complets).
    nom_prenom = (pl.col("nom") <= niveau("nom", "compose")) & (
        pl.col("prenom") <= niveau("prenom", "premier_commun")
    )
    resultat = resultat.with_columns(
        pl.when(nom_prenom)
        .then(pl.col("poids_prenom") + _correction_homonymes(inscrits, reglages.ajustement_frequence_max))
        .otherwise(pl.col("poids_prenom"))
        .alias("poids_prenom")
    )
    return resultat.with_columns(
        (pl.lit(a_priori) + pl.sum_horizontal([pl.col(f"poids_{c}").fill_null(0.0) for c in CHAMPS])).alias(
            "score"
        ),
        pl.lit(a_priori).alias("a_priori"),
    )
