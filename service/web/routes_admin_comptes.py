"""« Comptes » (``/admin/utilisateurs``) : créer, approuver sous la règle des quatre yeux, désactiver,
renouveler le second facteur.

Les mêmes fonctions que l'API (``comptes/utilisateurs``), les mêmes refus et le même audit. Le DPO voit
la liste et approuve ; le reste est à l'administrateur. Chaque action à effet passe par une page de
confirmation. Le secret TOTP d'un compte approuvé n'est montré qu'une fois, à l'approbateur.
"""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.comptes import mots_de_passe, rattachement
from service.comptes import utilisateurs as comptes
from service.comptes.roles import LIBELLES, Role
from service.comptes.sessions import communes_de
from service.modeles import Utilisateur
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import Visiteur, VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

ADRESSE = "/admin/utilisateurs"
ARIANE = [Ariane("Tableau de bord", "/"), Ariane("Comptes", ADRESSE)]
Identifiant = Annotated[str, Path(max_length=80)]

CHAMPS_COMPTE = [
    Champ("identifiant", "Identifiant", 80, message_si_vide="Choisissez l'identifiant du compte."),
    Champ("nom_affiche", "Nom affiché", 120, requis=False),
    Champ("role", "Rôle", 30, message_si_vide="Choisissez le rôle du compte."),
    Champ("communes", "Communes (codes INSEE)", 2000, requis=False),
    Champ("departement", "Département", 3, requis=False),
    Champ("mot_de_passe", "Mot de passe initial", 1024, message_si_vide="Fixez un mot de passe initial."),
    Champ("courriel", "Adresse électronique ProConnect", 254, requis=False),
    Champ("siret", "SIRET de l'organisation", 20, requis=False),
]
MESSAGES = {
    "cree": "Le compte est créé. Il servira une fois approuvé par le DPO ou par un autre administrateur.",
    "desactive": "Le compte est désactivé et ses sessions sont fermées.",
    "totp": "Un nouveau second facteur est demandé : l'ancien ne sert plus et les sessions du compte sont "
    "fermées. Le DPO ou un autre administrateur doit maintenant approuver le compte ; il recevra la "
    "nouvelle clé à remettre à la personne.",
}


def exiger_administration(acteur: Acteur, *roles: Role, action: str) -> None:
    """Refus en français qui dit à qui la page est réservée (403 audité par l'application)."""
    if acteur.role not in roles:
        qui = " et au DPO" if Role.DPO in roles else ""
        raise RefusAutorisation(
            f"Cette page est réservée à l'administrateur technique{qui} de cellule : votre rôle "
            f"({LIBELLES[acteur.role] if acteur.role else 'aucun'}) ne permet pas d'y accéder.",
            action=action,
        )


def _compte(session: Session, identifiant: str) -> Utilisateur:
    try:
        return comptes.trouver(session, identifiant)
    except comptes.CompteIntrouvable:
        raise HTTPException(404, f"Aucun compte ne porte l'identifiant « {identifiant} ».") from None


def peut_approuver(acteur: Acteur, utilisateur: Utilisateur) -> bool:
    """La règle des quatre yeux vue de la liste : ni son propre compte, ni un compte qu'on a demandé."""
    return (
        acteur.role in comptes.ROLES_APPROBATEURS
        and acteur.id is not None
        and utilisateur.id != acteur.id
        and utilisateur.demande_par != acteur.id
    )


@routeur.get(ADRESSE)
def liste(requete: Request, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, Role.DPO, action="utilisateurs_lister")
    with session_base(bdd_de(requete)) as session:
        tous = comptes.lister_utilisateurs(session)
        demandeurs = {u.id: u.identifiant for u, _ in tous}
    en_attente = [(u, c) for u, c in tous if u.actif and u.approuve_le is None]
    return rendre(
        requete,
        "admin/utilisateurs.html",
        titre="Comptes",
        ariane=[ARIANE[0], Ariane("Comptes")],
        comptes=tous,
        en_attente=en_attente,
        demandeurs=demandeurs,
        peut_approuver=lambda u: peut_approuver(visiteur.acteur, u),
        administrateur=visiteur.acteur.role is Role.ADMINISTRATEUR,
        libelles_roles=LIBELLES,
        message=MESSAGES.get(fait, ""),
    )


