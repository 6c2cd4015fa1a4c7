"""La commande ``cellule`` parle français, y compris les textes que typer écrit lui-même.

Typer (0.29) embarque sa propre copie de click (``typer._click``) dont les textes sont écrits en
dur, sans ``gettext`` : un catalogue de traduction (domaine ``messages``) n'y aurait aucun effet.
On passe donc par les points d'extension de typer et de click, sans remplacer aucune de leurs
fonctions de module. Ce module dépend de ``typer._click`` (privé) : ``pyproject.toml`` borne typer
à la version 0.29, et ``tests/service/test_cli_francais.py`` dit tout de suite si une montée de
version fait revenir un texte anglais.

- les titres des cadres de l'aide et des erreurs sont des constantes de ``typer.rich_utils``,
  faites pour être réglées ;
- chaque commande reçoit une classe de contexte (``context_class``) dont le formateur écrit
  « Utilisation : » ; l'option d'aide, les métavariables et les types affichés sont réglés sur
  chaque paramètre (``metavar``, ``help``) ;
- les erreurs d'usage (option manquante, inconnue, valeur invalide) sont réécrites en français par
  le groupe racine avant que typer ne les affiche ;
- seul le type affiché d'un argument est réglé sur l'objet lui-même : son ``metavar`` en changerait
  le nom dans les messages.
"""

from __future__ import annotations

import functools
import re

import typer._click as click_de_typer
import typer.core
from typer._click.exceptions import (
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter

AIDE = "Affiche cette aide et quitte."
OPTIONS = "[OPTIONS]"
SOUS_COMMANDE = "COMMANDE [ARGUMENTS]..."


@functools.cache
def regler_textes_de_rich() -> None:
    """Les titres et mentions des cadres de typer, en français.

    Appelé seulement avant d'afficher une aide ou une erreur : ``typer.rich_utils`` tire rich et
    markdown (0,4 s), qu'une commande qui réussit n'a pas à charger.
    """
    import typer.rich_utils

    typer.rich_utils.ARGUMENTS_PANEL_TITLE = "Arguments"
    typer.rich_utils.OPTIONS_PANEL_TITLE = "Options"
    typer.rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
    typer.rich_utils.ERRORS_PANEL_TITLE = "Erreur"
    typer.rich_utils.ABORTED_TEXT = "Interrompu."
    typer.rich_utils.RICH_HELP = "Pour l'aide : [blue]'{command_path} {help_option}'[/]."
    typer.rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
    typer.rich_utils.DEFAULT_STRING = "[par défaut : {}]"
    typer.rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
    typer.rich_utils.DEPRECATED_STRING = "(obsolète) "


# Types que typer affiche (« <str> », « <path> »...) -> ce que la personne doit écrire.
TYPES: dict[str, str] = {
    "str": "texte",
    "int": "entier",
    "float": "nombre",
    "path": "chemin",
    "file": "fichier",
    "directory": "dossier",
    "Path": "chemin",
    "int range": "entier",
    "float range": "nombre",
    "datetime": "date",
}


def type_en_francais(libelle: str) -> str:
    """« list[Path] » -> « chemin... », « %Y-%m-%d|%d/%m/%Y » -> « AAAA-MM-JJ|JJ/MM/AAAA »."""
    if libelle.startswith("list[") and libelle.endswith("]"):
        return f"{type_en_francais(libelle[5:-1])}..."
    if "%" in libelle:
        return libelle.replace("%Y", "AAAA").replace("%m", "MM").replace("%d", "JJ")
    return TYPES.get(libelle, libelle)


class FormateurFrancais(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="Utilisation : " if prefix is None else prefix)


class ContexteFrancais(typer.Context):
    formatter_class = FormateurFrancais

    def get_help(self) -> str:
        regler_textes_de_rich()
        return super().get_help()


def _metavar(parametre: typer.core.TyperOption, ctx: click_de_typer.Context) -> str:
    if parametre.is_flag:
        return ""  # un drapeau ne prend pas de valeur
    return f"<{type_en_francais(parametre.display_type(ctx)[1:-1])}>"


def franciser(commande: click_de_typer.Command) -> None:
    """Règle en français l'usage, l'aide et les types d'une commande et de ses sous-commandes."""
    commande.context_class = ContexteFrancais
    if commande.options_metavar:
        commande.options_metavar = OPTIONS
    if isinstance(commande, typer.core.TyperGroup):
        commande.subcommand_metavar = SOUS_COMMANDE
        for sous_commande in commande.commands.values():
            franciser(sous_commande)
    _franciser_parametres(commande, ContexteFrancais(commande))


def _franciser_parametres(commande: click_de_typer.Command, ctx: click_de_typer.Context) -> None:
    aide = commande.get_help_option(ctx)
    if aide is not None:
        aide.help = AIDE
    for parametre in [*commande.params, *([aide] if aide else [])]:
        if isinstance(parametre, typer.core.TyperOption) and parametre.metavar is None:
            parametre.metavar = _metavar(parametre, ctx)
        elif isinstance(parametre, typer.core.TyperArgument):
            # Le metavar d'un argument en changerait le nom : seul le type affiché est réglé.
            type_affiche = f"<{type_en_francais(parametre.display_type(ctx)[1:-1])}>"
            parametre.display_type_rich = lambda ctx, t=type_affiche: t  # type: ignore[method-assign,misc]


_DETAILS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\w+) '(.*)' does not exist\.$"), "le chemin « {1} » n'existe pas."),
    (re.compile(r"^(\w+) '(.*)' is a file\.$"), "« {1} » est un fichier, un dossier est attendu."),
    (re.compile(r"^(\w+) '(.*)' is a directory\.$"), "« {1} » est un dossier, un fichier est attendu."),
    (re.compile(r"^(\w+) '(.*)' is not readable\.$"), "« {1} » n'est pas lisible."),
    (re.compile(r"^(\w+) '(.*)' is not writable\.$"), "« {1} » n'est pas modifiable."),
    (re.compile(r"^Value (.*) is not a valid .*\.$"), "{0} ne convient pas."),
    (re.compile(r"^Input should be greater than or equal to (.*)$"), "la valeur doit être au moins {0}."),
    (re.compile(r"^Input should be less than or equal to (.*)$"), "la valeur doit être au plus {0}."),
    (re.compile(r"^Input should be a valid integer.*$"), "un nombre entier est attendu."),
    (re.compile(r"^Input should be a valid number.*$"), "un nombre est attendu."),
    (re.compile(r"^Input should be a valid boolean.*$"), "oui ou non est attendu."),
    (re.compile(r"^.* does not match the formats? (.*)\.?$"), "la date ne suit pas le format attendu."),
]


