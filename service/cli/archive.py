"""``cellule archive verifier`` : vérifier qu'une archive reçue s'ouvre, avant de la déposer.

Le mot de passe est lu sur l'entrée standard (une ligne), jamais sur la ligne de commande où il
resterait dans l'historique. Codes de sortie : 0 lisible, 3 mot de passe faux ou archive abîmée,
4 archive refusée, 2 usage.

L'archive est ouverte dans un processus enfant : si un décodeur en C plante sur une archive abîmée
(cela arrive à PPMd), la commande répond « archive corrompue » au lieu de mourir avec lui.
"""

from __future__ import annotations

import faulthandler
import getpass
import json
import multiprocessing
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Annotated, cast

import typer

from chiffrement import MESSAGE_ILLISIBLE, ArchiveIllisible, ArchiveRefusee, Limites, ouvrir_archive
from service.parametres import parametres

CODE_ILLISIBLE = 3
CODE_REFUSEE = 4
CODE_USAGE = 2


def _lire_mot_de_passe() -> str | None:
    if sys.stdin is None:  # entrée standard fermée par l'appelant (« <&- ») : aucun mot de passe
        return None
    if sys.stdin.isatty():
        saisi = getpass.getpass("Mot de passe de l'archive : ")
    else:
        saisi = sys.stdin.readline().rstrip("\r\n")
    return saisi or None


def _ouvrir_dans_l_enfant(
    octets: bytes, mot_de_passe: str | None, limites: Limites, noms_en_clair: bool, sortie: Connection
) -> None:
    # Un décodeur qui plante ici est attendu (archive abîmée) : pas de vidage de pile sur la console.
    faulthandler.disable()
    try:
        fichiers = ouvrir_archive(octets, mot_de_passe, limites, noms_en_clair_autorises=noms_en_clair)
    except ArchiveIllisible as erreur:
        sortie.send(("illisible", erreur.message))
    except ArchiveRefusee as erreur:
        sortie.send(("refusee", erreur.message))
    else:
        sortie.send(("lisible", [(f.nom, len(f.octets)) for f in fichiers]))


def _ouvrir_a_part(
    octets: bytes, mot_de_passe: str | None, limites: Limites, noms_en_clair: bool
) -> tuple[str, object]:
    """Rend (« lisible », [(nom, taille)…]) ou (« illisible » | « refusee », message)."""
    contexte = multiprocessing.get_context("fork")
    lecture, ecriture = contexte.Pipe(duplex=False)
    enfant = contexte.Process(
        target=_ouvrir_dans_l_enfant, args=(octets, mot_de_passe, limites, noms_en_clair, ecriture)
    )
    enfant.start()
    ecriture.close()
    try:
        resultat: tuple[str, object] = lecture.recv()
    except EOFError:
        resultat = ("illisible", MESSAGE_ILLISIBLE)
    enfant.join()
    return resultat


def _echec(code: int, statut: str, message: str, en_json: bool) -> typer.Exit:
    if en_json:
        typer.echo(json.dumps({"statut": statut, "message": message}, ensure_ascii=False))
    else:
        typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(code)


def verifier(
    archive: Annotated[Path, typer.Argument(help="L'archive 7z reçue du partenaire.")],
    en_json: Annotated[bool, typer.Option("--json", help="Réponse en JSON sur la sortie standard.")] = False,
    noms_en_clair: Annotated[
        bool,
        typer.Option(
            "--noms-en-clair",
            help="Accepte des noms de fichiers lisibles sans mot de passe (archive faite sans -mhe=on), "
            "quand la convention le permet (noms_de_fichiers_en_clair_autorises).",
        ),
    ] = False,
) -> None:
    """Vérifie qu'une archive 7z chiffrée s'ouvre avec son mot de passe (lu sur l'entrée standard)
    et liste ses fichiers. Rien n'est écrit sur disque."""
    try:
        octets = archive.read_bytes()
    except OSError:
        typer.echo(f"Erreur : impossible de lire « {archive} » : vérifiez le chemin du fichier.", err=True)
        raise typer.Exit(CODE_USAGE) from None
    mot_de_passe = _lire_mot_de_passe()
    statut, contenu = _ouvrir_a_part(octets, mot_de_passe, parametres().limites_archive(), noms_en_clair)
    if statut == "illisible":
        raise _echec(CODE_ILLISIBLE, statut, str(contenu), en_json)
    if statut == "refusee":
        raise _echec(CODE_REFUSEE, statut, str(contenu), en_json)
    fichiers = cast(list[tuple[str, int]], contenu)
    if en_json:
        entrees = [{"nom": nom, "taille": taille} for nom, taille in fichiers]
        typer.echo(json.dumps({"statut": "lisible", "fichiers": entrees}, ensure_ascii=False))
        return
    typer.echo(f"Archive lisible : {len(fichiers)} fichier(s).")
    for nom, taille in fichiers:
        typer.echo(f"  {nom}\t{taille} octets")


def enregistrer(app: typer.Typer) -> None:
    groupe = typer.Typer(
        name="archive", help="Archives 7z chiffrées reçues des partenaires.", no_args_is_help=True
    )
    groupe.command("verifier")(verifier)
    app.add_typer(groupe)
