"""L'explication d'un cas, lue en objets : décision du moteur, valeurs de chaque côté, candidats.

Le moteur écrit son explication en JSON (``appariement/explications.py``) et le cas la garde
telle quelle. Ce module la relit en structures décrites, pour que l'API rende des objets et non
du JSON dans une chaîne. Les valeurs de chaque côté viennent de l'identité de l'enfant et des
candidats, déchiffrés par le coffre ; le droit d'accès ne reçoit que le côté de l'enfant.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from appariement.comparaisons import CHAMPS

# Les colonnes d'identité que chaque champ du moteur compare, côté enfant (CAF, MSA) et côté
# inscrit (ONDE, SIECLE). « ecole » : l'établissement de la fiche, jugé d'après le code postal.
COLONNES_COMPAREES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nom": (("nom",), ("nom", "nom_usage")),
    "prenom": (("prenoms",), ("prenoms",)),
    "date_naissance": (("date_naissance",), ("date_naissance",)),
    "sexe": (("sexe",), ("sexe",)),
    "adresse": (("adresse", "code_postal", "commune"), ("adresse", "code_postal", "commune")),
    "ecole": (("code_postal",), ("uai",)),
}
CHAMPS_EXPLIQUES: tuple[str, ...] = (*CHAMPS, "ecole")

Valeurs = dict[str, str | None]


class _ChampMoteur(BaseModel):
    champ: str
    niveau: str
    poids: float


class _ExplicationMoteur(BaseModel):
    """L'explication telle que le moteur l'écrit ; un membre absent vaut ``None``."""

    motif: str | None = None
    score: float | None = None
    probabilite: float | None = None
    a_priori: float | None = None
    champs: list[_ChampMoteur] | None = None
    inversion_nom_prenom: bool | None = None
    seuil_apparie: float | None = None
    seuil_revue: float | None = None


class Decision(BaseModel):
    """Ce que le moteur a décidé et pourquoi, sans le détail par champ."""

    motif: str | None = Field(description="Pourquoi le cas est signalé, en clair.")
    score: float | None = Field(description="Score total de la fiche expliquée (bits) ; vide sans fiche.")
    probabilite: float | None = Field(description="Probabilité que ce soit le même enfant (0 à 1).")
    a_priori: float | None = Field(description="Part du score tenant à la taille des listes (bits).")
    inversion_nom_prenom: bool | None = Field(description="Nom et prénom lus inversés sur l'une des fiches.")
    seuil_apparie: float | None = Field(description="Score à partir duquel une fiche est retenue seule.")
    seuil_revue: float | None = Field(description="Score à partir duquel une fiche est proposée en revue.")


class ChampEnfant(BaseModel):
    """Un champ comparé : niveau d'accord, poids, et la valeur reçue pour l'enfant."""

    champ: str
    niveau: str = Field(description="Niveau d'accord ; « manquant » si l'un des côtés n'a pas la donnée.")
    poids: float = Field(description="Ce que le champ ajoute au score (bits ; négatif s'il l'abaisse).")
    enfant: Valeurs = Field(description="Les valeurs comparées, telles que reçues de la CAF ou de la MSA.")


class ExplicationDroitAcces(Decision):
    """L'explication rendue à la personne : ses propres valeurs, jamais celles d'une fiche d'élève."""

    champs: list[ChampEnfant]


class ChampCompare(BaseModel):
    """Un champ, les valeurs de chaque côté, et son niveau et son poids quand le moteur les donne."""

    champ: str
    enfant: Valeurs = Field(description="Valeurs reçues de la CAF ou de la MSA.")
    inscrit: Valeurs | None = Field(
        description="Valeurs de la fiche d'élève ; vide si elle n'est plus gardée."
    )
    niveau: str | None = Field(
        description="Niveau d'accord ; vide pour une fiche que le moteur n'explique pas."
    )
    poids: float | None = Field(description="Ce que le champ ajoute au score (bits).")


class Explication(Decision):
    """L'explication de la fiche : la décision, la fiche expliquée et chaque champ des deux côtés."""

    id_inscrit: str | None = Field(
        description="Le candidat que l'explication détaille (celui dont le score est celui du cas) ; "
        "vide s'il n'est plus gardé ou si deux candidats ont ce score."
    )
    champs: list[ChampCompare]


