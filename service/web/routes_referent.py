"""Pages du référent DSDEN hors de la liste et de la fiche : le modèle de lettre de mise en demeure
(``/modele-lettre``), la génération et le téléchargement d'une lettre, l'attribution d'un cas et ses
commentaires (formulaires de la fiche ``/cas/{id}``, qui les montre).

Mêmes fonctions et même audit que le reste du service (``registre/lettre``, ``registre/suivi``) ; le
périmètre vient de la session. Un commentaire ou une lettre nomme l'enfant : ni l'un ni l'autre ne
passe par l'adresse ni par le journal.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.api.routes_cas import coffre
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.comptes.roles import LIBELLES, Role
from service.registre import lettre, suivi
from service.registre import registre as reg
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

CHAMPS_MODELE = [
    Champ("entete", "En-tête de la lettre", lettre.LONGUEUR_MAX["entete"], plusieurs_lignes=True),
    Champ("corps", "Corps de la lettre", lettre.LONGUEUR_MAX["corps"], plusieurs_lignes=True),
    Champ("signataire", "Signataire", lettre.LONGUEUR_MAX["signataire"], plusieurs_lignes=True),
]
CHAMP_COMMENTAIRE = Champ(
    "commentaire",
    "Commentaire",
    suivi.LONGUEUR_MAX_COMMENTAIRE,
    message_si_vide="Écrivez le commentaire avant de l'enregistrer.",
    plusieurs_lignes=True,
)


def exiger_referent(acteur: Acteur, action: str) -> None:
    """Refus en français qui dit à qui la page est réservée (403 audité par l'application)."""
    if acteur.role is not Role.REFERENT_DSDEN:
        raise RefusAutorisation(
            "Cette page est réservée aux référents de la DSDEN : votre rôle "
            f"({LIBELLES[acteur.role] if acteur.role else 'aucun'}) ne permet pas d'y accéder.",
            action=action,
        )


def _cas_ou_404(session: Session, acteur: Acteur, cas_id: str, operation: str) -> None:
    try:
        reg.cas_visible(session, acteur, cas_id[:64], operation=operation)
    except reg.CasIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None


def _page_modele(
    requete: Request,
    valeurs: dict[str, str],
    *,
    erreurs: Erreurs | None = None,
    message: str = "",
) -> Response:
    return rendre(
        requete,
        "referent/modele_lettre.html",
        titre="Modèle de lettre de mise en demeure",
        ariane=[Ariane("Tableau de bord", "/"), Ariane("Modèle de lettre")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_MODELE),
        valeurs=valeurs,
        champs_du_modele=lettre.CHAMPS_DU_MODELE,
        message=message,
    )


@routeur.get("/modele-lettre")
def modele_lettre(requete: Request, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    exiger_referent(visiteur.acteur, "modele_lettre")
    with session_base(bdd_de(requete)) as session:
        valeurs = lettre.modele(session, visiteur.acteur.departement)
    message = "Le modèle est enregistré : les prochaines lettres le suivront." if fait == "enregistre" else ""
    return _page_modele(requete, valeurs, message=message)


@routeur.post("/modele-lettre")
async def enregistrer_modele(requete: Request, visiteur: VisiteurConnecte) -> Response:
    exiger_referent(visiteur.acteur, "modele_lettre")
    champs = await verifier_csrf(requete, visiteur)
    if champs.get("origine") == "1":
        valeurs, erreurs = dict(lettre.MODELE_D_ORIGINE), Erreurs()
    else:
        valeurs, erreurs = lire(champs, CHAMPS_MODELE)
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            try:
                lettre.modifier_modele(session, visiteur.acteur, valeurs)
            except lettre.LettreRefusee as refus:
                partie, _, texte = str(refus).partition(": ")
                erreurs.ajouter(partie, texte)
                session.rollback()
    if erreurs:
        return _page_modele(requete, valeurs, erreurs=erreurs)
    return RedirectResponse("/modele-lettre?fait=enregistre", status_code=303)


@routeur.post("/cas/{cas_id}/lettre")
async def generer_lettre(requete: Request, cas_id: str, visiteur: VisiteurConnecte) -> Response:
    exiger_referent(visiteur.acteur, "lettre_generee")
    await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        _cas_ou_404(session, visiteur.acteur, cas_id, "lettre")
        try:
            lettre.generer(session, visiteur.acteur, cas_id, coffre=coffre(requete))
        except lettre.LettreRefusee as refus:
            session.rollback()
            return rendre(
                requete,
                "referent/lettre_refusee.html",
                titre="Lettre impossible",
                ariane=[Ariane("Tableau de bord", "/"), Ariane("Cas", "/cas"), Ariane("Lettre impossible")],
                statut=409,
                raison=str(refus),
                cas_id=cas_id,
            )
    return RedirectResponse(f"/cas/{cas_id}?fait=lettre#lettres", status_code=303)


@routeur.get("/cas/{cas_id}/lettres/{lettre_id}")
def telecharger_lettre(requete: Request, cas_id: str, lettre_id: str, visiteur: VisiteurConnecte) -> Response:
    exiger_referent(visiteur.acteur, "lettre_telechargee")
    with session_base(bdd_de(requete)) as session:
        _cas_ou_404(session, visiteur.acteur, cas_id, "lettre")
        try:
            nom, contenu = lettre.telecharger(
                session, visiteur.acteur, cas_id, lettre_id[:64], coffre=coffre(requete)
            )
        except lettre.LettreRefusee as refus:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(refus)) from None
    return Response(
        contenu,
        media_type=lettre.TYPE_MIME,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(nom)}",
            "Cache-Control": "no-store",
        },
    )


