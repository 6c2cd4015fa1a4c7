"""Comparaison des noms : exact, composé, nom d'un membre du foyer, proche, ressemblant ; inversion
du nom et du prénom."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from appariement.comparaisons.niveaux import niveau
from appariement.comparaisons.outils import (
    SEUIL_PROCHE,
    SEUIL_RESSEMBLANT,
    deux_fautes,
    inclus,
    par_valeurs,
    une_faute,
)
from appariement.normalisation import PARTICULES

# Une ou deux particules collées devant un nom (DE, DELA, VANDER, BENEL…).
_PREFIXES_PARTICULES = sorted({a + b for a in PARTICULES for b in ("", *PARTICULES)})


def _fin(couples: pl.DataFrame) -> pl.Series:
    """Vrai si le texte ``a`` est ``b`` (au moins 4 lettres) précédé de particules collées."""
    prefixe = pl.col("a").str.head(pl.col("a").str.len_chars() - pl.col("b").str.len_chars())
    return couples.select(
        (pl.col("b").str.len_chars() >= 4)
        & pl.col("a").str.ends_with(pl.col("b"))
        & prefixe.is_in(_PREFIXES_PARTICULES)
    ).to_series()


_FORMES_NOM = ("c", "cs", "t", "ph")
_FAMILLE = niveau("nom", "famille")


def _sur(
    paires: pl.DataFrame,
    utile: pl.Series,
    gauche: str,
    droite: str,
    calcul: Callable[[pl.DataFrame], pl.Series],
) -> pl.Series:
    """``calcul`` (sur des colonnes textuelles ``a`` et ``b``) appliqué aux seules lignes de ``paires``
    où ``utile`` est vrai et les deux valeurs présentes ; null ailleurs. Pour une table dont les lignes
    sont déjà des couples distincts (voir ``par_valeurs``) : rien à dédoublonner."""
    lignes = (utile & paires[gauche].is_not_null() & paires[droite].is_not_null()).arg_true()
    couples = paires.select(gauche, droite)[lignes].select(
        pl.col(gauche).cast(pl.String).alias("a"), pl.col(droite).cast(pl.String).alias("b")
    )
    resultat = calcul(couples)
    return resultat.clear(paires.height).scatter(lignes, resultat)


_PROCHE, _RESSEMBLANT, _DIFFERENT = (niveau("nom", n) for n in ("proche", "ressemblant", "different"))


def _proximite(couples: pl.DataFrame) -> pl.Series:
    """Niveau du nom ``a`` face au nom ``b`` d'après leurs seules lettres : ``proche`` (Jaro-Winkler
    d'au moins ``SEUIL_PROCHE``, ou une seule faute de frappe dans un nom de quatre lettres au moins,
    voir ``une_faute``), ``ressemblant`` (Jaro-Winkler d'au moins ``SEUIL_RESSEMBLANT``, ou deux fautes
    dans un nom de cinq lettres au moins, voir ``deux_fautes``), ou ``different``.

    Une seule faute (MARTIN / MARTAN) : Jaro-Winkler la classe souvent « ressemblant », le niveau des
    noms voisins d'autres familles."""
    a, b = couples["a"].to_list(), couples["b"].to_list()
    if not a:
        return pl.Series([], dtype=pl.Int8)
    jw = process.cpdist(
        a,
        b,
        scorer=JaroWinkler.normalized_similarity,
        # Un peu sous le seuil : une similarité à peine inférieure en double (0,7999999…) l'atteint
        # une fois arrondie en float32, comme les niveaux l'ont toujours lue.
        score_cutoff=SEUIL_RESSEMBLANT - 1e-6,
        workers=-1,
        dtype=np.float32,
    )
    proche = pl.Series(jw >= SEUIL_PROCHE) | une_faute(couples, lettres_min=4)
    ressemblant = pl.Series(jw >= SEUIL_RESSEMBLANT)
    # Deux fautes : cherchées seulement là où le nom serait sinon « différent ».
    lignes = (~proche & ~ressemblant).arg_true()
    ressemblant = ressemblant.scatter(lignes, deux_fautes(couples[lignes]))
    return pl.select(
        pl.when(pl.lit(proche))
        .then(pl.lit(_PROCHE, pl.Int8))
        .when(pl.lit(ressemblant))
        .then(pl.lit(_RESSEMBLANT, pl.Int8))
        .otherwise(pl.lit(_DIFFERENT, pl.Int8))
    ).to_series()


