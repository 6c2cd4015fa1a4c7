"""Un vrai serveur uvicorn sur 127.0.0.1, pour ce que le client de test ne montre pas.

Le client de test de Starlette lit tout le corps d'une requête avant de la passer à l'application,
et sert les requêtes une à une : ni la lecture en flux ni les dépôts simultanés ne s'y voient.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


@contextmanager
def serveur_reel(application: FastAPI) -> Iterator[tuple[str, int]]:
    """Sert ``application`` sur un port libre de 127.0.0.1 ; rend (hôte, port)."""
    prise = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    prise.bind(("127.0.0.1", 0))
    port = prise.getsockname()[1]
    serveur = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="off"))
    fil = threading.Thread(target=serveur.run, kwargs={"sockets": [prise]}, daemon=True)
    fil.start()
    while not serveur.started and fil.is_alive():
        time.sleep(0.01)
    assert serveur.started, "le serveur uvicorn n'a pas démarré"
    try:
        yield "127.0.0.1", port
    finally:
        serveur.should_exit = True
        fil.join()
        prise.close()
