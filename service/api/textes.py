"""Les textes reçus par l'API : ni caractère de contrôle, ni caractère invisible.

Un octet nul tronque ou fait échouer l'écriture en base ; un caractère de contrôle brouille les
journaux et les exports ; un renversement bidirectionnel ou un caractère de largeur nulle fait lire
à l'écran autre chose que ce qui est enregistré (un nom qui paraît identique mais ne l'est pas).
Ils sont refusés partout, une seule fois : corps JSON (``Entree``), adresse et paramètres
(``texte_refuse``, appelée pour chaque requête par l'application).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, model_validator

# C0 (tabulation et sauts de ligne compris : aucun champ n'est sur plusieurs lignes), DEL, C1,
# marque de lettre arabe, largeur nulle et marques de direction (U+200B–U+200F), renversements
# (U+202A–U+202E), U+2060–U+2064, isolats (U+2066–U+2069), indicateur d'ordre des octets (U+FEFF),
# et moitiés de paires UTF-16 isolées, que ni PostgreSQL ni un export UTF-8 ne savent écrire.
INTERDITS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


class TexteRefuse(ValueError):
    """Un texte contient un caractère refusé ; le message dit lequel (par son code) et où."""


def texte_refuse(valeur: str) -> str | None:
    """Le code du premier caractère refusé de ``valeur`` (« U+0000 »), ou ``None`` s'il n'y en a pas."""
    trouve = INTERDITS.search(valeur)
    return f"U+{ord(trouve.group()):04X}" if trouve else None


def verifier(valeur: Any, lieu: str) -> None:
    """Lève ``TexteRefuse`` si un texte de ``valeur`` (clés comprises, à toute profondeur) est refusé."""
    if isinstance(valeur, str):
        code = texte_refuse(valeur)
        if code:
            raise TexteRefuse(
                f"« {lieu} » contient un caractère de contrôle ou invisible ({code}) : "
                "retapez la valeur au clavier plutôt que de la coller."
            )
    elif isinstance(valeur, Mapping):
        for cle, sous_valeur in valeur.items():
            verifier(cle, lieu)
            verifier(sous_valeur, f"{lieu}.{cle}" if isinstance(cle, str) else lieu)
    elif isinstance(valeur, list | tuple):
        for element in valeur:
            verifier(element, lieu)


class Entree(BaseModel):
    """Base de tout corps de requête : chaque texte reçu est vérifié avant tout autre contrôle.

    Refus par défaut : un champ ajouté plus tard est vérifié sans qu'on y pense.
    """

    @model_validator(mode="before")
    @classmethod
    def _sans_caractere_refuse(cls, donnees: Any) -> Any:
        if isinstance(donnees, Mapping):
            for cle, valeur in donnees.items():
                lieu = cle if isinstance(cle, str) else "corps"
                verifier(cle, "corps")
                verifier(valeur, lieu)
        return donnees
