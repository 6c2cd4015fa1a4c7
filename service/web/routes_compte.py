"""« Mon compte » : changer son mot de passe, renouveler son second facteur, voir et fermer ses sessions."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.api.dependances import bdd_de
from service.base.connexion import session_base
from service.comptes import mots_de_passe, second_facteur, sessions, totp
from service.comptes import utilisateurs as comptes
from service.journal_audit import Action, auditer
from service.modeles import SessionWeb
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import Visiteur, VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

CHAMPS_MOT_DE_PASSE = [
    Champ("ancien", "Mot de passe actuel", 1024),
    Champ("nouveau", "Nouveau mot de passe", 1024),
    Champ("confirmation", "Nouveau mot de passe, de nouveau", 1024),
]
CHAMPS_TOTP = [
    Champ("mot_de_passe", "Mot de passe", 1024, message_si_vide="Saisissez votre mot de passe."),
    Champ(
        "code_totp",
        "Code à usage unique actuel",
        12,
        message_si_vide="Saisissez le code que votre application affiche.",
    ),
]
CHAMPS_CONFIRMATION_TOTP = [
    Champ("scelle", "Renouvellement", 1024, message_si_vide="Recommencez depuis « Mon compte »."),
    Champ("code_totp", "Premier code de la nouvelle clé", 12),
]
MESSAGES = {
    "mot_de_passe": "Votre mot de passe est changé. Vos autres sessions ont été fermées.",
    "totp": "Votre double authentification est renouvelée : l'ancienne clé ne sert plus. Vos autres "
    "sessions ont été fermées.",
    "sessions": "Vos autres sessions sont fermées.",
    "session": "La session est fermée.",
}
ARIANE = [Ariane("Tableau de bord", "/"), Ariane("Mon compte")]


def _sessions(session: Session, visiteur: Visiteur) -> list[SessionWeb]:
    assert visiteur.acteur.id is not None
    ouvertes = sessions.sessions_ouvertes(session, visiteur.acteur.id)
    auditer(session, visiteur.acteur, Action.SESSIONS_LISTEES, details={"nombre": len(ouvertes)})
    return ouvertes


def _page(
    requete: Request,
    visiteur: Visiteur,
    *,
    erreurs: Erreurs | None = None,
    formulaire: str = "",
    statut: int = 200,
    message: str = "",
) -> Response:
    with session_base(bdd_de(requete)) as session:
        ouvertes = [] if visiteur.mot_de_passe_a_changer else _sessions(session, visiteur)
    return rendre(
        requete,
        "compte.html",
        titre="Mon compte",
        ariane=ARIANE,
        statut=statut,
        erreurs=erreurs,
        formulaire=formulaire,
        vide=Erreurs(),
        libelles={**libelles(CHAMPS_MOT_DE_PASSE), **libelles(CHAMPS_TOTP)},
        initial=visiteur.mot_de_passe_a_changer,
        message=message,
        sessions=ouvertes,
        session_courante=visiteur.acteur.session_id,
    )


@routeur.get("/compte")
def mon_compte(requete: Request, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    return _page(requete, visiteur, message=MESSAGES.get(fait, ""))


@routeur.post("/compte/mot-de-passe")
async def changer_mot_de_passe(requete: Request, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_MOT_DE_PASSE)
    if not erreurs and valeurs["nouveau"] != valeurs["confirmation"]:
        erreurs.ajouter("confirmation", "Les deux saisies du nouveau mot de passe diffèrent : retapez-le.")
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            try:
                comptes.changer_mot_de_passe(session, visiteur.acteur, valeurs["ancien"], valeurs["nouveau"])
            except comptes.CompteInvalide as erreur:
                # Un ancien mot de passe faux est compté et audité : l'échec reste écrit.
                session.commit()
                refuse = isinstance(erreur.__cause__, mots_de_passe.MotDePasseRefuse)
                erreurs.ajouter("nouveau" if refuse else "ancien", str(erreur))
    if erreurs:
        return _page(requete, visiteur, erreurs=erreurs, formulaire="mot_de_passe", statut=422)
    destination = "/" if visiteur.mot_de_passe_a_changer else "/compte?fait=mot_de_passe"
    return RedirectResponse(destination, status_code=303)


def _page_nouvelle_cle(
    requete: Request, renouvellement: second_facteur.Renouvellement, erreurs: Erreurs | None = None
) -> Response:
    secret = renouvellement.secret
    return rendre(
        requete,
        "compte_totp.html",
        titre="Nouvelle clé de double authentification",
        ariane=[*ARIANE[:1], Ariane("Mon compte", "/compte"), Ariane("Nouvelle clé")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_CONFIRMATION_TOTP),
        qr=segno.make(renouvellement.uri, error="m").svg_data_uri(scale=5, border=2),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        scelle=renouvellement.scelle,
    )


@routeur.post("/compte/totp")
async def renouveler_totp(requete: Request, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_TOTP)
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            try:
                renouvellement = second_facteur.commencer(
                    session, visiteur.acteur, valeurs["mot_de_passe"], valeurs["code_totp"]
                )
            except comptes.CompteInvalide as erreur:
                session.commit()
                champ = "mot_de_passe" if "mot de passe" in str(erreur) else "code_totp"
                erreurs.ajouter(champ, str(erreur))
    if erreurs:
        return _page(requete, visiteur, erreurs=erreurs, formulaire="totp", statut=422)
    return _page_nouvelle_cle(requete, renouvellement)


@routeur.post("/compte/totp/confirmer")
async def confirmer_totp(requete: Request, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_CONFIRMATION_TOTP)
    secret = second_facteur.relire(visiteur.acteur, valeurs["scelle"]) if not erreurs else None
    if secret is None:
        # Scellé absent, expiré ou d'un autre compte : tout recommencer.
        erreurs = Erreurs(generale="Ce renouvellement a expiré (dix minutes) : recommencez ci-dessous.")
        return _page(requete, visiteur, erreurs=erreurs, formulaire="totp", statut=422)
    with session_base(bdd_de(requete)) as session:
        try:
            second_facteur.confirmer(session, visiteur.acteur, valeurs["scelle"], valeurs["code_totp"])
        except comptes.CompteInvalide as erreur:
            erreurs.ajouter("code_totp", str(erreur))
    if erreurs:
        renouvellement = second_facteur.Renouvellement(
            secret, totp.uri_enrolement(secret, visiteur.acteur.identifiant), valeurs["scelle"]
        )
        return _page_nouvelle_cle(requete, renouvellement, erreurs)
    return RedirectResponse("/compte?fait=totp", status_code=303)


@routeur.post("/compte/sessions/fermer-autres")
async def fermer_mes_autres_sessions(requete: Request, visiteur: VisiteurConnecte) -> Response:
    await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        sessions.fermer_les_autres(session, visiteur.acteur)
    return RedirectResponse("/compte?fait=sessions", status_code=303)


@routeur.post("/compte/sessions/{session_id}/fermer")
async def fermer_une_session(
    requete: Request, visiteur: VisiteurConnecte, session_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    await verifier_csrf(requete, visiteur)
    if session_id == visiteur.acteur.session_id:
        return _page(
            requete,
            visiteur,
            erreurs=Erreurs(generale="C'est la session de cette page : pour la fermer, déconnectez-vous."),
            statut=409,
        )
    with session_base(bdd_de(requete)) as session:
        fermee = sessions.fermer_une_session(session, visiteur.acteur, session_id)
    if not fermee:
        erreurs = Erreurs(generale="Aucune session ouverte de votre compte ne porte ce numéro.")
        return _page(requete, visiteur, erreurs=erreurs, statut=404)
    return RedirectResponse("/compte?fait=session", status_code=303)
