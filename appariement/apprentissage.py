"""Ce que le moteur apprend des personnes qui tranchent les cas « à vérifier ».

Quand un agent dit « c'est cet élève » ou « aucun n'est l'enfant », chaque paire qu'il a regardée
(l'enfant et une fiche candidate) devient un ``Retour`` : les seuls niveaux d'accord de chaque champ
(les noms de ``comparaisons.NIVEAUX``, « manquant » si un côté n'a pas la donnée, tels que les rend
``comparer_fiches``) et la décision. Aucune identité, aucun identifiant, aucune date : un retour ne
désigne personne. Ils se gardent par commune et servent à la campagne suivante.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Retour:
    """Une paire tranchée par une personne : niveaux d'accord par champ, et si c'est le même enfant.

    ``niveaux`` : pour chaque champ de ``comparaisons.CHAMPS``, le nom du niveau ou « manquant » ;
    la clé ``inversion`` vaut « oui » ou « non » (nom et prénom échangés)."""

    niveaux: Mapping[str, str]
    meme_enfant: bool
