"""Primitives cryptographiques du paquet — zone dangereuse.

Rien ici ne vérifie l'usage : tailles de clés, nonces, données associées et choix de la suite
HPKE sont décidés une fois pour toutes et utilisés par la façade (``chiffrement.trousseau``,
``chiffrement.scellement``). Un appelant extérieur au paquet n'a pas à importer ce module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from hashlib import sha256

import numpy as np
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

TAILLE_CLE = 32
TAILLE_NONCE = 12

# RFC 9180, mode de base : DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
_SUITE_SCELLEMENT = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def nouvelle_cle() -> bytes:
    """Une clé symétrique de 256 bits tirée du générateur du système."""
    return os.urandom(TAILLE_CLE)


def chiffrer_aead(cle: bytes, donnee: bytes, aad: bytes) -> bytes:
    """AES-256-GCM ; le nonce aléatoire précède le chiffré (une clé neuve par donnée : aucun risque
    de réutilisation)."""
    nonce = os.urandom(TAILLE_NONCE)
    return nonce + AESGCM(cle).encrypt(nonce, donnee, aad)


def dechiffrer_aead(cle: bytes, chiffre: bytes, aad: bytes) -> bytes:
    """Lève ``cryptography.exceptions.InvalidTag`` si la clé, le chiffré ou l'AAD ne concordent pas."""
    return AESGCM(cle).decrypt(chiffre[:TAILLE_NONCE], chiffre[TAILLE_NONCE:], aad)


def envelopper(cle_enveloppante: bytes, cle: bytes) -> bytes:
    """Enveloppement AES (RFC 3394), avec contrôle d'intégrité intégré."""
    return aes_key_wrap(cle_enveloppante, cle)


def desenvelopper(cle_enveloppante: bytes, enveloppe: bytes) -> bytes:
    """Lève ``cryptography.hazmat.primitives.keywrap.InvalidUnwrap`` si la clé enveloppante est fausse."""
    return aes_key_unwrap(cle_enveloppante, enveloppe)


def empreinte(cle: bytes, usage: bytes) -> str:
    """Identifie une clé sans la révéler (HMAC-SHA256 tronqué à 128 bits)."""
    return hmac.new(cle, b"cellule/empreinte/" + usage, sha256).hexdigest()[:32]


def aad(*parties: str) -> bytes:
    """Données associées sans ambiguïté : chaque partie précédée de sa longueur."""
    sortie = bytearray(b"cellule/repos/v1")
    for partie in parties:
        octets = partie.encode("utf-8")
        sortie += len(octets).to_bytes(4, "big") + octets
    return bytes(sortie)


def sceller_hpke(secret: bytes, cle_publique: X25519PublicKey, info: bytes) -> bytes:
    """HPKE en mode de base : clé éphémère X25519, HKDF, AES-256-GCM."""
    return _SUITE_SCELLEMENT.encrypt(secret, cle_publique, info=info)


def desceller_hpke(scelle: bytes, cle_privee: X25519PrivateKey, info: bytes) -> bytes:
    """Lève une exception de ``cryptography`` si la clé est fausse ou le scellé altéré."""
    return _SUITE_SCELLEMENT.decrypt(scelle, cle_privee, info=info)


def cle_7zaes(mot_de_passe_utf16: bytes, cycles: int, sel: bytes) -> bytes:
    """Dérivation de clé de 7zAES : SHA-256 de ``sel + mot de passe + compteur 64 bits`` répété
    2**cycles fois. Même résultat que l'implémentation de py7zr, mais les blocs sont construits par
    paquets avec numpy : le coût devient celui du seul SHA-256 (≈ 30 Mo hachés pour 2**19 tours)."""
    prefixe = np.frombuffer(sel + mot_de_passe_utf16, dtype=np.uint8)
    paquet = 1 << min(cycles, 14)
    tampon = np.empty((paquet, len(prefixe) + 8), dtype=np.uint8)
    tampon[:, : len(prefixe)] = prefixe
    compteurs = np.arange(paquet, dtype="<u8")
    condensat = hashlib.sha256()
    for debut in range(0, 1 << cycles, paquet):
        tampon[:, len(prefixe) :] = (compteurs + np.uint64(debut)).view(np.uint8).reshape(paquet, 8)
        condensat.update(tampon.data)
    return condensat.digest()