def _detail(message: str, parametre: click_de_typer.core.Parameter | None) -> str:
    for motif, francais in _DETAILS:
        trouve = motif.match(message)
        if trouve:
            return francais.format(*trouve.groups())
    if message.startswith("Input should") and isinstance(parametre, typer.core.TyperOption):
        # Autre message de pydantic (qui vérifie les valeurs pour typer) : on dit ce qui est attendu.
        return f"une valeur de la forme {parametre.metavar or '<texte>'} est attendue."
    return message


def erreur_en_francais(erreur: UsageError) -> UsageError:
    """La même erreur d'usage (même contexte, même code de sortie), écrite en français."""
    if isinstance(erreur, NoArgsIsHelpError):
        return erreur
    regler_textes_de_rich()
    parametre = getattr(erreur, "param", None)
    if isinstance(erreur, NoSuchOption):
        message = f"Option inconnue : {erreur.option_name}. Voyez les options possibles avec --help."
    elif isinstance(erreur, MissingParameter):
        nom = parametre.get_error_hint() if parametre is not None else ""
        if isinstance(parametre, typer.core.TyperArgument):
            message = f"Argument obligatoire manquant : {nom}."
        else:
            message = f"Option obligatoire manquante : {nom}."
    elif isinstance(erreur, BadParameter):
        nom = erreur.param_hint or (parametre.get_error_hint() if parametre is not None else "")
        message = f"Valeur invalide pour {nom} : {_detail(erreur.message, parametre)}"
    elif erreur.message.startswith("No such command "):
        commande = erreur.message.removeprefix("No such command ").split(".")[0]
        proposition = re.search(r"Did you mean (.*)\?$", erreur.message)
        message = f"Commande inconnue : {commande}."
        if proposition:
            message += f" Vouliez-vous dire {proposition.group(1)} ?"
    elif trop := re.fullmatch(r"Got unexpected extra argument\(s\) \((.*)\)", erreur.message):
        message = f"Argument en trop : {trop.group(1)}."
    elif erreur.message == "Missing command.":
        message = "Sous-commande manquante : voyez la liste avec --help."
    else:
        return erreur
    francaise = UsageError(message, erreur.ctx)
    francaise.exit_code = erreur.exit_code
    return francaise
