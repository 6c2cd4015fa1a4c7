"""Sessions (connexion, déconnexion) et comptes (administrateur)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, Field

from service.acteur import ANONYME, Acteur
from service.api.dependances import (
    ActeurCourant,
    Base,
    bdd_de,
    cookie_csrf,
    cookie_session,
    jeton_presente,
)
from service.api.textes import Entree
from service.autorisation import exiger_role
from service.base.connexion import session_base
from service.comptes import rattachement, sessions
from service.comptes import utilisateurs as comptes
from service.comptes.roles import Role
from service.journal_audit import Aboutissement, Action, auditer
from service.modeles import Utilisateur
from service.parametres import parametres

routeur = APIRouter(tags=["comptes"])


class DemandeConnexion(Entree):
    identifiant: str = Field(max_length=80)
    mot_de_passe: str = Field(max_length=1024)
    code_totp: str = Field(max_length=12)


class ReponseConnexion(BaseModel):
    jeton: str
    csrf: str
    expire_le: str
    identifiant: str
    role: str
    communes: list[str]
    departement: str | None
    mot_de_passe_a_changer: bool = Field(
        description="Vrai tant que le mot de passe initial n'est pas changé : seuls la session et le "
        "changement de mot de passe (POST /api/v1/session/mot-de-passe) répondent d'ici là."
    )


class Moi(BaseModel):
    identifiant: str
    role: str
    communes: list[str]
    departement: str | None


def adresse_client(requete: Request) -> str:
    """L'adresse du client : le pair direct, ou celle qu'a vue un mandataire de CELLULE_PROXIES."""
    return requete.client.host if requete.client else "inconnue"


MESSAGE_TROP_DE_TENTATIVES = (
    "Trop de tentatives de connexion depuis cette adresse : attendez une minute avant de réessayer."
)


def tentative_permise(requete: Request) -> bool:
    """Le limiteur de connexions par adresse (API et pages) ; un refus est audité."""
    adresse = adresse_client(requete)
    if requete.app.state.limiteur.autoriser(adresse):
        return True
    with session_base(bdd_de(requete)) as session:
        auditer(
            session,
            ANONYME,
            Action.CONNEXION,
            resultat=Aboutissement.REFUS,
            details={"raison": "trop_de_tentatives", "ip": adresse},
        )
    return False


def poser_cookies(reponse: Response, jeton: str, csrf: str) -> None:
    """Les cookies d'une session ouverte (API et pages) : le jeton, et le jeton CSRF lisible par la page."""
    securise = parametres().cookie_securise
    # Cookies de session du navigateur, sans Max-Age : fermer le navigateur les oublie ; la durée
    # maximale et l'inactivité sont appliquées par le serveur.
    reponse.set_cookie(cookie_session(), jeton, httponly=True, secure=securise, samesite="strict", path="/")
    # Double soumission : le jeton CSRF est lisible par la page, qui le renvoie en en-tête.
    reponse.set_cookie(cookie_csrf(), csrf, secure=securise, samesite="strict", path="/")


def effacer_cookies(reponse: Response) -> None:
    """Oublie la session dans le navigateur (cookies, cache, stockage)."""
    # Un cookie __Host- ne s'efface qu'avec les mêmes attributs que ceux qui l'ont posé.
    securise = parametres().cookie_securise
    reponse.delete_cookie(cookie_session(), path="/", secure=securise, httponly=True, samesite="strict")
    reponse.delete_cookie(cookie_csrf(), path="/", secure=securise, samesite="strict")
    # Le navigateur oublie aussi ce qu'il aurait gardé du service (cache, stockage local).
    reponse.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'


