"""Le journal d'audit et le droit d'accès : réservés au DPO."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

import audit
from service.api.dependances import ActeurCourant, Base, moteur_de
from service.api.routes_cas import coffre
from service.autorisation import exiger_role
from service.base.moteur import session_base
from service.cles import cle_appariement
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.parametres import parametres
from service.registre import registre as reg

routeur = APIRouter(tags=["audit et droit d'accès (DPO)"])


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
    debut: datetime | None, fin: datetime | None, acteur: str | None, action: str | None, cible: str | None
) -> audit.Filtre:
    cible_type, _, cible_id = (cible or "").partition(":")
    return audit.Filtre(
        debut=debut,
        fin=fin,
        acteur=acteur,
        action=action,
        cible_type=cible_type or None,
        cible_id=cible_id or None,
    )


@routeur.get("/audit", summary="Lire le journal d'audit (filtres : période, acteur, action, cible type:id)")
def lire(
    acteur: ActeurCourant,
    session: Base,
    debut: datetime | None = None,
    fin: datetime | None = None,
    par: Annotated[str | None, Query(alias="acteur", max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    cible: Annotated[
        str | None, Query(max_length=170, description="type:identifiant, p. ex. cas:3f2a…")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
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
    par: Annotated[str | None, Query(alias="acteur", max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    cible: Annotated[str | None, Query(max_length=170)] = None,
) -> StreamingResponse:
    exiger_role(acteur, Role.DPO, action="audit_exporter")
    filtre = _filtre(debut, fin, par, action, cible)
    moteur = moteur_de(requete)
    with session_base(moteur) as session:
        auditer(
            session, acteur, Action.EXPORT_JOURNAL, details={"filtre_action": action, "filtre_acteur": par}
        )

    def morceaux() -> Iterator[bytes]:
        with moteur.connect() as connexion:
            yield from audit.exporter_csv(connexion, filtre)

    return StreamingResponse(
        morceaux(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'},
    )


class DemandeDroitAcces(BaseModel):
    nom: str = Field(max_length=200)
    prenoms: str = Field(max_length=200)
    date_naissance: date | None = None
    motif: str = Field(min_length=3, max_length=300, description="Référence de la demande de la personne.")


@routeur.post("/droit-acces", summary="Droit d'accès (RGPD art. 15) : tout ce qui est détenu sur un enfant")
def droit_acces(
    demande: DemandeDroitAcces, acteur: ActeurCourant, session: Base, requete: Request
) -> dict[str, Any]:
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
    return {"cas": export, "nombre": len(export)}
