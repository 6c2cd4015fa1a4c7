"""Points de contrôle signés (Ed25519) et clé de signature.

Un point de contrôle atteste, à une heure donnée, la taille du journal (numéro de sa dernière
entrée) et l'empreinte de cette entrée (la tête de chaîne). Qui n'a pas la clé privée ne peut
pas en fabriquer : un journal tronqué ou réécrit ne correspond plus aux points déjà signés.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.canonique import serialiser
from audit.erreurs import CleInvalide, PointDeControleIllisible
from chiffrement import TrousseauInvalide, lire_fichier_secret

NOM_CLE = "audit-ed25519.pem"
"""Nom par défaut du fichier de clé, sous ``<CELLULE_DONNEES>/cles/``."""

FORMAT_FICHIER = "cellule-audit-point-de-controle"
_ETIQUETTE = b"cellule/audit/point-de-controle/v1\n"


class Signataire:
    """La clé privée qui signe les points de contrôle."""

    def __init__(self, cle_privee: Ed25519PrivateKey) -> None:
        self._cle = cle_privee
        self.cle_publique: str = cle_privee.public_key().public_bytes_raw().hex()
        """Clé publique brute (32 octets), en hexadécimal."""

    @classmethod
    def generer(cls) -> Signataire:
        """Une clé neuve, en mémoire (tests, bancs d'essai)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def charger(cls, chemin: Path, *, creer: bool = False) -> Signataire:
        """Lit la clé dans ``chemin`` (fichier 0600) ; la crée si ``creer`` et qu'elle manque."""
        if not chemin.exists():
            if not creer:
                raise CleInvalide(
                    f"Clé de signature du journal introuvable ({chemin}) : exportez d'abord un point "
                    "de contrôle (« cellule audit point-de-controle »), qui la crée, "
                    "ou réglez CELLULE_AUDIT_CLE."
                )
            return cls._creer(chemin)
        try:
            octets = lire_fichier_secret(chemin, "La clé de signature du journal")
        except TrousseauInvalide as erreur:
            raise CleInvalide(f"{erreur}.") from None
        try:
            cle = serialization.load_pem_private_key(octets, password=None)
        except (ValueError, TypeError) as erreur:
            raise CleInvalide(f"La clé de signature {chemin} est illisible : restaurez-la.") from erreur
        if not isinstance(cle, Ed25519PrivateKey):
            raise CleInvalide(f"La clé {chemin} n'est pas une clé Ed25519.")
        return cls(cle)

    @classmethod
    def _creer(cls, chemin: Path) -> Signataire:
        chemin.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        cle = Ed25519PrivateKey.generate()
        pem = cle.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # O_EXCL : deux processus qui créent la clé en même temps n'en écrasent pas une en service.
        try:
            descripteur = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.charger(chemin)
        with os.fdopen(descripteur, "wb") as fichier:
            fichier.write(pem)
        return cls(cle)

    def signer(self, taille: int, tete: str, heure: str) -> PointDeControle:
        """Signe (taille, tête, heure)."""
        signature = self._cle.sign(_message(taille, tete, heure)).hex()
        return PointDeControle(taille, tete, heure, self.cle_publique, signature)


def _message(taille: int, tete: str, heure: str) -> bytes:
    return _ETIQUETTE + serialiser({"heure": heure, "taille": taille, "tete": tete})


@dataclass(frozen=True)
class PointDeControle:
    """(taille, tête, heure) signés par la clé ``cle_publique`` (hexadécimal)."""

    taille: int
    tete: str
    heure: str
    cle_publique: str
    signature: str

    def signature_valide(self) -> bool:
        """Vrai si la signature correspond à (taille, tête, heure) et à la clé publique annoncée."""
        try:
            cle = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.cle_publique))
            cle.verify(bytes.fromhex(self.signature), _message(self.taille, self.tete, self.heure))
        except (ValueError, InvalidSignature):
            return False
        return True

    def vers_json(self) -> str:
        """Le fichier que le DPO garde hors du système."""
        return (
            json.dumps(
                {
                    "format": FORMAT_FICHIER,
                    "version": 1,
                    "taille": self.taille,
                    "tete": self.tete,
                    "heure": self.heure,
                    "cle_publique": self.cle_publique,
                    "signature": self.signature,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )

    @classmethod
    def depuis_json(cls, texte: str) -> PointDeControle:
        """Relit un fichier écrit par ``vers_json`` (sans juger de sa signature)."""
        try:
            donnees = json.loads(texte)
            if donnees.get("format") != FORMAT_FICHIER or donnees.get("version") != 1:
                raise ValueError("format")
            point = cls(
                taille=donnees["taille"],
                tete=donnees["tete"],
                heure=donnees["heure"],
                cle_publique=donnees["cle_publique"],
                signature=donnees["signature"],
            )
            if not isinstance(point.taille, int) or not all(
                isinstance(valeur, str)
                for valeur in (point.tete, point.heure, point.cle_publique, point.signature)
            ):
                raise ValueError("types")
        except (ValueError, KeyError, AttributeError) as erreur:
            raise PointDeControleIllisible(
                "Ce fichier n'est pas un point de contrôle du journal d'audit de cellule : "
                "donnez le fichier exporté par « cellule audit point-de-controle »."
            ) from erreur
        return point