@routeur.post("/session", summary="Se connecter (mot de passe + code TOTP)")
def ouvrir(demande: DemandeConnexion, requete: Request, reponse: Response) -> ReponseConnexion:
    jeton_precedent, _ = jeton_presente(requete)
    adresse = adresse_client(requete)
    if not tentative_permise(requete):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, MESSAGE_TROP_DE_TENTATIVES)
    with session_base(bdd_de(requete)) as session:
        connexion = sessions.ouvrir_session(
            session,
            demande.identifiant,
            demande.mot_de_passe,
            demande.code_totp,
            jeton_precedent=jeton_precedent,
            ip=adresse,
        )
    if connexion.acteur is None or connexion.jeton is None or connexion.csrf is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, connexion.message)
    poser_cookies(reponse, connexion.jeton, connexion.csrf)
    acteur = connexion.acteur
    assert acteur.role is not None
    return ReponseConnexion(
        jeton=connexion.jeton,
        csrf=connexion.csrf,
        expire_le=connexion.expire_le or "",
        identifiant=acteur.identifiant,
        role=acteur.role.value,
        communes=sorted(acteur.communes),
        departement=acteur.departement,
        mot_de_passe_a_changer=connexion.mot_de_passe_a_changer,
    )


@routeur.delete("/session", status_code=204, summary="Se déconnecter (la session est détruite)")
def fermer(acteur: ActeurCourant, requete: Request, reponse: Response) -> None:
    jeton, _ = jeton_presente(requete)
    assert jeton is not None
    with session_base(bdd_de(requete)) as session:
        sessions.fermer_session(session, jeton)
        auditer(session, acteur, Action.DECONNEXION, details={"ip": adresse_client(requete)})
    effacer_cookies(reponse)


def _moi(acteur: Acteur) -> Moi:
    assert acteur.role is not None
    return Moi(
        identifiant=acteur.identifiant,
        role=acteur.role.value,
        communes=sorted(acteur.communes),
        departement=acteur.departement,
    )


@routeur.get("/session", summary="L'utilisateur de la session courante")
def qui(acteur: ActeurCourant) -> Moi:
    return _moi(acteur)


class ChangementMotDePasse(Entree):
    ancien: str = Field(max_length=1024)
    nouveau: str = Field(max_length=1024)


@routeur.post("/session/mot-de-passe", status_code=204, summary="Changer son mot de passe")
def changer_mot_de_passe(demande: ChangementMotDePasse, acteur: ActeurCourant, session: Base) -> None:
    try:
        comptes.changer_mot_de_passe(session, acteur, demande.ancien, demande.nouveau)
    except comptes.CompteInvalide as erreur:
        # Un ancien mot de passe faux est compté et audité : l'échec reste écrit.
        session.commit()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur)) from None
    session.commit()


class SessionOuverte(BaseModel):
    id: int
    creee_le: datetime
    derniere_activite: datetime
    adresse_client: str | None = Field(description="L'adresse vue à la connexion, si elle est connue.")
    courante: bool = Field(description="Vrai pour la session de cette requête.")


class SessionsFermees(BaseModel):
    fermees: int


@routeur.get("/sessions", summary="Mes sessions ouvertes (création, dernière activité, adresse)")
def mes_sessions(acteur: ActeurCourant, session: Base) -> list[SessionOuverte]:
    assert acteur.id is not None
    ouvertes = [
        SessionOuverte(
            id=ouverte.id,
            creee_le=ouverte.creee_le,
            derniere_activite=ouverte.derniere_activite,
            adresse_client=ouverte.adresse_client,
            courante=ouverte.id == acteur.session_id,
        )
        for ouverte in sessions.sessions_ouvertes(session, acteur.id)
        if ouverte.id is not None
    ]
    auditer(session, acteur, Action.SESSIONS_LISTEES, details={"nombre": len(ouvertes)})
    session.commit()
    return ouvertes


@routeur.delete("/sessions/autres", summary="Fermer toutes mes autres sessions")
def fermer_mes_autres_sessions(acteur: ActeurCourant, session: Base) -> SessionsFermees:
    fermees = sessions.fermer_les_autres(session, acteur)
    session.commit()
    return SessionsFermees(fermees=fermees)


@routeur.delete("/sessions/{session_id}", status_code=204, summary="Fermer une de mes autres sessions")
def fermer_une_de_mes_sessions(
    session_id: Annotated[int, Path(ge=1, le=2**31 - 1)], acteur: ActeurCourant, session: Base
) -> None:
    if session_id == acteur.session_id:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "C'est la session de cette requête : pour la fermer, déconnectez-vous (DELETE /api/v1/session).",
        )
    # Une session d'un autre compte répond comme une session inconnue : son existence ne se devine pas.
    if not sessions.fermer_une_session(session, acteur, session_id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "Aucune session ouverte de votre compte ne porte ce numéro (GET /api/v1/sessions les liste).",
        )
    session.commit()