@routeur.post("/cas/{cas_id}/attribution")
async def attribuer(requete: Request, cas_id: str, visiteur: VisiteurConnecte) -> Response:
    exiger_referent(visiteur.acteur, "attribution")
    champs = await verifier_csrf(requete, visiteur)
    choix = champs.get("attribue_a", "")
    with session_base(bdd_de(requete)) as session:
        _cas_ou_404(session, visiteur.acteur, cas_id, "attribution")
        try:
            suivi.attribuer(session, visiteur.acteur, cas_id, int(choix) if choix.isdigit() else None)
        except suivi.SuiviRefuse as refus:
            session.rollback()
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refus)) from None
    return RedirectResponse(f"/cas/{cas_id}?fait=attribution", status_code=303)


@routeur.post("/cas/{cas_id}/commentaires")
async def commenter(requete: Request, cas_id: str, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, [CHAMP_COMMENTAIRE])
    with session_base(bdd_de(requete)) as session:
        _cas_ou_404(session, visiteur.acteur, cas_id, "commentaire")
        if not erreurs:
            try:
                suivi.commenter(
                    session, visiteur.acteur, cas_id, valeurs[CHAMP_COMMENTAIRE.nom], coffre=coffre(requete)
                )
            except suivi.SuiviRefuse as refus:
                session.rollback()
                erreurs.ajouter(CHAMP_COMMENTAIRE.nom, str(refus))
    if erreurs:
        # Le texte revient dans la zone de saisie, jamais dans l'adresse ni au journal.
        return rendre(
            requete,
            "referent/commentaire.html",
            titre="Ajouter un commentaire",
            ariane=[Ariane("Tableau de bord", "/"), Ariane("Cas", "/cas"), Ariane("Commentaire")],
            statut=422,
            erreurs=erreurs,
            libelles=libelles([CHAMP_COMMENTAIRE]),
            valeur=valeurs[CHAMP_COMMENTAIRE.nom],
            cas_id=cas_id,
        )
    return RedirectResponse(f"/cas/{cas_id}?fait=commentaire", status_code=303)
