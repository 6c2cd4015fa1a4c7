"""L'échéance d'une mise en demeure, dite en mots sur la liste des cas (``/cas``) et en haut de la
fiche (``/cas/{id}``), avec ou sans identité : elle n'en dit rien.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from service.base.connexion import jour_local
from service.modeles import Cas
from service.registre import procedure


@dataclass(frozen=True)
class Echeance:
    """Où en est le délai de quinze jours d'une mise en demeure, en mots (la couleur ne fait que doubler)."""

    notifiee_le: date
    echeance: date
    jours_restants: int

    @property
    def depassee(self) -> bool:
        return self.jours_restants < 0

    @property
    def libelle(self) -> str:
        if self.depassee:
            return f"Échéance dépassée depuis le {self.echeance:%d/%m/%Y}"
        if self.jours_restants == 0:
            return "Échéance aujourd'hui"
        return f"Échéance le {self.echeance:%d/%m/%Y} (dans {self.jours_restants} j)"

    @property
    def classe(self) -> str:
        return "fr-badge--error" if self.depassee else "fr-badge--warning"


def echeance_de(cas: Cas, aujourd_hui: date | None = None) -> Echeance | None:
    """L'échéance d'un cas mis en demeure ; ``None`` hors des statuts où elle court."""
    if cas.statut not in procedure.STATUTS_A_ECHEANCE or cas.echeance is None or cas.notification_le is None:
        return None
    jour = aujourd_hui or jour_local()
    return Echeance(cas.notification_le, cas.echeance, (cas.echeance - jour).days)


def echeance_apres(notification: str) -> date | None:
    """L'échéance qu'aura une mise en demeure notifiée ce jour-là (AAAA-MM-JJ), pour la confirmation."""
    try:
        return date.fromisoformat(notification) + timedelta(days=procedure.DELAI_MISE_EN_DEMEURE_JOURS)
    except ValueError:
        return None
