"""Comparaisons champ par champ d'une paire (enfant de la liste CAF/MSA, inscrit).

Chaque comparaison donne un niveau d'accord (0 = le meilleur) ou null si l'un des deux côtés
manque. ``comparer`` reçoit les deux tables préparées (``normalisation.preparer``) et les rangs
(``fi``, ``ii``) des paires. Chaque champ se compare sur une table de paires où les colonnes de
l'enfant portent leur nom et celles de l'inscrit le suffixe ``_i`` (voir ``_colonnes``). Les noms et
les prénoms ne se comparent qu'une fois par couple de valeurs distinct (``par_valeurs``), les
similarités de chaînes (rapidfuzz) une fois par couple de formes distinct (``par_couple``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from appariement.normalisation import PARTICULES

NIVEAUX: dict[str, tuple[str, ...]] = {
    "nom": ("exact", "compose", "famille", "proche", "ressemblant", "different"),
    "prenom": ("exact", "premier_commun", "autre_prenom", "proche", "ressemblant", "different"),
    "date_naissance": (
        "exacte",
        "jour_mois_inverses",
        "annee_voisine",
        "un_chiffre",
        "quelques_jours",
        "jour_ou_mois",
        "annee_chiffre",
        "differente",
    ),
    "sexe": ("egal", "different"),
    "adresse": ("egale", "meme_commune", "differente"),
}
"""Niveaux d'accord de chaque champ, du plus fort au plus faible."""

CHAMPS: tuple[str, ...] = tuple(NIVEAUX)


def niveau(champ: str, nom: str) -> int:
    """Rang du niveau ``nom`` du champ ``champ`` dans ``NIVEAUX`` (0 = le plus fort).

    Les règles nomment les niveaux plutôt que d'écrire leur rang : ajouter un niveau ne décale
    alors aucune règle en silence, et un nom mal écrit s'arrête au chargement du module."""
    niveaux = NIVEAUX.get(champ)
    if niveaux is None or nom not in niveaux:
        connus = ", ".join(niveaux) if niveaux else f"aucun (champs : {', '.join(NIVEAUX)})"
        raise ValueError(f"niveau inconnu : {champ} « {nom} » ; niveaux connus : {connus}")
    return niveaux.index(nom)


# Une comparaison manque (null) quand l'un des deux côtés n'a pas la donnée. Avant de la confronter à
# un niveau, une règle dit ce que vaut ce manque :
ABSENT_COMPTE_COMME_ACCORD = 0
"""Le manque ne contredit rien : il passe pour le niveau le plus fort (``fill_null``)."""
ABSENT_NE_CONFIRME_PAS = 1
"""Le manque ne confirme pas : il passe pour un niveau sous le plus fort (adresse non « egale »)."""
ABSENT_JAMAIS_RETENU = 99
"""Le manque ne remplit jamais une condition « au moins tel niveau » : il passe sous tous les niveaux."""

SEUIL_PROCHE = 0.92
SEUIL_RESSEMBLANT = 0.80
SEUIL_ADRESSE = 0.90
JOURS_PROCHES = 7


def _cle_couple(gauche: str, droite: str) -> pl.Expr:
    """Entier unique d'un couple de valeurs catégorielles (null si l'une manque)."""
    return pl.col(gauche).to_physical().cast(pl.UInt64) * (1 << 32) + pl.col(droite).to_physical().cast(
        pl.UInt64
    )


def _colonnes(
    familles: pl.DataFrame,
    inscrits: pl.DataFrame,
    fi: pl.Series,
    ii: pl.Series,
    colonnes_f: tuple[str, ...],
    colonnes_i: tuple[str, ...],
) -> pl.DataFrame:
    """Table des paires (``fi``, ``ii``) : les ``colonnes_f`` de l'enfant sous leur nom, les
    ``colonnes_i`` de l'inscrit suffixées ``_i``."""
    return pl.DataFrame(
        [familles[c].gather(fi) for c in colonnes_f]
        + [inscrits[c].gather(ii).alias(f"{c}_i") for c in colonnes_i]
    )


