"""Le tableau de bord (``/``) : ce qui attend la personne connectée, selon son rôle."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.api.dependances import bdd_de
from service.base.connexion import session_base
from service.comptes.roles import Role
from service.web.pages import rendre
from service.web.tableau_de_bord import LIBELLES_ETATS, tableau
from service.web.visiteur import VisiteurConnecte

routeur = APIRouter(include_in_schema=False)


@routeur.get("/")
def tableau_de_bord(requete: Request, visiteur: VisiteurConnecte) -> Response:
    with session_base(bdd_de(requete)) as session:
        contenu = tableau(session, visiteur.acteur)
    return rendre(
        requete,
        "accueil.html",
        titre="Tableau de bord",
        tableau=contenu,
        role=visiteur.acteur.role,
        Role=Role,
        libelles_etats=LIBELLES_ETATS,
    )
