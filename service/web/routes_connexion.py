"""Se connecter (mot de passe et code TOTP, premier enrôlement du second facteur), se déconnecter."""

from __future__ import annotations

import hmac
import secrets

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.api.dependances import bdd_de, cookie_session
from service.api.routes_comptes import (
    MESSAGE_TROP_DE_TENTATIVES,
    adresse_client,
    effacer_cookies,
    poser_cookies,
    tentative_permise,
)
from service.base.connexion import session_base
from service.comptes import sessions, totp
from service.parametres import parametres
from service.web import routes_proconnect
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import (
    ConnexionRequise,
    MotDePasseInitial,
    VisiteurConnecte,
    suite_sure,
    verifier_csrf,
    visiteur_connecte,
)

routeur = APIRouter(include_in_schema=False)

CHAMPS = [
    Champ("identifiant", "Identifiant", 80, message_si_vide="Saisissez votre identifiant."),
    Champ("mot_de_passe", "Mot de passe", 1024, message_si_vide="Saisissez votre mot de passe."),
    Champ("code_totp", "Code à usage unique", 12, requis=False),
]
LIBELLES = libelles(CHAMPS)


def _cookie_formulaire() -> str:
    # Jeton du formulaire de connexion (avant toute session) : une connexion forcée depuis un autre site
    # n'a pas ce cookie, que SameSite=Strict ne lui envoie pas.
    return "__Host-cellule_connexion" if parametres().cookie_securise else "cellule_connexion"


def _formulaire(
    requete: Request,
    *,
    suite: str,
    erreurs: Erreurs | None = None,
    identifiant: str = "",
    statut: int = 200,
    message: str = "",
) -> Response:
    jeton = secrets.token_urlsafe(24)
    reponse = rendre(
        requete,
        "connexion.html",
        titre="Se connecter",
        statut=statut,
        erreurs=erreurs,
        libelles=LIBELLES,
        identifiant=identifiant,
        suite=suite,
        jeton_formulaire=jeton,
        message=message,
        proconnect=parametres().proconnect_configure(),
    )
    reponse.set_cookie(
        _cookie_formulaire(),
        jeton,
        httponly=True,
        secure=parametres().cookie_securise,
        samesite="strict",
        path="/",
    )
    return reponse


def _deja_connecte(requete: Request) -> bool:
    try:
        visiteur_connecte(requete)
    except ConnexionRequise:
        return False
    except MotDePasseInitial:
        return True
    return True


@routeur.get("/connexion")
def page_connexion(requete: Request, suite: str = "/", deconnecte: str = "", expiree: str = "") -> Response:
    if _deja_connecte(requete):
        return RedirectResponse(suite_sure(suite), status_code=303)
    if deconnecte:
        message = "Vous êtes déconnecté. À bientôt."
    elif expiree:
        message = (
            "Votre session est fermée : trop longtemps sans activité, durée maximale atteinte, ou "
            "fermée depuis « Mon compte ». Reconnectez-vous : vous reviendrez à la page demandée."
        )
    else:
        message = ""
    return _formulaire(requete, suite=suite_sure(suite), message=message)


def _enrolement(requete: Request, identifiant: str, secret: str, suite: str) -> Response:
    uri = totp.uri_enrolement(secret, identifiant)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    jeton = secrets.token_urlsafe(24)
    groupes = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    reponse = rendre(
        requete,
        "enrolement.html",
        titre="Activer la double authentification",
        ariane=[Ariane("Se connecter", "/connexion"), Ariane("Activer la double authentification")],
        erreurs=None,
        libelles=LIBELLES,
        identifiant=identifiant,
        qr=qr,
        secret=groupes,
        suite=suite,
        jeton_formulaire=jeton,
    )
    reponse.set_cookie(
        _cookie_formulaire(), jeton, httponly=True, secure=parametres().cookie_securise, samesite="strict"
    )
    return reponse


@routeur.post("/connexion")
async def se_connecter(requete: Request) -> Response:
    formulaire = await requete.form()
    champs = {cle: valeur for cle, valeur in formulaire.multi_items() if isinstance(valeur, str)}
    suite = suite_sure(champs.get("suite"))
    valeurs, erreurs = lire(champs, CHAMPS)
    identifiant = valeurs["identifiant"]
    attendu = requete.cookies.get(_cookie_formulaire(), "")
    presente = champs.get("jeton_formulaire", "")
    if not attendu or not presente or not hmac.compare_digest(attendu, presente):
        erreurs.generale = (
            "Ce formulaire de connexion a expiré ou ne vient pas de cellule : saisissez de nouveau "
            "vos informations (les cookies doivent être permis pour ce site)."
        )
        return _formulaire(requete, suite=suite, erreurs=erreurs, identifiant=identifiant, statut=403)
    if erreurs:
        return _formulaire(requete, suite=suite, erreurs=erreurs, identifiant=identifiant, statut=422)
    if not tentative_permise(requete):
        erreurs.generale = MESSAGE_TROP_DE_TENTATIVES
        return _formulaire(requete, suite=suite, erreurs=erreurs, identifiant=identifiant, statut=429)
    adresse = adresse_client(requete)
    with session_base(bdd_de(requete)) as session:
        enrolement = (
            sessions.secret_a_enroler(session, identifiant, valeurs["mot_de_passe"], ip=adresse)
            if not valeurs["code_totp"].strip()
            else None
        )
        if isinstance(enrolement, str):
            return _enrolement(requete, identifiant, enrolement, suite)
        connexion = enrolement or sessions.ouvrir_session(
            session,
            identifiant,
            valeurs["mot_de_passe"],
            valeurs["code_totp"],
            jeton_precedent=requete.cookies.get(cookie_session()),
            ip=adresse,
        )
    if connexion.jeton is None or connexion.csrf is None:
        erreurs.generale = connexion.message
        return _formulaire(requete, suite=suite, erreurs=erreurs, identifiant=identifiant, statut=401)
    destination = "/compte?initial=1" if connexion.mot_de_passe_a_changer else suite
    reponse = RedirectResponse(destination, status_code=303)
    poser_cookies(reponse, connexion.jeton, connexion.csrf)
    reponse.delete_cookie(_cookie_formulaire(), path="/", secure=parametres().cookie_securise, httponly=True)
    return reponse


@routeur.post("/deconnexion")
async def se_deconnecter(requete: Request, visiteur: VisiteurConnecte) -> Response:
    await verifier_csrf(requete, visiteur)
    # La session est fermée (et la déconnexion écrite au journal) ; venue de ProConnect, la page
    # qui suit mène à la déconnexion chez ProConnect.
    vers_proconnect = routes_proconnect.deconnecter(requete, visiteur.acteur)
    if vers_proconnect is not None:
        return vers_proconnect
    reponse = RedirectResponse("/connexion?deconnecte=1", status_code=303)
    effacer_cookies(reponse)
    return reponse
