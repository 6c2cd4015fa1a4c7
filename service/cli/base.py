"""``cellule base migrer`` : amener la base à la dernière révision (tables du service et journal d'audit)."""

from __future__ import annotations

import typer

from service.base.connexion import bdd_du_service
from service.base.migrations import revision_cible, revision_courante
from service.cli.commun import echouer, preparer_base


def migrer() -> None:
    """Applique les migrations manquantes (sans danger à relancer)."""
    avant = revision_courante(bdd_du_service())
    preparer_base()
    apres = revision_cible()
    if avant == apres:
        typer.echo(f"Base déjà à jour (révision {apres}).")
    else:
        typer.echo(f"Base migrée : révision {avant or 'vide'} → {apres}.")


def etat() -> None:
    """Montre la révision de la base et celle attendue par cette version."""
    try:
        courante = revision_courante(bdd_du_service())
    except Exception as erreur:
        echouer(f"Base injoignable ({type(erreur).__name__}) : vérifiez CELLULE_BASE.")
    typer.echo(f"Révision de la base : {courante or 'aucune (base vide)'} ; attendue : {revision_cible()}.")


def enregistrer(app: typer.Typer) -> None:
    groupe = typer.Typer(name="base", help="Base de données : migrations.", no_args_is_help=True)
    groupe.command("migrer")(migrer)
    groupe.command("etat")(etat)
    app.add_typer(groupe)
