"""Second facteur TOTP (RFC 6238), obligatoire pour tout compte."""

from __future__ import annotations

import base64
import time

import pyotp
from cryptography.fernet import Fernet

EMETTEUR = "cellule"


def nouveau_secret() -> str:
    return pyotp.random_base32()


def sceller_secret(secret: str, cle: bytes) -> str:
    """Le secret TOTP chiffré pour la base : une copie de la base seule ne permet pas de générer les codes."""
    return Fernet(base64.urlsafe_b64encode(cle)).encrypt(secret.encode("ascii")).decode("ascii")


def lire_secret(scelle: str, cle: bytes) -> str:
    return Fernet(base64.urlsafe_b64encode(cle)).decrypt(scelle.encode("ascii")).decode("ascii")


def uri_enrolement(secret: str, identifiant: str) -> str:
    """L'adresse ``otpauth://`` à scanner dans une application d'authentification."""
    return pyotp.TOTP(secret).provisioning_uri(name=identifiant, issuer_name=EMETTEUR)


def pas_valide(
    secret: str, code: str, *, dernier_pas: int | None, instant: float | None = None
) -> int | None:
    """Le pas de temps accepté pour ``code`` (± 30 s), ``None`` si le code est faux ou déjà servi."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    maintenant = time.time() if instant is None else instant
    pas_courant = int(maintenant // totp.interval)
    for pas in (pas_courant, pas_courant - 1, pas_courant + 1):
        # Un code déjà utilisé (ou plus ancien) ne rouvre pas de session : pas de rejeu.
        if dernier_pas is not None and pas <= dernier_pas:
            continue
        if pyotp.utils.strings_equal(totp.at(pas * totp.interval), code):
            return pas
    return None
