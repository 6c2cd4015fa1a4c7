"""Sérialisation canonique et chaînage des entrées.

Une entrée est sérialisée en JSON à clés triées, sans espace, en UTF-8, sans flottant ; son
empreinte est SHA-256(étiquette ‖ empreinte précédente ‖ sérialisation). Changer, retirer,
insérer ou déplacer une entrée change toutes les empreintes qui suivent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

VERSION = 1
_ETIQUETTE_ENTREE = b"cellule/audit/entree/v1\n"
ORIGINE = "0" * 64
"""Empreinte qui précède la toute première entrée."""


def _refuser(valeur: Any) -> Any:
    raise TypeError(f"type non sérialisable dans le journal : {type(valeur).__name__}")


_ENCODEUR = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_refuser
)


def serialiser(objet: Any) -> bytes:
    """JSON canonique : clés triées, séparateurs compacts, UTF-8.

    Les flottants sont écartés en amont (``controler_details``) : rien n'en produit ici.
    """
    return _ENCODEUR.encode(objet).encode("utf-8")


def contenu_entree(
    *,
    sequence: int,
    heure: str,
    acteur: str,
    role: str,
    action: str,
    cible_type: str | None,
    cible_id: str | None,
    motif: str | None,
    resultat: str,
    requete: str | None,
    details: dict[str, Any],
) -> bytes:
    """La sérialisation canonique d'une entrée, telle qu'elle est chaînée."""
    return serialiser(
        {
            "v": VERSION,
            "sequence": sequence,
            "heure": heure,
            "acteur": acteur,
            "role": role,
            "action": action,
            "cible_type": cible_type,
            "cible_id": cible_id,
            "motif": motif,
            "resultat": resultat,
            "requete": requete,
            "details": details,
        }
    )


def chainer(precedente: str, contenu: bytes) -> str:
    """L'empreinte (hexadécimale) d'une entrée, liée à celle de l'entrée précédente."""
    return hashlib.sha256(_ETIQUETTE_ENTREE + bytes.fromhex(precedente) + contenu).hexdigest()


def horodater(instant: datetime) -> str:
    """L'heure UTC au format fixe ``AAAA-MM-JJTHH:MM:SS.ffffffZ`` (ordre lexical = ordre du temps)."""
    if instant.tzinfo is None:
        raise ValueError("heure sans fuseau : donnez une heure UTC")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lire_heure(texte: str) -> datetime:
    """L'inverse de ``horodater``."""
    return datetime.strptime(texte, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def segment_de(heure: str) -> str:
    """Le segment mensuel (``AAAA-MM``) d'une heure horodatée."""
    return heure[:7]
