"""Le journal d'audit pour le DPO (``/audit``) : recherche, vérification d'intégrité, point de
contrôle signé, export CSV.

Mêmes règles et même audit que l'API (``api/routes_audit``) : le rôle DPO seul ; chaque lecture,
chaque export et chaque vérification du journal sont écrits au journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import ceil

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

import audit
from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.parametres import parametres
from service.web.formulaires import libelles
from service.web.pages import Ariane, rendre
from service.web.recherche_journal import (
    CHAMPS,
    LIBELLES_ACTIONS,
    LIBELLES_RESULTATS,
    PAR_PAGE,
    lire_recherche,
)
from service.web.visiteur import VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

ARIANE_JOURNAL = Ariane("Journal d'audit", "/audit")
REFUS = (
    "Le journal d'audit est réservé au délégué à la protection des données (DPO) : votre rôle ne permet "
    "pas de le lire."
)


def exiger_dpo(acteur: Acteur, operation: str) -> None:
    """Refus (403 audité, page qui dit pourquoi) pour tout autre rôle que le DPO."""
    if acteur.role is not Role.DPO:
        raise RefusAutorisation(REFUS, action=operation)


@routeur.get("/audit")
def journal(requete: Request, visiteur: VisiteurConnecte) -> Response:
    exiger_dpo(visiteur.acteur, "audit_lire")
    recherche, erreurs = lire_recherche(dict(requete.query_params))
    page = None
    with session_base(bdd_de(requete)) as session:
        point = audit.dernier_point_de_controle(session.connection())
        if not erreurs:
            page = audit.lire(session.connection(), recherche.filtre, page=recherche.page, par_page=PAR_PAGE)
            # Comme l'API : la page lue et le nombre de résultats, jamais les critères tapés.
            auditer(
                session,
                visiteur.acteur,
                Action.CONSULTATION_JOURNAL,
                details={"page": recherche.page, "resultats": page.total},
            )
    pages = max(1, ceil(page.total / PAR_PAGE)) if page else 1
    return rendre(
        requete,
        "audit/journal.html",
        titre="Journal d'audit",
        ariane=[Ariane("Tableau de bord", "/"), Ariane("Journal d'audit")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS),
        recherche=recherche,
        valeurs=recherche.valeurs,
        resultats=page,
        pages=pages,
        point=point,
        libelles_actions=LIBELLES_ACTIONS,
        libelles_resultats=LIBELLES_RESULTATS,
    )


@routeur.get("/audit/export.csv")
def exporter(requete: Request, visiteur: VisiteurConnecte) -> Response:
    exiger_dpo(visiteur.acteur, "audit_exporter")
    recherche, erreurs = lire_recherche(dict(requete.query_params))
    if erreurs:
        # Les critères refusés s'affichent sur la page de recherche, à côté de leur champ.
        return journal(requete, visiteur)
    bdd = bdd_de(requete)
    with session_base(bdd) as session:
        auditer(
            session,
            visiteur.acteur,
            Action.EXPORT_JOURNAL,
            details={"filtre_action": recherche.filtre.action, "filtre_acteur": recherche.filtre.acteur},
        )

    def morceaux() -> Iterator[bytes]:
        with bdd.connect() as connexion:
            yield from audit.exporter_csv(connexion, recherche.filtre)

    return StreamingResponse(
        morceaux(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'},
    )


@routeur.get("/audit/point-de-controle.json")
def point_de_controle(requete: Request, visiteur: VisiteurConnecte) -> Response:
    exiger_dpo(visiteur.acteur, "audit_point_de_controle")
    with session_base(bdd_de(requete)) as session:
        point = audit.dernier_point_de_controle(session.connection())
        if point is not None:
            auditer(
                session,
                visiteur.acteur,
                Action.EXPORT_JOURNAL,
                details={"point_de_controle": point.taille},
            )
    if point is None:
        return rendre(
            requete,
            "audit/sans_point.html",
            titre="Aucun point de contrôle signé",
            ariane=[Ariane("Tableau de bord", "/"), ARIANE_JOURNAL, Ariane("Point de contrôle")],
            statut=404,
        )
    nom = f"point-audit-{point.taille}.json"
    return Response(
        point.vers_json(),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{nom}"'},
    )


def verifier_journal(connexion: sa.Connection) -> audit.Rapport:
    """La vérification de ``cellule audit verifier`` : toute la chaîne, avec la clé du service
    comme seule clé de confiance (aucune s'il n'a encore rien signé)."""
    chemin_cle = parametres().chemin_cle_audit()
    cles = {audit.Signataire.charger(chemin_cle).cle_publique} if chemin_cle.exists() else set()
    return audit.verifier(connexion, cles=cles)


@routeur.post("/audit/verifier")
async def verifier(requete: Request, visiteur: VisiteurConnecte) -> Response:
    exiger_dpo(visiteur.acteur, "audit_verifier")
    await verifier_csrf(requete, visiteur)
    impossible = None
    rapport = None
    bdd = bdd_de(requete)
    try:
        with bdd.connect() as connexion:
            rapport = verifier_journal(connexion)
    except audit.ErreurAudit as erreur:
        impossible = str(erreur)
    with session_base(bdd) as session:
        verdict = "impossible" if rapport is None else "intact" if rapport.intact else "altere"
        auditer(
            session,
            visiteur.acteur,
            Action.CONSULTATION_JOURNAL,
            details={"verification": verdict, "entrees": rapport.entrees if rapport else 0},
        )
    return rendre(
        requete,
        "audit/verification.html",
        titre="Vérification du journal d'audit",
        ariane=[Ariane("Tableau de bord", "/"), ARIANE_JOURNAL, Ariane("Vérification")],
        rapport=rapport,
        impossible=impossible,
    )
