"""Règles de décision : quand une paire serait liée sans revue, et le motif puis le statut de chaque enfant.

Les règles nomment les niveaux d'accord (``niveau``) et disent ce que vaut une comparaison manquante
(``ABSENT_…``), plutôt que d'écrire des rangs."""

from __future__ import annotations

from datetime import date

import polars as pl

from appariement.age import est_soumis
from appariement.apprentissage import confirme_par_les_retours
from appariement.comparaisons import (
    ABSENT_COMPTE_COMME_ACCORD,
    ABSENT_JAMAIS_RETENU,
    ABSENT_NE_CONFIRME_PAS,
    niveau,
)
from appariement.fratrie import seuil_fratrie
from appariement.reglages import Reglages

STATUTS: tuple[str, ...] = ("apparie", "a_verifier", "non_apparie", "hors_obligation", "instruction_declaree")


def eligibilite(familles: pl.DataFrame, date_reference: date) -> pl.DataFrame:
    """``est_soumis`` appliqué une fois par date de naissance distincte."""
    dates = familles.select(pl.col("date").unique().drop_nulls())["date"].to_list()
    return pl.DataFrame(
        {"date": dates, "soumis": [est_soumis(d, date_reference) for d in dates]},
        schema={"date": pl.Date, "soumis": pl.Boolean},
    )


def ecole_inhabituelle(reglages: Reglages) -> pl.Expr:
    """L'école ne confirme pas l'adresse et l'établissement n'accueille presque pas d'enfants de ce code
    postal : c'est aussi le portrait d'un homonyme scolarisé dans une autre commune."""
    return pl.col("poids_ecole").fill_null(0.0) <= -reglages.ecole_veto


def preuve_faible() -> pl.Expr:
    """Ni le prénom ni la date ne se comparent (absents d'un côté ou de l'autre) : la paire ne tient
    qu'au nom, au sexe et à l'adresse, le portrait de tous les enfants d'une même famille. Une telle
    fiche n'est jamais liée sans qu'une personne regarde : elle ne cache pas un frère ou une sœur absent."""
    return pl.col("prenom").is_null() & pl.col("date_naissance").is_null()


def liable(reglages: Reglages, veto_ecole: bool = True) -> pl.Expr:
    """La paire serait liée sans revue si elle était seule : score suffisant et aucun désaccord (ou un
    motif que les personnes ont presque toujours dit « même enfant »), une preuve qui ne tient pas
    qu'au nom (ni, avec ``veto_ecole``, d'établissement inhabituel)."""
    preuves = (
        (pl.col("score") >= seuil(reglages)) & ~desaccord_bloquant(reglages)
    ) | confirme_par_les_retours()
    liable = preuves & ~preuve_faible()
    return liable & ~ecole_inhabituelle(reglages) if veto_ecole else liable


def veto_ecole(notes: pl.DataFrame, nb_familles: int, reglages: Reglages) -> bool:
    """Vrai si l'établissement inhabituel doit envoyer en revue dans cette campagne.

    Le veto protège d'un homonyme scolarisé dans une autre commune, là où presque tous les enfants
    vont à l'école de leur quartier. Là où beaucoup d'enfants retrouvés sans aucun autre doute
    fréquentent un établissement « inhabituel » (plus de ``ecole_veto_part_max`` de la liste et au
    moins ``ecole_veto_min`` enfants), c'est la façon dont on se scolarise dans la commune, pas un
    signe d'homonymie : le poids de l'établissement, déjà compté dans le score, suffit.
    ``notes`` porte ``lie`` et ``poids_ecole``.
    """
    ecartes = notes.filter(pl.col("lie") & liable(reglages, veto_ecole=False) & ecole_inhabituelle(reglages))
    return ecartes.height < max(reglages.ecole_veto_min, reglages.ecole_veto_part_max * nb_familles)


def desaccord_bloquant(reglages: Reglages) -> pl.Expr:
    """La fiche pourrait être celle d'un frère, d'une sœur ou d'un jumeau de l'enfant : le prénom, la date
    et le sexe ne l'en distinguent pas assez (``fratrie.score_fratrie``, colonne ``score_fratrie``).
    Aucun score ne rattrape ce doute : la fiche n'est jamais liée sans qu'une personne regarde."""
    return pl.col("score_fratrie").fill_null(float("inf")) < seuil_fratrie(reglages)