def _niveau_nom_seul(paires: pl.DataFrame, cote_i: str) -> pl.Series:
    """Niveau d'accord entre le nom de l'enfant et un nom de l'inscrit (naissance ou usage), sans
    regarder le foyer : le niveau ``famille`` n'y est jamais donné (voir ``_niveau_nom``).

    Les lignes de ``paires`` sont des couples de noms distincts : chaque mesure se calcule
    directement, et seulement sur les lignes dont le niveau en dépend encore.
    """
    c, cs, t = (pl.col(f"nom_{forme}") for forme in ("c", "cs", "t"))
    c_i, cs_i, t_i = (pl.col(f"{cote_i}_{forme}_i") for forme in ("c", "cs", "t"))
    masques = paires.select(
        ((c == c_i) | (cs == cs_i)).fill_null(False).alias("exact"),
        (pl.col("nom_ph") == pl.col(f"{cote_i}_ph_i")).fill_null(False).alias("meme_phonetique"),
        # Un nom de plusieurs mots est le seul dont les formes avec et sans espaces diffèrent.
        ((t != cs) | (t_i != cs_i)).fill_null(False).alias("plusieurs_mots"),
        (c.is_null() | c_i.is_null()).alias("manque"),
    )
    exact, meme_phonetique, plusieurs_mots = (
        masques[m] for m in ("exact", "meme_phonetique", "plusieurs_mots")
    )
    # Tous les mots de l'un dans l'autre (nom composé dans l'autre ordre, ou réduit à une partie).
    # Deux noms d'un seul mot chacun ne s'incluent que s'ils sont égaux, donc déjà exacts.
    ensemble = _sur(paires, ~exact & plusieurs_mots, "nom_t", f"{cote_i}_t_i", inclus).fill_null(False)
    # Nom composé réduit à une partie, ou particule collée (DELAFONTAINE / LAFONTAINE).
    sans_ensemble = ~exact & ~ensemble
    suffixe = (
        _sur(paires, sans_ensemble, "nom_c", f"{cote_i}_cs_i", _fin)
        | _sur(paires, sans_ensemble, f"{cote_i}_c_i", "nom_cs", _fin)
    ).fill_null(False)
    proximite = _sur(
        paires, sans_ensemble & ~suffixe & ~meme_phonetique, "nom_cs", f"{cote_i}_cs_i", _proximite
    )
    # Une faute dans une partie d'un nom composé : Jaro-Winkler sur le nom entier n'y voit presque rien.
    partie = _sur(
        paires,
        (proximite > _PROCHE).fill_null(False) & plusieurs_mots,
        "nom_t",
        f"{cote_i}_t_i",
        _faute_dans_une_partie,
    ).fill_null(False)
    return pl.select(
        pl.when(pl.lit(masques["manque"]))
        .then(pl.lit(None, pl.Int8))
        .when(pl.lit(exact))
        .then(pl.lit(niveau("nom", "exact"), pl.Int8))
        .when(pl.lit(ensemble | suffixe))
        .then(pl.lit(niveau("nom", "compose"), pl.Int8))
        # Le niveau ``famille`` (le nom d'un membre du foyer) se décide dans ``_niveau_nom``.
        .when(pl.lit(meme_phonetique | partie))
        .then(pl.lit(_PROCHE, pl.Int8))
        .otherwise(proximite.fill_null(_DIFFERENT))
        .alias("nom")
    ).to_series()


def _niveau_nom(
    familles: pl.DataFrame, inscrits: pl.DataFrame, fi: pl.Series, ii: pl.Series, cote_i: str
) -> pl.Series:
    """Niveau d'accord entre le nom de l'enfant et un nom de l'inscrit (``cote_i`` : naissance ou usage)."""
    niveau = par_valeurs(
        familles,
        inscrits,
        fi,
        ii,
        ("nom_id", f"{cote_i}_id"),
        (tuple(f"nom_{f}" for f in _FORMES_NOM), tuple(f"{cote_i}_{f}" for f in _FORMES_NOM)),
        lambda paires: _niveau_nom_seul(paires, cote_i),
    )
    # L'école connaît l'enfant sous le nom d'un membre de son foyer : propre à chaque enfant, regardé
    # seulement où le niveau est moins bon.
    lignes = (niveau > _FAMILLE).fill_null(False).arg_true()
    if lignes.len() == 0:
        return niveau
    famille = _du_foyer(familles, fi.gather(lignes), inscrits[f"{cote_i}_cs"].gather(ii.gather(lignes)))
    anciens = niveau.gather(lignes)
    return niveau.scatter(
        lignes, pl.select(pl.when(famille).then(pl.lit(_FAMILLE, pl.Int8)).otherwise(anciens)).to_series()
    )


