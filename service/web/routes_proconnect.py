"""Se connecter et se déconnecter par ProConnect (issue n° 20) : les pages du parcours.

``/proconnect/connexion`` envoie vers ProConnect ; ``/proconnect/retour`` reçoit le code, ouvre la
session ou demande le code TOTP de cellule (``/proconnect/second-facteur``), ou dit pourquoi la
connexion est refusée et à qui s'adresser. ``deconnecter`` sert la page de déconnexion pour une
session venue de ProConnect ; ``/proconnect/deconnexion/retour`` vérifie le ``state`` au retour.

Le témoin du parcours (``state``, ``nonce``, attente du code) est un cookie scellé ``SameSite=Lax`` :
le retour de ProConnect est une navigation venue d'un autre site, qui ne porterait pas un cookie
``Strict``. Pour la même raison, la session ouverte au retour est suivie d'une page de passage (et
non d'une redirection) : la page suivante est alors demandée depuis cellule, avec les cookies de
session ``Strict``. ProConnect est aussi quitté par une page de passage : la politique de contenu
des pages (``form-action 'self'``) interdit à un formulaire de mener hors de cellule.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.acteur import Acteur
from service.api.dependances import bdd_de, cookie_session
from service.api.routes_comptes import (
    MESSAGE_TROP_DE_TENTATIVES,
    adresse_client,
    effacer_cookies,
    poser_cookies,
    tentative_permise,
)
from service.base.connexion import session_base
from service.comptes.proconnect import client_du_service, entree, temoin
from service.comptes.proconnect.fournisseur import ClientProConnect, ProConnectRefuse
from service.comptes.sessions import Connexion
from service.journal_audit import Aboutissement, Action, auditer
from service.parametres import parametres
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import suite_sure

routeur = APIRouter(include_in_schema=False)

CHAMPS_CODE = [
    Champ("code_totp", "Code à usage unique", 12, message_si_vide="Saisissez le code à 6 chiffres.")
]
# Un code d'erreur OAuth rendu par le fournisseur : recopié au journal seulement s'il a cette forme.
CODE_ERREUR = re.compile(r"[a-z_]{1,40}")


def _client() -> ClientProConnect | None:
    return client_du_service(parametres())


def _poser_temoin(reponse: Response, valeur: str) -> None:
    # Lax : le retour de ProConnect est une navigation venue d'un autre site.
    reponse.set_cookie(
        temoin.nom_du_cookie(),
        valeur,
        httponly=True,
        secure=parametres().cookie_securise,
        samesite="lax",
        path="/",
        max_age=max(temoin.DUREES_SECONDES.values()),
    )


def _effacer_temoin(reponse: Response) -> None:
    reponse.delete_cookie(
        temoin.nom_du_cookie(), path="/", secure=parametres().cookie_securise, httponly=True, samesite="lax"
    )


def _passage(requete: Request, destination: str, *, titre: str, message: str) -> Response:
    """Une page qui mène aussitôt à ``destination`` (rafraîchissement), avec un lien si rien ne bouge."""
    return rendre(
        requete,
        "proconnect_passage.html",
        titre=titre,
        destination=destination,
        message=message,
        externe=not destination.startswith("/"),
    )


def _refus(requete: Request, message: str, *, statut: int = 403, titre: str = "") -> Response:
    reponse = rendre(
        requete,
        "proconnect_refus.html",
        titre=titre or "Connexion par ProConnect refusée",
        ariane=[Ariane("Se connecter", "/connexion"), Ariane("ProConnect")],
        statut=statut,
        message=message,
    )
    _effacer_temoin(reponse)
    return reponse


def _indisponible(requete: Request) -> Response:
    return _refus(
        requete,
        "La connexion par ProConnect n'est pas proposée par ce service. Connectez-vous avec votre "
        "identifiant et votre mot de passe.",
        statut=404,
        titre="ProConnect n'est pas disponible",
    )


@routeur.get("/proconnect/connexion")
def commencer(requete: Request, suite: str = "/") -> Response:
    client = _client()
    if client is None:
        return _indisponible(requete)
    try:
        adresse, valeur = entree.commencer(client, suite_sure(suite))
    except ProConnectRefuse as refus:
        return _refus(requete, refus.message, statut=503, titre="ProConnect ne répond pas")
    reponse = RedirectResponse(adresse, status_code=303)
    _poser_temoin(reponse, valeur)
    return reponse


def _session_ouverte(requete: Request, connexion: Connexion, suite: str) -> Response:
    assert connexion.jeton is not None
    assert connexion.csrf is not None
    destination = "/compte?initial=1" if connexion.mot_de_passe_a_changer else suite_sure(suite)
    reponse = _passage(
        requete, destination, titre="Connexion réussie", message="Vous êtes connecté. Ouverture de cellule…"
    )
    poser_cookies(reponse, connexion.jeton, connexion.csrf)
    _effacer_temoin(reponse)
    return reponse


def _page_code(
    requete: Request, identifiant: str, *, erreurs: Erreurs | None = None, statut: int = 200
) -> Response:
    return rendre(
        requete,
        "proconnect_code.html",
        titre="Saisir votre code à usage unique",
        ariane=[Ariane("Se connecter", "/connexion"), Ariane("Code à usage unique")],
        statut=statut,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_CODE),
        identifiant=identifiant,
    )


@routeur.get("/proconnect/retour")
def retour(requete: Request, code: str = "", state: str = "", error: str = "") -> Response:
    # La description d'erreur du fournisseur (texte libre) n'est ni affichée ni écrite au journal.
    client = _client()
    if client is None:
        return _indisponible(requete)
    valeur = requete.cookies.get(temoin.nom_du_cookie())
    adresse = adresse_client(requete)
    if error or not code:
        with session_base(bdd_de(requete)) as session:
            auditer(
                session,
                Acteur(id=None, identifiant="anonyme", role=None),
                Action.CONNEXION,
                resultat=Aboutissement.REFUS,
                details={
                    "voie": "proconnect",
                    "raison": "erreur_du_fournisseur",
                    "erreur": error if CODE_ERREUR.fullmatch(error) else None,
                    "ip": adresse,
                },
            )
        return _refus(
            requete,
            "ProConnect n'a pas pu vous identifier (connexion annulée ou refusée chez votre fournisseur "
            "d'identité). Recommencez, ou connectez-vous avec votre identifiant et votre mot de passe.",
        )
    if not tentative_permise(requete):
        return _refus(requete, MESSAGE_TROP_DE_TENTATIVES, statut=429)
    suite = entree.suite_du_temoin(valeur)
    with session_base(bdd_de(requete)) as session:
        try:
            resultat = entree.terminer(
                session,
                client,
                code=code,
                state=state,
                temoin_connexion=valeur,
                jeton_precedent=requete.cookies.get(cookie_session()),
                ip=adresse,
            )
        except entree.ConnexionRefusee as refus:
            # Le refus est écrit au journal : la transaction est validée avant de répondre.
            session.commit()
            return _refus(requete, refus.message)
    if isinstance(resultat, entree.SecondFacteurDemande):
        reponse = _page_code(requete, resultat.identifiant)
        _poser_temoin(reponse, resultat.temoin)
        return reponse
    return _session_ouverte(requete, resultat, suite)


@routeur.post("/proconnect/second-facteur")
async def second_facteur(requete: Request) -> Response:
    formulaire = await requete.form()
    champs = {cle: valeur for cle, valeur in formulaire.multi_items() if isinstance(valeur, str)}
    valeurs, erreurs = lire(champs, CHAMPS_CODE)
    valeur = requete.cookies.get(temoin.nom_du_cookie())
    attente = temoin.desceller("second_facteur", valeur)
    identifiant = str(attente.get("identifiant", "")) if attente is not None else ""
    if erreurs:
        return _page_code(requete, identifiant, erreurs=erreurs, statut=422)
    if not tentative_permise(requete):
        erreurs.generale = MESSAGE_TROP_DE_TENTATIVES
        return _page_code(requete, identifiant, erreurs=erreurs, statut=429)
    suite = entree.suite_du_temoin(valeur, "second_facteur")
    with session_base(bdd_de(requete)) as session:
        try:
            connexion = entree.confirmer_second_facteur(
                session,
                temoin_attente=valeur,
                code_totp=valeurs["code_totp"],
                jeton_precedent=requete.cookies.get(cookie_session()),
                ip=adresse_client(requete),
            )
        except entree.ConnexionRefusee as refus:
            session.commit()
            if refus.raison == "totp":
                erreurs.ajouter("code_totp", refus.message)
                return _page_code(requete, identifiant, erreurs=erreurs, statut=401)
            return _refus(requete, refus.message)
    return _session_ouverte(requete, connexion, suite)


def deconnecter(requete: Request, acteur: Acteur) -> Response | None:
    """Ferme la session ; pour une session venue de ProConnect, la page qui mène à sa déconnexion.

    ``None`` : session locale, fermée ; l'appelant répond comme d'habitude.
    """
    jeton = requete.cookies.get(cookie_session(), "")
    with session_base(bdd_de(requete)) as session:
        sortie = entree.commencer_deconnexion(session, _client(), jeton, acteur, adresse_client(requete))
    if sortie is None:
        return None
    adresse, valeur = sortie
    reponse = _passage(
        requete,
        adresse,
        titre="Déconnexion",
        message="Votre session cellule est fermée. Déconnexion de ProConnect en cours…",
    )
    effacer_cookies(reponse)
    # Pas encore « cookies » : le navigateur effacerait aussi le témoin qu'on vient de poser, et le
    # retour de ProConnect ne pourrait plus être vérifié. Le retour demande l'effacement complet.
    reponse.headers["Clear-Site-Data"] = '"cache", "storage"'
    _poser_temoin(reponse, valeur)
    return reponse


@routeur.get("/proconnect/deconnexion/retour")
def retour_de_deconnexion(requete: Request, state: str = "") -> Response:
    with session_base(bdd_de(requete)) as session:
        confirme = entree.terminer_deconnexion(
            session,
            state=state,
            temoin_deconnexion=requete.cookies.get(temoin.nom_du_cookie()),
            ip=adresse_client(requete),
        )
    if confirme:
        reponse: Response = RedirectResponse("/connexion?deconnecte=1", status_code=303)
        _effacer_temoin(reponse)
    else:
        reponse = _refus(
            requete,
            "Votre session cellule est bien fermée, mais la déconnexion de ProConnect n'a pas pu être "
            "confirmée (réponse inattendue). Fermez votre navigateur pour quitter aussi ProConnect.",
            statut=400,
            titre="Déconnexion de ProConnect non confirmée",
        )
    reponse.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return reponse
