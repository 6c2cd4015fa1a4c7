"""Ce qu'une décision lit et écrit pendant qu'une ligne de la procédure (``procedure``) joue.

Le registre le remplit (le cas, les champs nettoyés, l'instant, le coffre), les gardes le lisent,
les effets y notent ce que la transition produit au-delà du statut : les données de l'événement,
un effacement immédiat, les retours de revue. Le registre écrit ensuite ce qu'ils y ont noté.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from appariement.apprentissage import Retour
from service.modeles import Cas
from service.registre.coffre import Coffre

CHAMPS_DATES = ("date", "date_notification")


@dataclass
class Contexte:
    """Ce qu'une garde ou un effet lit et écrit : le cas, les champs nettoyés de la décision, l'instant."""

    cas: Cas
    champs: dict[str, Any]
    instant: datetime
    coffre: Coffre | None = None
    # Les données de l'événement de procédure : jamais d'identité (elles vont aux indicateurs).
    donnees: dict[str, Any] = field(default_factory=dict)
    # Motif d'effacement, quand le cas doit disparaître aussitôt la transition faite.
    effacement: str | None = None
    # Le jour où a pris effet l'étape où en est le cas (son repérage, à défaut) : lu dans son historique.
    jour_etape_precedente: date | None = None
    # Les paires tranchées par une décision de revue (niveaux d'accord et décision, rien d'autre) :
    # le registre les garde pour la commune, dans la même transaction (voir ``revue``).
    retours: list[Retour] = field(default_factory=list)

    @property
    def date_effet(self) -> date | None:
        """La date saisie qui place l'étape dans les indicateurs (date, ou date de notification)."""
        return next((self.champs[c] for c in CHAMPS_DATES if c in self.champs), None)

    def _coffre(self) -> Coffre:
        assert self.coffre is not None, "une décision qui lit l'identité reçoit le coffre"
        return self.coffre

    def identite(self) -> dict[str, Any]:
        return self._coffre().identite(self.cas)

    def candidats(self) -> list[dict[str, Any]]:
        return self._coffre().candidats(self.cas)
