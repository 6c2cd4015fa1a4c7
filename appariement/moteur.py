"""``apparier`` : décide, pour chaque enfant des listes CAF/MSA, s'il est retrouvé sur une liste.

Étapes : normalisation, paires candidates (blocage), niveaux d'accord par champ, score de
Fellegi–Sunter (poids log2(m/u), ajustés à la fréquence des noms et prénoms), affectation un-à-un
par meilleurs choix mutuels (puis échange des liens croisés qui y gagnent), puis statut. Un lien
n'est posé que si son score est haut et qu'aucun concurrent (un frère, une sœur, un jumeau, une
autre fiche) n'en approche : sinon la décision revient à une personne, avec les meilleurs candidats.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from appariement.age import est_soumis
from appariement.blocage import paires_candidates
from appariement.comparaisons import CHAMPS, NIVEAUX, comparer
from appariement.modele import Modele, estimer, modele_par_defaut
from appariement.normalisation import Contexte, preparer

STATUTS: tuple[str, ...] = ("apparie", "a_verifier", "non_apparie", "hors_obligation", "instruction_declaree")

COLONNES_FAMILLES: tuple[str, ...] = (
    "id", "nom", "prenoms", "date_naissance", "sexe", "nom_allocataire", "prenom_allocataire", "adresse",
    "code_postal", "commune",
)  # fmt: skip
COLONNES_INSCRITS: tuple[str, ...] = (
    "id", "nom", "nom_usage", "prenoms", "date_naissance", "sexe", "ine", "uai", "adresse", "code_postal",
    "commune", "mode",
)  # fmt: skip
_OBLIGATOIRES = ("id", "nom", "prenoms", "date_naissance")

SCHEMA_CANDIDATS = pl.List(pl.Struct({"id_inscrit": pl.String, "score": pl.Float64}))

_LIBELLES_MOTIFS = {
    "apparie": "fiche d'inscription retrouvée, sans concurrent proche",
    "instruction_declaree": (
        "retrouvé sur une liste d'instruction déclarée (IEF, CNED, hors contrat, médico-social)"
    ),
    "hors_obligation": "hors de l'âge de l'obligation d'instruction à la date de référence",
    "date_manquante": "date de naissance manquante : l'âge et l'identité sont à vérifier",
    "score_intermediaire": (
        "fiche ressemblante, mais score entre le seuil de revue et le seuil d'appariement "
        "(relevé quand la date de naissance n'est pas exacte ou que le nom n'est que proche)"
    ),
    "desaccord": (
        "score élevé, mais le prénom, le sexe ou la date de naissance ne concordent pas : "
        "ce pourrait être un frère, une sœur ou un jumeau"
    ),
    "ecole_inhabituelle": (
        "l'école ne confirme pas l'adresse, et l'établissement n'accueille presque pas d'enfants de ce "
        "code postal : ce pourrait être un homonyme scolarisé ailleurs"
    ),
    "concurrent": "une autre fiche ou un autre enfant (frère, sœur, jumeau, doublon) obtient un score proche",
    "deja_prise": "la fiche la plus ressemblante est attribuée à un autre enfant avec un score proche",
    "aucun": "aucune fiche d'inscription assez ressemblante",
}


class DonneesInvalides(ValueError):
    """Une table d'entrée n'a pas les colonnes attendues."""


@dataclass(frozen=True)
class Reglages:
    """Seuils et paramètres du moteur (scores en bits : log2 du rapport de vraisemblance)."""

    seuil_apparie: float = 6.0
    # Une date approchée (pas exacte) est aussi le portrait d'un homonyme né à quelques jours ou un
    # an d'écart : il faut alors plus de preuves pour lier sans revue.
    supplement_date_approchee: float = 4.0
    # Sauf quand l'école, sans adresse, est de celles qu'on fréquente d'ordinaire depuis ce code postal
    # (poids au moins ``ecole_habituelle``) et que nom, prénom et sexe concordent : un homonyme devrait
    # alors être du même quartier, né à quelques jours d'écart ; ce supplément suffit.
    supplement_date_ecole_habituelle: float = 2.0
    ecole_habituelle: float = 1.0
    # De même pour un nom seulement proche ou différent (nom d'usage, faute… ou autre famille).
    supplement_nom_approche: float = 2.0
    seuil_revue: float = -4.0
    marge: float = 6.0
    nb_candidats: int = 3
    part_inscrits: float = 0.98
    taille_min_estimation: int = 2000
    paires_hasard: int = 200_000
    ajustement_frequence_max: float = 5.0
    # Quand l'école ne confirme pas l'adresse : l'établissement accueille-t-il d'ordinaire des enfants du
    # code postal de la famille ? Appris sur les liens sûrs du même appel, borné à ± cette valeur.
    ecole_poids_max: float = 6.0
    ecole_lissage: float = 10.0
    # En dessous de -ecole_veto bits (part du code postal au plus le quart de l'attendu), jamais de
    # lien sans revue…
    ecole_veto: float = 2.0
    # … sauf si ce veto enverrait en revue, à lui seul, plus que la part de fausses alertes admise
    # (0,3 % de la liste, et au moins ecole_veto_min enfants) d'enfants liés sans aucun autre doute :
    # dans cette commune, beaucoup d'enfants vont alors à l'école loin de chez eux (privé, options,
    # secteurs larges), et l'établissement ne pèse plus que par son poids.
    ecole_veto_part_max: float = 0.003
    ecole_veto_min: int = 20
    graine: int = 0


@dataclass
class Resultat:
    """Décisions (une ligne par ligne de ``familles``, dans le même ordre) et modèle utilisé."""

    decisions: pl.DataFrame
    modele: Modele
    nb_paires_candidates: int

    def comptes(self) -> dict[str, int]:
        presents = dict(self.decisions.group_by("statut").len().iter_rows())
        return {statut: int(presents.get(statut, 0)) for statut in STATUTS}


def _completer(table: pl.DataFrame, colonnes: tuple[str, ...], nom_table: str) -> pl.DataFrame:
    manquantes = [c for c in _OBLIGATOIRES if c not in table.columns]
    if manquantes:
        raise DonneesInvalides(
            f"table {nom_table} : colonnes obligatoires absentes : {', '.join(manquantes)}"
        )
    ajouts = [pl.lit(None, dtype=pl.String).alias(c) for c in colonnes if c not in table.columns]
    table = table.with_columns(ajouts) if ajouts else table
    texte = [c for c in colonnes if c != "date_naissance" and table.schema[c] != pl.String]
    table = table.with_columns([pl.col(c).cast(pl.String) for c in texte]) if texte else table
    if table.schema["date_naissance"] != pl.Date:
        raise DonneesInvalides(f"table {nom_table} : la colonne date_naissance doit être de type Date")
    return table


def _comparer(
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


def _niveaux_au_hasard(
    f: pl.DataFrame, i: pl.DataFrame, inscrits: pl.DataFrame, contexte: Contexte, reglages: Reglages
) -> pl.DataFrame:
    """Niveaux d'accord de paires tirées au hasard : presque toutes de deux personnes différentes."""
    index = _paires_au_hasard(f.height, i.height, reglages.paires_hasard, reglages.graine)
    return _comparer(f, i, inscrits, index, contexte)


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


