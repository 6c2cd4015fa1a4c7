"""``cellule cles init | etat | rotation`` : le trousseau de clés, pour l'administrateur.

Aucune commande n'affiche une clé, sauf la nouvelle clé maîtresse quand elle vit dans une variable
d'environnement (l'administrateur doit bien la recopier). Rien n'est jamais écrasé.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from chiffrement import (
    ErreurChiffrement,
    Trousseau,
    TrousseauInvalide,
    creer_fichier_cle_maitresse,
    decoder_cle_maitresse,
    generer_cle_maitresse,
    lire_cle_maitresse,
    lire_cle_publique_travailleur,
)
from chiffrement.trousseau import empreinte_cle_publique
from service.cles import preparer_cles, trousseau
from service.parametres import ReglagesService, parametres

CODE_ERREUR = 1
_SUFFIXE_NOUVELLE = ".nouvelle"


def _erreur(message: str) -> typer.Exit:
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(CODE_ERREUR)


def _erreur_systeme(erreur: OSError) -> typer.Exit:
    chemin = erreur.filename or "dossier des clés"
    return _erreur(
        f"{chemin} : {erreur.strerror or type(erreur).__name__}. Vérifiez CELLULE_TROUSSEAU, "
        "CELLULE_CLE_MAITRESSE_FICHIER et les droits du compte du service sur ces chemins."
    )


def _fichier_nouvelle(reglages: ReglagesService) -> Path:
    fichier = reglages.chemin_cle_maitresse()
    return fichier.with_name(fichier.name + _SUFFIXE_NOUVELLE)


def _ouvrir(reglages: ReglagesService) -> Trousseau:
    try:
        return trousseau(reglages)
    except TrousseauInvalide as erreur:
        if _fichier_nouvelle(reglages).exists():
            raise TrousseauInvalide(
                f"{erreur.message} — une rotation a été interrompue : relancez « cellule cles rotation » "
                "pour la terminer"
            ) from None
        raise


def init() -> None:
    """Crée ce qui manque : clé maîtresse (fichier 0600), trousseau, paire de clés du travailleur.
    Sans danger à relancer : rien d'existant n'est remplacé."""
    reglages = parametres()
    dossier = reglages.chemin_trousseau()
    fichier = reglages.chemin_cle_maitresse()
    try:
        crees = preparer_cles(reglages)
        _ouvrir(reglages)
        empreinte = empreinte_cle_publique(lire_cle_publique_travailleur(dossier))
    except ErreurChiffrement as erreur:
        raise _erreur(erreur.message) from None
    except OSError as erreur:
        raise _erreur_systeme(erreur) from None
    for element in crees:
        typer.echo(f"Créé : {element}.")
    if not crees:
        typer.echo("Rien à créer : clé maîtresse, trousseau et paire du travailleur existaient déjà.")
    source = "CELLULE_CLE_MAITRESSE" if reglages.cle_maitresse is not None else str(fichier)
    typer.echo(f"Trousseau {dossier} ouvert avec la clé maîtresse ({source}).")
    typer.echo(f"Paire du travailleur : empreinte {empreinte}.")


def etat(en_json: Annotated[bool, typer.Option("--json", help="Réponse en JSON.")] = False) -> None:
    """Montre le trousseau : cohortes présentes, cohortes détruites, paire du travailleur. Aucune clé."""
    reglages = parametres()
    try:
        ouvert = _ouvrir(reglages)
        contenu = ouvert.etat()
        publique = empreinte_cle_publique(lire_cle_publique_travailleur(ouvert.dossier))
    except ErreurChiffrement as erreur:
        raise _erreur(erreur.message) from None
    except OSError as erreur:
        raise _erreur_systeme(erreur) from None
    source = (
        "variable CELLULE_CLE_MAITRESSE" if reglages.cle_maitresse else str(reglages.chemin_cle_maitresse())
    )
    if en_json:
        typer.echo(
            json.dumps(
                {
                    "trousseau": str(contenu.dossier),
                    "cle_maitresse": {"source": source, "empreinte": contenu.empreinte_cle_maitresse},
                    "cohortes": [
                        {"cohorte": c.cohorte, "versions": c.versions, "creee_le": c.creee_le}
                        for c in contenu.cohortes
                    ],
                    "detruites": {str(c): d for c, d in contenu.detruites.items()},
                    "travailleur": {"empreinte_cle_publique": publique},
                },
                ensure_ascii=False,
            )
        )
        return
    typer.echo(f"Trousseau : {contenu.dossier}")
    typer.echo(f"Clé maîtresse : {source} (empreinte {contenu.empreinte_cle_maitresse})")
    typer.echo(f"Paire du travailleur : empreinte {publique}")
    typer.echo(f"Cohortes actives : {len(contenu.cohortes)}")
    for cohorte in contenu.cohortes:
        typer.echo(f"  {cohorte.cohorte} : {cohorte.versions} version(s), créée le {cohorte.creee_le[:10]}")
    typer.echo(f"Cohortes détruites : {len(contenu.detruites)}")
    for annee, date in contenu.detruites.items():
        typer.echo(f"  {annee} : détruite le {date[:10]}")


def rotation() -> None:
    """Remplace la clé maîtresse : les clés de cohorte sont ré-enveloppées, les données ne sont pas
    rechiffrées. L'ancienne clé ne sert plus à rien et peut être détruite."""
    reglages = parametres()
    try:
        if reglages.cle_maitresse is not None:
            _rotation_par_environnement(reglages)
            return
        _rotation_par_fichier(reglages)
    except ErreurChiffrement as erreur:
        raise _erreur(erreur.message) from None
    except OSError as erreur:
        raise _erreur_systeme(erreur) from None


