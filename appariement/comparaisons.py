"""Comparaisons champ par champ d'une paire (enfant de la liste CAF/MSA, inscrit).

Chaque comparaison donne un niveau d'accord (0 = le meilleur) ou null si l'un des deux côtés
manque. Elles travaillent sur une table de paires où les colonnes de l'enfant portent leur nom
préparé (``normalisation.preparer``) et celles de l'inscrit le suffixe ``_i``. Les similarités de
chaînes (rapidfuzz) sont calculées une fois par couple de valeurs distinct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
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
        "annee_chiffre",
        "differente",
    ),
    "sexe": ("egal", "different"),
    "adresse": ("egale", "meme_commune", "differente"),
}
"""Niveaux d'accord de chaque champ, du plus fort au plus faible."""

CHAMPS: tuple[str, ...] = tuple(NIVEAUX)

SEUIL_PROCHE = 0.92
SEUIL_RESSEMBLANT = 0.80
SEUIL_ADRESSE = 0.90
JOURS_PROCHES = 7


def _cle_couple(gauche: str, droite: str) -> pl.Expr:
    """Entier unique d'un couple de valeurs catégorielles (null si l'une manque)."""
    return pl.col(gauche).to_physical().cast(pl.UInt64) * (1 << 32) + pl.col(droite).to_physical().cast(
        pl.UInt64
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
    """Vrai si les mots de ``a`` sont tous dans ``b``, ou l'inverse (token_set_ratio de 100).

    Deux textes d'un seul mot ne s'incluent que s'ils sont égaux : rapidfuzz n'est appelé que là
    où l'un des deux a plusieurs mots (peu de noms, des prénoms composés)."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    resultat = couples.select((pl.col("a") == pl.col("b")) & (pl.col("a") != "")).to_series()
    plusieurs_mots = pl.col("a").str.contains(r"\s") | pl.col("b").str.contains(r"\s")
    lignes = couples.select(pl.arg_where(plusieurs_mots)).to_series()
    if lignes.len():
        mots = couples[lignes]
        scores = process.cpdist(
            mots["a"].to_list(), mots["b"].to_list(), scorer=fuzz.token_set_ratio, workers=-1
        )
        resultat = resultat.scatter(lignes, pl.Series(scores >= 100))
    return resultat


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


def _niveau_nom(paires: pl.DataFrame, cote_i: str) -> pl.Series:
    """Niveau d'accord entre le nom de l'enfant et un nom de l'inscrit (naissance ou usage)."""
    c, cs, c_i, cs_i = pl.col("nom_c"), pl.col("nom_cs"), pl.col(f"{cote_i}_c_i"), pl.col(f"{cote_i}_cs_i")
    # L'école connaît l'enfant sous le nom de l'allocataire (souvent celui du père) ou d'un frère ou
    # d'une sœur du même foyer.
    famille = pl.col("noms_foyer").list.contains(cs_i)
    meme_phonetique = pl.col("nom_ph") == pl.col(f"{cote_i}_ph_i")
    # Chaque mesure n'est calculée que pour les paires dont le niveau en dépend encore : noms
    # différents pour les ensembles de mots ; mots de l'un pas tous dans l'autre pour le suffixe ;
    # ni suffixe, ni nom de la famille, ni même clé phonétique pour Jaro-Winkler.
    differents = ~((c == c_i) | (cs == cs_i)).fill_null(False)
    paires = paires.with_columns(
        par_couple(paires, "nom_t", f"{cote_i}_t_i", _inclus, differents).alias("_ens")
    )
    sans_ensemble = differents & ~pl.col("_ens").fill_null(False)
    # Nom composé réduit à une partie, ou particule collée (DELAFONTAINE / LAFONTAINE).
    paires = paires.with_columns(
        (
            par_couple(paires, "nom_c", f"{cote_i}_cs_i", _fin, sans_ensemble)
            | par_couple(paires, f"{cote_i}_c_i", "nom_cs", _fin, sans_ensemble)
        ).alias("_suffixe")
    )
    eloignes = (
        sans_ensemble
        & ~pl.col("_suffixe").fill_null(False)
        & ~famille.fill_null(False)
        & ~meme_phonetique.fill_null(False)
    )
    paires = paires.with_columns(jaro_winkler(paires, "nom_cs", f"{cote_i}_cs_i", eloignes).alias("_jw"))
    # Une seule faute de frappe dans un nom de quatre lettres au moins (MARTIN / MARTAN) : Jaro-Winkler
    # la classe souvent « ressemblant », le niveau des noms voisins d'autres familles.
    pas_proche = eloignes & ~(pl.col("_jw") >= SEUIL_PROCHE).fill_null(False)
    paires = paires.with_columns(
        par_couple(paires, "nom_cs", f"{cote_i}_cs_i", _faute_dans_un_nom, pas_proche).alias("_faute")
    )
    # Une faute dans une partie d'un nom composé : Jaro-Winkler sur le nom entier n'y voit presque rien.
    # Un nom de plusieurs mots est le seul dont les formes avec et sans espaces diffèrent.
    plusieurs_mots = (pl.col("nom_t") != cs) | (pl.col(f"{cote_i}_t_i") != cs_i)
    partie = pas_proche & ~pl.col("_faute").fill_null(False) & plusieurs_mots.fill_null(False)
    paires = paires.with_columns(
        par_couple(paires, "nom_t", f"{cote_i}_t_i", _faute_dans_une_partie, partie).alias("_partie")
    )
    niveau = _niveau(
        [
            (c == c_i) | (cs == cs_i),
            pl.col("_ens").fill_null(False) | pl.col("_suffixe").fill_null(False),
            famille,
            meme_phonetique
            | (pl.col("_jw") >= SEUIL_PROCHE)
            | pl.col("_faute").fill_null(False)
            | pl.col("_partie").fill_null(False),
            pl.col("_jw") >= SEUIL_RESSEMBLANT,
        ],
        c.is_null() | c_i.is_null(),
    )
    return paires.select(niveau.alias("nom"))["nom"]


def niveau_nom(paires: pl.DataFrame) -> pl.Series:
    """Meilleur accord du nom de l'enfant avec le nom de naissance ou le nom d'usage de l'inscrit."""
    naissance = _niveau_nom(paires, "nom")
    # Peu de fiches ont un nom d'usage : on ne compare que celles-là.
    avec_usage = paires.select(pl.arg_where(pl.col("usage_c_i").is_not_null()))["usage_c_i"]
    if avec_usage.len() == 0:
        return naissance
    usage = pl.Series("nom", [None] * paires.height, dtype=pl.Int8).scatter(
        avec_usage, _niveau_nom(paires[avec_usage], "usage")
    )
    return pl.select(pl.min_horizontal(naissance, usage).alias("nom"))["nom"]


def _une_faute(couples: pl.DataFrame, lettres_min: int = 2) -> pl.Series:
    """Vrai si ``a`` et ``b`` (``lettres_min`` lettres au moins) ne diffèrent que d'une lettre
    ajoutée, ôtée, changée, ou de deux lettres voisines échangées."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    distances = process.cpdist(
        couples["a"].to_list(), couples["b"].to_list(), scorer=OSA.distance, workers=-1
    )
    courts = couples.select(pl.min_horizontal(pl.col("a").str.len_chars(), pl.col("b").str.len_chars()))
    return pl.Series(distances <= 1) & (courts.to_series() >= lettres_min)


def _faute_dans_un_nom(couples: pl.DataFrame) -> pl.Series:
    return _une_faute(couples, lettres_min=4)


def _faute_dans_une_partie(couples: pl.DataFrame) -> pl.Series:
    """Vrai si chaque mot du nom le plus court (``a`` ou ``b``, mots séparés par des espaces) est un
    mot de l'autre, à une faute près dans un mot de quatre lettres au moins : une partie d'un nom
    composé mal tapée (KOWALCZYK NOWAK / NOWAK KOWALCZIK). Pour des couples dont l'un des deux
    noms au moins a plusieurs mots : peu de noms en ont, la boucle reste courte."""

    def proches(mot: str, autre: str) -> bool:
        return mot == autre or (
            min(len(mot), len(autre)) >= 4 and OSA.distance(mot, autre, score_cutoff=1) <= 1
        )

    def inclus(a: str, b: str) -> bool:
        mots_a, mots_b = a.split(), b.split()
        court, long = (mots_a, mots_b) if len(mots_a) <= len(mots_b) else (mots_b, mots_a)
        return all(any(proches(mot, autre) for autre in long) for mot in court)

    return pl.Series(
        [inclus(a, b) for a, b in zip(couples["a"], couples["b"], strict=True)], dtype=pl.Boolean
    )


def niveau_prenom(paires: pl.DataFrame) -> pl.Series:
    """Accord des prénoms : premier prénom, un prénom commun (un seul prénom d'un côté), proximité."""
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


def _aaaammjj(jour: pl.Expr) -> pl.Expr:
    return jour.dt.year() * 10000 + jour.dt.month().cast(pl.Int32) * 100 + jour.dt.day().cast(pl.Int32)


def _chiffres_differents(gauche: pl.Expr, droite: pl.Expr) -> pl.Expr:
    """Nombre de positions où les deux dates AAAAMMJJ n'ont pas le même chiffre."""
    return pl.sum_horizontal(
        [((gauche // 10**rang) % 10 != (droite // 10**rang) % 10).cast(pl.Int8) for rang in range(8)]
    )


def expr_niveau_date(gauche: pl.Expr, droite: pl.Expr) -> pl.Expr:
    """Accord de deux dates : exacte, jour et mois inversés, année ±1, un chiffre faux, quelques jours,
    un chiffre de l'année faux (plus d'un an d'écart).

    Les valeurs intermédiaires (dates en entiers AAAAMMJJ, nombre de chiffres différents) sont des
    champs d'une struct, calculés une seule fois : répétées dans l'expression, elles seraient
    recalculées à chaque usage (plusieurs secondes sur 4 M de paires).
    """
    g, d = pl.field("g"), pl.field("d")
    entier_g, entier_d = pl.field("entier_g"), pl.field("entier_d")
    annee_g, annee_d = entier_g // 10000, entier_d // 10000
    mois_g, mois_d = entier_g // 100 % 100, entier_d // 100 % 100
    jour_g, jour_d = entier_g % 100, entier_d % 100
    ecart_annees = (annee_g - annee_d).abs()
    un_chiffre = pl.field("chiffres_differents") == 1
    niveau = _niveau(
        [
            g == d,
            (annee_g == annee_d) & (mois_g == jour_d) & (jour_g == mois_d),
            (ecart_annees == 1) & (mois_g == mois_d) & (jour_g == jour_d),
            # Un chiffre de l'année faux à plus d'un an d'écart : niveau à part (annee_chiffre), car
            # c'est aussi le portrait d'un frère ou d'une sœur.
            un_chiffre & (ecart_annees <= 1),
            (g - d).dt.total_days().abs() <= JOURS_PROCHES,
            un_chiffre,
        ],
        g.is_null() | d.is_null(),
    )
    return (
        pl.struct(gauche.alias("g"), droite.alias("d"))
        .struct.with_fields(_aaaammjj(g).alias("entier_g"), _aaaammjj(d).alias("entier_d"))
        .struct.with_fields(_chiffres_differents(entier_g, entier_d).alias("chiffres_differents"))
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


def _meme_adresse(couples: pl.DataFrame) -> pl.Series:
    """Vrai si les adresses ``a`` et ``b`` se ressemblent (Jaro-Winkler) et portent le même numéro
    quand les deux en ont un : « 1 RUE DU LAVOIR » et « 7 RUE DU LAVOIR » sont deux foyers voisins."""
    if couples.height == 0:
        return pl.Series([], dtype=pl.Boolean)
    parties = couples.select(
        *[pl.col(c).str.extract(r"^(\d+)").alias(f"numero_{c}") for c in ("a", "b")],
        *[pl.col(c).str.replace(r"^\d+ *", "").alias(f"voie_{c}") for c in ("a", "b")],
    )
    jw = process.cpdist(
        parties["voie_a"].to_list(),
        parties["voie_b"].to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    meme_numero = parties.select(
        (pl.col("numero_a") == pl.col("numero_b"))
        | pl.col("numero_a").is_null()
        | pl.col("numero_b").is_null()
    ).to_series()
    return pl.Series(jw >= SEUIL_ADRESSE) & meme_numero


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


def comparer(paires: pl.DataFrame) -> pl.DataFrame:
    """Niveaux de tous les champs (une colonne Int8 par champ) et drapeau d'inversion nom/prénom."""
    nom = niveau_nom(paires)
    prenom = niveau_prenom(paires)
    # Nom et prénom échangés : on compare dans l'autre sens, compté comme accord « proche ». Seules
    # les paires au nom ou au prénom moins que proche sont concernées : l'inversion n'est cherchée
    # que là.
    nom_proche, prenom_proche = NIVEAUX["nom"].index("proche"), NIVEAUX["prenom"].index("proche")
    eloignes = pl.select(
        (nom.fill_null(99) > nom_proche) | (prenom.fill_null(99) > prenom_proche)
    ).to_series()
    lignes = eloignes.arg_true()
    listes = paires.select("noms_ph", "prenoms_ph", "noms_ph_i", "prenoms_ph_i")[lignes]
    inverse = (
        pl.select(pl.repeat(False, paires.height, dtype=pl.Boolean))
        .to_series()
        .scatter(lignes, inversion_nom_prenom(listes))
    )
    return pl.DataFrame(
        {
            "nom": pl.select(pl.when(inverse).then(pl.lit(nom_proche, pl.Int8)).otherwise(nom)).to_series(),
            "prenom": pl.select(
                pl.when(inverse).then(pl.lit(prenom_proche, pl.Int8)).otherwise(prenom)
            ).to_series(),
            "date_naissance": niveau_date(paires),
            "sexe": niveau_sexe(paires),
            "adresse": niveau_adresse(paires),
            "inversion": inverse,
        }
    )
