"""L'ordre de la liste des cas : par une colonne sans identité (l'identité est chiffrée, la base ne la
trie pas), ou par priorité (les cas à vérifier d'abord, puis les plus récemment mis à jour)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from service.modeles import Cas
from service.registre import procedure

PRIORITE = "priorite"

# L'ordre de la procédure, du repérage aux clôtures : trier par statut suit la vie d'un cas.
ORDRE_DES_STATUTS = (
    procedure.REPERE,
    procedure.TRANSMIS,
    procedure.CONTROLE,
    procedure.ENQUETE_SOCIALE,
    procedure.MISE_EN_DEMEURE,
    procedure.SIGNALEMENT,
    procedure.ENQUETE,
    procedure.RESCOLARISE,
    procedure.CLASSE,
    procedure.SUITES,
)

_A_VERIFIER_D_ABORD = sa.case(
    (sa.and_(col(Cas.statut) == procedure.REPERE, col(Cas.resultat) == procedure.A_VERIFIER), 0), else_=1
)

COLONNES: dict[str, Any] = {
    "commune": col(Cas.commune),
    "statut": sa.case(
        {statut: rang for rang, statut in enumerate(ORDRE_DES_STATUTS)},
        value=col(Cas.statut),
        else_=len(ORDRE_DES_STATUTS),
    ),
    "cree_le": col(Cas.cree_le),
    "mis_a_jour_le": col(Cas.mis_a_jour_le),
    "echeance": col(Cas.echeance),
}


def ordre(tri: str, decroissant: bool = False) -> list[Any]:
    """Les clés de tri SQL de ``registre.lister`` (qui finit toujours par la plus récente mise à jour)."""
    if tri == PRIORITE:
        return [_A_VERIFIER_D_ABORD]
    colonne = COLONNES.get(tri)
    if colonne is None:
        return []
    # Les cas sans échéance vont en fin de liste, dans les deux sens.
    return [colonne.is_(None), colonne.desc() if decroissant else colonne.asc()]
