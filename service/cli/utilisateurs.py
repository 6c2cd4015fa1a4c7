"""``cellule utilisateurs creer | approuver | proconnect | desactiver | totp | lister`` : les comptes.

``creer`` ne fait que les comptes d'installation (premier administrateur, premier DPO), approuvés
d'office et tracés comme tels ; tout autre compte se crée par l'API et attend l'approbation d'une
seconde personne, donnée par l'API ou par ``approuver``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from service.acteur import Acteur
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.cli.commun import echouer, preparer_base
from service.comptes import rattachement, sessions
from service.comptes import utilisateurs as comptes
from service.comptes.roles import LIBELLES, Role
from service.journal_audit import Aboutissement, Action, auditer

# Les commandes locales agissent au nom de l'exploitant (accès au serveur), tracé comme tel.
EXPLOITANT = Acteur(id=None, identifiant="exploitant", role=Role.ADMINISTRATEUR)


def creer(
    identifiant: Annotated[str, typer.Argument(help="Identifiant nominatif, par exemple prenom.nom")],
    role: Annotated[
        Role, typer.Option("--role", help="administrateur ou dpo : les premiers comptes de l'installation.")
    ],
    nom: Annotated[str, typer.Option("--nom", help="Nom affiché.")] = "",
    courriel: Annotated[
        str | None,
        typer.Option(
            "--courriel", help="Adresse de l'identité ProConnect de la personne (connexion ProConnect)."
        ),
    ] = None,
    siret: Annotated[
        str | None, typer.Option("--siret", help="SIRET de l'organisation de la personne.")
    ] = None,
    # Gardées cachées pour qu'un ancien usage reçoive le message qui dit où créer ces comptes.
    _commune: Annotated[list[str] | None, typer.Option("--commune", hidden=True)] = None,
    _departement: Annotated[str | None, typer.Option("--departement", hidden=True)] = None,
    mot_de_passe: Annotated[
        str,
        typer.Option(
            "--mot-de-passe",
            prompt="Mot de passe (12 caractères au moins)",
            hide_input=True,
            confirmation_prompt="Le même mot de passe, pour confirmer",
            help="Demandé au clavier s'il n'est pas donné.",
        ),
    ] = "",
) -> None:
    """Crée le premier administrateur ou le premier DPO de l'installation, approuvé d'office.

    Affiche, une seule fois, son secret TOTP à enrôler. Les autres comptes se créent par l'API.
    """
    bdd = preparer_base()
    try:
        with session_base(bdd) as session:
            nouveau = comptes.creer_compte_d_installation(
                session,
                identifiant=identifiant,
                role=role,
                mot_de_passe=mot_de_passe,
                par=EXPLOITANT,
                nom_affiche=nom,
                courriel=courriel,
                siret=siret,
            )
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(
        f"Compte « {identifiant} » créé ({LIBELLES[role]}), approuvé d'office comme compte "
        "d'installation ; c'est écrit au journal d'audit."
    )
    typer.echo(
        "Second facteur : à enrôler dans une application d'authentification (affiché une seule fois) :"
    )
    typer.echo(f"  secret : {nouveau.totp_secret}")
    typer.echo(f"  adresse : {nouveau.uri_totp}")


def approuver(
    identifiant: Annotated[str, typer.Argument(help="Identifiant du compte à approuver.")],
    par: Annotated[
        str, typer.Option("--par", help="Votre identifiant : DPO, ou administrateur autre que le demandeur.")
    ],
    mot_de_passe: Annotated[
        str,
        typer.Option(
            "--mot-de-passe", prompt="Votre mot de passe", hide_input=True, help="Demandé au clavier."
        ),
    ] = "",
    code_totp: Annotated[
        str, typer.Option("--code-totp", prompt="Votre code à usage unique", help="Demandé au clavier.")
    ] = "",
) -> None:
    """Approuve un compte en attente et affiche son secret TOTP, à remettre à la personne.

    L'approbateur prouve son identité (mot de passe et code TOTP).
    """
    bdd = preparer_base()
    with session_base(bdd) as session:
        # Les échecs comptent comme des échecs de connexion, et restent écrits.
        approbateur = sessions.authentifier(session, par, mot_de_passe, code_totp, ip="ligne_de_commande")
    if approbateur is None:
        echouer(sessions.MESSAGE_CONNEXION_REFUSEE)
    try:
        with session_base(bdd) as session:
            nouveau = comptes.approuver_utilisateur(session, identifiant, par=approbateur)
    except RefusAutorisation as refus:
        with session_base(bdd) as session:
            auditer(
                session,
                approbateur,
                Action.AUTORISATION_REFUSEE,
                cible=refus.cible,
                resultat=Aboutissement.REFUS,
                details={"operation": refus.action, "voie": "ligne_de_commande"},
            )
        echouer(refus.message)
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(f"Compte « {identifiant} » approuvé ({LIBELLES[Role(nouveau.utilisateur.role)]}).")
    typer.echo(
        "Remettez vous-même à la personne son second facteur, à enrôler dans une application "
        "d'authentification (affiché une seule fois) :"
    )
    typer.echo(f"  secret : {nouveau.totp_secret}")
    typer.echo(f"  adresse : {nouveau.uri_totp}")


def proconnect(
    identifiant: Annotated[str, typer.Argument(help="Identifiant du compte.")],
    courriel: Annotated[
        str, typer.Option("--courriel", help="Adresse de l'identité ProConnect ; vide : retirer ProConnect.")
    ],
    siret: Annotated[
        str, typer.Option("--siret", help="SIRET de l'organisation (exigé pour un agent ou un référent).")
    ] = "",
    delier: Annotated[
        bool, typer.Option("--delier", help="Délier l'identité ProConnect déjà liée (autre fournisseur).")
    ] = False,
) -> None:
    """Rattache un compte à ProConnect : l'adresse et le SIRET que ProConnect prouvera."""
    bdd = preparer_base()
    try:
        with session_base(bdd) as session:
            utilisateur = rattachement.rattacher(
                session, identifiant, courriel=courriel, siret=siret, par=EXPLOITANT, delier=delier
            )
    except rattachement.RattachementInvalide as erreur:
        echouer(str(erreur))
    if utilisateur is None:
        echouer(f"Aucun compte « {identifiant} ».")
    if courriel.strip():
        typer.echo(
            f"Compte « {identifiant} » rattaché à ProConnect : il s'ouvrira pour l'identité ProConnect qui "
            "porte cette adresse (et ce SIRET), liée à sa première connexion."
        )
    else:
        typer.echo(f"Le compte « {identifiant} » n'est plus rattaché à ProConnect.")


