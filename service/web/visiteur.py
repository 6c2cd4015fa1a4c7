"""Qui regarde la page : la session du cookie (la même que celle de l'API), son jeton CSRF, sa suite.

Une page qui demande une connexion renvoie vers ``/connexion?suite=…`` ; au retour, seule une adresse
relative du service est suivie (pas de redirection ouverte). Chaque formulaire porte le jeton CSRF
en champ caché, comparé à l'empreinte gardée avec la session, comme l'en-tête ``X-CSRF-Token`` de l'API.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from service.acteur import Acteur
from service.api.dependances import bdd_de, cookie_csrf, cookie_session
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.comptes.sessions import empreinte_jeton, mot_de_passe_a_changer, reconnaitre

CHAMP_CSRF = "csrf"
# Une suite est un chemin du service : « / » suivi de caractères sûrs, jamais « // » ni « /\ ».
SUITE_SURE = re.compile(r"/(?![/\\])[A-Za-z0-9/_\-.~%?=&]*")
# Pages ouvertes tant que le mot de passe initial n'est pas changé.
AVANT_CHANGEMENT_DU_MOT_DE_PASSE = frozenset({"/compte", "/compte/mot-de-passe", "/deconnexion"})


class ConnexionRequise(Exception):
    """La page demande une session : le visiteur est renvoyé vers la connexion, puis ramené ici."""

    def __init__(self, suite: str) -> None:
        super().__init__(suite)
        self.suite = suite


class MotDePasseInitial(Exception):
    """Le compte garde son mot de passe initial : seule la page « Mon compte » répond."""


@dataclass(frozen=True)
class Visiteur:
    """La personne connectée : son acteur (portée tirée de la base), sa session et son jeton CSRF."""

    acteur: Acteur
    csrf: str
    expire_le: datetime
    mot_de_passe_a_changer: bool
    csrf_hache: str


def suite_sure(valeur: str | None) -> str:
    """L'adresse où revenir après la connexion : un chemin du service, sinon le tableau de bord."""
    if valeur and len(valeur) <= 512 and SUITE_SURE.fullmatch(valeur) and not valeur.startswith("/api/"):
        return valeur
    return "/"


def adresse_de_connexion(requete: Request, *, expiree: bool = False) -> str:
    """``/connexion`` avec la page demandée en suite, quand c'est une page à retrouver (GET), et
    l'annonce d'une session expirée quand le navigateur en présentait une."""
    parametres = ["expiree=1"] if expiree else []
    if requete.method == "GET" and requete.url.path not in {"/", "/connexion"}:
        demandee = requete.url.path + (f"?{requete.url.query}" if requete.url.query else "")
        parametres.insert(0, f"suite={quote(suite_sure(demandee), safe='/')}")
    return "/connexion" + (f"?{'&'.join(parametres)}" if parametres else "")


def visiteur_connecte(requete: Request) -> Visiteur:
    """Le visiteur de la session du cookie ; sinon ``ConnexionRequise`` (renvoi vers la connexion)."""
    jeton = requete.cookies.get(cookie_session())
    if not jeton:
        raise ConnexionRequise(adresse_de_connexion(requete))
    with session_base(bdd_de(requete)) as session:
        trouve = reconnaitre(session, jeton)
        a_changer = trouve is not None and mot_de_passe_a_changer(session, trouve[1].utilisateur_id)
    if trouve is None:
        raise ConnexionRequise(adresse_de_connexion(requete, expiree=True))
    acteur, ouverte = trouve
    requete.state.acteur = acteur
    # Le jeton CSRF en clair n'est gardé que par le navigateur (cookie lisible, comme pour l'API) ;
    # la page ne le recopie dans ses formulaires que s'il correspond à l'empreinte de la session.
    presente = requete.cookies.get(cookie_csrf(), "")
    csrf = presente if presente and hmac.compare_digest(empreinte_jeton(presente), ouverte.csrf_hache) else ""
    visiteur = Visiteur(acteur, csrf, ouverte.expire_le, a_changer, ouverte.csrf_hache)
    requete.state.visiteur = visiteur
    if a_changer and requete.url.path not in AVANT_CHANGEMENT_DU_MOT_DE_PASSE:
        raise MotDePasseInitial
    return visiteur


async def verifier_csrf(requete: Request, visiteur: Visiteur) -> dict[str, str]:
    """Les champs du formulaire reçu, une fois son jeton CSRF vérifié ; sinon refus (403, audité)."""
    formulaire = await requete.form()
    champs = {cle: valeur for cle, valeur in formulaire.multi_items() if isinstance(valeur, str)}
    exiger_jeton(visiteur, champs.pop(CHAMP_CSRF, ""))
    return champs


def exiger_jeton(visiteur: Visiteur, presente: str) -> None:
    """Refuse (403, audité) un jeton CSRF absent ou qui n'est pas celui de la session."""
    if not presente or not hmac.compare_digest(empreinte_jeton(presente), visiteur.csrf_hache):
        raise RefusAutorisation(
            "Ce formulaire a expiré ou ne vient pas de cellule (jeton de sécurité absent ou faux). "
            "Rechargez la page, puis recommencez.",
            action="csrf",
        )


VisiteurConnecte = Annotated[Visiteur, Depends(visiteur_connecte)]
