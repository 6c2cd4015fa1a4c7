"""Générateur de jeux d'essai synthétiques avec vérité terrain, pour régler et mesurer l'appariement.

Les identités sont entièrement fictives : noms et prénoms tirés des listes de ``fictif.listes``, avec
des poids qui imitent les fréquences réelles (quelques noms très courants, une longue traîne), adresses
dans des communes inventées (codes postaux en 99xxx, qui n'existent pas), établissements en 099.
Le jeu reproduit les difficultés réelles : fratries et jumeaux à la même adresse, enfants absents de
toute liste, élèves absents de la liste CAF, instruction déclarée, et les écarts de saisie entre la
CAF et l'école (accents, particules, noms composés, translittérations, fautes de frappe, dates).

Module pur : ni entrée-sortie ni journal. Même graine, mêmes paramètres : même jeu.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from fictif.ecarts import ecarter
from fictif.ecritures import rendre
from fictif.foyers import situation, tirer_population
from fictif.listes import MODES_DECLARES
from fictif.taux import Taux

__all__ = ["JeuSynthetique", "Taux", "generer"]


@dataclass(frozen=True)
class JeuSynthetique:
    """Tables canoniques familles et inscrits, et la vérité attendue pour chaque ligne de familles.

    ``verite`` : id_famille, id_inscrit (la ligne d'inscrits qui est vraiment cet enfant, null s'il
    n'est sur aucune liste), statut attendu (apparie, instruction_declaree, non_apparie,
    hors_obligation — d'après la vraie date de naissance), jumeau (bool), ecarts (types d'écart
    introduits entre la CAF et l'école, séparés par des virgules, null si aucun).
    """

    familles: pl.DataFrame
    inscrits: pl.DataFrame
    verite: pl.DataFrame


def _hors_caf(
    rng: np.random.Generator, nb: int, jour: date, premier_foyer: int, premier_enfant: int, taux: Taux
) -> pl.DataFrame:
    """Élèves dont la famille n'est pas sur la liste CAF (autre commune, pas d'allocation…)."""
    taille = int(nb * 1.4) + 20
    while True:
        pop = situation(
            tirer_population(rng, taille, jour, premier_foyer, premier_enfant, taux), jour, taux, rng
        )
        eleves = pop.filter(pl.col("ecole") | pl.col("declare"))
        if eleves.height >= nb:
            return eleves.head(nb)
        taille *= 2


def _identifiants(prefixe: str, n: int) -> pl.Expr:
    largeur = max(7, len(str(n)))
    return pl.concat_str([pl.lit(prefixe), pl.int_range(1, n + 1).cast(pl.Utf8).str.zfill(largeur)])


def generer(
    nb_enfants: int,
    *,
    graine: int = 0,
    date_reference: date,
    taux: Taux | None = None,
    saisie: int = 0,
    date_population: date | None = None,
) -> JeuSynthetique:
    """Un jeu de ``nb_enfants`` enfants sur la liste CAF, avec les registres scolaires et la vérité.

    Les registres contiennent les enfants scolarisés ou en instruction déclarée, plus
    ``taux.hors_caf`` d'élèves absents de la liste CAF ; ``taux.absents`` des enfants soumis ne
    sont sur aucune liste. ``saisie`` > 0 et ``date_population`` : la population tirée à
    ``date_population`` (la même pour une même graine), vue à ``date_reference`` avec d'autres
    écritures et d'autres erreurs de saisie (une campagne suivante de la même commune).
    """
    if nb_enfants < 1:
        raise ValueError("Le nombre d'enfants doit être au moins 1.")
    taux = taux or Taux()
    population = date_population or date_reference
    rng = np.random.default_rng(graine)
    caf = situation(tirer_population(rng, nb_enfants, population, 0, 0, taux), date_reference, taux, rng)
    nb_eleves_caf = int(caf.select((pl.col("ecole") | pl.col("declare")).sum()).item())
    nb_hors_caf = round(nb_eleves_caf * taux.hors_caf / (1 - taux.hors_caf))
    premier_foyer = int(caf["foyer"].max()) + 1  # type: ignore[arg-type]
    autres = _hors_caf(rng, nb_hors_caf, population, premier_foyer, nb_enfants, taux)
    tous = pl.concat(
        [caf.with_columns(pl.lit(True).alias("sur_caf")), autres.with_columns(pl.lit(False).alias("sur_caf"))]
    )
    if saisie:
        # Même population, autres écritures et autres erreurs : une autre campagne de la même commune.
        rng = np.random.default_rng([graine, saisie])
    tous = ecarter(rendre(tous, rng), date_reference, taux, rng, graine + 1_000_003 * saisie)
    return _assembler(tous, date_reference, rng)


def _assembler(tous: pl.DataFrame, jour: date, rng: np.random.Generator) -> JeuSynthetique:
    n = tous.height
    reference = np.datetime64(jour, "D").astype(np.int64)
    age = (reference - tous["naissance"].to_numpy()) / 365.25
    niveau = np.digitize(age, [6, 11, 15])
    numero_uai = tous["adr_commune"].to_numpy() * 100 + niveau * 20 + rng.integers(0, 20, n)
    lettres = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    tous = tous.with_columns(
        pl.Series("age", age),
        (
            pl.lit("099")
            + pl.Series(numero_uai).cast(pl.Utf8).str.zfill(4)
            + pl.Series(lettres[numero_uai % 23]).cast(pl.Utf8)
        ).alias("uai_ecole"),
        (
            pl.Series(rng.integers(0, 10**10, n)).cast(pl.Utf8).str.zfill(10)
            + pl.Series(lettres[rng.integers(0, 23, n)]).cast(pl.Utf8)
        ).alias("ine_tire"),
        pl.Series("mode_declare", rng.choice(MODES_DECLARES, size=n, p=[0.45, 0.25, 0.2, 0.1])),
        pl.Series("u_adresse_eco", rng.random(n)),
    )
    familles = tous.filter(pl.col("sur_caf"))
    familles = familles.with_columns(_identifiants("F", familles.height).alias("id"))
    # Les registres arrivent dans un ordre sans rapport avec la liste CAF.
    eleves = tous.filter(pl.col("ecole") | pl.col("declare")).select(
        "enfant", "declare", "age", "mode_declare", "u_adresse_eco", "ine_tire", "uai_ecole",
        pl.col("^eco_.*$"),
    )  # fmt: skip
    eleves = eleves[rng.permutation(eleves.height)].with_columns(
        _identifiants("I", eleves.height).alias("id")
    )
    mode = pl.when(pl.col("declare")).then(pl.col("mode_declare")).otherwise(pl.lit("ecole"))
    # ONDE donne souvent l'adresse, SIECLE plus rarement ; les listes déclarées toujours.
    avec_adresse = pl.col("declare") | (
        pl.col("u_adresse_eco") < pl.when(pl.col("age") < 11).then(0.85).otherwise(0.4)
    )
    inscrits = eleves.select(
        "id",
        pl.col("eco_nom").alias("nom"),
        pl.col("eco_nom_usage").alias("nom_usage"),
        pl.col("eco_prenoms").alias("prenoms"),
        pl.col("eco_naissance").cast(pl.Date).alias("date_naissance"),
        pl.col("eco_sexe").alias("sexe"),
        pl.when(mode == "ief").then(None).otherwise(pl.col("ine_tire")).alias("ine"),
        pl.when(mode.is_in(["ief", "cned"])).then(None).otherwise(pl.col("uai_ecole")).alias("uai"),
        pl.when(avec_adresse).then(pl.col("eco_adresse")).alias("adresse"),
        pl.when(avec_adresse).then(pl.col("eco_code_postal")).alias("code_postal"),
        pl.when(avec_adresse).then(pl.col("eco_commune")).alias("commune"),
        mode.alias("mode"),
    )
    lien = eleves.select("enfant", pl.col("id").alias("id_inscrit"))
    verite = familles.join(lien, on="enfant", how="left", maintain_order="left").select(
        pl.col("id").alias("id_famille"),
        "id_inscrit",
        pl.when(~pl.col("soumis"))
        .then(pl.lit("hors_obligation"))
        .when(pl.col("absent"))
        .then(pl.lit("non_apparie"))
        .when(pl.col("declare"))
        .then(pl.lit("instruction_declaree"))
        .otherwise(pl.lit("apparie"))
        .alias("statut"),
        "jumeau",
        "ecarts",
    )
    familles = familles.select(
        "id",
        pl.col("caf_nom").alias("nom"),
        pl.col("caf_prenoms").alias("prenoms"),
        pl.col("caf_naissance").cast(pl.Date).alias("date_naissance"),
        pl.col("caf_sexe").alias("sexe"),
        pl.col("caf_nom_allocataire").alias("nom_allocataire"),
        pl.col("caf_prenom_allocataire").alias("prenom_allocataire"),
        pl.col("caf_adresse").alias("adresse"),
        "code_postal",
        pl.col("caf_commune").alias("commune"),
    )
    return JeuSynthetique(familles=familles, inscrits=inscrits, verite=verite)