class DemandeCompte(Entree):
    identifiant: str = Field(max_length=80)
    role: Role
    mot_de_passe: str = Field(max_length=1024)
    communes: list[str] = Field(default_factory=list)
    departement: str | None = None
    nom_affiche: str = Field(default="", max_length=120)
    courriel: str | None = Field(
        default=None,
        max_length=254,
        description="Adresse professionnelle de l'identité ProConnect de la personne (connexion ProConnect).",
    )
    siret: str | None = Field(
        default=None,
        max_length=20,
        description="SIRET de l'organisation (mairie, DSDEN), exigé pour un agent ou un référent rattaché.",
    )


class Compte(BaseModel):
    identifiant: str
    nom_affiche: str
    role: str
    communes: list[str]
    departement: str | None
    actif: bool
    approuve: bool = Field(
        description="Faux tant qu'une seconde personne (DPO ou autre administrateur) n'a pas approuvé."
    )
    totp_confirme: bool
    cree_le: datetime
    courriel: str | None = Field(description="Adresse de l'identité ProConnect ; vide : pas de ProConnect.")
    siret: str | None
    proconnect_lie: bool = Field(
        description="Vrai une fois l'identité ProConnect liée, à la première connexion."
    )


class CompteCree(Compte):
    totp_secret: str
    uri_totp: str


def _compte(utilisateur: Utilisateur, communes: frozenset[str]) -> Compte:
    return Compte(
        identifiant=utilisateur.identifiant,
        nom_affiche=utilisateur.nom_affiche,
        role=utilisateur.role,
        communes=sorted(communes),
        departement=utilisateur.departement,
        actif=utilisateur.actif,
        approuve=utilisateur.approuve_le is not None,
        totp_confirme=utilisateur.totp_confirme_le is not None,
        cree_le=utilisateur.cree_le,
        courriel=utilisateur.courriel,
        siret=utilisateur.siret,
        proconnect_lie=utilisateur.proconnect_sub is not None,
    )


@routeur.get("/utilisateurs", summary="Lister les comptes (administrateur, DPO)")
def lister(acteur: ActeurCourant, session: Base) -> list[Compte]:
    # Le DPO voit les comptes, dont ceux qui attendent son approbation.
    exiger_role(acteur, Role.ADMINISTRATEUR, Role.DPO, action="utilisateurs_lister")
    return [_compte(u, c) for u, c in comptes.lister_utilisateurs(session)]


@routeur.post(
    "/utilisateurs",
    status_code=201,
    summary="Créer un compte (administrateur) ; il sert une fois approuvé par une seconde personne, "
    "qui reçoit son secret TOTP",
)
def creer(demande: DemandeCompte, acteur: ActeurCourant, session: Base) -> Compte:
    exiger_role(acteur, Role.ADMINISTRATEUR, action="utilisateur_creer")
    try:
        utilisateur = comptes.creer_utilisateur(
            session,
            identifiant=demande.identifiant,
            role=demande.role,
            mot_de_passe=demande.mot_de_passe,
            par=acteur,
            communes=demande.communes,
            departement=demande.departement,
            nom_affiche=demande.nom_affiche,
            courriel=demande.courriel,
            siret=demande.siret,
        )
    except comptes.CompteInvalide as erreur:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur)) from None
    session.commit()
    # Pas de secret TOTP ici : il est remis à l'approbateur, pas au demandeur.
    return _compte(utilisateur, frozenset(demande.communes))