def _rotation_par_environnement(reglages: ReglagesService) -> None:
    # La nouvelle clé n'existe que dans cette sortie : elle est écrite (et la sortie vidée) avant le
    # ré-enveloppement. Si personne ne peut la lire (sortie fermée), le trousseau garde l'ancienne.
    ouvert = _ouvrir(reglages)
    nouvelle = generer_cle_maitresse()
    try:
        typer.echo(
            "Nouvelle clé maîtresse, à mettre dans CELLULE_CLE_MAITRESSE de chaque processus du service"
        )
        typer.echo("(elle ne sera plus affichée) :")
        typer.echo(nouvelle)
        sys.stdout.flush()
    except OSError:
        raise TrousseauInvalide(
            "la nouvelle clé n'a pas pu être affichée (sortie fermée) : rotation annulée, l'ancienne clé "
            "reste en service ; relancez la commande en lisant sa sortie"
        ) from None
    try:
        ouvert.rotation(decoder_cle_maitresse(nouvelle))
    except ErreurChiffrement as erreur:
        raise TrousseauInvalide(
            f"{erreur.message} — la clé affichée n'a PAS été mise en service : gardez l'ancienne"
        ) from None
    typer.echo(
        "Clés de cohorte ré-enveloppées : seule la clé affichée ouvre désormais le trousseau.", err=True
    )


def _rotation_par_fichier(reglages: ReglagesService) -> None:
    # Ordre sûr : la nouvelle clé est écrite à côté avant de ré-envelopper, puis remplace l'ancienne.
    # Une interruption laisse toujours une clé qui ouvre le trousseau.
    fichier = reglages.chemin_cle_maitresse()
    nouvelle_chemin = _fichier_nouvelle(reglages)
    dossier = reglages.chemin_trousseau()
    if nouvelle_chemin.exists():
        try:
            Trousseau(dossier, lire_cle_maitresse(nouvelle_chemin))
        except TrousseauInvalide:
            # La nouvelle clé n'est effacée que si l'ancienne ouvre bien ce trousseau : sinon (mauvais
            # CELLULE_TROUSSEAU, trousseau illisible) elle est peut-être la seule qui l'ouvre encore.
            Trousseau(dossier, lire_cle_maitresse(fichier))
            nouvelle_chemin.unlink()
        else:
            os.replace(nouvelle_chemin, fichier)
            typer.echo(f"Rotation interrompue terminée : {fichier} contient la nouvelle clé maîtresse.")
            return
    ancien = Trousseau(dossier, lire_cle_maitresse(fichier))
    creer_fichier_cle_maitresse(nouvelle_chemin)
    ancien.rotation(lire_cle_maitresse(nouvelle_chemin))
    os.replace(nouvelle_chemin, fichier)
    typer.echo(f"Clé maîtresse remplacée dans {fichier} ; clés de cohorte ré-enveloppées.")
    typer.echo("Redémarrez le service ; détruisez les copies de l'ancienne clé.")


def enregistrer(app: typer.Typer) -> None:
    groupe = typer.Typer(
        name="cles", help="Trousseau de clés : initialisation, état, rotation.", no_args_is_help=True
    )
    groupe.command("init")(init)
    groupe.command("etat")(etat)
    groupe.command("rotation")(rotation)
    app.add_typer(groupe)
