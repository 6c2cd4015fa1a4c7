"""Limitation des tentatives de connexion par adresse, en mémoire du processus.

Complète le verrouillage par compte : elle freine qui essaie beaucoup de comptes depuis une même
adresse. Chaque processus web compte pour lui-même.
"""

from __future__ import annotations

import threading
import time
from collections import deque

FENETRE_SECONDES = 60.0


class Limiteur:
    def __init__(self, par_minute: int) -> None:
        self._par_minute = par_minute
        self._tentatives: dict[str, deque[float]] = {}
        self._verrou = threading.Lock()

    def autoriser(self, adresse: str, instant: float | None = None) -> bool:
        """Compte une tentative ; ``False`` si l'adresse a dépassé son quota sur la dernière minute."""
        maintenant = time.monotonic() if instant is None else instant
        with self._verrou:
            recentes = self._tentatives.setdefault(adresse, deque())
            while recentes and recentes[0] <= maintenant - FENETRE_SECONDES:
                recentes.popleft()
            if len(recentes) >= self._par_minute:
                return False
            recentes.append(maintenant)
            # Les adresses silencieuses ne s'accumulent pas.
            for autre in [a for a, t in self._tentatives.items() if not t]:
                del self._tentatives[autre]
            return True