@routeur.post(
    "/utilisateurs/{identifiant}/approbation",
    summary="Approuver un compte en attente (DPO, ou administrateur autre que le demandeur)",
)
def approuver(identifiant: str, acteur: ActeurCourant, session: Base) -> CompteCree:
    """Rend le secret TOTP, une seule fois, à remettre à la personne (le demandeur ne l'a jamais)."""
    try:
        nouveau = comptes.approuver_utilisateur(session, identifiant, par=acteur)
    except comptes.CompteIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    except comptes.CompteInvalide as erreur:
        raise HTTPException(status.HTTP_409_CONFLICT, str(erreur)) from None
    session.commit()
    utilisateur = nouveau.utilisateur
    assert utilisateur.id is not None
    base = _compte(utilisateur, sessions.communes_de(session, utilisateur.id))
    return CompteCree(**base.model_dump(), totp_secret=nouveau.totp_secret, uri_totp=nouveau.uri_totp)


@routeur.post("/utilisateurs/{identifiant}/desactiver", summary="Désactiver un compte (administrateur)")
def desactiver(identifiant: str, acteur: ActeurCourant, session: Base) -> Compte:
    exiger_role(
        acteur,
        Role.ADMINISTRATEUR,
        action="utilisateur_desactiver",
        cible=comptes.cible_au_journal(session, identifiant),
    )
    try:
        utilisateur = comptes.desactiver_utilisateur(session, identifiant, par=acteur)
    except comptes.CompteInvalide as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    session.commit()
    assert utilisateur.id is not None
    return _compte(utilisateur, sessions.communes_de(session, utilisateur.id))


@routeur.post(
    "/utilisateurs/{identifiant}/totp",
    summary="Nouveau secret TOTP (administrateur) ; remis à l'approbateur, à l'approbation suivante",
)
def reinitialiser_totp(identifiant: str, acteur: ActeurCourant, session: Base) -> Compte:
    exiger_role(
        acteur,
        Role.ADMINISTRATEUR,
        action="totp_reinitialiser",
        cible=comptes.cible_au_journal(session, identifiant),
    )
    try:
        utilisateur = comptes.reinitialiser_totp(session, identifiant, par=acteur)
    except comptes.CompteInvalide as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    session.commit()
    assert utilisateur.id is not None
    return _compte(utilisateur, sessions.communes_de(session, utilisateur.id))


class RattachementProConnect(Entree):
    courriel: str | None = Field(
        default=None, max_length=254, description="Adresse de l'identité ProConnect ; vide : la retirer."
    )
    siret: str | None = Field(default=None, max_length=20, description="SIRET de l'organisation.")
    delier: bool = Field(
        default=False,
        description="Délier l'identité ProConnect déjà liée (autre fournisseur d'identité).",
    )


@routeur.put(
    "/utilisateurs/{identifiant}/proconnect",
    summary="Rattacher un compte à ProConnect : courriel et SIRET de la personne (administrateur)",
)
def rattacher(
    identifiant: str, demande: RattachementProConnect, acteur: ActeurCourant, session: Base
) -> Compte:
    exiger_role(
        acteur,
        Role.ADMINISTRATEUR,
        action="compte_rattacher_proconnect",
        cible=comptes.cible_au_journal(session, identifiant),
    )
    try:
        utilisateur = rattachement.rattacher(
            session,
            identifiant,
            courriel=demande.courriel,
            siret=demande.siret,
            par=acteur,
            delier=demande.delier,
        )
    except rattachement.RattachementInvalide as erreur:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur)) from None
    if utilisateur is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Aucun compte « {identifiant} ».")
    session.commit()
    assert utilisateur.id is not None
    return _compte(utilisateur, sessions.communes_de(session, utilisateur.id))


@routeur.delete(
    "/utilisateurs/sessions",
    summary="Fermer les sessions de tous les comptes (administrateur), sauf la sienne",
)
def fermer_toutes_les_sessions(acteur: ActeurCourant, session: Base) -> SessionsFermees:
    fermees = comptes.fermer_sessions(session, None, par=acteur)
    session.commit()
    return SessionsFermees(fermees=fermees)


@routeur.delete(
    "/utilisateurs/{identifiant}/sessions", summary="Fermer les sessions d'un compte (administrateur)"
)
def fermer_les_sessions_d_un_compte(
    identifiant: str, acteur: ActeurCourant, session: Base
) -> SessionsFermees:
    try:
        fermees = comptes.fermer_sessions(session, identifiant, par=acteur)
    except comptes.CompteIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    session.commit()
    return SessionsFermees(fermees=fermees)