def _page_nouveau(
    requete: Request,
    valeurs: dict[str, str],
    erreurs: Erreurs | None = None,
    *,
    verification: bool = False,
) -> Response:
    return rendre(
        requete,
        "admin/utilisateur_nouveau.html",
        titre="Vérifier le nouveau compte" if verification else "Créer un compte",
        ariane=[*ARIANE, Ariane("Nouveau compte")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_COMPTE),
        valeurs=valeurs,
        verification=verification,
        roles=LIBELLES,
        communes=_communes(valeurs.get("communes", "")),
    )


def _communes(texte: str) -> list[str]:
    codes = texte.replace(";", ",").replace(" ", ",").split(",")
    return sorted({code.strip().upper() for code in codes} - {""})


@routeur.get(f"{ADRESSE}/nouveau")
def formulaire_nouveau(requete: Request, visiteur: VisiteurConnecte) -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action="utilisateur_creer")
    return _page_nouveau(requete, {champ.nom: "" for champ in CHAMPS_COMPTE})


def _champ_du_refus(erreur: comptes.CompteInvalide) -> str:
    """Le champ qu'un refus de ``creer_utilisateur`` désigne, d'après sa cause ou ses mots."""
    if isinstance(erreur.__cause__, mots_de_passe.MotDePasseRefuse):
        return "mot_de_passe"
    texte = str(erreur)
    if isinstance(erreur.__cause__, rattachement.RattachementInvalide):
        return "siret" if "SIRET" in texte else "courriel"
    if texte.startswith(("Identifiant", "L'identifiant")):
        return "identifiant"
    if "département" in texte:
        return "departement"
    return "communes"


def _creer(session: Session, valeurs: dict[str, str], par: Acteur) -> Utilisateur:
    return comptes.creer_utilisateur(
        session,
        identifiant=valeurs["identifiant"],
        role=Role(valeurs["role"]),
        mot_de_passe=valeurs["mot_de_passe"],
        par=par,
        communes=_communes(valeurs["communes"]),
        departement=valeurs["departement"].strip().upper() or None,
        nom_affiche=valeurs["nom_affiche"].strip(),
        courriel=valeurs["courriel"] or None,
        siret=valeurs["siret"] or None,
    )


@routeur.post(f"{ADRESSE}/nouveau")
async def creer(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """Deux temps : le formulaire est vérifié (rien n'est écrit), puis la création est confirmée."""
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action="utilisateur_creer")
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_COMPTE)
    etape = champs.get("etape", "verifier")
    if etape == "corriger":
        return _page_nouveau(requete, valeurs)
    if not erreurs and valeurs["role"] not in {role.value for role in Role}:
        erreurs.ajouter("role", "Choisissez un rôle dans la liste.")
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            try:
                _creer(session, valeurs, visiteur.acteur)
            except comptes.CompteInvalide as erreur:
                erreurs.ajouter(_champ_du_refus(erreur), str(erreur))
            if erreurs or etape != "creer":
                # Vérification seulement : rien n'est gardé, pas même l'audit d'une création.
                session.rollback()
    if erreurs:
        return _page_nouveau(requete, valeurs, erreurs)
    if etape != "creer":
        return _page_nouveau(requete, valeurs, verification=True)
    return RedirectResponse(f"{ADRESSE}?fait=cree", status_code=303)


