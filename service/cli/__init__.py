"""La commande ``cellule``.

Chaque module de ce paquet apporte ses sous-commandes par une fonction ``enregistrer(app)`` ;
ce fichier les assemble, sans rien savoir de chacune.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import PackageNotFoundError, version

import typer

from service.journalisation import configurer
from service.parametres import parametres

app = typer.Typer(
    name="cellule",
    help=(
        "cellule — appariement sécurisé des listes CAF/MSA et des effectifs scolaires "
        "pour les cellules de prévention de l'évitement scolaire."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version() -> str:
    try:
        return version("cellule")
    except PackageNotFoundError:  # pragma: no cover - lancé hors installation
        return "inconnue"


def _afficher_version(valeur: bool) -> None:
    if valeur:
        typer.echo(f"cellule {_version()}")
        raise typer.Exit()


@app.callback()
def _racine(
    _version_demandee: bool = typer.Option(
        False,
        "--version",
        callback=_afficher_version,
        is_eager=True,
        help="Affiche la version et quitte.",
    ),
) -> None:
    reglages = parametres()
    configurer(reglages.environnement, reglages.niveau_journal)


def _assembler() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        charge = importlib.import_module(f"{__name__}.{module.name}")
        enregistrer = getattr(charge, "enregistrer", None)
        if enregistrer is not None:
            enregistrer(app)


_assembler()


def main() -> None:
    """Point d'entrée du script ``cellule``."""
    app()
