"""Les retours de revue : ce que les décisions des agents apprennent au moteur, commune par commune.

Quand un agent tranche un cas « à vérifier » (« c'est cet élève » ou « aucun n'est l'enfant »),
chaque fiche candidate qu'il a regardée devient un retour : les niveaux d'accord de chaque champ
entre l'enfant et la fiche (ceux de ``appariement.comparer_fiches``, les fiches d'un cas comparées
en un lot) et la décision (la fiche choisie est le même enfant, les autres non). Rien d'autre n'est
gardé : ni identité, ni identifiant de cas ou d'élève, ni date de naissance, ni horodatage. Seules
la commune (les retours servent à ses campagnes) et l'année scolaire (pour la conservation) les
accompagnent : une heure, croisée avec le journal d'audit qui date chaque décision et nomme son cas,
rattacherait chaque retour à son enfant.

Une commune garde au plus ``RETOURS_MAX`` retours : ceux des années scolaires les plus récentes ;
dans l'année la plus ancienne gardée, ceux dont l'identifiant, tiré au hasard, est le plus grand,
soit un tirage au sort uniforme (aucun ordre d'écriture n'est gardé pour dire lesquels sont « les
derniers »). La purge (``service.retention``) efface les retours d'avant l'année scolaire précédente.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from appariement import comparer_lots_de_fiches
from appariement.age import fin_annee_scolaire
from appariement.apprentissage import Retour
from service.modeles import RetourRevue
from service.travailleur.protocole import RETOURS_MAX, RetourDemande

__all__ = [
    "RETOURS_MAX",
    "a_effacer",
    "effacer_anciens",
    "garder",
    "nombre",
    "paires_jugees",
    "premiere_annee_conservee",
    "retours_de",
]

# Du plus récent au plus ancien : l'année scolaire, puis le tirage au sort de l'identifiant.
_ORDRE = (col(RetourRevue.annee_scolaire).desc(), col(RetourRevue.id).desc())


def _fiche(identite: dict[str, Any]) -> dict[str, Any]:
    """Une identité telle que le coffre la garde (date en AAAA-MM-JJ), comme le moteur la compare."""
    naissance = identite.get("date_naissance")
    if isinstance(naissance, str):
        return {**identite, "date_naissance": date.fromisoformat(naissance)}
    return identite


def paires_jugees(
    identite: dict[str, Any], candidats: list[dict[str, Any]], choisie: str | None
) -> list[Retour]:
    """Un retour par fiche candidate : ses niveaux d'accord avec l'enfant, et si c'est la fiche choisie.

    ``choisie`` : l'identifiant de la fiche reconnue (« c'est cet élève »), ou ``None`` quand aucune
    n'est l'enfant. Sans candidat, aucun retour.
    """
    if not candidats:
        return []
    enfant = _fiche(identite)
    niveaux = comparer_lots_de_fiches([(enfant, _fiche(candidat)) for candidat in candidats])
    return [
        Retour(niveaux=n, meme_enfant=candidat.get("id") == choisie)
        for n, candidat in zip(niveaux, candidats, strict=True)
    ]


def garder(session: Session, commune: str, retours: list[Retour], jour: date) -> None:
    """Ajoute les retours d'une décision à ceux de la commune, dans la transaction de la décision ;
    au-delà de ``RETOURS_MAX``, les plus anciens partent."""
    if not retours:
        return
    annee = fin_annee_scolaire(jour).year
    session.add_all(
        RetourRevue(commune=commune, annee_scolaire=annee, niveaux=dict(r.niveaux), meme_enfant=r.meme_enfant)
        for r in retours
    )
    session.flush()
    en_trop = (
        select(RetourRevue.id).where(RetourRevue.commune == commune).order_by(*_ORDRE).offset(RETOURS_MAX)
    )
    session.execute(sa.delete(RetourRevue).where(col(RetourRevue.id).in_(en_trop.scalar_subquery())))


def _lisible(ligne: RetourRevue) -> Retour | None:
    """Le retour d'une ligne, s'il ne nomme que des niveaux que le moteur connaît encore."""
    try:
        RetourDemande(niveaux=ligne.niveaux, meme_enfant=ligne.meme_enfant)
    except ValidationError:
        return None
    return Retour(niveaux=ligne.niveaux, meme_enfant=ligne.meme_enfant)


def retours_de(session: Session, commune: str) -> list[Retour]:
    """Les retours de la commune, pour sa prochaine campagne.

    Un retour écrit avant qu'un niveau ne soit renommé dans le moteur est laissé de côté : le
    travailleur refuserait la demande entière."""
    lignes = session.exec(
        select(RetourRevue).where(RetourRevue.commune == commune).order_by(*_ORDRE).limit(RETOURS_MAX)
    )
    return [retour for ligne in lignes if (retour := _lisible(ligne)) is not None]


def nombre(session: Session, commune: str) -> int:
    """Combien de retours la commune garde."""
    return session.exec(
        select(func.count()).select_from(RetourRevue).where(RetourRevue.commune == commune)
    ).one()


def premiere_annee_conservee(jour: date) -> int:
    """Les retours des années scolaires d'avant celle-ci sont effacés par la purge du ``jour``.

    L'année en cours et la précédente restent : la campagne de rentrée, souvent la plus grosse,
    apprend des décisions de l'année écoulée ; plus vieilles, elles décriraient des saisies et des
    exports qui ont changé, et le nombre gardé par commune est de toute façon borné."""
    return fin_annee_scolaire(jour).year - 1


def _anciens(jour: date) -> sa.ColumnElement[bool]:
    return col(RetourRevue.annee_scolaire) < premiere_annee_conservee(jour)


def a_effacer(session: Session, jour: date) -> dict[str, int]:
    """Par commune, combien de retours la purge du ``jour`` efface."""
    requete = select(RetourRevue.commune, func.count()).where(_anciens(jour)).group_by(RetourRevue.commune)
    return {commune: nombre for commune, nombre in session.exec(requete)}


def effacer_anciens(session: Session, jour: date) -> None:
    """Efface les retours des années scolaires que la purge du ``jour`` ne garde plus."""
    session.execute(sa.delete(RetourRevue).where(_anciens(jour)))