def _page_confirmation(
    requete: Request, utilisateur: Utilisateur, communes: frozenset[str], action: str
) -> Response:
    titres = {
        "approbation": "Approuver le compte",
        "desactivation": "Désactiver le compte",
        "totp": "Nouveau second facteur",
    }
    return rendre(
        requete,
        "admin/utilisateur_confirmer.html",
        titre=f"{titres[action]} {utilisateur.identifiant}",
        ariane=[*ARIANE, Ariane(titres[action])],
        compte=utilisateur,
        communes=sorted(communes),
        action=action,
        libelles_roles=LIBELLES,
    )


def _confirmation(requete: Request, visiteur: Visiteur, identifiant: str, action: str) -> Response:
    with session_base(bdd_de(requete)) as session:
        utilisateur = _compte(session, identifiant)
        assert utilisateur.id is not None
        communes = communes_de(session, utilisateur.id)
    return _page_confirmation(requete, utilisateur, communes, action)


@routeur.get(f"{ADRESSE}/{{identifiant}}/approbation")
def confirmer_approbation(requete: Request, visiteur: VisiteurConnecte, identifiant: Identifiant) -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, Role.DPO, action="compte_approuver")
    return _confirmation(requete, visiteur, identifiant, "approbation")


@routeur.post(f"{ADRESSE}/{{identifiant}}/approbation")
async def approuver(requete: Request, visiteur: VisiteurConnecte, identifiant: Identifiant) -> Response:
    await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        _compte(session, identifiant)
        try:
            # Les quatre yeux (jamais son propre compte, ni un compte qu'on a demandé) : refus 403.
            nouveau = comptes.approuver_utilisateur(session, identifiant, par=visiteur.acteur)
        except comptes.CompteInvalide as erreur:
            raise HTTPException(409, str(erreur)) from None
    secret = nouveau.totp_secret
    return rendre(
        requete,
        "admin/utilisateur_approuve.html",
        titre=f"Compte {identifiant} approuvé",
        ariane=[*ARIANE, Ariane("Compte approuvé")],
        compte=nouveau.utilisateur,
        qr=segno.make(nouveau.uri_totp, error="m").svg_data_uri(scale=5, border=2),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )


@routeur.get(f"{ADRESSE}/{{identifiant}}/desactivation")
def confirmer_desactivation(
    requete: Request, visiteur: VisiteurConnecte, identifiant: Identifiant
) -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action="utilisateur_desactiver")
    return _confirmation(requete, visiteur, identifiant, "desactivation")


@routeur.post(f"{ADRESSE}/{{identifiant}}/desactivation")
async def desactiver(requete: Request, visiteur: VisiteurConnecte, identifiant: Identifiant) -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action="utilisateur_desactiver")
    await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        utilisateur = _compte(session, identifiant)
        if utilisateur.id == visiteur.acteur.id:
            raise HTTPException(
                409,
                "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur.",
            )
        try:
            comptes.desactiver_utilisateur(session, identifiant, par=visiteur.acteur)
        except comptes.CompteInvalide as erreur:
            raise HTTPException(409, str(erreur)) from None
    return RedirectResponse(f"{ADRESSE}?fait=desactive", status_code=303)


@routeur.get(f"{ADRESSE}/{{identifiant}}/totp")
def confirmer_totp(requete: Request, visiteur: VisiteurConnecte, identifiant: Identifiant) -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action="totp_reinitialiser")
    return _confirmation(requete, visiteur, identifiant, "totp")


@routeur.post(f"{ADRESSE}/{{identifiant}}/totp")
async def renouveler_totp(requete: Request, visiteur: VisiteurConnecte, identifiant: Identifiant) -> Response:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action="totp_reinitialiser")
    await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        utilisateur = _compte(session, identifiant)
        if not utilisateur.actif:
            raise HTTPException(
                409, f"Le compte « {identifiant} » est désactivé : il n'a pas de second facteur à renouveler."
            )
        comptes.reinitialiser_totp(session, identifiant, par=visiteur.acteur)
    return RedirectResponse(f"{ADRESSE}?fait=totp", status_code=303)
