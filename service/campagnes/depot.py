"""Déposer une archive, pour l'API comme pour les pages : vérifier sans ouvrir, faire examiner
l'archive par le travailleur confiné, puis la garder avec son examen, ou écrire son refus au journal
et l'oublier.

L'examen (quelques secondes) se fait hors de toute transaction ; la transaction qui garde l'archive
est courte : sur SQLite, le verrou d'écriture n'attend ni le réseau ni le travailleur.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from service.acteur import Acteur
from service.campagnes import examen, ouverture
from service.modeles import nouvel_identifiant
from service.parametres import parametres


@dataclass(frozen=True)
class DepotRefuse:
    """Une archive refusée à l'examen : rien n'est gardé. ``indisponible`` : le travailleur n'a pas
    pu l'examiner (réessayer plus tard), sinon l'archive elle-même est en cause."""

    code: str
    message: str
    indisponible: bool = False


def deposer(
    bdd: sa.Engine,
    acteur: Acteur,
    campagne_id: str,
    *,
    archive: bytes,
    nom_fichier: str,
    mot_de_passe: str | None,
    convention_id: str,
) -> ouverture.Depot | DepotRefuse:
    """La source gardée, ou le refus. Les refus d'avant l'examen (campagne, convention, place)
    sont les exceptions de ``ouverture``."""
    identifiant = nouvel_identifiant()
    with Session(bdd) as session:
        campagne, convention = ouverture.avant_examen(
            session,
            acteur,
            campagne_id,
            archive=archive,
            mot_de_passe=mot_de_passe,
            convention_id=convention_id,
        )
        commune, date_reference = campagne.commune, campagne.date_reference

    def refuser(code: str) -> None:
        with Session(bdd) as session:
            ouverture.refuser_depot(
                session, acteur, campagne_id, identifiant=identifiant, archive=archive,
                convention_id=convention_id, code=code,
            )  # fmt: skip
            session.commit()

    try:
        resultat = examen.examiner(
            identifiant=identifiant,
            archive=archive,
            mot_de_passe=mot_de_passe,
            convention=convention,
            commune=commune,
            date_reference=date_reference,
            reglages=parametres(),
        )
    except examen.ExamenImpossible as erreur:
        refuser(examen.EXAMEN_IMPOSSIBLE)
        return DepotRefuse(examen.EXAMEN_IMPOSSIBLE, erreur.message, indisponible=True)
    if resultat.code_refus is not None:
        refuser(resultat.code_refus)
        return DepotRefuse(resultat.code_refus, resultat.refus or "")
    with Session(bdd, expire_on_commit=False) as session:
        depot = ouverture.deposer(
            session,
            acteur,
            campagne_id,
            archive=archive,
            nom_fichier=nom_fichier,
            mot_de_passe=mot_de_passe,
            convention_id=convention_id,
            identifiant=identifiant,
            examen=resultat.resume,
        )
        session.commit()
    return depot
