"""Comparaisons champ par champ d'une paire (enfant de la liste CAF/MSA, inscrit).

Chaque comparaison donne un niveau d'accord (0 = le meilleur) ou null si l'un des deux côtés
manque. ``comparer`` reçoit les deux tables préparées (``normalisation.preparer``) et les rangs
(``fi``, ``ii``) des paires. Chaque champ se compare sur une table de paires où les colonnes de
l'enfant portent leur nom et celles de l'inscrit le suffixe ``_i`` (``outils.colonnes_des_paires``).
Les noms et les prénoms ne se comparent qu'une fois par couple de valeurs distinct
(``outils.par_valeurs``), les similarités de chaînes (rapidfuzz) une fois par couple de formes
distinct (``outils.par_couple``). Un module par champ : ``noms``, ``prenoms``, ``dates``, ``adresses`` ;
le sexe, égal ou non, se compare ici. Les niveaux de chaque champ sont dans ``niveaux``.
"""

from __future__ import annotations

import polars as pl

from appariement.comparaisons.adresses import niveau_adresse
from appariement.comparaisons.dates import niveau_date
from appariement.comparaisons.niveaux import (
    ABSENT_COMPTE_COMME_ACCORD,
    ABSENT_JAMAIS_RETENU,
    ABSENT_NE_CONFIRME_PAS,
    CHAMPS,
    NIVEAUX,
    niveau,
)
from appariement.comparaisons.noms import inversion_nom_prenom, niveau_nom
from appariement.comparaisons.outils import colonnes_des_paires, premier_niveau
from appariement.comparaisons.prenoms import niveau_prenom

__all__ = [
    "ABSENT_COMPTE_COMME_ACCORD",
    "ABSENT_JAMAIS_RETENU",
    "ABSENT_NE_CONFIRME_PAS",
    "CHAMPS",
    "NIVEAUX",
    "comparer",
    "niveau",
    "niveau_sexe",
]


def niveau_sexe(paires: pl.DataFrame) -> pl.Series:
    return paires.select(
        premier_niveau(
            [pl.col("sexe") == pl.col("sexe_i")], pl.col("sexe").is_null() | pl.col("sexe_i").is_null()
        ).alias("sexe")
    )["sexe"]


def _avec_naissance_partielle(
    niveaux: pl.Series, familles: pl.DataFrame, inscrits: pl.DataFrame, fi: pl.Series, ii: pl.Series
) -> pl.Series:
    """Une date impossible d'un côté (29/02/2011) dont l'année et le mois lisibles sont ceux de l'autre
    date : niveau ``jour_ou_mois`` (même année, même mois), jamais mieux. Autrement, elle manque :
    une date mal saisie ne prouve rien contre la fiche. Seules les paires sans niveau sont regardées."""
    lignes = niveaux.is_null().arg_true()
    if lignes.len() == 0:
        return niveaux
    partielles = colonnes_des_paires(
        familles, inscrits, fi.gather(lignes), ii.gather(lignes), ("annee", "mois"), ("annee", "mois")
    )
    accord = partielles.select(
        pl.when((pl.col("annee") == pl.col("annee_i")) & (pl.col("mois") == pl.col("mois_i")))
        .then(pl.lit(niveau("date_naissance", "jour_ou_mois"), dtype=pl.Int8))
        .otherwise(None)
    ).to_series()
    return niveaux.scatter(lignes, accord)


def comparer(familles: pl.DataFrame, inscrits: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """Niveaux de tous les champs (une colonne Int8 par champ) et drapeau d'inversion nom/prénom des
    paires ``index`` (rangs ``fi`` dans ``familles``, ``ii`` dans ``inscrits``)."""
    fi, ii = index["fi"], index["ii"]

    def colonnes(*noms: str) -> pl.DataFrame:
        return colonnes_des_paires(familles, inscrits, fi, ii, noms, noms)

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
                colonnes_des_paires(familles, inscrits, fi.gather(lignes), ii.gather(lignes), listes, listes)
            ),
        )
    )
    return pl.DataFrame(
        {
            "nom": pl.select(pl.when(inverse).then(pl.lit(nom_proche, pl.Int8)).otherwise(nom)).to_series(),
            "prenom": pl.select(
                pl.when(inverse).then(pl.lit(prenom_proche, pl.Int8)).otherwise(prenom)
            ).to_series(),
            "date_naissance": _avec_naissance_partielle(
                niveau_date(colonnes("date")), familles, inscrits, fi, ii
            ),
            "sexe": niveau_sexe(colonnes("sexe")),
            "adresse": niveau_adresse(colonnes("adresse", "code_postal", "commune")),
            "inversion": inverse,
        }
    )
