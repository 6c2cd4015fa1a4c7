"""Dépendances FastAPI : session de base, acteur authentifié, protection CSRF."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status
from sqlmodel import Session

from service.acteur import Acteur
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.comptes.sessions import empreinte_jeton, mot_de_passe_a_changer, reconnaitre
from service.parametres import parametres

ENTETE_CSRF = "X-CSRF-Token"
METHODES_SURES = frozenset({"GET", "HEAD", "OPTIONS"})
# Tant que le mot de passe initial n'est pas changé, seuls ces appels répondent.
AVANT_CHANGEMENT_DU_MOT_DE_PASSE = frozenset(
    {("GET", "/api/v1/session"), ("DELETE", "/api/v1/session"), ("POST", "/api/v1/session/mot-de-passe")}
)


def _nom_cookie(nom: str) -> str:
    # Derrière TLS, le préfixe __Host- oblige le navigateur à n'accepter le cookie que posé en HTTPS,
    # sans domaine et pour tout le site : un sous-domaine ne peut ni le poser ni l'écraser.
    return f"__Host-{nom}" if parametres().cookie_securise else nom


def cookie_session() -> str:
    """Le nom du cookie de session : ``__Host-cellule_session`` en HTTPS, ``cellule_session`` sinon."""
    return _nom_cookie("cellule_session")


def cookie_csrf() -> str:
    """Le nom du cookie CSRF, préfixé comme celui de session."""
    return _nom_cookie("cellule_csrf")


def bdd_de(requete: Request) -> sa.Engine:
    bdd: sa.Engine = requete.app.state.bdd
    return bdd


def base(requete: Request) -> Iterator[Session]:
    """Une session ORM par requête ; ce qui n'est pas validé explicitement est annulé."""
    with Session(bdd_de(requete), expire_on_commit=False) as session:
        yield session


def jeton_presente(requete: Request) -> tuple[str | None, bool]:
    """Le jeton de la requête et s'il vient du cookie (plutôt que de l'en-tête Authorization)."""
    autorisation = requete.headers.get("authorization", "")
    if autorisation.lower().startswith("bearer "):
        return autorisation[7:].strip() or None, False
    cookie = requete.cookies.get(cookie_session())
    return (cookie or None), cookie is not None


def acteur_courant(requete: Request) -> Acteur:
    """L'utilisateur de la session ; 401 sans session valide, 403 si le jeton CSRF manque."""
    jeton, par_cookie = jeton_presente(requete)
    if not jeton:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Connectez-vous (POST /api/v1/session).")
    with session_base(bdd_de(requete)) as session:
        trouve = reconnaitre(session, jeton)
        a_changer = trouve is not None and mot_de_passe_a_changer(session, trouve[1].utilisateur_id)
    if trouve is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Session expirée ou fermée : reconnectez-vous.")
    acteur = trouve[0]
    requete.state.acteur = acteur
    if par_cookie and requete.method not in METHODES_SURES:
        presente = requete.headers.get(ENTETE_CSRF, "")
        if not presente or not hmac.compare_digest(empreinte_jeton(presente), trouve[1].csrf_hache):
            raise RefusAutorisation(
                f"Jeton CSRF absent ou faux : renvoyez l'en-tête {ENTETE_CSRF} reçu à la connexion.",
                action="csrf",
            )
    if a_changer and (requete.method, requete.url.path) not in AVANT_CHANGEMENT_DU_MOT_DE_PASSE:
        raise RefusAutorisation(
            "Changez d'abord votre mot de passe initial (POST /api/v1/session/mot-de-passe).",
            action="mot_de_passe_initial",
        )
    return acteur


ActeurCourant = Annotated[Acteur, Depends(acteur_courant)]
Base = Annotated[Session, Depends(base)]