class Candidat(BaseModel):
    """Une fiche d'élève proche de l'enfant, à comparer champ par champ."""

    id_inscrit: str = Field(description="À donner à l'action choisir_candidat.")
    score: float | None
    explique: bool = Field(description="Vrai pour la fiche que l'explication détaille.")
    nom: str | None = None
    nom_usage: str | None = None
    prenoms: str | None = None
    date_naissance: date | None = None
    sexe: str | None = None
    ine: str | None = None
    uai: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    mode: str | None = None
    champs: list[ChampCompare]


def _texte(valeur: Any) -> str | None:
    return None if valeur is None else str(valeur)


def _valeurs(identite: dict[str, Any], colonnes: tuple[str, ...]) -> Valeurs:
    return {c: _texte(identite.get(c)) for c in colonnes}


def lire(texte: str) -> _ExplicationMoteur | None:
    """L'explication gardée par le cas ; ``None`` si elle est vide ou illisible (jamais d'erreur)."""
    try:
        return _ExplicationMoteur.model_validate(json.loads(texte))
    except (ValueError, ValidationError):
        return None


def _decision(lue: _ExplicationMoteur) -> dict[str, Any]:
    return lue.model_dump(exclude={"champs"})


def _par_champ(lue: _ExplicationMoteur) -> dict[str, _ChampMoteur]:
    return {c.champ: c for c in lue.champs or []}


def pour_droit_acces(texte: str, identite: dict[str, Any]) -> ExplicationDroitAcces | None:
    """L'explication d'un cas pour le droit d'accès : niveaux, poids, et les valeurs de l'enfant seul."""
    lue = lire(texte)
    if lue is None:
        return None
    champs = [
        ChampEnfant(
            champ=c.champ,
            niveau=c.niveau,
            poids=c.poids,
            enfant=_valeurs(identite, COLONNES_COMPAREES.get(c.champ, ((), ()))[0]),
        )
        for c in lue.champs or []
    ]
    return ExplicationDroitAcces(**_decision(lue), champs=champs)


def _explique(score: float | None, candidats: list[dict[str, Any]]) -> str | None:
    """Le candidat que le moteur explique : le seul dont le score est celui de la décision.

    Le moteur détaille la fiche retenue, sinon la meilleure ; son score est celui du cas. Deux
    candidats à égalité : on ne devine pas.
    """
    if score is None:
        return None
    egaux = [c.get("id") for c in candidats if c.get("score") == score]
    return str(egaux[0]) if len(egaux) == 1 else None


def _comparer(
    identite: dict[str, Any], inscrit: dict[str, Any] | None, details: dict[str, _ChampMoteur]
) -> list[ChampCompare]:
    champs = []
    for champ in CHAMPS_EXPLIQUES:
        cote_enfant, cote_inscrit = COLONNES_COMPAREES[champ]
        detail = details.get(champ)
        champs.append(
            ChampCompare(
                champ=champ,
                enfant=_valeurs(identite, cote_enfant),
                inscrit=None if inscrit is None else _valeurs(inscrit, cote_inscrit),
                niveau=detail.niveau if detail else None,
                poids=detail.poids if detail else None,
            )
        )
    return champs


def pour_la_fiche(
    texte: str, score: float | None, identite: dict[str, Any], candidats: list[dict[str, Any]]
) -> tuple[Explication | None, list[Candidat]]:
    """L'explication et les candidats d'un cas, comparés champ par champ à l'identité de l'enfant."""
    lue = lire(texte)
    details = _par_champ(lue) if lue is not None else {}
    explique = _explique(score, candidats)

    def est_explique(candidat: dict[str, Any]) -> bool:
        return explique is not None and candidat.get("id") == explique

    sortie = [
        Candidat.model_validate(
            {
                **c,
                "id_inscrit": str(c.get("id")),
                "explique": est_explique(c),
                "champs": _comparer(identite, c, details if est_explique(c) else {}),
            }
        )
        for c in candidats
    ]
    if lue is None:
        return None, sortie
    fiche = next((c for c in candidats if est_explique(c)), None)
    champs = [c for c in _comparer(identite, fiche, details) if c.champ in details]
    return Explication(**_decision(lue), id_inscrit=explique, champs=champs), sortie