def _scorer(
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
        plancher = max(modele.champs[champ].poids()[1:]) + 0.5
        resultat = resultat.with_columns(
            pl.when(pl.col(champ) == 0)
            .then((pl.col(f"poids_{champ}") + bonus).clip(lower_bound=plancher))
            .otherwise(pl.col(f"poids_{champ}"))
            .alias(f"poids_{champ}")
        )
    # Nom et prénom retrouvés tous deux : corrigés de leur dépendance (homonymes complets).
    nom_prenom = (pl.col("nom") <= NIVEAUX["nom"].index("compose")) & (
        pl.col("prenom") <= NIVEAUX["prenom"].index("premier_commun")
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


NIVEAUX_ECOLE: tuple[str, ...] = ("habituelle", "inhabituelle")
"""Niveaux du champ « ecole » de l'explication (« manquant » : adresse confirmée, ou pas d'UAI)."""


def _par_rang(nombre: int, rangs: pl.Series, valeurs: pl.Series) -> pl.Series:
    """Série de ``nombre`` valeurs, nulles sauf aux ``rangs`` donnés : une table indexée par rang de
    ligne, qu'on lit ensuite par ``gather`` au lieu d'une jointure."""
    return pl.select(pl.repeat(None, nombre, dtype=valeurs.dtype)).to_series().scatter(rangs, valeurs)


def _poids_ecole(
    notes: pl.DataFrame, lien: pl.Series, lieux: pl.Series, ecoles: pl.Series, reglages: Reglages
) -> pl.Series:
    """Poids en bits de l'établissement fréquenté, pour les paires dont l'école ne confirme pas
    l'adresse (elle ne l'a pas, ou en a une autre : déménagement, ou homonyme d'ailleurs).

    Un enfant va d'ordinaire à l'école près de chez lui. Sur les liens sûrs (score au moins
    ``seuil_apparie``), on compte, pour chaque établissement (UAI), les codes postaux des familles
    de ses élèves. Le poids d'une paire est log2(p / q) : p, la part du code postal de la famille
    parmi les élèves déjà liés à cet établissement (lissée vers q) ; q, la part de ce code postal
    parmi tous les enfants de la liste CAF (ce que donnerait une fiche prise au hasard). Il
    départage ainsi deux homonymes dont l'un est scolarisé dans une autre commune.
    ``lien`` : fiche liée à chaque famille au premier tour (par ``fi``) ; ``lieux`` : code postal
    de chaque famille ; ``ecoles`` : UAI de chaque inscrit (par ``ii``) ; tous deux catégoriels.
    """
    # Codes entiers plutôt que textes ; la part q de chaque code postal, calculée par famille, se lit
    # par ``fi`` comme le reste : ni chaîne copiée ni jointure sur les millions de paires.
    lieu = lieux.to_physical()
    familles = pl.DataFrame({"lieu": lieu}).select(
        pl.when(pl.col("lieu").is_not_null()).then(pl.len().over("lieu") / pl.col("lieu").count()).alias("q")
    )
    paires = notes.select(
        "score",
        lieu.gather(notes["fi"]).alias("lieu"),
        familles["q"].gather(notes["fi"]).alias("q"),
        ecoles.to_physical().gather(notes["ii"]).alias("uai"),
        (lien.gather(notes["fi"]) == notes["ii"]).fill_null(False).alias("lie"),
        (pl.col("adresse").fill_null(1) != NIVEAUX["adresse"].index("egale")).alias("non_confirmee"),
    )
    surs = paires.filter(pl.col("lie") & (pl.col("score") >= reglages.seuil_apparie)).drop_nulls(
        ["lieu", "uai"]
    )
    comptes = surs.group_by("uai", "lieu").len("n").with_columns(pl.col("n").sum().over("uai").alias("total"))
    lissage = reglages.ecole_lissage
    a_peser = paires.with_row_index("k").filter(pl.col("non_confirmee")).drop_nulls(["lieu", "uai"])
    poids = (
        a_peser.join(comptes.select("uai", "total").unique(), on="uai")
        .join(comptes.select("uai", "lieu", "n"), on=["uai", "lieu"], how="left")
        .select(
            "k",
            (((pl.col("n").fill_null(0) + lissage * pl.col("q")) / (pl.col("total") + lissage)) / pl.col("q"))
            .log(2)
            .clip(-reglages.ecole_poids_max, reglages.ecole_poids_max)
            .alias("poids_ecole"),
        )
    )
    return _par_rang(notes.height, poids["k"], poids["poids_ecole"]).alias("poids_ecole")


def _affecter(paires: pl.DataFrame, seuil: float) -> pl.DataFrame:
    """Un-à-un par meilleurs choix mutuels : chaque tour lie les paires où l'enfant et la fiche se
    préfèrent l'un l'autre, puis les retire. La meilleure paire restante est toujours mutuelle.
    Les liens croisés qui gagnent à être échangés le sont ensuite (voir ``_echanger``)."""
    ordre = ["score", "fi", "ii"]
    possibles = (
        paires.filter(pl.col("score") >= seuil)
        .select("fi", "ii", "score")
        .sort(ordre, descending=[True, False, False])
    )
    libres = possibles
    retenus = []
    while libres.height:
        # Triées par score décroissant : la première paire d'un enfant est son meilleur choix, la
        # première d'une fiche le sien.
        mutuels = libres.filter(pl.col("fi").is_first_distinct() & pl.col("ii").is_first_distinct())
        retenus.append(mutuels)
        libres = libres.filter(
            ~pl.col("fi").is_in(mutuels["fi"].implode()) & ~pl.col("ii").is_in(mutuels["ii"].implode())
        )
    if not retenus:
        return pl.DataFrame(schema={"fi": pl.UInt32, "ii": pl.UInt32, "score": pl.Float64})
    return _echanger(possibles, pl.concat(retenus))


# Un gain plus petit ne viendrait que de l'arrondi des sommes de scores : pas d'échange.
_GAIN_MIN_ECHANGE = 1e-6


def _echanger(possibles: pl.DataFrame, liens: pl.DataFrame) -> pl.DataFrame:
    """Échange deux liens croisés quand la somme des scores y gagne : a→x et b→y deviennent a→y et
    b→x si s(a,y) + s(b,x) > s(a,x) + s(b,y).

    Les meilleurs choix mutuels prennent d'abord la paire au plus haut score. Entre deux jumeaux,
    ce peut être la mauvaise : LEA a la même adresse que la fiche de LENA (11 bits) mais pas sa
    propre fiche, qui n'a pas d'adresse ; LEA prend la fiche de LENA, et LENA, reste, celle de
    LEA. L'adresse commune ne départage pas deux jumeaux ; les deux prénoms exacts, si : la
    somme des scores le dit. Chaque tour échange, parmi les couples de liens qui y gagnent,
    ceux qui sont le meilleur échange de leurs deux enfants ; les enfants liés et les fiches
    prises restent les mêmes.
    """
    # Le couple (enfant, fiche) en un seul entier : la paire (b, x) se retrouve par une jointure simple.
    cle = pl.col("fi").cast(pl.UInt64) * (1 << 32) + pl.col("ii")
    scores = possibles.select(cle.alias("_bx"), pl.col("score").alias("s_bx"))
    nb_f, nb_i = possibles.select(pl.col("fi").max() + 1, pl.col("ii").max() + 1).row(0)
    while True:
        # Lien de chaque enfant et de chaque fiche, lus par rang plutôt que par jointure.
        x, s_ax = (_par_rang(nb_f, liens["fi"], liens[c]) for c in ("ii", "score"))
        b, s_by = (_par_rang(nb_i, liens["ii"], liens[c]) for c in ("fi", "score"))
        echanges = (
            possibles.with_columns(
                pl.lit(x).gather(pl.col("fi")).alias("x"),
                pl.lit(s_ax).gather(pl.col("fi")).alias("s_ax"),
                pl.lit(b).gather(pl.col("ii")).alias("b"),
                pl.lit(s_by).gather(pl.col("ii")).alias("s_by"),
            )
            .filter(pl.col("x").is_not_null() & pl.col("b").is_not_null() & (pl.col("b") != pl.col("fi")))
            .with_columns((pl.col("b").cast(pl.UInt64) * (1 << 32) + pl.col("x")).alias("_bx"))
            .join(scores, on="_bx")
            .select(
                pl.col("fi").alias("a"),
                "b",
                (pl.col("score") + pl.col("s_bx") - pl.col("s_ax") - pl.col("s_by")).alias("gain"),
            )
            # Chaque échange est vu depuis ses deux enfants : on le garde une fois.
            .filter((pl.col("gain") > _GAIN_MIN_ECHANGE) & (pl.col("a") < pl.col("b")))
            .sort(["gain", "a", "b"], descending=[True, False, False])
            .with_row_index("rang")
        )
        if echanges.height == 0:
            return liens
        # Le meilleur échange de chaque enfant ; retenu s'il l'est pour ses deux enfants.
        meilleurs = (
            echanges.select("rang", pl.concat_list("a", "b").alias("enfant"))
            .explode("enfant")
            .group_by("enfant")
            .agg(pl.col("rang").min())
        )
        retenus = echanges.join(meilleurs.rename({"enfant": "a"}), on=["a", "rang"]).join(
            meilleurs.rename({"enfant": "b"}), on=["b", "rang"]
        )
        # a prend la fiche de b, b celle de a.
        fiches = liens.select("fi", "ii")
        nouveaux = pl.concat(
            [
                retenus.join(fiches, left_on="b", right_on="fi").select(pl.col("a").alias("fi"), "ii"),
                retenus.join(fiches, left_on="a", right_on="fi").select(pl.col("b").alias("fi"), "ii"),
            ]
        ).join(possibles, on=["fi", "ii"])
        liens = pl.concat([liens.filter(~pl.col("fi").is_in(nouveaux["fi"].implode())), nouveaux])


def _doutes(paires: pl.DataFrame, nb_familles: int, nb_inscrits: int, reglages: Reglages) -> pl.DataFrame:
    """Pour chaque enfant : un concurrent proche de son lien, ou une fiche plausible prise de peu.

    ``paires`` porte ``lie`` (la paire est le lien de son enfant). La paire du lien de chaque enfant
    et de chaque fiche est repérée par son rang dans ``paires`` : ses score, adresse… se lisent par
    index.
    """
    liees = paires.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("k"), "fi", "ii", "lie").filter("lie")
    k_f = pl.lit(_par_rang(nb_familles, liees["fi"], liees["k"])).gather(pl.col("fi"))
    k_i = pl.lit(_par_rang(nb_inscrits, liees["ii"], liees["k"])).gather(pl.col("ii"))
    autres = paires.select(
        "fi",
        "ii",
        "score",
        "nom",
        "prenom",
        "liable",
        "lie",
        pl.col("score").gather(k_f).alias("lien_f"),
        pl.col("liable").gather(k_f).fill_null(False).alias("lien_f_liable"),
        (pl.col("adresse").gather(k_f).fill_null(1) == NIVEAUX["adresse"].index("egale")).alias(
            "adresse_confirmee"
        ),
        pl.col("score").gather(k_i).alias("lien_i"),
        pl.col("fi").gather(k_i).alias("fi_lien_i"),
    ).filter((pl.col("score") >= reglages.seuil_revue) & ~pl.col("lie"))
    marge = reglages.marge
    # Un concurrent resté sans lien met toujours le lien en doute. Lié ailleurs, il ne le fait que
    # s'il porte exactement les mêmes nom et prénom et que l'adresse ne confirme pas le lien : deux
    # homonymes de familles différentes, sans adresse à l'école, peuvent cacher un enfant absent lié
    # à la fiche d'un élève hors liste CAF (un jumeau au prénom voisin, lui, se distingue).
    # Un enfant évincé d'une fiche (resté sans lien, ou lié ailleurs à une fiche qui ne tiendrait
    # pas seule), parce qu'un autre l'a prise de peu (un jumeau absent, un homonyme), ou alors
    # qu'elle aurait pu lui être liée sans revue (deux enfants de la liste CAF pour une seule
    # fiche : l'un des deux n'est pas scolarisé là), met en doute le lien de l'autre, et reste
    # lui-même à vérifier.
    homonyme = (pl.col("nom") == NIVEAUX["nom"].index("exact")) & (
        pl.col("prenom") == NIVEAUX["prenom"].index("exact")
    )
    fiche_libre = autres.filter(
        pl.col("lien_f").is_not_null()
        & (pl.col("lien_i").is_null() | (homonyme & ~pl.col("adresse_confirmee")))
        & (pl.col("score") >= pl.col("lien_f") - marge)
    ).select("fi")
    evinces = autres.filter(
        pl.col("lien_i").is_not_null()
        & (pl.col("lien_f").is_null() | ((pl.col("score") > pl.col("lien_f")) & ~pl.col("lien_f_liable")))
        & ((pl.col("score") >= pl.col("lien_i") - marge) | pl.col("liable"))
    )
    cote_fiche = evinces.select(pl.col("fi_lien_i").alias("fi"))
    lies_ailleurs = evinces.filter(pl.col("lien_f").is_not_null()).select("fi")
    concurrents = (
        pl.concat([fiche_libre, cote_fiche, lies_ailleurs])
        .unique()
        .with_columns(pl.lit(True).alias("concurrent"))
    )
    prises = (
        evinces.filter(pl.col("lien_f").is_null())
        .select("fi")
        .unique()
        .with_columns(pl.lit(True).alias("deja_prise"))
    )
    return concurrents.join(prises, on="fi", how="full", coalesce=True)


def _eligibilite(familles: pl.DataFrame, date_reference: date) -> pl.DataFrame:
    """``est_soumis`` appliqué une fois par date de naissance distincte."""
    dates = familles.select(pl.col("date").unique().drop_nulls())["date"].to_list()
    return pl.DataFrame(
        {"date": dates, "soumis": [est_soumis(d, date_reference) for d in dates]},
        schema={"date": pl.Date, "soumis": pl.Boolean},
    )


def _ecole_inhabituelle(reglages: Reglages) -> pl.Expr:
    """L'école ne confirme pas l'adresse et l'établissement n'accueille presque pas d'enfants de ce code
    postal : c'est aussi le portrait d'un homonyme scolarisé dans une autre commune."""
    return pl.col("poids_ecole").fill_null(0.0) <= -reglages.ecole_veto


def _liable(reglages: Reglages, veto_ecole: bool = True) -> pl.Expr:
    """La paire serait liée sans revue si elle était seule : score suffisant, aucun désaccord (ni,
    avec ``veto_ecole``, d'établissement inhabituel)."""
    liable = (pl.col("score") >= _seuil(reglages)) & ~_desaccord_bloquant()
    return liable & ~_ecole_inhabituelle(reglages) if veto_ecole else liable


def _veto_ecole(notes: pl.DataFrame, nb_familles: int, reglages: Reglages) -> bool:
    """Vrai si l'établissement inhabituel doit envoyer en revue dans cette campagne.

    Le veto protège d'un homonyme scolarisé dans une autre commune, là où presque tous les enfants
    vont à l'école de leur quartier. Là où beaucoup d'enfants retrouvés sans aucun autre doute
    fréquentent un établissement « inhabituel » (plus de ``ecole_veto_part_max`` de la liste et au
    moins ``ecole_veto_min`` enfants), c'est la façon dont on se scolarise dans la commune, pas un
    signe d'homonymie : le poids de l'établissement, déjà compté dans le score, suffit.
    ``notes`` porte ``lie`` et ``poids_ecole``.
    """
    ecartes = notes.filter(
        pl.col("lie") & _liable(reglages, veto_ecole=False) & _ecole_inhabituelle(reglages)
    )
    return ecartes.height < max(reglages.ecole_veto_min, reglages.ecole_veto_part_max * nb_familles)


def _desaccord_bloquant() -> pl.Expr:
    """Ce qu'aucun score ne rattrape : un prénom sans rapport, un sexe différent sans prénom
    identique, une date sans rapport, une année à plusieurs ans d'écart sans prénom identique, un
    prénom qui ne fait que ressembler avec une date qui n'est pas exacte (MAELYS et MAELLE nées à
    dix mois d'écart, sous le même toit, que l'adresse commune ferait monter très haut).
    C'est le portrait d'un frère, d'une sœur ou d'un jumeau : la fiche n'est jamais liée sans
    qu'une personne regarde."""
    date = pl.col("date_naissance").fill_null(0)
    prenom_exact = pl.col("prenom").fill_null(0) == 0
    return (
        (pl.col("prenom").fill_null(0) == NIVEAUX["prenom"].index("different"))
        | ((pl.col("sexe").fill_null(0) > 0) & ~prenom_exact)
        | (date == NIVEAUX["date_naissance"].index("differente"))
        | ((date == NIVEAUX["date_naissance"].index("annee_chiffre")) & ~prenom_exact)
        | ((pl.col("prenom").fill_null(0) == NIVEAUX["prenom"].index("ressemblant")) & (date > 0))
    )


def _seuil(reglages: Reglages) -> pl.Expr:
    """Score qu'une paire doit atteindre pour être liée sans revue, selon ses niveaux d'accord.

    Une date ou un nom seulement approchés relèvent le seuil : c'est aussi le portrait d'un
    homonyme d'une autre famille. Pas quand l'adresse est la même : sous un même toit, seul un
    frère, une sœur ou un jumeau pourrait ressembler, et le prénom ou la date les distinguent. Moins
    quand l'école, sans adresse, est celle du quartier et que nom, prénom et sexe concordent.
    """
    ailleurs = pl.col("adresse").fill_null(1) != NIVEAUX["adresse"].index("egale")
    # Une date manquante d'un côté ne confirme rien : elle demande les mêmes preuves qu'une date
    # approchée, même sous un même toit, où c'est la date qui distingue un frère ou une sœur.
    date_approchee = ((pl.col("date_naissance") > 0) & ailleurs) | pl.col("date_naissance").is_null()
    quartier = (
        pl.col("adresse").is_null()
        # Une seule faute dans la date (pas un jour ou un mois tout autre, jour_ou_mois).
        & (pl.col("date_naissance").fill_null(99) <= NIVEAUX["date_naissance"].index("quelques_jours"))
        & (pl.col("poids_ecole").fill_null(0.0) >= reglages.ecole_habituelle)
        & (pl.col("nom").fill_null(99) <= NIVEAUX["nom"].index("compose"))
        & (pl.col("prenom").fill_null(99) == NIVEAUX["prenom"].index("exact"))
        & (pl.col("sexe").fill_null(99) == NIVEAUX["sexe"].index("egal"))
    )
    supplement_date = (
        pl.when(quartier)
        .then(reglages.supplement_date_ecole_habituelle)
        .otherwise(reglages.supplement_date_approchee)
    )
    # Un nom et un prénom échangés (inversion) se retrouvent tous deux : ce n'est pas un nom seulement proche.
    nom_approche = (
        (pl.col("nom").fill_null(0) >= NIVEAUX["nom"].index("proche")) & ~pl.col("inversion") & ailleurs
    )
    return (
        pl.lit(reglages.seuil_apparie)
        + pl.when(date_approchee).then(supplement_date).otherwise(0.0)
        + pl.when(nom_approche).then(reglages.supplement_nom_approche).otherwise(0.0)
    )


def _json(valeur: pl.Expr) -> pl.Expr:
    """Un nombre ou un booléen écrit en JSON (``null`` s'il manque) : polars l'écrit comme JSON l'attend."""
    return valeur.cast(pl.String).fill_null("null")


def _objet_json(membres: dict[str, pl.Expr]) -> pl.Expr:
    """Un objet JSON dont chaque membre est une expression déjà écrite en JSON."""
    morceaux: list[pl.Expr] = []
    for rang, (nom, valeur) in enumerate(membres.items()):
        morceaux += [pl.lit(("{" if rang == 0 else ",") + json.dumps(nom) + ":"), valeur]
    return pl.concat_str([*morceaux, pl.lit("}")])


def _libelle_json(colonne: pl.Expr, libelles: Mapping[Any, str], manquant: str | None = None) -> pl.Expr:
    """La chaîne JSON du libellé de chaque valeur ; ``manquant`` (ou ``null``) si la valeur manque."""
    codes = {cle: json.dumps(libelle, ensure_ascii=False) for cle, libelle in libelles.items()}
    return colonne.replace_strict(codes, return_dtype=pl.String).fill_null(json.dumps(manquant))


def _champ_json(champ: str, niveau: pl.Expr, poids: pl.Expr) -> pl.Expr:
    """Le détail JSON d'un champ : son niveau d'accord (« manquant » s'il manque) et son poids."""
    return _objet_json(
        {
            "champ": pl.lit(json.dumps(champ)),
            "niveau": _libelle_json(niveau, dict(enumerate(NIVEAUX[champ])), "manquant"),
            "poids": _json(poids.fill_null(0.0).round(2)),
        }
    )


def _champ_json_par_niveau(champ: str, modele: Modele) -> pl.Expr:
    """``_champ_json`` d'un champ dont le poids ne dépend que du niveau (ni fréquence ni correction) :
    le texte de chaque niveau s'écrit une fois, puis se lit pour chaque ligne."""
    poids = modele.champs[champ].poids()
    niveaux = pl.DataFrame(
        {"niveau": [*range(len(poids)), None], "poids": [*poids, None]},
        schema={"niveau": pl.Int8, "poids": pl.Float64},
    )
    textes = niveaux.select(_champ_json(champ, pl.col("niveau"), pl.col("poids")))[:, 0]
    return (
        pl.col(champ)
        .replace_strict(niveaux["niveau"][:-1], textes[:-1], return_dtype=pl.String)
        .fill_null(textes[-1])
    )


def _explication(reglages: Reglages, modele: Modele, seuil: pl.Expr) -> pl.Expr:
    """L'explication de chaque décision, en JSON. Écrite en concaténant des chaînes : encoder des
    structures imbriquées (``struct.json_encode``) prenait 1,7 s pour 1 M de lignes, contre 1,0 s."""
    champs = [
        _champ_json(champ, pl.col(champ), pl.col(f"poids_{champ}"))
        if champ in CHAMPS_AJUSTES
        else _champ_json_par_niveau(champ, modele)
        for champ in CHAMPS
    ]
    ecole = _objet_json(
        {
            "champ": pl.lit(json.dumps("ecole")),
            "niveau": pl.when(pl.col("poids_ecole") >= 0)
            .then(pl.lit(json.dumps(NIVEAUX_ECOLE[0])))
            .when(pl.col("poids_ecole") < 0)
            .then(pl.lit(json.dumps(NIVEAUX_ECOLE[1])))
            .otherwise(pl.lit(json.dumps("manquant"))),
            "poids": _json(pl.col("poids_ecole").fill_null(0.0).round(2)),
        }
    )
    detail = (
        pl.when(pl.col("score").is_not_null())
        .then(pl.concat_str([pl.lit("["), pl.concat_str([*champs, ecole], separator=","), pl.lit("]")]))
        .otherwise(pl.lit("null"))
    )
    probabilite = 1.0 / (1.0 + (2.0 ** (-pl.col("score"))))
    return _objet_json(
        {
            "motif": _libelle_json(pl.col("motif"), _LIBELLES_MOTIFS),
            "score": _json(pl.col("score").round(2)),
            "probabilite": _json(probabilite.round(6)),
            "a_priori": _json(pl.col("a_priori").round(2)),
            "champs": detail,
            "inversion_nom_prenom": _json(pl.col("inversion")),
            "seuil_apparie": _json(seuil),
            "seuil_revue": pl.lit(json.dumps(reglages.seuil_revue)),
        }
    )


def comparer_fiches(famille: Mapping[str, object], inscrit: Mapping[str, object]) -> dict[str, str]:
    """Niveau d'accord de chaque champ entre deux fiches isolées (pour expliquer ou vérifier un cas).

    Les clés absentes valent null ; la date est une ``datetime.date``. Rend, par champ, le nom du
    niveau (« manquant » si l'un des côtés n'a pas la donnée), et ``inversion`` (« oui »/« non »).
    """
    contexte = Contexte()

    def table(fiche: Mapping[str, object], colonnes: tuple[str, ...], nom: str) -> pl.DataFrame:
        schema = {c: (pl.Date if c == "date_naissance" else pl.String) for c in colonnes}
        return _completer(pl.DataFrame([{c: fiche.get(c) for c in colonnes}], schema=schema), colonnes, nom)

    f = preparer(table(famille, COLONNES_FAMILLES, "familles"), inscrits=False, contexte=contexte)
    brute = table(inscrit, COLONNES_INSCRITS, "inscrits")
    i = preparer(brute, inscrits=True, contexte=contexte)
    paire = pl.DataFrame({"fi": [0], "ii": [0]}, schema={"fi": pl.UInt32, "ii": pl.UInt32})
    niveaux = _comparer(f, i, brute, paire, contexte).row(0, named=True)
    resultat = {
        champ: "manquant" if niveaux[champ] is None else NIVEAUX[champ][niveaux[champ]] for champ in CHAMPS
    }
    resultat["inversion"] = "oui" if niveaux["inversion"] else "non"
    return resultat


def apparier(
    familles: pl.DataFrame,
    inscrits: pl.DataFrame,
    date_reference: date,
    *,
    modele: Modele | None = None,
    reglages: Reglages | None = None,
) -> Resultat:
    """Décide, pour chaque enfant de ``familles``, s'il est retrouvé dans ``inscrits``.

    Les deux tables sont les tables canoniques (voir docs/appariement.md). Rien n'est lu ni écrit
    ailleurs, rien n'est journalisé. Sans ``modele``, m et u sont estimés sur les données (EM)
    quand elles sont assez grandes, sinon le modèle par défaut sert.
    """
    reglages = reglages or Reglages()
    # Dictionnaire de valeurs propre à cet appel, libéré ensuite.
    contexte = Contexte()
    familles = _completer(familles, COLONNES_FAMILLES, "familles")
    inscrits = _completer(inscrits, COLONNES_INSCRITS, "inscrits")
    # Les deux tables se préparent en même temps : une bonne part du travail ne tient qu'un cœur.
    with ThreadPoolExecutor(max_workers=2) as fils:
        preparation_f = fils.submit(preparer, familles, inscrits=False, contexte=contexte)
        preparation_i = fils.submit(preparer, inscrits, inscrits=True, contexte=contexte)
        f, i = preparation_f.result(), preparation_i.result()

    estimation = (
        modele is None
        and f.height >= reglages.taille_min_estimation
        and i.height >= reglages.taille_min_estimation
    )
    with ThreadPoolExecutor(max_workers=1) as fil:
        # Les paires au hasard (qui donnent u) se comparent pendant le blocage et la comparaison des
        # paires candidates : les deux calculs laissent chacun une part du second cœur libre.
        hasard = fil.submit(_niveaux_au_hasard, f, i, inscrits, contexte, reglages) if estimation else None
        index = paires_candidates(f, i)
        # Les colonnes des paires sont libérées au retour : les niveaux et les rangs (fi, ii) suffisent.
        niveaux = _comparer(f, i, inscrits, index, contexte).with_columns(
            index["fi"], index["ii"], index["regles"]
        )
        if modele is None:
            modele = modele_par_defaut()
            if hasard is not None:
                modele = estimer(niveaux, hasard.result(), modele)

    notes = _scorer(niveaux, f, i, modele, reglages).with_columns(pl.lit(i["mode"]).gather(pl.col("ii")))
    lien = _par_rang(f.height, *_affecter(notes, reglages.seuil_revue).select("fi", "ii"))
    # Second tour : l'établissement fréquenté, appris sur les liens sûrs du premier, départage les
    # fiches dont l'école ne confirme pas l'adresse.
    ecoles = inscrits["uai"].str.strip_chars().str.to_uppercase().cast(pl.Categorical(contexte.categories))
    notes = notes.with_columns(_poids_ecole(notes, lien, f["code_postal"], ecoles, reglages)).with_columns(
        pl.col("score") + pl.col("poids_ecole").fill_null(0.0)
    )
    lien = _par_rang(f.height, *_affecter(notes, reglages.seuil_revue).select("fi", "ii"))
    # Les index de lignes (fi, ii) sont les rangs dans f et i : un identifiant, une date ou le lien
    # d'un enfant se lisent par simple indexation, sans jointure.
    notes = notes.with_columns(
        (pl.col("ii") == pl.lit(lien).gather(pl.col("fi"))).fill_null(False).alias("lie")
    )
    veto_ecole = _veto_ecole(notes, f.height, reglages)
    notes = notes.with_columns(_liable(reglages, veto_ecole).alias("liable"))
    doutes = _doutes(notes, f.height, i.height, reglages)

    ordre = (
        notes.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("k"), "fi", "ii", "score", "lie")
        .sort(["fi", "score", "ii"], descending=[False, True, False])
        .with_columns(pl.lit(i["id"]).gather(pl.col("ii")).alias("id_inscrit"))
    )
    meilleurs = ordre.group_by("fi", maintain_order=True).agg(
        pl.struct("id_inscrit", pl.col("score").cast(pl.Float64))
        .head(reglages.nb_candidats)
        .alias("candidats"),
        # La paire expliquée : le lien retenu, sinon le meilleur candidat.
        pl.coalesce(pl.col("k").filter(pl.col("lie")).first(), pl.col("k").first()).alias("k"),
    )
    retenue = notes[meilleurs["k"]].with_columns(
        pl.lit(i["id"]).gather(pl.col("ii")).alias("id_lie"),
        pl.lit(i["date"]).gather(pl.col("ii")).alias("date_lie"),
        meilleurs["candidats"],
    )
    table = (
        f.select(pl.col("idx").alias("fi"), pl.col("id").alias("id_famille"), "date")
        .join(retenue, on="fi", how="left", maintain_order="left")
        .join(doutes, on="fi", how="left", maintain_order="left")
        .join(_eligibilite(f, date_reference), on="date", how="left", maintain_order="left")
        .join(
            _eligibilite(i, date_reference).rename({"date": "date_lie", "soumis": "soumis_lie"}),
            on="date_lie",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("lie").fill_null(False), pl.col("concurrent").fill_null(False))
        .with_columns(pl.col("deja_prise").fill_null(False))
    )
    seuil = _seuil(reglages)
    sur = pl.col("lie") & ~pl.col("concurrent") & _liable(reglages, veto_ecole)
    motif = (
        # Sans date à la CAF, l'âge se lit sur la fiche liée sans aucun doute ; sinon, à vérifier.
        pl.when(pl.col("date").is_null() & ~(sur & pl.col("soumis_lie").fill_null(False)))
        .then(pl.lit("date_manquante"))
        # Hors obligation selon la CAF, sauf si une fiche liée sans doute possible, à une date voisine,
        # dit le contraire : la date de la CAF est alors sans doute mal saisie.
        .when(~pl.col("soumis") & ~(sur & pl.col("soumis_lie").fill_null(False)))
        .then(pl.lit("hors_obligation"))
        .when(pl.col("lie") & pl.col("concurrent"))
        .then(pl.lit("concurrent"))
        .when(pl.col("lie") & (pl.col("score") < seuil))
        .then(pl.lit("score_intermediaire"))
        .when(pl.col("lie") & _desaccord_bloquant())
        .then(pl.lit("desaccord"))
        .when(pl.col("lie") & _ecole_inhabituelle(reglages) & pl.lit(veto_ecole))
        .then(pl.lit("ecole_inhabituelle"))
        .when(pl.col("lie") & (pl.col("mode") != "ecole"))
        .then(pl.lit("instruction_declaree"))
        .when(pl.col("lie"))
        .then(pl.lit("apparie"))
        .when(pl.col("deja_prise"))
        .then(pl.lit("deja_prise"))
        .otherwise(pl.lit("aucun"))
    )
    statut = pl.col("motif").replace_strict(
        {
            "date_manquante": "a_verifier",
            "hors_obligation": "hors_obligation",
            "concurrent": "a_verifier",
            "score_intermediaire": "a_verifier",
            "desaccord": "a_verifier",
            "ecole_inhabituelle": "a_verifier",
            "instruction_declaree": "instruction_declaree",
            "apparie": "apparie",
            "deja_prise": "a_verifier",
            "aucun": "non_apparie",
        },
        return_dtype=pl.String,
    )
    table = table.with_columns(motif.alias("motif")).with_columns(statut.alias("statut"))
    decisions = (
        table.lazy()
        .select(
            "id_famille",
            "statut",
            pl.when(pl.col("statut").is_in(["apparie", "instruction_declaree"]))
            .then(pl.col("id_lie"))
            .otherwise(None)
            .alias("id_inscrit"),
            pl.col("score").cast(pl.Float64),
            _explication(reglages, modele, seuil).alias("explication"),
            pl.col("candidats").fill_null(pl.lit([], dtype=SCHEMA_CANDIDATS)).cast(SCHEMA_CANDIDATS),
        )
        .collect(engine="streaming")
    )
    return Resultat(decisions=decisions, modele=modele, nb_paires_candidates=index.height)
