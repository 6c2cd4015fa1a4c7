"""Politique et hachage des mots de passe (Argon2id)."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from service.parametres import parametres

LONGUEUR_MINIMALE = 12


class MotDePasseRefuse(ValueError):
    """Le mot de passe ne respecte pas la politique ; le message dit quoi faire."""


@cache
def _courants() -> frozenset[str]:
    texte = files("service.comptes").joinpath("mots_de_passe_courants.txt").read_text(encoding="utf-8")
    return frozenset(_forme(ligne) for ligne in texte.splitlines() if ligne.strip())


def _forme(texte: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", texte.strip().lower())
    return "".join(c for c in sans_accents if not unicodedata.combining(c))


def verifier_politique(mot_de_passe: str, *, identifiant: str = "") -> None:
    """Lève ``MotDePasseRefuse`` si le mot de passe est trop court, courant ou tiré de l'identifiant."""
    if len(mot_de_passe) < LONGUEUR_MINIMALE:
        raise MotDePasseRefuse(
            f"Mot de passe trop court : {LONGUEUR_MINIMALE} caractères au moins. "
            "Une phrase de plusieurs mots est plus facile à retenir."
        )
    forme = _forme(mot_de_passe)
    if forme in _courants() or len(set(forme)) < 4:
        raise MotDePasseRefuse("Ce mot de passe est trop courant : choisissez-en un autre.")
    if identifiant and _forme(identifiant) in forme:
        raise MotDePasseRefuse("Le mot de passe ne doit pas contenir l'identifiant.")


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