def par_valeurs(
    familles: pl.DataFrame,
    inscrits: pl.DataFrame,
    fi: pl.Series,
    ii: pl.Series,
    identifiants: tuple[str, str],
    colonnes: tuple[tuple[str, ...], tuple[str, ...]],
    calcul: Callable[[pl.DataFrame], pl.Series],
) -> pl.Series:
    """Applique ``calcul`` (sur la table de ``_colonnes``) une fois par couple distinct de valeurs.

    ``identifiants`` nomment, dans chaque table, le numéro de la valeur d'origine (voir
    ``normalisation._par_valeur``) dont dépendent toutes les ``colonnes`` de ce côté : deux paires de
    mêmes numéros ont le même résultat. Un nom se retrouve dans des millions de paires, mais
    seulement dans environ un million de couples distincts pour un million d'enfants.
    """
    id_f, id_i = identifiants
    cles = pl.DataFrame(
        {
            "_cle": familles[id_f].gather(fi).cast(pl.UInt64) * (1 << 32) + inscrits[id_i].gather(ii),
            "fi": fi,
            "ii": ii,
        }
    )
    # Une paire quelconque de chaque couple le représente : ses colonnes sont celles de tout le couple.
    distincts = cles.unique("_cle", keep="any")
    valeurs = calcul(_colonnes(familles, inscrits, distincts["fi"], distincts["ii"], *colonnes))
    return (
        cles.select("_cle")
        .join(
            distincts.select("_cle").with_columns(valeurs.alias("_valeur")),
            on="_cle",
            how="left",
            maintain_order="left",
        )["_valeur"]
        .alias(valeurs.name)
    )


def par_couple(
    paires: pl.DataFrame,
    gauche: str,
    droite: str,
    calcul: Callable[[pl.DataFrame], pl.Series],
    utile: pl.Expr | None = None,
) -> pl.Series:
    """Applique ``calcul`` une fois par couple distinct de valeurs (colonnes ``a`` et ``b``, textes).

    Avec ``utile``, seules les paires où ce masque est vrai sont calculées ; les autres restent
    null : l'appelant n'écarte ainsi que des paires dont le niveau d'accord ne dépend pas de la valeur.
    """
    if utile is not None:
        lignes = paires.select(pl.arg_where(utile))[:, 0]
        calculees = par_couple(paires.select(gauche, droite)[lignes], gauche, droite, calcul)
        return (
            pl.select(pl.repeat(None, paires.height, dtype=calculees.dtype))
            .to_series()
            .scatter(lignes, calculees)
        )
    cles = paires.select(_cle_couple(gauche, droite).alias("_cle"))
    couples = (
        paires.select(
            _cle_couple(gauche, droite).alias("_cle"), pl.col(gauche).alias("a"), pl.col(droite).alias("b")
        )
        .drop_nulls()
        .unique("_cle")
        .with_columns(pl.col("a").cast(pl.String), pl.col("b").cast(pl.String))
    )
    valeurs = couples.select("_cle", calcul(couples).alias("_valeur"))
    return cles.join(valeurs, on="_cle", how="left", maintain_order="left")["_valeur"]


def jaro_winkler(paires: pl.DataFrame, gauche: str, droite: str, utile: pl.Expr | None = None) -> pl.Series:
    """Similarité de Jaro-Winkler (0 à 1) entre deux colonnes, calculée par couple de valeurs distinct
    (seulement là où ``utile`` est vrai, voir ``par_couple``). Sous ``SEUIL_RESSEMBLANT``, seul
    compte qu'elle y soit : elle vaut alors 0, ce qui laisse rapidfuzz s'arrêter plus tôt."""

    def calcul(couples: pl.DataFrame) -> pl.Series:
        if couples.height == 0:
            return pl.Series([], dtype=pl.Float32)
        scores = process.cpdist(
            couples["a"].to_list(),
            couples["b"].to_list(),
            scorer=JaroWinkler.normalized_similarity,
            # Un peu sous le seuil : une similarité à peine inférieure en double (0,7999999…)
            # l'atteint une fois arrondie en float32, comme les niveaux l'ont toujours lue.
            score_cutoff=SEUIL_RESSEMBLANT - 1e-6,
            workers=-1,
            dtype=np.float32,
        )
        return pl.Series(scores, dtype=pl.Float32)

    return par_couple(paires, gauche, droite, calcul, utile)


