"""La file des travaux, en base : un travail n'est jamais pris par deux travailleurs.

PostgreSQL : ``SELECT … FOR UPDATE SKIP LOCKED`` puis mise à jour ; SQLite : la transaction prend le
verrou d'écriture dès son début (``BEGIN IMMEDIATE``) et la mise à jour est conditionnelle. Un
travail « en cours » dont le travailleur ne donne plus signe de vie est repris, trois fois au plus.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.acteur import SYSTEME
from service.base.connexion import maintenant, session_base
from service.campagnes import etats
from service.journal_audit import Aboutissement, Action, auditer
from service.modeles import Campagne, Travail

TENTATIVES_MAX = 3


def _disponible(limite: object) -> sa.ColumnElement[bool]:
    return sa.or_(
        col(Travail.etat) == etats.EN_ATTENTE,
        sa.and_(col(Travail.etat) == etats.EN_COURS, col(Travail.signe_de_vie) < limite),
    )


def reclamer(bdd: sa.Engine, travailleur: str, *, delai_abandon_secondes: int) -> int | None:
    """Prend le plus ancien travail disponible ; rend son numéro, ou ``None`` s'il n'y en a pas."""
    while True:
        with session_base(bdd) as session:
            instant = maintenant()
            limite = instant - timedelta(seconds=delai_abandon_secondes)
            requete = select(Travail).where(_disponible(limite)).order_by(col(Travail.id)).limit(1)
            if bdd.dialect.name == "postgresql":
                requete = requete.with_for_update(skip_locked=True)
            travail = session.exec(requete).first()
            if travail is None:
                return None
            if travail.etat == etats.EN_COURS and travail.tentatives >= TENTATIVES_MAX:
                _abandonner(session, travail)
                continue
            resultat = session.connection().execute(
                sa.update(Travail)
                .where(col(Travail.id) == travail.id, _disponible(limite))
                .values(
                    etat=etats.apres("travail", "reclamer", travail.etat),
                    reclame_par=travailleur,
                    reclame_le=instant,
                    signe_de_vie=instant,
                    tentatives=Travail.tentatives + 1,
                )
            )
            if resultat.rowcount != 1:
                continue
            return travail.id


def _abandonner(session: Session, travail: Travail) -> None:
    marquer_echec(
        session,
        travail,
        [
            f"Le passage a été interrompu {travail.tentatives} fois (travailleur arrêté) : relancez la "
            "campagne, et signalez-le à l'administrateur si cela se reproduit."
        ],
        details={"tentatives": travail.tentatives},
    )


def marquer_echec(
    session: Session, travail: Travail, erreurs: list[str], *, details: dict[str, int]
) -> Campagne:
    """Le travail et sa campagne passent en échec, avec leurs messages ; l'échec est audité."""
    campagne = session.get(Campagne, travail.campagne_id)
    assert campagne is not None
    instant = maintenant()
    travail.etat, travail.fini_le = etats.apres("travail", "echouer", travail.etat), instant
    campagne.etat = etats.apres("campagne", "echouer", campagne.etat)
    campagne.erreurs, campagne.terminee_le = erreurs, instant
    campagne.etape = "échec"
    session.add_all([travail, campagne])
    auditer(
        session,
        SYSTEME,
        Action.TRAVAIL_FIN,
        cible=("campagne", campagne.id),
        resultat=Aboutissement.ECHEC,
        details={"travail": travail.id, **details},
    )
    return campagne


def signe_de_vie(bdd: sa.Engine, travail_id: int, travailleur: str) -> bool:
    """Prolonge la réclamation ; ``False`` si le travail a été repris par un autre."""
    with session_base(bdd) as session:
        resultat = session.connection().execute(
            sa.update(Travail)
            .where(
                col(Travail.id) == travail_id,
                col(Travail.reclame_par) == travailleur,
                col(Travail.etat) == etats.EN_COURS,
            )
            .values(signe_de_vie=maintenant())
        )
        return resultat.rowcount == 1


def detenir(session: Session, travail_id: int, travailleur: str) -> Travail | None:
    """Le travail, s'il est toujours à ce travailleur (à vérifier avant d'écrire le résultat)."""
    return session.exec(
        select(Travail)
        .where(
            col(Travail.id) == travail_id, Travail.etat == etats.EN_COURS, Travail.reclame_par == travailleur
        )
        .with_for_update()
    ).first()
