"""``cellule referentiel commune | convention`` : ce que l'administrateur enregistre avant les campagnes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service import referentiel
from service.base.connexion import session_base
from service.cli.commun import echouer, preparer_base
from service.cli.utilisateurs import EXPLOITANT


def commune(
    insee: Annotated[str, typer.Argument(help="Code INSEE, par exemple 59350")],
    nom: Annotated[str, typer.Argument(help="Nom de la commune")],
    departement: Annotated[str, typer.Argument(help="Département, par exemple 59")],
) -> None:
    """Ajoute (ou renomme) une commune."""
    bdd = preparer_base()
    try:
        with session_base(bdd) as session:
            referentiel.ajouter_commune(
                session, insee=insee, nom=nom, departement=departement, par=EXPLOITANT
            )
    except referentiel.ReferentielInvalide as erreur:
        echouer(str(erreur))
    typer.echo(f"Commune {insee} ({nom}, département {departement}) enregistrée.")


def convention(
    fichier: Annotated[
        Path, typer.Argument(help="Le TOML de la convention signée", exists=True, dir_okay=False)
    ],
) -> None:
    """Enregistre (ou remplace) une convention de partage de données."""
    bdd = preparer_base()
    try:
        texte = fichier.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        echouer(f"{fichier} n'est pas en UTF-8 : enregistrez-le en UTF-8.")
    try:
        with session_base(bdd) as session:
            lue = referentiel.enregistrer_convention(session, texte, par=EXPLOITANT)
    except referentiel.ReferentielInvalide as erreur:
        echouer(str(erreur))
    typer.echo(
        f"Convention « {lue.identifiant} » enregistrée ({lue.source}, communes {', '.join(lue.communes)})."
    )


def enregistrer(app: typer.Typer) -> None:
    groupe = typer.Typer(
        name="referentiel", help="Communes et conventions enregistrées dans le service.", no_args_is_help=True
    )
    groupe.command("commune")(commune)
    groupe.command("convention")(convention)
    app.add_typer(groupe)
