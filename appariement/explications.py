"""L'explication de chaque décision, en JSON : motif, score, a priori, niveau et poids de chaque champ."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from appariement.apprentissage import AVIS, CONFIRME, DEMENTI
from appariement.comparaisons import CHAMPS, NIVEAUX
from appariement.modele import Modele
from appariement.notation import CHAMPS_AJUSTES
from appariement.reglages import Reglages

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
    "preuve_faible": (
        "fiche ressemblante, mais ni le prénom ni la date de naissance ne se comparent (absents d'un côté) : "
        "ce pourrait être un frère ou une sœur"
    ),
    "identite_incomplete": (
        "nom ou prénom absent de la liste CAF/MSA : aucune fiche retrouvée, l'enfant est à identifier"
    ),
    "aucun": "aucune fiche d'inscription assez ressemblante",
}


_LIBELLES_AVIS = {
    CONFIRME: "des fiches qui se ressemblent ainsi ont presque toujours été dites « même enfant » en revue",
    DEMENTI: "des fiches qui se ressemblent ainsi ont presque toujours été dites « pas le même » en revue",
}


NIVEAUX_ECOLE: tuple[str, ...] = ("habituelle", "inhabituelle")
"""Niveaux du champ « ecole » de l'explication (« manquant » : adresse confirmée, ou pas d'UAI)."""


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


def expliquer(reglages: Reglages, modele: Modele, seuil: pl.Expr, *, avec_retours: bool = False) -> pl.Expr:
    """L'explication de chaque décision, en JSON. Écrite en concaténant des chaînes : encoder des
    structures imbriquées (``struct.json_encode``) prenait 1,7 s pour 1 M de lignes, contre 1,0 s.

    ``avec_retours`` : des retours de revue donnent un avis sur certains motifs ; le membre
    ``retours`` dit alors celui de la paire expliquée (sans retours, l'explication reste la même)."""
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
    membres_retours = {"retours": _libelle_json(pl.col(AVIS), _LIBELLES_AVIS)} if avec_retours else {}
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
            **membres_retours,
        }
    )