def _du_foyer(familles: pl.DataFrame, fi: pl.Series, noms: pl.Series) -> pl.Series:
    """Vrai si ``noms`` (un nom sans particules par paire) est celui de l'allocataire de l'enfant ``fi``
    ou d'un frère ou d'une sœur de son foyer sur la liste (voir ``normalisation._foyer``)."""
    allocataire = (familles["alloc_cs"].gather(fi) == noms).fill_null(False)
    # (foyer, nom) en un entier : nom d'un enfant du foyer ou non, une seule recherche.
    cle = pl.col("foyer").cast(pl.UInt64) * (1 << 32) + pl.col("nom").to_physical()
    membres = familles.select("foyer", pl.col("nom_cs").alias("nom")).select(cle).drop_nulls().unique()
    fratrie = (
        pl.DataFrame({"foyer": familles["foyer"].gather(fi), "nom": noms})
        .select(cle.is_in(membres.to_series().implode()).fill_null(False))
        .to_series()
    )
    return allocataire | fratrie


def niveau_nom(familles: pl.DataFrame, inscrits: pl.DataFrame, fi: pl.Series, ii: pl.Series) -> pl.Series:
    """Meilleur accord du nom de l'enfant avec le nom de naissance ou le nom d'usage de l'inscrit."""
    naissance = _niveau_nom(familles, inscrits, fi, ii, "nom")
    # Peu de fiches ont un nom d'usage : on ne compare que celles-là.
    avec_usage = inscrits["usage_c"].gather(ii).is_not_null().arg_true()
    if avec_usage.len() == 0:
        return naissance
    usage = (
        pl.select(pl.repeat(None, fi.len(), dtype=pl.Int8))
        .to_series()
        .scatter(
            avec_usage, _niveau_nom(familles, inscrits, fi.gather(avec_usage), ii.gather(avec_usage), "usage")
        )
    )
    return pl.select(pl.min_horizontal(naissance, usage).alias("nom"))["nom"]


def _faute_dans_une_partie(couples: pl.DataFrame) -> pl.Series:
    """Vrai si chaque mot du nom le plus court (``a`` ou ``b``, mots séparés par des espaces) est un
    mot de l'autre, à une faute près dans un mot de quatre lettres au moins : une partie d'un nom
    composé mal tapée (KOWALCZYK NOWAK / NOWAK KOWALCZIK).

    À plat, une ligne par mot du nom court et mot du nom long ; rapidfuzz ne mesure que les couples
    de mots qui passent le filtre de ``une_faute``, presque aucun."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    mots = couples.select(pl.col("a").str.split(" "), pl.col("b").str.split(" "))
    a_court = pl.col("a").list.len() <= pl.col("b").list.len()
    mots = (
        mots.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("r"),
            pl.when(a_court).then("a").otherwise("b").alias("mot"),
            pl.when(a_court).then("b").otherwise("a").alias("autre"),
        )
        .with_columns(pl.int_ranges(pl.col("mot").list.len(), dtype=pl.UInt32).alias("k"))
        .explode("mot", "k")
        .explode("autre")
    )
    egaux = mots.select(pl.col("mot") == pl.col("autre")).to_series()
    proches = egaux | une_faute(
        mots.select(pl.col("mot").alias("a"), pl.col("autre").alias("b")), lettres_min=4
    )
    par_mot = mots.select("r", "k", proches.alias("proche")).group_by("r", "k").agg(pl.col("proche").any())
    tous = par_mot.group_by("r").agg(pl.col("proche").all())
    return (
        pl.DataFrame({"r": pl.int_range(couples.height, dtype=pl.UInt32, eager=True)})
        .join(tous, on="r", how="left", maintain_order="left")["proche"]
        .fill_null(False)
    )


def inversion_nom_prenom(paires: pl.DataFrame) -> pl.Series:
    """Vrai quand le nom de l'un est le prénom de l'autre et réciproquement (à la phonétique près).

    Par parties de nom : un nom composé inversé devient « MARTIN BRUN » dans les prénoms, dont le
    premier doit alors être une partie du nom de l'autre côté, et réciproquement.
    """
    return paires.select(
        (
            (pl.col("noms_ph").list.set_intersection("prenoms_ph_i").list.len() > 0)
            & (pl.col("noms_ph_i").list.set_intersection("prenoms_ph").list.len() > 0)
        ).fill_null(False)
    ).to_series()
