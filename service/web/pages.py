"""Rendre une page : gabarit Jinja2, politique de contenu stricte avec nonce, en-têtes des pages.

Chaque page reçoit un ``nonce`` neuf ; seuls les scripts du service (``'self'``) et ceux qui portent
ce nonce s'exécutent. Aucune ressource ne vient d'ailleurs que du service lui-même.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from service.base.connexion import FUSEAU_LOCAL
from service.comptes.roles import LIBELLES, Role
from service.parametres import parametres

GABARITS = Path(__file__).resolve().parent / "gabarits"
NOM_DU_SERVICE = "cellule"
DEVISE = "Prévention de l'évitement scolaire"

environnement = jinja2.Environment(
    loader=jinja2.FileSystemLoader(GABARITS),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _en_utc(instant: datetime) -> datetime:
    # SQLite rend les instants sans fuseau : ils sont en UTC.
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def heure_locale(instant: datetime) -> str:
    """« 07/12/2026 à 14:12 », à l'heure de France."""
    return _en_utc(instant).astimezone(FUSEAU_LOCAL).strftime("%d/%m/%Y à %H:%M")


def iso_utc(instant: datetime) -> str:
    """L'instant en ISO 8601 avec son fuseau, que le navigateur lit sans ambiguïté."""
    return _en_utc(instant).isoformat()


environnement.filters["heure_locale"] = heure_locale
environnement.filters["iso_utc"] = iso_utc


def politique_contenu(nonce: str) -> str:
    """La politique de contenu des pages : tout vient du service, les scripts en ligne portent le nonce."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


@dataclass(frozen=True)
class Ariane:
    """Un maillon du fil d'Ariane ; le dernier (la page courante) n'a pas d'adresse."""

    libelle: str
    adresse: str | None = None


@dataclass
class Erreurs:
    """Les erreurs d'un formulaire, par champ (nom du champ de l'API), dans l'ordre des champs."""

    par_champ: dict[str, str] = field(default_factory=dict)
    generale: str | None = None

    def ajouter(self, champ: str, message: str) -> None:
        self.par_champ.setdefault(champ, message)

    def __bool__(self) -> bool:
        return bool(self.par_champ) or self.generale is not None


def libelle_role(role: Role | None) -> str:
    return LIBELLES[role] if role is not None else ""


def rendre(
    requete: Request,
    gabarit: str,
    *,
    titre: str,
    ariane: list[Ariane] | None = None,
    statut: int = 200,
    **contexte: Any,
) -> HTMLResponse:
    """La page ``gabarit`` avec son titre (unique, suivi du nom du service) et ses en-têtes.

    Le visiteur connecté (``requete.state.visiteur``, posé par ``visiteur_connecte``) sert à l'en-tête
    et au jeton CSRF des formulaires.
    """
    reglages = parametres()
    nonce = secrets.token_urlsafe(18)
    visiteur = getattr(requete.state, "visiteur", None)
    erreurs = contexte.pop("erreurs", None) or Erreurs()
    html = environnement.get_template(gabarit).render(
        titre=titre,
        titre_complet=f"{'Erreur — ' if erreurs else ''}{titre} — {NOM_DU_SERVICE}",
        ariane=ariane or [],
        nonce=nonce,
        visiteur=visiteur,
        csrf=visiteur.csrf if visiteur is not None else "",
        marque_etat=reglages.marque_etat,
        operateur=reglages.operateur,
        nom_du_service=NOM_DU_SERVICE,
        devise=DEVISE,
        libelle_role=libelle_role,
        chemin=requete.url.path,
        inactivite_minutes=reglages.session_inactivite_minutes,
        erreurs=erreurs,
        **contexte,
    )
    reponse = HTMLResponse(html, status_code=statut)
    reponse.headers["Content-Security-Policy"] = politique_contenu(nonce)
    return reponse
