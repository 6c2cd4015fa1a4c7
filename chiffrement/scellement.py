"""Scellement d'un secret (un mot de passe d'archive) pour le seul travailleur isolé.

Le service web scelle le mot de passe avec la clé publique X25519 du travailleur (HPKE, RFC 9180,
mode de base) : il ne peut plus le relire, seul le détenteur de la clé privée le peut.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from chiffrement import hazmat
from chiffrement.erreurs import ScelleInvalide

_VERSION = b"\x01"
_INFO = b"cellule/scellement/v1"


@dataclass(frozen=True)
class PaireTravailleur:
    """La paire de clés du travailleur : la privée ne quitte pas le travailleur."""

    cle_privee: X25519PrivateKey
    cle_publique: X25519PublicKey


def generer_paire_travailleur() -> PaireTravailleur:
    """Une paire X25519 neuve."""
    privee = X25519PrivateKey.generate()
    return PaireTravailleur(cle_privee=privee, cle_publique=privee.public_key())


def sceller(secret: bytes, cle_publique: X25519PublicKey) -> bytes:
    """Chiffre ``secret`` pour le seul détenteur de la clé privée ; l'appelant ne peut pas le relire."""
    return _VERSION + hazmat.sceller_hpke(secret, cle_publique, _INFO)


def desceller(scelle: bytes, cle_privee: X25519PrivateKey) -> bytes:
    """Rend le secret ; lève ``ScelleInvalide`` si la clé ne va pas ou si le scellé a été altéré."""
    if not scelle.startswith(_VERSION):
        raise ScelleInvalide("secret scellé d'un format inconnu : scellez de nouveau le mot de passe")
    try:
        return hazmat.desceller_hpke(scelle[len(_VERSION) :], cle_privee, _INFO)
    except (InvalidTag, ValueError):
        raise ScelleInvalide(
            "le secret scellé ne s'ouvre pas avec la clé de ce travailleur (clé changée ou scellé "
            "altéré) : redéposez l'archive et son mot de passe"
        ) from None
