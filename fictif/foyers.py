"""Les enfants, leurs foyers (même nom, même adresse, fratries, jumeaux) et leur situation."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from appariement.age import debut_obligation, est_soumis
from fictif.listes import COMMUNES, JUMEAUX, NOMS_VOIE, ORIGINES, TYPES_VOIE
from fictif.taux import Taux
from fictif.tirages import (
    FRANCE,
    ORDRE_ORIGINES,
    PRENOMS_CANONIQUES,
    REPERTOIRE_ADULTES,
    REPERTOIRE_NOMS,
    REPERTOIRE_PRENOMS,
    SEXES,
    Entiers,
    tirer_prenoms,
    zipf,
)


def tirer_population(
    rng: np.random.Generator, nb: int, jour: date, premier_foyer: int, premier_enfant: int, taux: Taux
) -> pl.DataFrame:
    """``nb`` enfants de 0 à 18 ans, regroupés en foyers (même nom, même adresse)."""
    reference = np.datetime64(jour, "D").astype(np.int64)
    nb_foyers = max(8, int(nb / 1.3) + 8)
    tailles = rng.choice([1, 2, 3, 4, 5, 6], size=nb_foyers, p=[0.38, 0.36, 0.17, 0.06, 0.02, 0.01])
    foyer = np.repeat(np.arange(nb_foyers), tailles)
    debut = np.concatenate([[0], np.cumsum(tailles)[:-1]])
    rang = np.arange(len(foyer)) - debut[foyer]
    # Écarts entre naissances : 0 jour (ou 1) pour des jumeaux, sinon 10 mois à plusieurs années.
    ecart = 300 + rng.gamma(2.0, 420.0, size=len(foyer)).astype(np.int64)
    jumeau_du_precedent = (rang > 0) & (rng.random(len(foyer)) < taux.jumeaux)
    ecart = np.where(jumeau_du_precedent, (rng.random(len(foyer)) < 0.03).astype(np.int64), ecart)
    ecart[rang == 0] = 0
    cumul = np.cumsum(ecart)
    aine = reference - rng.integers(0, int(24 * 365.25), size=nb_foyers)
    naissance = aine[foyer] + cumul - cumul[debut[foyer]]
    jumeau = jumeau_du_precedent.copy()
    jumeau[:-1] |= jumeau_du_precedent[1:]
    garde = (naissance <= reference) & (naissance > reference - int(18 * 365.25))
    if garde.sum() < nb:
        return tirer_population(rng, nb * 2, jour, premier_foyer, premier_enfant, taux).head(nb)
    lignes = np.flatnonzero(garde)[:nb]
    foyer, naissance, jumeau = foyer[lignes], naissance[lignes], jumeau[lignes]
    foyers_utiles = np.unique(foyer)
    n_foy = len(foyers_utiles)
    rang_foyer = np.searchsorted(foyers_utiles, foyer)

    origine_foyer = rng.choice(len(ORDRE_ORIGINES), size=n_foy, p=[p for _, p in ORIGINES])
    nom_pere = REPERTOIRE_NOMS.tirer(rng, origine_foyer)
    nom_mere = REPERTOIRE_NOMS.tirer(rng, np.where(rng.random(n_foy) < 0.8, origine_foyer, FRANCE))
    # Nom transmis : du père, de la mère, ou double nom dans un ordre ou l'autre.
    transmission = rng.choice(4, size=n_foy, p=[0.85, 0.04, 0.09, 0.02])
    mere_allocataire = rng.random(n_foy) < 0.75
    maghreb = ORDRE_ORIGINES.index("maghreb")
    prenom_alloc = REPERTOIRE_ADULTES.tirer(
        rng, 2 * (origine_foyer == maghreb) + np.where(mere_allocataire, 1, 0)
    )
    nom_alloc = np.where(mere_allocataire & (rng.random(n_foy) < 0.5), nom_mere, nom_pere)

    # Adresses : un parc d'immeubles et de maisons, certains très peuplés.
    nb_adresses = max(50, n_foy // 2)
    adr_numero = 1 + (rng.pareto(1.2, nb_adresses) * 8).astype(np.int64) % 250
    adr_type = rng.choice(len(TYPES_VOIE), size=nb_adresses, p=zipf(len(TYPES_VOIE), 1.3))
    adr_voie = rng.integers(0, len(NOMS_VOIE), size=nb_adresses)
    adr_commune = rng.choice(len(COMMUNES), size=nb_adresses, p=zipf(len(COMMUNES), 1.0))
    poids_adresses = rng.pareto(1.5, nb_adresses) + 1.0
    adresse = rng.choice(nb_adresses, size=n_foy, p=poids_adresses / poids_adresses.sum())[rang_foyer]

    n = len(lignes)
    sexe = (rng.random(n) >= 0.512).astype(np.int64)
    origine_enfant = origine_foyer[rang_foyer]
    # Un enfant d'origine non française porte souvent un prénom courant en France.
    origine_p = np.where(rng.random(n) < 0.25, FRANCE, origine_enfant)
    prenom1 = tirer_prenoms(rng, origine_p, sexe)
    for _ in range(6):  # deux enfants d'un même foyer ne portent pas le même prénom
        # Deux écritures d'un même prénom ne font pas deux prénoms de frères et sœurs.
        _, premiers = np.unique(
            foyer * len(REPERTOIRE_PRENOMS.noms) + PRENOMS_CANONIQUES[prenom1], return_index=True
        )
        doublon = np.ones(n, dtype=bool)
        doublon[premiers] = False
        idx = np.flatnonzero(doublon)
        if len(idx) == 0:
            break
        prenom1[idx] = tirer_prenoms(rng, origine_p[idx], sexe[idx])
    _nommer_jumeaux(rng, foyer, naissance, jumeau, sexe, prenom1)
    noms = REPERTOIRE_NOMS.noms
    prenoms = REPERTOIRE_PRENOMS.noms
    df = pl.DataFrame(
        {
            "foyer": (foyer + premier_foyer).astype(np.int64),
            "enfant": np.arange(premier_enfant, premier_enfant + n, dtype=np.int64),
            "nom_pere": noms.gather(nom_pere[rang_foyer]),
            "nom_mere": noms.gather(nom_mere[rang_foyer]),
            "transmission": transmission[rang_foyer],
            "a": prenoms.gather(prenom1),
            "b": prenoms.gather(tirer_prenoms(rng, origine_p, sexe)),
            "c": prenoms.gather(tirer_prenoms(rng, np.full(n, FRANCE), sexe)),
            "u": rng.random(n) < np.where(origine_enfant == FRANCE, 0.6, 0.25),
            "v": rng.random(n) < 0.35,
            "naissance": naissance,
            "sexe": pl.Series(SEXES).gather(sexe),
            "jumeau": jumeau,
            "nom_allocataire": noms.gather(nom_alloc[rang_foyer]),
            "prenom_allocataire": REPERTOIRE_ADULTES.noms.gather(prenom_alloc[rang_foyer]),
            "adr_numero": adr_numero[adresse],
            "adr_type": adr_type[adresse],
            "adr_voie": adr_voie[adresse],
            "adr_commune": adr_commune[adresse],
        }
    )
    pere, mere, a, b, c = (pl.col(x) for x in ("nom_pere", "nom_mere", "a", "b", "c"))
    deuxieme = pl.col("u") & (b != a)
    return df.with_columns(
        pl.when(pl.col("transmission") == 0)
        .then(pere)
        .when(pl.col("transmission") == 1)
        .then(mere)
        .when(pl.col("transmission") == 2)
        .then(pl.concat_str([pere, mere], separator=" "))
        .otherwise(pl.concat_str([mere, pere], separator=" "))
        .alias("nom"),
        (pl.col("transmission") >= 2).alias("double_nom"),
        pl.concat_str(
            [
                a,
                pl.when(deuxieme).then(pl.lit(" ") + b),
                pl.when(deuxieme & pl.col("v") & (c != a) & (c != b)).then(pl.lit(" ") + c),
            ],
            ignore_nulls=True,
        ).alias("prenoms"),
    ).drop("transmission", "a", "b", "c", "u", "v")


def _nommer_jumeaux(
    rng: np.random.Generator,
    foyer: Entiers,
    naissance: Entiers,
    jumeau: npt.NDArray[np.bool_],
    sexe: Entiers,
    prenom1: Entiers,
) -> None:
    """Un tiers des paires de jumeaux reçoit des prénoms presque identiques (Louis / Louise)."""
    idx = np.flatnonzero(jumeau[:-1] & jumeau[1:] & (foyer[:-1] == foyer[1:]))
    idx = idx[np.abs(naissance[idx] - naissance[idx + 1]) <= 1]
    idx = idx[rng.random(len(idx)) < 0.33]
    choix = rng.integers(0, len(JUMEAUX), size=len(idx))
    for i, c in zip(idx, choix, strict=True):
        for j, prenom in zip((i, i + 1), JUMEAUX[c], strict=True):
            prenom1[j] = REPERTOIRE_PRENOMS.index(prenom)
            sexe[j] = REPERTOIRE_PRENOMS.groupe(prenom1[j]) % 2


def situation(population: pl.DataFrame, jour: date, taux: Taux, rng: np.random.Generator) -> pl.DataFrame:
    """Qui est soumis, absent de toute liste, en instruction déclarée ou sur un registre d'école."""
    dates = population["naissance"].unique().sort()
    jours = [date(1970, 1, 1) + timedelta(days=int(j)) for j in dates]
    table = pl.DataFrame(
        {
            "naissance": dates,
            "soumis": [est_soumis(d, jour) for d in jours],
            "trop_jeune": [debut_obligation(d) > jour for d in jours],
        }
    )
    n = population.height
    df = population.join(table, on="naissance", how="left", maintain_order="left").with_columns(
        pl.Series("u_absent", rng.random(n)),
        pl.Series("u_declare", rng.random(n)),
        pl.Series("u_lycee", rng.random(n)),
    )
    absent = pl.col("soumis") & (pl.col("u_absent") < taux.absents)
    declare = pl.col("soumis") & ~absent & (pl.col("u_declare") < taux.instruction_declaree)
    # Après 16 ans, la plupart restent au lycée, sans obligation.
    ecole = (pl.col("soumis") & ~absent & ~declare) | (
        ~pl.col("soumis") & ~pl.col("trop_jeune") & (pl.col("u_lycee") >= taux.non_scolarises_16_18)
    )
    return df.with_columns(absent.alias("absent"), declare.alias("declare"), ecole.alias("ecole")).drop(
        "u_absent", "u_declare", "u_lycee"
    )
