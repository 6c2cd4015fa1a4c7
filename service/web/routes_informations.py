"""Pages ouvertes à tous : mentions légales, données personnelles, déclaration d'accessibilité."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.parametres import parametres
from service.web.pages import Ariane, rendre
from service.web.visiteur import ConnexionRequise, MotDePasseInitial, visiteur_connecte

routeur = APIRouter(include_in_schema=False)


def _avec_visiteur_si_connecte(requete: Request) -> None:
    # Ces pages s'ouvrent sans session ; avec une session, l'en-tête montre la personne connectée.
    with suppress(ConnexionRequise, MotDePasseInitial):
        visiteur_connecte(requete)


def _page(requete: Request, gabarit: str, titre: str) -> Response:
    _avec_visiteur_si_connecte(requete)
    reglages = parametres()
    return rendre(
        requete,
        gabarit,
        titre=titre,
        ariane=[Ariane("Accueil", "/"), Ariane(titre)],
        retention_audit_mois=reglages.audit_retention_mois,
        inactivite=reglages.session_inactivite_minutes,
    )


@routeur.get("/mentions-legales")
def mentions_legales(requete: Request) -> Response:
    return _page(requete, "mentions_legales.html", "Mentions légales")


@routeur.get("/donnees-personnelles")
def donnees_personnelles(requete: Request) -> Response:
    return _page(requete, "donnees_personnelles.html", "Données personnelles")


@routeur.get("/accessibilite")
def accessibilite(requete: Request) -> Response:
    return _page(requete, "accessibilite.html", "Déclaration d'accessibilité")
