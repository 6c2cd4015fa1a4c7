"""La commande ``cellule``.

Chaque module de ce paquet apporte ses sous-commandes par une fonction ``enregistrer(app)``.
Un module n'est importé que lorsqu'on appelle l'une de ses commandes (ou l'aide générale) : la
plupart tirent le serveur web, la base ou le chiffrement, dont ``cellule apparier`` n'a pas besoin.
Le groupe racine met aussi en français les textes que typer écrit lui-même (``francais.py``).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

import typer
import typer.core
import typer.main

from service.cli.francais import UsageError, erreur_en_francais, franciser, regler_textes_de_rich

# Commande (ou groupe de commandes) de premier niveau -> module de ce paquet qui l'enregistre.
MODULES: dict[str, str] = {
    "apparier": "apparier",
    "archive": "archive",
    "audit": "audit",
    "base": "base",
    "cles": "cles",
    "conventions": "sources",
    "fichier": "sources",
    "indicateurs": "indicateurs",
    "purger": "purger",
    "referentiel": "referentiel",
    "serveur": "serveur",
    "travailleur": "travailleur",
    "utilisateurs": "utilisateurs",
}


def groupe_du_module(module: str) -> typer.core.TyperGroup:
    """Un groupe qui porte les commandes de premier niveau qu'enregistre ``service.cli.<module>``."""
    charge = importlib.import_module(f"{__name__}.{module}")
    sous_app = typer.Typer()
    charge.enregistrer(sous_app)
    return typer.main.get_group(sous_app)


class _GroupeParesseux(typer.core.TyperGroup):
    """Groupe racine qui n'importe le module d'une commande qu'au moment où elle sert."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return sorted(set(self.commands) | set(MODULES))

    def get_command(self, ctx: typer.Context, cmd_name: str):  # type: ignore[no-untyped-def,override]
        if cmd_name not in self.commands and cmd_name in MODULES:
            self.commands.update(groupe_du_module(MODULES[cmd_name]).commands)
        commande = self.commands.get(cmd_name)
        if commande is not None:
            franciser(commande)
        return commande

    def make_context(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Les erreurs d'usage des options de la racine, puis de toute sous-commande, en français.
        franciser(self)
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as erreur:
            raise erreur_en_francais(erreur) from None
        except typer.Abort:
            regler_textes_de_rich()  # « Interrompu. »
            raise

    def invoke(self, ctx: typer.Context):  # type: ignore[no-untyped-def,override]
        try:
            return super().invoke(ctx)
        except UsageError as erreur:
            raise erreur_en_francais(erreur) from None
        except typer.Abort:
            regler_textes_de_rich()
            raise

    def resolve_command(self, ctx: typer.Context, args: list[str]):  # type: ignore[no-untyped-def,override]
        # Une commande inconnue (faute de frappe) : typer propose la plus proche parmi les commandes
        # chargées ; on les charge donc toutes.
        if args and args[0] not in MODULES:
            for module in sorted(set(MODULES.values())):
                self.commands.update(groupe_du_module(module).commands)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_GroupeParesseux,
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


# Commandes de calcul sur des fichiers, hors du service : ni réglages ni journal à préparer.
AUTONOMES = frozenset({"apparier"})


@app.callback()
def _racine(
    ctx: typer.Context,
    _version_demandee: bool = typer.Option(
        False,
        "--version",
        callback=_afficher_version,
        is_eager=True,
        help="Affiche la version et quitte.",
    ),
) -> None:
    if ctx.invoked_subcommand in AUTONOMES:
        return
    from service.droits import DroitsTropOuverts, verifier_droits
    from service.journalisation import configurer
    from service.parametres import parametres

    reglages = parametres()
    configurer(reglages.environnement, reglages.niveau_journal)
    try:
        verifier_droits(reglages)
    except DroitsTropOuverts as erreur:
        typer.echo(f"Erreur : {erreur}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    """Point d'entrée du script ``cellule`` : ce qu'il crée n'est lisible que par son compte."""
    from service.droits import restreindre_creations

    restreindre_creations()
    app()