def _inclus(couples: pl.DataFrame) -> pl.Series:
    """Vrai si les mots de ``a`` sont tous dans ``b``, ou l'inverse (ils en partagent au moins un) :
    un nom composé dans l'autre ordre ou réduit à une partie, un prénom de plus d'un côté."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    a, b = pl.col("a").str.split(" "), pl.col("b").str.split(" ")
    return couples.select(
        (a.list.set_intersection(b).list.len() > 0)
        & ((a.list.set_difference(b).list.len() == 0) | (b.list.set_difference(a).list.len() == 0))
    ).to_series()


def _niveau(conditions: list[pl.Expr], manque: pl.Expr) -> pl.Expr:
    """Premier niveau dont la condition est vraie, le dernier sinon ; null si une donnée manque."""
    expression: Any = pl.lit(len(conditions), dtype=pl.Int8)
    for rang in range(len(conditions) - 1, -1, -1):
        expression = pl.when(conditions[rang]).then(pl.lit(rang, dtype=pl.Int8)).otherwise(expression)
    return pl.when(manque).then(pl.lit(None, dtype=pl.Int8)).otherwise(expression)


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


def _peut_etre_une_faute(a: pl.Expr, b: pl.Expr, lettres_min: int) -> pl.Expr:
    """Condition nécessaire pour que deux textes différents (``lettres_min`` lettres au moins) ne
    diffèrent que d'une faute (lettre ajoutée, ôtée, changée, deux lettres voisines échangées) :
    longueurs à une lettre près et, dès trois lettres, même première ou même dernière lettre (une
    seule faute ne touche pas les deux). Elle écarte presque tous les couples sans rapidfuzz."""
    longueur_a, longueur_b = a.str.len_chars().cast(pl.Int32), b.str.len_chars().cast(pl.Int32)
    courte = pl.min_horizontal(longueur_a, longueur_b)
    return (
        (a != b)
        & (courte >= lettres_min)
        & ((longueur_a - longueur_b).abs() <= 1)
        & ((courte < 3) | (a.str.head(1) == b.str.head(1)) | (a.str.tail(1) == b.str.tail(1)))
    )


def _une_faute(couples: pl.DataFrame, lettres_min: int = 2) -> pl.Series:
    """Vrai si ``a`` et ``b`` (``lettres_min`` lettres au moins) sont égaux ou ne diffèrent que d'une
    lettre ajoutée, ôtée, changée, ou de deux lettres voisines échangées."""
    a, b = pl.col("a"), pl.col("b")
    masques = couples.select(
        ((a == b) & (a.str.len_chars() >= lettres_min)).alias("egaux"),
        _peut_etre_une_faute(a, b, lettres_min).alias("a_mesurer"),
    )
    lignes = masques["a_mesurer"].arg_true()
    distances = process.cpdist(
        couples["a"].gather(lignes).to_list(),
        couples["b"].gather(lignes).to_list(),
        scorer=OSA.distance,
        score_cutoff=1,
        workers=-1,
    )
    return masques["egaux"].scatter(lignes, pl.Series(distances <= 1, dtype=pl.Boolean))


_PROCHE, _RESSEMBLANT, _DIFFERENT = (niveau("nom", n) for n in ("proche", "ressemblant", "different"))


def _proximite(couples: pl.DataFrame) -> pl.Series:
    """Niveau du nom ``a`` face au nom ``b`` d'après leurs seules lettres : ``proche`` (Jaro-Winkler
    d'au moins ``SEUIL_PROCHE``, ou une seule faute de frappe dans un nom de quatre lettres au moins,
    voir ``_une_faute``), ``ressemblant`` (Jaro-Winkler d'au moins ``SEUIL_RESSEMBLANT``), ou ``different``.

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
    proche = pl.Series(jw >= SEUIL_PROCHE) | _une_faute(couples, lettres_min=4)
    return pl.select(
        pl.when(pl.lit(proche))
        .then(pl.lit(_PROCHE, pl.Int8))
        .when(pl.lit(pl.Series(jw >= SEUIL_RESSEMBLANT)))
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
    ensemble = _sur(paires, ~exact & plusieurs_mots, "nom_t", f"{cote_i}_t_i", _inclus).fill_null(False)
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
    de mots qui passent le filtre de ``_une_faute``, presque aucun."""
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
    proches = egaux | _une_faute(
        mots.select(pl.col("mot").alias("a"), pl.col("autre").alias("b")), lettres_min=4
    )
    par_mot = mots.select("r", "k", proches.alias("proche")).group_by("r", "k").agg(pl.col("proche").any())
    tous = par_mot.group_by("r").agg(pl.col("proche").all())
    return (
        pl.DataFrame({"r": pl.int_range(couples.height, dtype=pl.UInt32, eager=True)})
        .join(tous, on="r", how="left", maintain_order="left")["proche"]
        .fill_null(False)
    )


_FORMES_PRENOMS = (
    "prenom1", "prenom1_brut", "prenom2", "prenoms_t", "prenoms_c", "prenom12", "prenom_ph", "seconds_ph",
)  # fmt: skip


def niveau_prenom(familles: pl.DataFrame, inscrits: pl.DataFrame, fi: pl.Series, ii: pl.Series) -> pl.Series:
    """Accord des prénoms : premier prénom, un prénom commun (un seul prénom d'un côté), proximité."""
    return par_valeurs(
        familles,
        inscrits,
        fi,
        ii,
        ("prenoms_id", "prenoms_id"),
        (_FORMES_PRENOMS, _FORMES_PRENOMS),
        _niveau_prenom,
    )


def _niveau_prenom(paires: pl.DataFrame) -> pl.Series:
    """``niveau_prenom`` sur une table de paires (colonnes ``_FORMES_PRENOMS`` des deux côtés)."""
    meme_premier = pl.col("prenom1") == pl.col("prenom1_i")
    # Les similarités ne servent que si les premiers prénoms diffèrent (sinon niveau 0 ou 1).
    autre_premier = ~meme_premier.fill_null(False)
    jw = jaro_winkler(paires, "prenom1", "prenom1_i", autre_premier)
    ensembles = par_couple(paires, "prenoms_t", "prenoms_t_i", _inclus, autre_premier)
    # Jaro-Winkler ne voit presque rien entre deux prénoms courts : une seule lettre ajoutée, ôtée,
    # changée ou deux lettres voisines échangées (ALI / AIL, LEO / LO, MIA / MAI) reste une faute.
    faute = par_couple(paires, "prenom1", "prenom1_i", _une_faute, autre_premier)
    # Une variante de la table d'un côté, la même avec une faute de l'autre (ABDOULAYE /
    # ABDOULAYYE) : comparées aussi telles qu'écrites, là où la table a changé un premier prénom.
    traduits = paires.select(
        pl.arg_where(
            autre_premier
            & (
                (pl.col("prenom1") != pl.col("prenom1_brut")).fill_null(False)
                | (pl.col("prenom1_i") != pl.col("prenom1_brut_i")).fill_null(False)
            )
        )
    ).to_series()
    if traduits.len():
        bruts = paires[traduits]
        jw = jw.scatter(
            traduits,
            pl.select(
                pl.max_horizontal(
                    jw.gather(traduits),
                    jaro_winkler(bruts, "prenom1_brut", "prenom1_brut_i"),
                )
            ).to_series(),
        )
        faute = faute.scatter(
            traduits, faute.gather(traduits) | par_couple(bruts, "prenom1_brut", "prenom1_brut_i", _une_faute)
        )
    # Deux listes complètes qui ne partagent que le premier prénom : homonymes plutôt que le même enfant.
    seconds_differents = (pl.col("prenom2") != pl.col("prenom2_i")).fill_null(False)
    niveau = _niveau(
        [
            (meme_premier & ~seconds_differents)
            | (pl.col("prenoms_c") == pl.col("prenoms_c_i"))
            | (pl.col("prenom1") == pl.col("prenom12_i"))
            | (pl.col("prenom12") == pl.col("prenom1_i")),
            meme_premier,
            # Prénom secondaire : le même, ou au même son que le premier de l'autre côté.
            pl.col("_ens").fill_null(False)
            | pl.col("seconds_ph").list.contains(pl.col("prenom_ph_i")).fill_null(False)
            | pl.col("seconds_ph_i").list.contains(pl.col("prenom_ph")).fill_null(False),
            (pl.col("prenom_ph") == pl.col("prenom_ph_i")) | (pl.col("_jw") >= SEUIL_PROCHE),
            (pl.col("_jw") >= SEUIL_RESSEMBLANT) | pl.col("_faute").fill_null(False),
        ],
        pl.col("prenom1").is_null() | pl.col("prenom1_i").is_null(),
    )
    return paires.with_columns(jw.alias("_jw"), ensembles.alias("_ens"), faute.alias("_faute")).select(
        niveau.alias("prenom")
    )["prenom"]


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


def _jjmmaaaa(jour: pl.Expr) -> pl.Expr:
    """La date en entier JJMMAAAA, l'ordre où on l'écrit (et où se font les fautes de saisie)."""
    return (
        jour.dt.day().cast(pl.Int32) * 1_000_000
        + jour.dt.month().cast(pl.Int32) * 10_000
        + jour.dt.year().cast(pl.Int32)
    )


def _chiffres(entier: pl.Expr, cote: str) -> list[pl.Expr]:
    """Les huit chiffres d'un entier JJMMAAAA, de gauche à droite, nommés ``{cote}0`` à ``{cote}7``."""
    return [((entier // 10 ** (7 - k)) % 10).cast(pl.Int8).alias(f"{cote}{k}") for k in range(8)]


def _une_faute_de_chiffre() -> pl.Expr:
    """Vrai si deux dates JJMMAAAA (chiffres en champs ``g0``… ``g7`` et ``d0``… ``d7`` de la struct)
    ne diffèrent que d'un chiffre, ou de deux chiffres voisins échangés (12/03 saisi 21/03, 2015
    saisi 2051…) : une seule faute de frappe."""
    g, d = [pl.field(f"g{k}") for k in range(8)], [pl.field(f"d{k}") for k in range(8)]
    differents = pl.sum_horizontal([(g[k] != d[k]).cast(pl.Int8) for k in range(8)])
    echange = pl.any_horizontal([(g[k] == d[k + 1]) & (g[k + 1] == d[k]) for k in range(7)])
    return (differents == 1) | ((differents == 2) & echange)


def expr_niveau_date(gauche: pl.Expr, droite: pl.Expr) -> pl.Expr:
    """Accord de deux dates, jour, mois et année regardés à part : exacte, jour et mois inversés,
    année ±1, une faute de frappe (un chiffre, ou deux chiffres voisins échangés, à un an près),
    quelques jours, même année et même jour ou même mois (l'autre partie mal saisie), une faute dans
    l'année à plus d'un an d'écart.

    Les valeurs intermédiaires (dates en entiers JJMMAAAA, faute de frappe) sont des champs d'une
    struct, calculés une seule fois : répétées dans l'expression, elles seraient recalculées à
    chaque usage (plusieurs secondes sur 4 M de paires).
    """
    g, d = pl.field("g"), pl.field("d")
    entier_g, entier_d = pl.field("entier_g"), pl.field("entier_d")
    annee_g, annee_d = entier_g % 10000, entier_d % 10000
    mois_g, mois_d = entier_g // 10000 % 100, entier_d // 10000 % 100
    jour_g, jour_d = entier_g // 1_000_000, entier_d // 1_000_000
    ecart_annees = (annee_g - annee_d).abs()
    une_faute = pl.field("une_faute")
    niveau = _niveau(
        [
            g == d,
            (annee_g == annee_d) & (mois_g == jour_d) & (jour_g == mois_d),
            (ecart_annees == 1) & (mois_g == mois_d) & (jour_g == jour_d),
            # Une faute dans l'année à plus d'un an d'écart : niveau à part (annee_chiffre), car
            # c'est aussi le portrait d'un frère ou d'une sœur.
            une_faute & (ecart_annees <= 1),
            (g - d).dt.total_days().abs() <= JOURS_PROCHES,
            (annee_g == annee_d) & ((mois_g == mois_d) | (jour_g == jour_d)),
            une_faute,
        ],
        g.is_null() | d.is_null(),
    )
    return (
        pl.struct(gauche.alias("g"), droite.alias("d"))
        .struct.with_fields(_jjmmaaaa(g).alias("entier_g"), _jjmmaaaa(d).alias("entier_d"))
        .struct.with_fields(*_chiffres(entier_g, "g"), *_chiffres(entier_d, "d"))
        .struct.with_fields(_une_faute_de_chiffre().alias("une_faute"))
        .struct.with_fields(niveau.alias("niveau"))
        .struct.field("niveau")
    )


def niveau_date(paires: pl.DataFrame) -> pl.Series:
    return paires.select(expr_niveau_date(pl.col("date"), pl.col("date_i")).alias("date_naissance"))[
        "date_naissance"
    ]


def niveau_sexe(paires: pl.DataFrame) -> pl.Series:
    return paires.select(
        _niveau(
            [pl.col("sexe") == pl.col("sexe_i")], pl.col("sexe").is_null() | pl.col("sexe_i").is_null()
        ).alias("sexe")
    )["sexe"]


_TYPE_DE_VOIE = (
    r"^(?:(?:RUE|AVENUE|BOULEVARD|ALLEE|IMPASSE|CHEMIN|PLACE|ROUTE|RESIDENCE|SQUARE|FAUBOURG|QUAI|COURS"
    r"|PROMENADE|LOTISSEMENT|HAMEAU|CITE|PASSAGE|VOIE|SENTIER) +)?(?:(?:DE LA|DE L|DES|DU|DE|D|LA|LE|L) +)?"
)
"""Type de voie et article en tête d'une voie (formes longues, après ``normalisation``)."""


def _meme_adresse(couples: pl.DataFrame) -> pl.Series:
    """Vrai si les adresses ``a`` et ``b`` se ressemblent (Jaro-Winkler) et portent le même numéro
    quand les deux en ont un : « 1 RUE DU LAVOIR » et « 7 RUE DU LAVOIR » sont deux foyers voisins."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    parties = couples.select(
        *[pl.col(c).str.extract(r"^(\d+)").alias(f"numero_{c}") for c in ("a", "b")],
        *[pl.col(c).str.replace(r"^\d+ *", "").alias(f"voie_{c}") for c in ("a", "b")],
    ).with_columns(pl.col(f"voie_{c}").str.replace(_TYPE_DE_VOIE, "").alias(f"nom_{c}") for c in ("a", "b"))
    jw = process.cpdist(
        parties["voie_a"].to_list(),
        parties["voie_b"].to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    # Le nom de la voie, sans son type ni son article, doit aussi se ressembler : sur la voie entière,
    # Jaro-Winkler voit surtout le début commun (RESIDENCE DES JARDINS / RESIDENCE DES HIRONDELLES).
    jw_nom = process.cpdist(
        parties["nom_a"].to_list(),
        parties["nom_b"].to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    meme_numero = parties.select(
        (pl.col("numero_a") == pl.col("numero_b"))
        | pl.col("numero_a").is_null()
        | pl.col("numero_b").is_null()
    ).to_series()
    return pl.Series((jw >= SEUIL_ADRESSE) & (jw_nom >= SEUIL_RESSEMBLANT)) & meme_numero


def niveau_adresse(paires: pl.DataFrame) -> pl.Series:
    """Même adresse (même numéro, même code postal quand ils sont connus), même commune, ou autre lieu."""
    meme_cp = pl.col("code_postal") == pl.col("code_postal_i")
    # Deux codes postaux différents excluent « egale » : la comparaison des voies n'y sert pas.
    meme = par_couple(paires, "adresse", "adresse_i", _meme_adresse, meme_cp.fill_null(True))
    meme_commune = meme_cp.fill_null(False) | (pl.col("commune") == pl.col("commune_i")).fill_null(False)
    rien = (
        (pl.col("adresse").is_null() | pl.col("adresse_i").is_null())
        & (pl.col("code_postal").is_null() | pl.col("code_postal_i").is_null())
        & (pl.col("commune").is_null() | pl.col("commune_i").is_null())
    )
    niveau = _niveau(
        [pl.col("_meme").fill_null(False) & meme_cp.fill_null(True), meme_commune],
        rien,
    )
    return paires.with_columns(meme.alias("_meme")).select(niveau.alias("adresse"))["adresse"]


def comparer(familles: pl.DataFrame, inscrits: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """Niveaux de tous les champs (une colonne Int8 par champ) et drapeau d'inversion nom/prénom des
    paires ``index`` (rangs ``fi`` dans ``familles``, ``ii`` dans ``inscrits``)."""
    fi, ii = index["fi"], index["ii"]

    def colonnes(*noms: str) -> pl.DataFrame:
        return _colonnes(familles, inscrits, fi, ii, noms, noms)

    nom = niveau_nom(familles, inscrits, fi, ii)
    prenom = niveau_prenom(familles, inscrits, fi, ii)
    # Nom et prénom échangés : on compare dans l'autre sens, compté comme accord « proche ». Seules
    # les paires au nom ou au prénom moins que proche sont concernées : l'inversion n'est cherchée
    # que là.
    nom_proche, prenom_proche = niveau("nom", "proche"), niveau("prenom", "proche")
    eloignes = pl.select(
        (nom.fill_null(ABSENT_JAMAIS_RETENU) > nom_proche)
        | (prenom.fill_null(ABSENT_JAMAIS_RETENU) > prenom_proche)
    ).to_series()
    lignes = eloignes.arg_true()
    listes = ("noms_ph", "prenoms_ph")
    inverse = (
        pl.select(pl.repeat(False, fi.len(), dtype=pl.Boolean))
        .to_series()
        .scatter(
            lignes,
            inversion_nom_prenom(
                _colonnes(familles, inscrits, fi.gather(lignes), ii.gather(lignes), listes, listes)
            ),
        )
    )
    return pl.DataFrame(
        {
            "nom": pl.select(pl.when(inverse).then(pl.lit(nom_proche, pl.Int8)).otherwise(nom)).to_series(),
            "prenom": pl.select(
                pl.when(inverse).then(pl.lit(prenom_proche, pl.Int8)).otherwise(prenom)
            ).to_series(),
            "date_naissance": niveau_date(colonnes("date")),
            "sexe": niveau_sexe(colonnes("sexe")),
            "adresse": niveau_adresse(colonnes("adresse", "code_postal", "commune")),
            "inversion": inverse,
        }
    )
