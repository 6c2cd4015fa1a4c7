"""Un écrivain indépendant, lancé comme un vrai processus : ``python -m tests.audit.ecrivain URL N NOM``."""

from __future__ import annotations

import sys

import sqlalchemy as sa

import audit


def ecrire(url: str, nombre: int, nom: str) -> None:
    """Écrit ``nombre`` entrées, une transaction chacune, au nom de l'écrivain ``nom``."""
    bdd = sa.create_engine(url, connect_args={"timeout": 60} if url.startswith("sqlite") else {})
    for rang in range(nombre):
        with bdd.begin() as connexion:
            audit.ecrire(
                connexion,
                audit.Evenement(
                    action=audit.Action.RECHERCHE,
                    acteur=nom,
                    role="agent_commune",
                    details={"rang": rang},
                ),
            )
    bdd.dispose()


if __name__ == "__main__":
    ecrire(sys.argv[1], int(sys.argv[2]), sys.argv[3])
