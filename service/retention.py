"""La rétention (DOMAINE.md) : ce qui a dépassé sa durée de conservation est détruit, chaque fois audité.

- cas dont la cohorte est échue (31 août de l'année scolaire des 16 ans passé) : effacés, puis la
  clé de la cohorte est détruite dans le trousseau (les anciennes sauvegardes deviennent illisibles) ;
- cas clos avant le dernier 31 août : effacés (l'enfant est inscrit, classé ou rescolarisé) ;
- archives déposées mais jamais passées, après ``ARCHIVES_NON_PASSEES_JOURS`` : effacées ;
- segments du journal d'audit plus vieux que ``CELLULE_AUDIT_RETENTION_MOIS`` : supprimés ;
- retours de revue d'avant l'année scolaire précédente : effacés (``registre.revue``).
Le déménagement efface le cas aussitôt (voir ``registre.appliquer_transition``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

import audit
from appariement.age import fin_annee_scolaire
from audit.tables import journal
from service.acteur import SYSTEME, Acteur
from service.base.connexion import maintenant, session_base
from service.cles import trousseau
from service.journal_audit import Action, auditer, signataire
from service.modeles import Cas, Source
from service.parametres import ReglagesService
from service.registre import procedure, revue
from service.registre.coffre import premiere_cohorte_conservee
from service.registre.registre import effacer

ARCHIVES_NON_PASSEES_JOURS = 30


@dataclass
class BilanPurge:
    simulation: bool
    cohortes_detruites: list[int] = field(default_factory=list)
    cas_effaces_cohorte: int = 0
    cas_clos_effaces: int = 0
    archives_effacees: int = 0
    retours_effaces: int = 0
    # L'année scolaire (fin, 31 août) dont les retours de revue sont les plus anciens gardés.
    premiere_annee_retours: int = 0
    segments_audit: list[str] = field(default_factory=list)

    def lignes(self) -> list[str]:
        verbe = "seraient" if self.simulation else "ont été"
        return [
            f"Cas dont la conservation est échue : {self.cas_effaces_cohorte} {verbe} effacés.",
            f"Cas clos avant le dernier 31 août : {self.cas_clos_effaces} {verbe} effacés.",
            f"Archives jamais passées depuis {ARCHIVES_NON_PASSEES_JOURS} jours : "
            f"{self.archives_effacees} {verbe} effacées.",
            f"Retours de revue d'avant l'année scolaire {self.premiere_annee_retours - 1}-"
            f"{self.premiere_annee_retours} : {self.retours_effaces} {verbe} effacés.",
            f"Clés de cohorte détruites : {', '.join(map(str, self.cohortes_detruites)) or 'aucune'}.",
            f"Segments du journal d'audit supprimés : {', '.join(self.segments_audit) or 'aucun'}.",
        ]


def dernier_31_aout(jour: date) -> date:
    """Le dernier 31 août, ce jour compris : la fin de l'année scolaire qui précède celle de demain."""
    fin = fin_annee_scolaire(jour + timedelta(days=1))
    return fin.replace(year=fin.year - 1)


def _cohortes_echues(session: Session, reglages: ReglagesService, jour: date) -> list[int]:
    """Cohortes dont le 31 août est passé : en base et dans le trousseau."""
    conservee = premiere_cohorte_conservee(jour)
    en_base = set(session.exec(select(Cas.cohorte).where(col(Cas.cohorte) < conservee).distinct()))
    au_trousseau = {c.cohorte for c in trousseau(reglages).etat().cohortes if c.cohorte < conservee}
    return sorted(en_base | au_trousseau)


def _segments_expires(session: Session, reglages: ReglagesService, jour: date) -> list[str]:
    """Les segments mensuels du journal d'audit que la purge de ce jour supprimerait."""
    limite = audit.limite_de_conservation(jour, reglages.audit_retention_mois)
    requete = sa.select(journal.c.segment).where(journal.c.segment < limite).distinct()
    return sorted(str(segment) for segment in session.execute(requete).scalars())


def purger(
    bdd: sa.Engine,
    reglages: ReglagesService,
    *,
    aujourd_hui: date | None = None,
    simulation: bool = False,
    acteur: Acteur = SYSTEME,
) -> BilanPurge:
    """Applique la rétention ; en simulation, ne fait que compter."""
    jour = aujourd_hui or maintenant().date()
    bilan = BilanPurge(simulation=simulation)
    limite_clos = dernier_31_aout(jour)
    with session_base(bdd) as session:
        cohortes = _cohortes_echues(session, reglages, jour)
        echus = list(session.exec(select(Cas).where(col(Cas.cohorte).in_(cohortes))))
        clos = [
            cas
            for cas in session.exec(
                select(Cas).where(
                    col(Cas.statut).in_(procedure.STATUTS_CLOS), col(Cas.cohorte).not_in(cohortes)
                )
            )
            if cas.clos_le is not None and cas.clos_le.date() <= limite_clos
        ]
        limite_archives = maintenant() - timedelta(days=ARCHIVES_NON_PASSEES_JOURS)
        archives = list(
            session.exec(
                select(Source).where(
                    col(Source.archive).is_not(None), col(Source.deposee_le) < limite_archives
                )
            )
        )
        bilan.cas_effaces_cohorte, bilan.cas_clos_effaces = len(echus), len(clos)
        bilan.archives_effacees, bilan.cohortes_detruites = len(archives), cohortes
        retours = revue.a_effacer(session, jour)
        bilan.retours_effaces = sum(retours.values())
        bilan.premiere_annee_retours = revue.premiere_annee_conservee(jour)
        if simulation:
            bilan.segments_audit = _segments_expires(session, reglages, jour)
            session.rollback()
            return bilan
        for cas in echus:
            effacer(session, acteur, cas, motif=f"fin de conservation (cohorte {cas.cohorte})")
        for cas in clos:
            effacer(session, acteur, cas, motif="cas clos : fin de l'année scolaire de sa clôture")
        for source in archives:
            source.archive, source.mot_de_passe_scelle, source.effacee_le = None, None, maintenant()
            session.add(source)
            auditer(
                session,
                acteur,
                Action.PURGE,
                cible=("campagne", source.campagne_id),
                motif=f"archive jamais passée depuis {ARCHIVES_NON_PASSEES_JOURS} jours",
                details={"source": source.id},
            )
        revue.effacer_anciens(session, jour)
        for commune, nombre in sorted(retours.items()):
            auditer(
                session,
                acteur,
                Action.PURGE,
                cible=("commune", commune),
                motif="retours de revue d'avant l'année scolaire précédente",
                details={"retours_de_revue": nombre},
            )
    # Les clés ne sont détruites qu'une fois les effacements validés en base.
    coffre = trousseau(reglages)
    for cohorte in cohortes:
        with session_base(bdd) as session:
            auditer(
                session,
                acteur,
                Action.OPERATION_CLE,
                cible=("cohorte", str(cohorte)),
                details={"operation": "destruction", "cohorte": cohorte},
            )
            coffre.detruire_cohorte(cohorte)
    with session_base(bdd) as session:
        segments = audit.purger(
            session.connection(),
            signataire(),
            retention_mois=reglages.audit_retention_mois,
            acteur=acteur.identifiant,
            role=acteur.role.value if acteur.role else "systeme",
        )
    bilan.segments_audit = [s.segment for s in segments]
    return bilan
