"""Ce que partagent les commandes du service : erreurs en français, base migrée."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    import sqlalchemy as sa


def echouer(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Erreur : {message}", err=True)
    raise typer.Exit(code)


def preparer_base() -> sa.Engine:
    """La base du processus (bdd), migrée ; message clair si la base est injoignable."""
    # Importés ici : ``cellule apparier``, qui n'a pas de base, ne paie pas leur chargement.
    import sqlalchemy as sa

    from service.base.connexion import bdd_du_service
    from service.base.migrations import migrer

    try:
        bdd = bdd_du_service()
        migrer(bdd)
    except ValueError as erreur:
        echouer(str(erreur))
    except sa.exc.OperationalError as erreur:
        echouer(
            f"Base injoignable ({type(erreur.orig).__name__}) : "
            "vérifiez CELLULE_BASE et que le serveur répond."
        )
    return bdd
