"""Ce que le navigateur garde pendant un parcours ProConnect, scellé par le service.

Le ``state`` et le ``nonce`` d'une connexion, l'attente du code TOTP, le ``state`` d'une déconnexion
voyagent dans un cookie chiffré et authentifié (Fernet, clé dérivée de la clé des comptes) : le
navigateur ne peut ni les lire ni les modifier, et seul celui qui a commencé le parcours le finit.
Chaque témoin porte son étape et meurt après quelques minutes.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from service.cles import cle_comptes
from service.parametres import parametres

Etape = Literal["connexion", "second_facteur", "deconnexion"]
DUREES_SECONDES: dict[Etape, int] = {"connexion": 600, "second_facteur": 300, "deconnexion": 600}
TAILLE_MAX = 3800  # un cookie tient en 4 Kio


def nom_du_cookie() -> str:
    """``__Host-cellule_proconnect`` derrière TLS (comme le cookie de session), sinon sans préfixe."""
    return "__Host-cellule_proconnect" if parametres().cookie_securise else "cellule_proconnect"


def _fernet() -> Fernet:
    # Une clé à part, dérivée : un témoin ne se déchiffre pas avec la clé des secrets TOTP, ni l'inverse.
    cle = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cellule/proconnect/temoin").derive(
        cle_comptes(parametres())
    )
    return Fernet(base64.urlsafe_b64encode(cle))


def sceller(etape: Etape, contenu: dict[str, Any]) -> str:
    """Le témoin d'une étape, à poser en cookie."""
    return _fernet().encrypt(json.dumps({"etape": etape, **contenu}).encode("utf-8")).decode("ascii")


def desceller(etape: Etape, valeur: str | None) -> dict[str, Any] | None:
    """Le contenu du témoin s'il est intact, de cette étape et pas trop vieux ; ``None`` sinon."""
    if not valeur or len(valeur) > TAILLE_MAX:
        return None
    try:
        clair = _fernet().decrypt(valeur.encode("ascii"), ttl=DUREES_SECONDES[etape])
        contenu = json.loads(clair)
    except (InvalidToken, UnicodeError, ValueError):
        return None
    if not isinstance(contenu, dict) or contenu.get("etape") != etape:
        return None
    return contenu
