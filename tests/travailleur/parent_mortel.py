"""Tue le parent d'un enfant confiné et rapporte ce que devient l'enfant.

Lancé comme ``python -m tests.travailleur.parent_mortel`` : ce processus se déclare
« recueillant » (``PR_SET_CHILD_SUBREAPER``) pour que l'enfant orphelin lui soit rattaché, lance
un vrai parent (un service qui fait tourner la sonde en attente, ``sonder("attente")``), attend que
l'enfant soit lié à son parent, tue le parent (SIGKILL), puis attend l'enfant. Il écrit en JSON le
signal qui a tué l'enfant, ou ``"survit"`` si l'enfant vivait encore à l'échéance (il est alors
tué ici, pour ne rien laisser derrière).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time

import psutil

_PR_SET_CHILD_SUBREAPER = 36
_ECHEANCE = 60.0

PARENT = (
    "from service.travailleur import ReglagesTravailleur, sonder\n"
    "sonder('attente', reglages=ReglagesTravailleur(duree=600, protections_obligatoires=frozenset()))\n"
)


def _enfant_lie(parent: psutil.Process, echeance: float) -> psutil.Process:
    """L'enfant de ``parent``, une fois ``PR_SET_NO_NEW_PRIVS`` posé (donc après le lien au parent)."""
    while time.monotonic() < echeance:
        for enfant in parent.children():
            try:
                with open(f"/proc/{enfant.pid}/status") as statut:
                    if "NoNewPrivs:\t1" in statut.read():
                        return enfant
            except OSError:
                pass
        time.sleep(0.05)
    raise SystemExit("l'enfant n'a pas démarré")


def main() -> None:
    assert ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    echeance = time.monotonic() + _ECHEANCE
    parent = subprocess.Popen([sys.executable, "-c", PARENT])
    enfant = _enfant_lie(psutil.Process(parent.pid), echeance)
    parent.kill()
    parent.wait()
    while time.monotonic() < echeance:
        pid, statut = os.waitpid(enfant.pid, os.WNOHANG)
        if pid:
            numero = os.WTERMSIG(statut) if os.WIFSIGNALED(statut) else None
            print(json.dumps({"signal": signal.Signals(numero).name if numero else None}))
            return
        time.sleep(0.05)
    os.kill(enfant.pid, signal.SIGKILL)
    os.waitpid(enfant.pid, 0)
    print(json.dumps({"signal": "survit"}))


if __name__ == "__main__":
    main()
