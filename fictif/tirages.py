"""Tirer des noms : listes pondérées (Zipf et longue traîne), variantes d'écriture, clé CAF."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import polars as pl

from fictif.listes import EXPOSANTS_NOMS, NOMS, ORIGINES, PARTS_TRAINE, PRENOMS, PRENOMS_ADULTES, TRAINE

Entiers = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Liste:
    noms: list[str]
    poids: npt.NDArray[np.float64]


class _Repertoire:
    """Des listes de noms mises bout à bout : un nom tiré est un entier, la chaîne vient à la fin."""

    def __init__(self, listes: list[_Liste]) -> None:
        self.listes = listes
        self.decalages = np.cumsum([0, *(len(liste.noms) for liste in listes)])
        self.noms = pl.Series([nom for liste in listes for nom in liste.noms], dtype=pl.Utf8)
        self._index = {nom: i for i, nom in reversed(list(enumerate(self.noms)))}

    def tirer(self, rng: np.random.Generator, groupes: Entiers) -> Entiers:
        """Un nom par ligne, tiré dans la liste numéro ``groupes[ligne]``."""
        sortie = np.empty(len(groupes), dtype=np.int64)
        for groupe in np.unique(groupes):
            lignes = np.flatnonzero(groupes == groupe)
            liste = self.listes[groupe]
            tirage = rng.choice(len(liste.noms), size=len(lignes), p=liste.poids)
            sortie[lignes] = self.decalages[groupe] + tirage
        return sortie

    def index(self, nom: str) -> int:
        return self._index[nom]

    def groupe(self, index: int) -> int:
        return int(np.searchsorted(self.decalages, index, side="right")) - 1


def zipf(n: int, exposant: float) -> npt.NDArray[np.float64]:
    poids = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exposant
    return poids / poids.sum()


def _liste(entrees: tuple[str, ...], exposant: float) -> _Liste:
    """Chaque entrée « A|B|C » donne ses variantes, la première étant la plus fréquente."""
    noms: list[str] = []
    poids: list[float] = []
    for entree, p in zip(entrees, zipf(len(entrees), exposant), strict=True):
        variantes = entree.split("|")
        parts = zipf(len(variantes), 1.6)
        for variante, q in zip(variantes, parts, strict=True):
            noms.append(variante)
            poids.append(p * q)
    tableau = np.array(poids)
    return _Liste(noms, tableau / tableau.sum())


def _liste_noms(origine: str) -> _Liste:
    tete = _liste(NOMS[origine], EXPOSANTS_NOMS[origine])
    if origine not in TRAINE:
        return tete
    debuts, milieux, fins = TRAINE[origine]
    combinaisons = {f"{d}{m}{f}".strip() for d in debuts for m in milieux for f in fins}
    # Trois voyelles de suite sonnent faux : on les écarte.
    traine = sorted(n for n in combinaisons - set(tete.noms) if not re.search("[AEIOUYÈÉ]{3}", n))
    part_traine = PARTS_TRAINE[origine]
    # Traîne plate mais irrégulière : des noms rares, aucun très courant.
    rng = np.random.default_rng(len(traine))
    poids_traine = rng.pareto(3.0, len(traine)) + 0.2
    poids = np.concatenate([tete.poids * (1 - part_traine), poids_traine / poids_traine.sum() * part_traine])
    return _Liste(tete.noms + traine, poids / poids.sum())


def _variantes(listes: list[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Clé sans accent ni casse -> les écritures du même nom qui diffèrent par plus que l'accent."""
    groupes: dict[str, tuple[str, ...]] = {}
    for entrees in listes:
        for entree in entrees:
            variantes = tuple({cle_caf(v): v for v in entree.split("|")}.values())
            if len(variantes) > 1:
                for variante in variantes:
                    groupes[cle_caf(variante)] = variantes
    return groupes


@cache
def cle_caf(texte: str) -> str:
    """Majuscules sans accents, comme l'écrit la CAF (les listes n'ont que des lettres latines)."""
    decompose = unicodedata.normalize("NFD", texte.replace("Đ", "D").replace("đ", "d"))
    return decompose.encode("ascii", "ignore").decode("ascii").upper()


ORDRE_ORIGINES = [origine for origine, _ in ORIGINES]
FRANCE = 0
SEXES = ("M", "F")
REPERTOIRE_NOMS = _Repertoire([_liste_noms(origine) for origine in ORDRE_ORIGINES])
# Prénoms : groupe = 2 × origine + sexe (les prénoms de JUMEAUX sont tous dans ces listes).
REPERTOIRE_PRENOMS = _Repertoire(
    [_liste(PRENOMS[(origine, sexe)], 0.55) for origine in ORDRE_ORIGINES for sexe in SEXES]
)
# Parents : groupe = 2 × (0 France, 1 Maghreb) + sexe.
REPERTOIRE_ADULTES = _Repertoire(
    [_liste(PRENOMS_ADULTES[(o, s)], 0.8) for o in ("france", "maghreb") for s in SEXES]
)
VARIANTES_NOMS = _variantes(list(NOMS.values()))
VARIANTES_PRENOMS = _variantes(list(PRENOMS.values()))


def _canoniques(repertoire: _Repertoire, variantes: dict[str, tuple[str, ...]]) -> Entiers:
    """Un même numéro pour toutes les écritures d'un nom (Sékou, Sekou ; Mamadou, Mamadu)."""
    cles = [cle_caf(variantes.get(cle_caf(nom), (nom,))[0]) for nom in repertoire.noms]
    return np.unique(np.array(cles), return_inverse=True)[1].astype(np.int64)


PRENOMS_CANONIQUES = _canoniques(REPERTOIRE_PRENOMS, VARIANTES_PRENOMS)


def tirer_prenoms(rng: np.random.Generator, origines: Entiers, sexes: Entiers) -> Entiers:
    return REPERTOIRE_PRENOMS.tirer(rng, 2 * origines + sexes)
