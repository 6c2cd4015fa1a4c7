"""Ce que montre le tableau de bord, tiré des fonctions du service et du périmètre de la session.

Aucune identité n'y paraît : des nombres, des communes, des campagnes et des numéros de cas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from service.acteur import Acteur
from service.base.connexion import jour_local
from service.campagnes import etats, ouverture
from service.comptes.roles import Role
from service.modeles import Campagne, Commune
from service.registre import procedure
from service.registre import registre as reg

# Les files d'attente d'un agent, dans l'ordre de la page, avec le filtre de la liste des cas (/cas).
FILE_A_VERIFIER = "a_verifier"
FILE_A_TRAITER = "a_classer_ou_transmettre"
ETATS_EN_COURS = (etats.BROUILLON, etats.EN_ATTENTE, etats.EN_COURS)
LIBELLES_ETATS = {
    etats.BROUILLON: "en préparation (fichiers à déposer)",
    etats.EN_ATTENTE: "en file d'attente",
    etats.EN_COURS: "en cours de traitement",
    etats.TERMINEE: "terminée",
    etats.ECHEC: "en échec",
}


@dataclass(frozen=True)
class FileDeCas:
    """Un groupe de cas qui attendent une action, avec leur nombre et le lien vers leur liste."""

    titre: str
    explication: str
    nombre: int
    adresse: str


@dataclass(frozen=True)
class MiseEnDemeureEchue:
    cas_id: str
    commune: str
    echeance: date | None


@dataclass
class Tableau:
    communes: list[Commune] = field(default_factory=list)
    campagnes_en_cours: list[Campagne] = field(default_factory=list)
    files: list[FileDeCas] = field(default_factory=list)
    mises_en_demeure_echues: list[MiseEnDemeureEchue] = field(default_factory=list)
    echues_en_tout: int = 0


def _communes(session: Session, insee: frozenset[str]) -> list[Commune]:
    return list(
        session.exec(select(Commune).where(col(Commune.insee).in_(sorted(insee))).order_by(col(Commune.nom)))
    )


def _echues(session: Session, acteur: Acteur, aujourd_hui: date) -> tuple[list[MiseEnDemeureEchue], int]:
    page = reg.lister(session, acteur, echeance_depassee=True, aujourd_hui=aujourd_hui, par_page=20)
    return [MiseEnDemeureEchue(c.id, c.commune, c.echeance) for c in page.cas], page.total


def _nombre(session: Session, acteur: Acteur, statut: str, resultat: str | None = None) -> int:
    return reg.lister(session, acteur, statut=statut, resultat=resultat, par_page=1).total


def pour_un_agent(session: Session, acteur: Acteur) -> Tableau:
    """Mes communes, mes campagnes en cours, les cas qui m'attendent, les mises en demeure échues."""
    echues, total = _echues(session, acteur, jour_local())
    return Tableau(
        communes=_communes(session, acteur.communes),
        campagnes_en_cours=[c for c in ouverture.lister(session, acteur) if c.etat in ETATS_EN_COURS],
        files=[
            FileDeCas(
                "À vérifier",
                "L'enfant ressemble à un ou plusieurs élèves inscrits : dites s'il s'agit de l'un d'eux.",
                _nombre(session, acteur, statut=procedure.REPERE, resultat=procedure.A_VERIFIER),
                f"/cas?statut={FILE_A_VERIFIER}",
            ),
            FileDeCas(
                "À classer ou à transmettre",
                "L'enfant n'est retrouvé sur aucune liste : vérifiez sa situation, puis classez le cas "
                "ou transmettez-le à la DSDEN.",
                _nombre(session, acteur, statut=procedure.REPERE, resultat=procedure.NON_APPARIE),
                f"/cas?statut={FILE_A_TRAITER}",
            ),
        ],
        mises_en_demeure_echues=echues,
        echues_en_tout=total,
    )


def pour_un_referent(session: Session, acteur: Acteur) -> Tableau:
    """Les cas transmis à la DSDEN qui attendent une suite, et les mises en demeure échues."""
    echues, total = _echues(session, acteur, jour_local())
    communes = frozenset(
        session.exec(select(Commune.insee).where(Commune.departement == acteur.departement)).all()
    )
    return Tableau(
        communes=_communes(session, communes),
        files=[
            FileDeCas(
                "Transmis, à contrôler",
                "Cas transmis par les mairies : décidez d'un contrôle, d'une enquête sociale ou d'une "
                "mise en demeure.",
                _nombre(session, acteur, statut=procedure.TRANSMIS),
                f"/cas?statut={procedure.TRANSMIS}",
            ),
            FileDeCas(
                "En mise en demeure",
                "Familles mises en demeure d'inscrire l'enfant dans les 15 jours.",
                _nombre(session, acteur, statut=procedure.MISE_EN_DEMEURE),
                f"/cas?statut={procedure.MISE_EN_DEMEURE}",
            ),
        ],
        mises_en_demeure_echues=echues,
        echues_en_tout=total,
    )


def tableau(session: Session, acteur: Acteur) -> Tableau | None:
    """Le tableau de l'acteur ; ``None`` pour les rôles sans cas (DPO, administrateur, pilote)."""
    if acteur.role is Role.AGENT_COMMUNE:
        return pour_un_agent(session, acteur)
    if acteur.role is Role.REFERENT_DSDEN:
        return pour_un_referent(session, acteur)
    return None
