"""Les états d'une campagne et de son travail, en une seule table de transitions.

Chaque ligne dit : quel événement, depuis quels états, vers quel état. Ce qui n'y figure pas est
refusé (``TransitionImpossible``). Aucun autre module n'écrit un état en toutes lettres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BROUILLON = "brouillon"
EN_ATTENTE = "en_attente"
EN_COURS = "en_cours"
TERMINEE = "terminee"
ECHEC = "echec"

Objet = Literal["campagne", "travail"]
Evenement = Literal["lancer", "avancer", "reclamer", "terminer", "echouer"]


class TransitionImpossible(RuntimeError):
    """Un événement arrive dans un état qui ne le permet pas : défaut du service, pas de l'agent."""


@dataclass(frozen=True)
class Transition:
    objet: Objet
    evenement: Evenement
    de: frozenset[str]
    vers: str


TRANSITIONS: tuple[Transition, ...] = (
    # Une campagne se lance depuis son brouillon, ou de nouveau après un échec.
    Transition("campagne", "lancer", frozenset({BROUILLON, ECHEC}), EN_ATTENTE),
    Transition("campagne", "avancer", frozenset({EN_ATTENTE, EN_COURS}), EN_COURS),
    Transition("campagne", "terminer", frozenset({EN_COURS}), TERMINEE),
    Transition("campagne", "echouer", frozenset({EN_ATTENTE, EN_COURS}), ECHEC),
    # Un travail « en cours » dont le travailleur ne donne plus signe de vie se réclame de nouveau.
    Transition("travail", "reclamer", frozenset({EN_ATTENTE, EN_COURS}), EN_COURS),
    Transition("travail", "terminer", frozenset({EN_COURS}), TERMINEE),
    Transition("travail", "echouer", frozenset({EN_COURS}), ECHEC),
)

_TABLE = {(t.objet, t.evenement): t for t in TRANSITIONS}

ETAT_INITIAL: dict[Objet, str] = {"campagne": BROUILLON, "travail": EN_ATTENTE}


def depuis(objet: Objet, evenement: Evenement) -> frozenset[str]:
    """Les états depuis lesquels ``evenement`` est permis."""
    return _TABLE[(objet, evenement)].de


def apres(objet: Objet, evenement: Evenement, etat: str) -> str:
    """L'état d'arrivée ; lève ``TransitionImpossible`` si l'événement n'est pas permis depuis ``etat``."""
    transition = _TABLE[(objet, evenement)]
    if etat not in transition.de:
        raise TransitionImpossible(f"{objet} « {etat} » : l'événement « {evenement} » n'y est pas permis")
    return transition.vers


#: Une campagne reçoit et perd des sources tant qu'elle peut être lancée.
ETATS_MODIFIABLES = depuis("campagne", "lancer")
