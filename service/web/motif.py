"""Le motif de consultation choisi sur une page : ce que l'en-tête ``X-Motif-Consultation`` est à l'API.

Le motif ne va jamais dans l'adresse (l'historique du navigateur et les mandataires la gardent, et un
lien d'un autre site pourrait le poser). La personne le choisit dans un formulaire (POST, jeton
CSRF) ; le navigateur le garde alors dans un cookie ``SameSite=Strict`` lié à la session et valable
``DUREE`` : les pages suivantes (autre page de la liste, autre tri) montrent les identités, et chaque
affichage est audité avec ce motif, comme chaque requête de l'API qui porte l'en-tête.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from service.parametres import parametres
from service.registre.consultation import MotifConsultation
from service.web.visiteur import Visiteur

DUREE = timedelta(minutes=30)
CHAMP = "motif_consultation"
MOTIFS = [(motif.value, motif.libelle) for motif in MotifConsultation]


def nom_du_cookie() -> str:
    return "__Host-cellule_motif" if parametres().cookie_securise else "cellule_motif"


@dataclass(frozen=True)
class MotifChoisi:
    motif: MotifConsultation
    jusqu_a: datetime


def _sceau(visiteur: Visiteur, corps: str) -> str:
    # L'empreinte du jeton CSRF est propre à la session : un motif choisi ne sert pas à une autre.
    return hmac.new(visiteur.csrf_hache.encode(), corps.encode(), hashlib.sha256).hexdigest()


def lire_motif(valeur: str) -> MotifConsultation | None:
    """Le motif d'un formulaire, s'il est dans la liste fermée ; sinon ``None``."""
    try:
        return MotifConsultation(valeur)
    except ValueError:
        return None


def choisir(reponse: Response, visiteur: Visiteur, motif: MotifConsultation) -> None:
    """Garde le motif choisi dans le navigateur pour ``DUREE``."""
    jusqu_a = int((datetime.now(UTC) + DUREE).timestamp())
    corps = f"{motif.value}.{jusqu_a}"
    reponse.set_cookie(
        nom_du_cookie(),
        f"{corps}.{_sceau(visiteur, corps)}",
        max_age=int(DUREE.total_seconds()),
        httponly=True,
        secure=parametres().cookie_securise,
        samesite="strict",
        path="/",
    )


def oublier(reponse: Response) -> None:
    """Les identités ne sont plus affichées : le motif est oublié."""
    securise = parametres().cookie_securise
    reponse.delete_cookie(nom_du_cookie(), path="/", secure=securise, httponly=True, samesite="strict")


def motif_choisi(requete: Request, visiteur: Visiteur) -> MotifChoisi | None:
    """Le motif choisi dans cette session et encore valable, ou ``None`` (identités masquées)."""
    valeur = requete.cookies.get(nom_du_cookie(), "")
    morceaux = valeur.split(".")
    if len(morceaux) != 3 or not morceaux[1].isdigit() or len(morceaux[1]) > 12:
        return None
    code, jusqu_a, sceau = morceaux
    if not hmac.compare_digest(sceau, _sceau(visiteur, f"{code}.{jusqu_a}")):
        return None
    motif = lire_motif(code)
    fin = datetime.fromtimestamp(int(jusqu_a), UTC)
    if motif is None or fin <= datetime.now(UTC):
        return None
    return MotifChoisi(motif, fin)