def seuil(reglages: Reglages) -> pl.Expr:
    """Score qu'une paire doit atteindre pour être liée sans revue, selon ses niveaux d'accord.

    Une date ou un nom seulement approchés relèvent le seuil : c'est aussi le portrait d'un
    homonyme d'une autre famille. Pas quand l'adresse est la même : sous un même toit, seul un
    frère, une sœur ou un jumeau pourrait ressembler, et le prénom ou la date les distinguent. Moins
    quand l'école, sans adresse, est celle du quartier et que nom, prénom et sexe concordent.
    """
    ailleurs = pl.col("adresse").fill_null(ABSENT_NE_CONFIRME_PAS) != niveau("adresse", "egale")
    # Une date manquante d'un côté ne confirme rien : elle demande les mêmes preuves qu'une date
    # approchée, même sous un même toit, où c'est la date qui distingue un frère ou une sœur.
    date_approchee = ((pl.col("date_naissance") > niveau("date_naissance", "exacte")) & ailleurs) | pl.col(
        "date_naissance"
    ).is_null()
    quartier = (
        pl.col("adresse").is_null()
        # Une seule faute dans la date (pas un jour ou un mois tout autre, jour_ou_mois).
        & (
            pl.col("date_naissance").fill_null(ABSENT_JAMAIS_RETENU)
            <= niveau("date_naissance", "quelques_jours")
        )
        & (pl.col("poids_ecole").fill_null(0.0) >= reglages.ecole_habituelle)
        & (pl.col("nom").fill_null(ABSENT_JAMAIS_RETENU) <= niveau("nom", "compose"))
        & (pl.col("prenom").fill_null(ABSENT_JAMAIS_RETENU) == niveau("prenom", "exact"))
        & (pl.col("sexe").fill_null(ABSENT_JAMAIS_RETENU) == niveau("sexe", "egal"))
    )
    supplement_date = (
        pl.when(quartier)
        .then(reglages.supplement_date_ecole_habituelle)
        .otherwise(reglages.supplement_date_approchee)
    )
    # Un nom et un prénom échangés (inversion) se retrouvent tous deux : ce n'est pas un nom seulement proche.
    nom_approche = (
        (pl.col("nom").fill_null(ABSENT_COMPTE_COMME_ACCORD) >= niveau("nom", "proche"))
        & ~pl.col("inversion")
        & ailleurs
    )
    return (
        pl.lit(reglages.seuil_apparie)
        + pl.when(date_approchee).then(supplement_date).otherwise(0.0)
        + pl.when(nom_approche).then(reglages.supplement_nom_approche).otherwise(0.0)
    )


MOTIFS_STATUTS: dict[str, str] = {
    "date_manquante": "a_verifier",
    "hors_obligation": "hors_obligation",
    "concurrent": "a_verifier",
    "score_intermediaire": "a_verifier",
    "preuve_faible": "a_verifier",
    "desaccord": "a_verifier",
    "ecole_inhabituelle": "a_verifier",
    "instruction_declaree": "instruction_declaree",
    "apparie": "apparie",
    "deja_prise": "a_verifier",
    "identite_incomplete": "a_verifier",
    "aucun": "non_apparie",
}
"""Statut que donne chaque motif, dans l'ordre où les motifs se décident (voir ``motif``)."""


def motif(reglages: Reglages, veto: bool, seuil_lien: pl.Expr) -> pl.Expr:
    """Le motif de la décision de chaque enfant, la première règle qui s'applique l'emporte.

    Lit, sur la table d'un enfant et de sa paire expliquée : ``lie``, ``concurrent``, ``deja_prise``,
    ``identite_incomplete`` (nom ou prénom absent de la liste), ``date``, ``soumis`` et ``soumis_lie``,
    le score, les niveaux d'accord, ``poids_ecole`` et ``mode``. ``veto`` : l'établissement inhabituel
    envoie-t-il en revue (``veto_ecole``) ; ``seuil_lien`` : ``seuil(reglages)``."""
    sur = pl.col("lie") & ~pl.col("concurrent") & liable(reglages, veto)
    return (
        # Sans date à la CAF, l'âge se lit sur la fiche liée sans aucun doute ; sinon, à vérifier. Sans
        # date nulle part, l'enfant retrouvé sans aucun doute est inscrit : il n'est pas à signaler.
        pl.when(pl.col("date").is_null() & ~(sur & pl.col("soumis_lie").fill_null(True)))
        .then(pl.lit("date_manquante"))
        # Hors obligation selon la CAF, sauf si une fiche liée sans doute possible, à une date voisine,
        # dit le contraire : la date de la CAF est alors sans doute mal saisie.
        .when(~pl.col("soumis") & ~(sur & pl.col("soumis_lie").fill_null(False)))
        .then(pl.lit("hors_obligation"))
        .when(pl.col("lie") & pl.col("concurrent"))
        .then(pl.lit("concurrent"))
        .when(pl.col("lie") & (pl.col("score") < seuil_lien) & ~confirme_par_les_retours())
        .then(pl.lit("score_intermediaire"))
        .when(pl.col("lie") & preuve_faible())
        .then(pl.lit("preuve_faible"))
        .when(pl.col("lie") & desaccord_bloquant(reglages) & ~confirme_par_les_retours())
        .then(pl.lit("desaccord"))
        .when(pl.col("lie") & ecole_inhabituelle(reglages) & pl.lit(veto))
        .then(pl.lit("ecole_inhabituelle"))
        .when(pl.col("lie") & (pl.col("mode") != "ecole"))
        .then(pl.lit("instruction_declaree"))
        .when(pl.col("lie"))
        .then(pl.lit("apparie"))
        .when(pl.col("deja_prise"))
        .then(pl.lit("deja_prise"))
        # Sans nom ou sans prénom sur la liste, ne rien retrouver ne prouve pas l'absence.
        .when(pl.col("identite_incomplete"))
        .then(pl.lit("identite_incomplete"))
        .otherwise(pl.lit("aucun"))
    )


def statut() -> pl.Expr:
    """Le statut de chaque enfant, lu sur son ``motif``."""
    return pl.col("motif").replace_strict(MOTIFS_STATUTS, return_dtype=pl.String)
