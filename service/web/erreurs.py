"""Les pages d'erreur, en français, pour toute adresse hors de l'API : jamais de trace ni de JSON."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from service.web.pages import rendre

# Adresses qui gardent des réponses JSON (l'API, la santé du service, sa documentation).
PREFIXES_HORS_PAGES = ("/api/", "/sante", "/docs", "/redoc", "/openapi")

TITRES = {
    400: "Requête incomprise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action impossible sur cette page",
    409: "Action impossible à ce stade",
    411: "Envoi refusé",
    413: "Envoi trop gros",
    422: "Données refusées",
    429: "Trop de tentatives",
    500: "Erreur du service",
}
MESSAGES = {
    404: "Cette page n'existe pas, ou plus.",
    405: "Cette page ne reçoit pas ce type d'envoi.",
    500: "Le service a rencontré une erreur et n'a rien enregistré de cette action.",
}
CONSEILS = {
    403: "Si vous pensez devoir y accéder, demandez à l'administrateur de cellule de vérifier votre rôle "
    "et vos communes.",
    404: "Vérifiez l'adresse, ou repartez du tableau de bord.",
    405: "Repartez du tableau de bord et utilisez les boutons de la page.",
    413: "Découpez l'envoi, ou demandez à l'administrateur si la limite doit être relevée.",
    422: "Revenez à la page précédente, corrigez ce qui est indiqué, puis recommencez.",
    429: "Attendez une minute, puis réessayez.",
    500: "Réessayez ; si l'erreur revient, transmettez à l'administrateur l'identifiant ci-dessous.",
}


def est_une_page(requete: Request) -> bool:
    """Vrai pour une adresse de pages (tout sauf l'API, la santé et la documentation)."""
    return not requete.url.path.startswith(PREFIXES_HORS_PAGES)


def page_erreur(
    requete: Request,
    statut: int,
    message: str | None = None,
    *,
    identifiant_requete: str | None = None,
    entetes: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """La page d'erreur ``statut`` : ce qui s'est passé (``message``, déjà en français) et quoi faire."""
    titre = TITRES.get(statut, "Erreur")
    reponse = rendre(
        requete,
        "erreur.html",
        titre=titre,
        statut=statut,
        code=statut,
        message=message or MESSAGES.get(statut, titre + "."),
        conseil=CONSEILS.get(statut, ""),
        identifiant_requete=identifiant_requete,
    )
    for cle, valeur in (entetes or {}).items():
        reponse.headers[cle] = valeur
    return reponse
