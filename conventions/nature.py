"""La nature d'un fichier refusé : « ce fichier ressemble à un export ONDE, pas à une liste CAF ».

Seule la première ligne (les en-têtes) est regardée, jamais une ligne de données : un fichier déposé
sous une convention de familles qui porte les en-têtes d'un effectif scolaire (ou l'inverse) est
reconnu en comparant ses en-têtes à ceux des profils intégrés. Un export SIECLE se reconnaît à son
élément racine XML. Rien de ce qui est rendu ne cite une valeur du fichier.
"""

from __future__ import annotations

import csv
import re

from conventions.entetes import sensible
from conventions.integres import PROFILS_INTEGRES, profil_integre
from conventions.profil import SEPARATEURS, Profil
from conventions.texte import normaliser

#: Ce que désigne chaque profil intégré, dans une phrase « ressemble à … ».
NATURES: dict[str, str] = {
    "caf": "une liste CAF",
    "msa": "une liste MSA",
    "pivot-familles": "une liste des familles (CAF ou MSA) au format pivot",
    "onde": "un export ONDE",
    "siecle": "un export SIECLE",
    "declarations": "une liste d'instruction déclarée (IEF, CNED…)",
    "pivot-inscrits": "une liste d'inscrits au format pivot",
}
#: Ce qu'attend une convention, selon la source qu'elle déclare.
ATTENDUS: dict[str, str] = {
    "caf": "une liste CAF",
    "msa": "une liste MSA",
    "onde": "un export ONDE",
    "siecle": "un export SIECLE",
    "ief": "une liste d'instruction en famille",
    "cned": "une liste du CNED",
    "hors_contrat": "une liste d'établissement hors contrat",
    "medico_social": "une liste d'établissement médico-social",
}
#: En-têtes propres à un autre genre qu'il faut voir au moins, pour ne pas se tromper de nature.
_EN_TETES_MIN = 2
_ECHANTILLON = 65_536
_RACINE_SIECLE = re.compile(rb"<\s*(BEE_ELEVES|ELEVES)\b")


def _premiere_ligne(octets: bytes) -> str | None:
    echantillon = octets[:_ECHANTILLON]
    for encodage in ("utf-8-sig", "utf-16", "windows-1252", "latin-1"):
        if encodage == "utf-16" and not echantillon.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            texte = echantillon.decode(encodage)
        except UnicodeDecodeError:
            continue
        for ligne in texte.splitlines():
            if ligne.strip():
                return ligne
        return None
    return None


def en_tetes(octets: bytes) -> list[str]:
    """Les en-têtes d'un CSV (première ligne non vide), normalisés ; vide si illisible."""
    ligne = _premiere_ligne(octets)
    if ligne is None:
        return []
    separateur = max(SEPARATEURS, key=ligne.count)
    try:
        cellules = next(csv.reader([ligne], delimiter=separateur))
    except (csv.Error, StopIteration):
        return []
    return [cle for cle in (normaliser(cellule) for cellule in cellules) if cle]


def _cles(profil: Profil) -> set[str]:
    return {normaliser(e) for e in (*profil.colonnes, *profil.colonnes_ignorees)}


def porte_une_donnee_interdite(octets: bytes, profil: Profil) -> bool:
    """Vrai si un en-tête inconnu du profil nomme une donnée interdite (NIR, nationalité…)."""
    if profil.format == "siecle":
        return False
    connues = _cles(profil)
    return any(sensible(cle) for cle in en_tetes(octets) if cle not in connues)


def nature_reconnue(octets: bytes, profil: Profil) -> str | None:
    """Ce à quoi ressemble le fichier s'il a la forme d'une autre source (« un export ONDE »), sinon rien.

    Un CSV n'est rapproché que d'un profil de **l'autre genre** (familles ou inscrits), et seulement
    s'il en porte au moins deux en-têtes qu'aucun profil du genre attendu ne connaît.
    """
    if profil.format != "siecle" and _RACINE_SIECLE.search(octets[:_ECHANTILLON]):
        return NATURES["siecle"]
    vus = set(en_tetes(octets))
    if not vus:
        return None
    # Les en-têtes communs aux deux genres (« Nom », « Date de naissance »…) ne disent rien.
    du_genre = _cles(profil).union(
        *(_cles(profil_integre(nom)) for nom in PROFILS_INTEGRES if profil_integre(nom).table == profil.table)
    )
    meilleur: tuple[int, str] | None = None
    for nom in PROFILS_INTEGRES:
        autre = profil_integre(nom)
        if autre.table == profil.table or autre.format == "siecle":
            continue
        propres = len((vus & _cles(autre)) - du_genre)
        if propres >= _EN_TETES_MIN and (meilleur is None or propres > meilleur[0]):
            meilleur = (propres, nom)
    return NATURES[meilleur[1]] if meilleur else None
