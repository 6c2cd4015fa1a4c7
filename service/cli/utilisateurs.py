"""``cellule utilisateurs creer | desactiver | lister`` : les comptes, pour l'administrateur."""

from __future__ import annotations

from typing import Annotated

import typer

from service.acteur import Acteur
from service.base.moteur import session_base
from service.cli.commun import echouer, preparer_base
from service.comptes import service as comptes
from service.comptes.roles import LIBELLES, Role

# Les commandes locales agissent au nom de l'exploitant (accès au serveur), tracé comme tel.
EXPLOITANT = Acteur(id=None, identifiant="exploitant", role=Role.ADMINISTRATEUR)


def creer(
    identifiant: Annotated[str, typer.Argument(help="Identifiant nominatif, par exemple prenom.nom")],
    role: Annotated[Role, typer.Option("--role", help="Rôle du compte.")],
    commune: Annotated[
        list[str] | None, typer.Option("--commune", help="Code INSEE (agent communal ; répétable).")
    ] = None,
    departement: Annotated[str | None, typer.Option("--departement", help="Département (référent).")] = None,
    nom: Annotated[str, typer.Option("--nom", help="Nom affiché.")] = "",
    mot_de_passe: Annotated[
        str,
        typer.Option(
            "--mot-de-passe",
            prompt="Mot de passe (12 caractères au moins)",
            hide_input=True,
            confirmation_prompt=True,
            help="Demandé au clavier s'il n'est pas donné.",
        ),
    ] = "",
) -> None:
    """Crée un compte nominatif et affiche, une seule fois, son secret TOTP à enrôler."""
    moteur = preparer_base()
    try:
        with session_base(moteur) as session:
            nouveau = comptes.creer_utilisateur(
                session,
                identifiant=identifiant,
                role=role,
                mot_de_passe=mot_de_passe,
                par=EXPLOITANT,
                communes=commune or [],
                departement=departement,
                nom_affiche=nom,
            )
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(f"Compte « {identifiant} » créé ({LIBELLES[role]}).")
    typer.echo(
        "Second facteur : à enrôler dans une application d'authentification (affiché une seule fois) :"
    )
    typer.echo(f"  secret : {nouveau.totp_secret}")
    typer.echo(f"  adresse : {nouveau.uri_totp}")


def desactiver(identifiant: Annotated[str, typer.Argument(help="Identifiant du compte.")]) -> None:
    """Désactive un compte et ferme ses sessions (l'historique reste)."""
    moteur = preparer_base()
    try:
        with session_base(moteur) as session:
            comptes.desactiver_utilisateur(session, identifiant, par=EXPLOITANT)
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(f"Compte « {identifiant} » désactivé ; ses sessions sont fermées.")


def totp(identifiant: Annotated[str, typer.Argument(help="Identifiant du compte.")]) -> None:
    """Nouveau secret TOTP (appareil perdu) : les sessions ouvertes sont fermées."""
    moteur = preparer_base()
    try:
        with session_base(moteur) as session:
            nouveau = comptes.reinitialiser_totp(session, identifiant, par=EXPLOITANT)
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(f"Nouveau secret TOTP pour « {identifiant} » (affiché une seule fois) :")
    typer.echo(f"  secret : {nouveau.totp_secret}")
    typer.echo(f"  adresse : {nouveau.uri_totp}")


def lister() -> None:
    """Liste les comptes : identifiant, rôle, portée, état."""
    moteur = preparer_base()
    with session_base(moteur) as session:
        lignes = comptes.lister_utilisateurs(session)
    if not lignes:
        typer.echo("Aucun compte. Créez-en un : cellule utilisateurs creer IDENTIFIANT --role administrateur")
        return
    for utilisateur, communes in lignes:
        portee = ", ".join(sorted(communes)) or (
            f"département {utilisateur.departement}" if utilisateur.departement else "-"
        )
        etat = "actif" if utilisateur.actif else "désactivé"
        totp = "TOTP enrôlé" if utilisateur.totp_confirme_le else "TOTP à enrôler"
        typer.echo(f"{utilisateur.identifiant:<30} {utilisateur.role:<16} {portee:<24} {etat}, {totp}")


def enregistrer(app: typer.Typer) -> None:
    groupe = typer.Typer(
        name="utilisateurs",
        help="Comptes nominatifs : créer, désactiver, nouveau secret TOTP, lister.",
        no_args_is_help=True,
    )
    groupe.command("creer")(creer)
    groupe.command("desactiver")(desactiver)
    groupe.command("totp")(totp)
    groupe.command("lister")(lister)
    app.add_typer(groupe)
