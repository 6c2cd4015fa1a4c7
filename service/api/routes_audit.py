"""Le journal d'audit et le droit d'accès : réservés au DPO."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

import audit
from audit.evenement import IDENTIFIANT
from service.api.dependances import ActeurCourant, Base, bdd_de
from service.api.routes_cas import PAGE_MAX, coffre
from service.api.textes import Entree
from service.autorisation import exiger_role
from service.base.connexion import session_base
from service.cles import cle_appariement
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.parametres import parametres
from service.registre import registre as reg
from service.registre.consultation import MotifConsultation
from service.registre.explication import ExplicationDroitAcces

routeur = APIRouter(tags=["audit et droit d'accès (DPO)"])

# Le filtre sur l'acteur est noté au journal avec l'export : un identifiant de compte, pas un texte libre.
FiltreActeur = Annotated[
    str | None,
    Query(
        alias="acteur", pattern=f"^{IDENTIFIANT.pattern}$", description="Identifiant de compte : agent.59001…"
    ),
]


class EntreeAudit(BaseModel):
    sequence: int
    heure: datetime
    acteur: str
    role: str
    action: str
    resultat: str
    cible_type: str | None
    cible_id: str | None
    motif: str | None
    requete: str | None
    details: dict[str, Any]


class PageAudit(BaseModel):
    total: int
    page: int
    par_page: int
    entrees: list[EntreeAudit]


def _filtre(
    debut: datetime | None, fin: datetime | None, acteur: str | None, action: Action | None, cible: str | None
) -> audit.Filtre:
    cible_type, _, cible_id = (cible or "").partition(":")
    return audit.Filtre(
        debut=debut,
        fin=fin,
        acteur=acteur,
        action=action.value if action else None,
        cible_type=cible_type or None,
        cible_id=cible_id or None,
    )


@routeur.get("/audit", summary="Lire le journal d'audit (filtres : période, acteur, action, cible type:id)")
def lire(
    acteur: ActeurCourant,
    session: Base,
    debut: datetime | None = None,
    fin: datetime | None = None,
    par: FiltreActeur = None,
    action: Action | None = None,
    cible: Annotated[
        str | None, Query(max_length=170, description="type:identifiant, p. ex. cas:3f2a…")
    ] = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    par_page: Annotated[int, Query(ge=1, le=500)] = 100,
) -> PageAudit:
    exiger_role(acteur, Role.DPO, action="audit_lire")
    resultat = audit.lire(
        session.connection(), _filtre(debut, fin, par, action, cible), page=page, par_page=par_page
    )
    auditer(session, acteur, Action.CONSULTATION_JOURNAL, details={"page": page, "resultats": resultat.total})
    session.commit()
    return PageAudit(
        total=resultat.total,
        page=page,
        par_page=par_page,
        entrees=[
            EntreeAudit(
                sequence=e.sequence,
                heure=e.heure,
                acteur=e.acteur,
                role=e.role,
                action=str(e.action),
                resultat=str(e.resultat),
                cible_type=e.cible.type if e.cible else None,
                cible_id=e.cible.id if e.cible else None,
                motif=e.motif,
                requete=e.requete,
                details=e.details,
            )
            for e in resultat.entrees
        ],
    )


@routeur.get("/audit/export.csv", summary="Exporter le journal d'audit en CSV (UTF-8, « ; »)")
def exporter(
    acteur: ActeurCourant,
    requete: Request,
    debut: datetime | None = None,
    fin: datetime | None = None,
    par: FiltreActeur = None,
    action: Action | None = None,
    cible: Annotated[str | None, Query(max_length=170)] = None,
) -> StreamingResponse:
    exiger_role(acteur, Role.DPO, action="audit_exporter")
    filtre = _filtre(debut, fin, par, action, cible)
    bdd = bdd_de(requete)
    with session_base(bdd) as session:
        auditer(
            session,
            acteur,
            Action.EXPORT_JOURNAL,
            details={"filtre_action": action.value if action else None, "filtre_acteur": par},
        )

    def morceaux() -> Iterator[bytes]:
        with bdd.connect() as connexion:
            yield from audit.exporter_csv(connexion, filtre)

    return StreamingResponse(
        morceaux(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'},
    )


class EtapeDroitAcces(BaseModel):
    survenu_le: datetime
    action: str
    de: str | None
    vers: str
    motif: str | None
    date_effet: date | None
    donnees: dict[str, Any] = Field(description="Échéance, UAI de l'établissement, fiche retenue…")


class CasDroitAcces(BaseModel):
    """Un cas tel que la personne le reçoit. Les champs sont listés : rien d'autre ne sort."""

    cas: str
    commune: str
    statut: str
    motif: str | None
    resultat_appariement: str
    cree_le: datetime
    cohorte_de_conservation: int
    identite: dict[str, Any] = Field(description="L'identité telle que reçue de la CAF ou de la MSA.")
    score: float | None
    explication: ExplicationDroitAcces | None = Field(
        description="Le détail de la décision d'appariement : seuils, et pour chaque champ son niveau, son "
        "poids et la valeur reçue pour l'enfant (jamais celle d'une fiche d'élève) ; vide s'il n'y en a pas."
    )
    candidats: str = Field(description="Le nombre de fiches d'élèves examinées, sans leur identité.")
    historique: list[EtapeDroitAcces]


class ExportDroitAcces(BaseModel):
    nombre: int
    cas: list[CasDroitAcces]


class DemandeDroitAcces(Entree):
    nom: str = Field(min_length=1, max_length=200)
    prenoms: str = Field(min_length=1, max_length=200)
    date_naissance: date | None = None
    motif: MotifConsultation = Field(
        description="Pourquoi l'export est fait : demande_famille (la personne exerce son droit) ou "
        "controle_dpo. Seul ce code est écrit au journal ; la référence de la demande reste au registre "
        "du DPO, avec l'identifiant de requête (en-tête X-Requete) de la réponse."
    )


@routeur.post(
    "/droit-acces",
    summary="Droit d'accès (RGPD art. 15) : ce que le registre détient sur un enfant, et seulement sur lui",
)
def droit_acces(
    demande: DemandeDroitAcces, acteur: ActeurCourant, session: Base, requete: Request
) -> ExportDroitAcces:
    export = reg.droit_acces(
        session,
        acteur,
        nom=demande.nom,
        prenoms=demande.prenoms,
        date_naissance=demande.date_naissance,
        motif=demande.motif,
        coffre=coffre(requete),
        cle_hmac=cle_appariement(parametres()),
    )
    session.commit()
    return ExportDroitAcces(nombre=len(export), cas=[CasDroitAcces.model_validate(c) for c in export])