def desactiver(identifiant: Annotated[str, typer.Argument(help="Identifiant du compte.")]) -> None:
    """Désactive un compte et ferme ses sessions (l'historique reste)."""
    bdd = preparer_base()
    try:
        with session_base(bdd) as session:
            comptes.desactiver_utilisateur(session, identifiant, par=EXPLOITANT)
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(f"Compte « {identifiant} » désactivé ; ses sessions sont fermées.")


def totp(identifiant: Annotated[str, typer.Argument(help="Identifiant du compte.")]) -> None:
    """Appareil perdu : ancien secret TOTP annulé, sessions fermées, compte de nouveau à approuver."""
    bdd = preparer_base()
    try:
        with session_base(bdd) as session:
            comptes.reinitialiser_totp(session, identifiant, par=EXPLOITANT)
    except comptes.CompteInvalide as erreur:
        echouer(str(erreur))
    typer.echo(
        f"L'ancien secret TOTP de « {identifiant} » ne sert plus et ses sessions sont fermées. Le compte "
        "attend l'approbation du DPO ou d'un administrateur (cellule utilisateurs approuver), qui "
        "recevra le nouveau secret à remettre à la personne."
    )


def lister() -> None:
    """Liste les comptes : identifiant, rôle, portée, état."""
    bdd = preparer_base()
    with session_base(bdd) as session:
        lignes = comptes.lister_utilisateurs(session)
    if not lignes:
        typer.echo("Aucun compte. Créez-en un : cellule utilisateurs creer IDENTIFIANT --role administrateur")
        return
    for utilisateur, communes in lignes:
        portee = ", ".join(sorted(communes)) or (
            f"département {utilisateur.departement}" if utilisateur.departement else "-"
        )
        if not utilisateur.actif:
            etat = "désactivé"
        elif utilisateur.approuve_le is None:
            etat = "en attente d'approbation"
        else:
            etat = "actif"
        totp = "TOTP enrôlé" if utilisateur.totp_confirme_le else "TOTP à enrôler"
        typer.echo(f"{utilisateur.identifiant:<30} {utilisateur.role:<16} {portee:<24} {etat}, {totp}")


def enregistrer(app: typer.Typer) -> None:
    groupe = typer.Typer(
        name="utilisateurs",
        help="Comptes nominatifs : installation, approbation, désactivation, nouveau secret TOTP, liste.",
        no_args_is_help=True,
    )
    groupe.command("creer")(creer)
    groupe.command("approuver")(approuver)
    groupe.command("desactiver")(desactiver)
    groupe.command("proconnect")(proconnect)
    groupe.command("totp")(totp)
    groupe.command("lister")(lister)
    app.add_typer(groupe)
