"""Politique et hachage des mots de passe (Argon2id).

La force d'un mot de passe est estimée par zxcvbn (Dropbox), avec pour contexte les mots du service
et de la personne : un mot de passe qui reprend le nom du service, la commune, l'identifiant ou le
nom se devine vite, même long et varié.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn

from service.parametres import parametres

LONGUEUR_MINIMALE = 12
# Score zxcvbn de 0 à 4 ; 4 : plus de 10¹⁰ essais estimés, hors de portée en ligne comme hors ligne
# pour un hachage Argon2id.
SCORE_MINIMAL = 4
# zxcvbn refuse plus de 72 caractères ; un début assez fort suffit à rendre le tout assez fort.
LONGUEUR_ANALYSEE = 72
MOTS_DU_SERVICE = (
    "cellule",
    "evitement",
    "scolaire",
    "prevention",
    "education",
    "nationale",
    "instruction",
    "obligation",
    "mairie",
    "commune",
    "ecole",
    "college",
    "lycee",
    "academie",
    "caf",
    "msa",
    "dsden",
    "dasen",
    "administrateur",
    "admin",
    "agent",
    "referent",
)
CONSEIL = (
    "Choisissez une phrase d'au moins quatre mots sans rapport avec vous ni avec le service "
    "(par exemple trois mots peu courants et un nombre, séparés par des espaces)."
)
# zxcvbn range les mots du contexte dans un dictionnaire global du module : un appel à la fois.
_verrou_zxcvbn = threading.Lock()


class MotDePasseRefuse(ValueError):
    """Le mot de passe ne respecte pas la politique ; le message dit quoi faire."""


@cache
def _courants() -> tuple[str, ...]:
    texte = files("service.comptes").joinpath("mots_de_passe_courants.txt").read_text(encoding="utf-8")
    return tuple(dict.fromkeys(_forme(ligne) for ligne in texte.splitlines() if ligne.strip()))


def _sans_accents(texte: str) -> str:
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if not unicodedata.combining(c))


def _forme(texte: str) -> str:
    return _sans_accents(texte.strip().lower())


def mots_de_contexte(textes: Iterable[str]) -> list[str]:
    """Chaque texte (identifiant, nom, commune…) en entier et mot à mot, sans accents ni casse."""
    mots: list[str] = []
    for texte in textes:
        forme = _forme(texte)
        if not forme:
            continue
        mots.append(forme)
        mots.extend(mot for mot in re.split(r"[^a-z0-9]+", forme) if len(mot) >= 3)
    return list(dict.fromkeys(mots))


def _raison(sequence: Sequence[Mapping[str, object]], contexte: frozenset[str]) -> str:
    """Pourquoi zxcvbn juge le mot de passe faible, en français (ses propres conseils sont en anglais)."""
    for morceau in sequence:
        motif = morceau.get("pattern")
        if motif == "dictionary" and morceau.get("matched_word") in contexte:
            return "il reprend votre identifiant, votre nom, votre commune ou le nom du service"
        if motif == "dictionary" and morceau.get("dictionary_name") in {"passwords", "user_inputs"}:
            return "il ressemble à un mot de passe courant"
        if motif == "spatial":
            return "il suit les touches du clavier"
        if motif == "repeat":
            return "il répète les mêmes caractères"
        if motif == "sequence":
            return "il contient une suite comme « abcd » ou « 1234 »"
        if motif in {"date", "regex"}:
            return "il contient une date ou une année"
    return "il est fait de mots ou de motifs trop fréquents"


def verifier_politique(
    mot_de_passe: str, *, identifiant: str = "", contexte: Iterable[str] = (), actuel: str | None = None
) -> None:
    """Lève ``MotDePasseRefuse`` si le mot de passe est trop court, trop facile à deviner, tiré de
    l'identifiant, ou identique au mot de passe ``actuel``.

    ``contexte`` : ce que connaît quiconque vise ce compte (nom affiché, communes, département).
    """
    if len(mot_de_passe) < LONGUEUR_MINIMALE:
        raise MotDePasseRefuse(
            f"Mot de passe trop court : {LONGUEUR_MINIMALE} caractères au moins. "
            "Une phrase de plusieurs mots est plus facile à retenir."
        )
    if actuel is not None and mot_de_passe == actuel:
        raise MotDePasseRefuse("Le nouveau mot de passe est identique à l'actuel : choisissez-en un autre.")
    forme = _forme(mot_de_passe)
    if forme in _courants():
        raise MotDePasseRefuse("Ce mot de passe est trop courant : choisissez-en un autre.")
    if identifiant and _forme(identifiant) in forme:
        raise MotDePasseRefuse("Le mot de passe ne doit pas contenir l'identifiant.")
    personnels = mots_de_contexte([identifiant, *contexte])
    mots = [*MOTS_DU_SERVICE, *personnels]
    if actuel:
        mots.append(_forme(actuel))
    with _verrou_zxcvbn:
        estimation = zxcvbn(
            _sans_accents(mot_de_passe)[:LONGUEUR_ANALYSEE], user_inputs=[*mots, *_courants()]
        )
    if estimation["score"] < SCORE_MINIMAL:
        raison = _raison(estimation["sequence"], frozenset(mots))
        raise MotDePasseRefuse(f"Mot de passe trop facile à deviner : {raison}. {CONSEIL}")


@cache
def _hacheur(leger: bool) -> PasswordHash:
    if leger:
        # Réservé aux tests (CELLULE_ARGON2_LEGER, refusé en production) : la suite reste rapide.
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


def hacher(mot_de_passe: str) -> str:
    return _hacheur(parametres().argon2_leger).hash(mot_de_passe)


def verifier(mot_de_passe: str, empreinte: str) -> bool:
    return _hacheur(parametres().argon2_leger).verify(mot_de_passe, empreinte)


def verifier_a_vide() -> None:
    """Même coût qu'une vérification réelle, pour qu'un identifiant inconnu ne se devine pas au temps."""
    _hacheur(parametres().argon2_leger).verify("x" * LONGUEUR_MINIMALE, _empreinte_factice())


@cache
def _empreinte_factice() -> str:
    return hacher("cellule-empreinte-factice")
