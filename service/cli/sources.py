"""Sous-commandes ``cellule fichier verifier`` et ``cellule conventions verifier``.

Elles servent aux agents à vérifier un fichier ou une convention avant de les déposer.
La commande lit le fichier et passe ses octets au lecteur : le lecteur n'ouvre jamais de chemin.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from conventions import (
    PROFILS_INTEGRES,
    Convention,
    ConventionInvalide,
    Profil,
    Rapport,
    charger_convention,
    lire,
    profil_integre,
)

_ERREURS_AFFICHEES = 20

fichier_app = typer.Typer(help="Vérifier un fichier de source avant de le déposer.", no_args_is_help=True)
conventions_app = typer.Typer(help="Vérifier une convention de partage de données.", no_args_is_help=True)


def _usage(message: str) -> typer.Exit:
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(code=2)


def _lire_octets(chemin: Path) -> bytes:
    try:
        return chemin.read_bytes()
    except FileNotFoundError:
        raise _usage(f"le fichier « {chemin} » n'existe pas.") from None
    except IsADirectoryError:
        raise _usage(f"« {chemin} » est un dossier, pas un fichier.") from None
    except PermissionError:
        raise _usage(f"le fichier « {chemin} » ne peut pas être lu (droits insuffisants).") from None
    except OSError as erreur:
        raise _usage(f"le fichier « {chemin} » ne peut pas être lu ({erreur.strerror}).") from None


def _lire_texte(chemin: Path) -> str:
    try:
        return _lire_octets(chemin).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _usage(f"la convention « {chemin} » doit être un fichier texte en UTF-8.") from None


def _source(profil: str | None) -> Profil | Convention:
    if profil is None:
        raise _usage(
            f"l'option --profil est obligatoire : un profil intégré ({', '.join(PROFILS_INTEGRES)}) "
            "ou le chemin d'une convention .toml."
        )
    if profil in PROFILS_INTEGRES:
        return profil_integre(profil)
    chemin = Path(profil)
    try:
        est_un_fichier = chemin.is_file()
    except OSError:
        est_un_fichier = False
    if not est_un_fichier:
        raise _usage(
            f"« {profil} » n'est ni un profil intégré ni un fichier de convention. "
            f"Profils intégrés : {', '.join(PROFILS_INTEGRES)} ; ou donnez le chemin d'une convention .toml."
        )
    try:
        return charger_convention(_lire_texte(chemin))
    except ConventionInvalide as erreur:
        raise _usage(f"la convention « {chemin} » est invalide.\n{erreur}") from None


def _resume(rapport: Rapport) -> str:
    lignes = [
        "Fichier ACCEPTÉ." if rapport.accepte else "Fichier REFUSÉ.",
        f"Lignes lues : {rapport.lignes} — valides : {rapport.valides}"
        + (f" (dont {rapport.incompletes} incomplètes, gardées)" if rapport.incompletes else "")
        + f" — rejetées : {rapport.rejetees}"
        + (f" (dont {rapport.doublons} doublons)" if rapport.doublons else "")
        + (f" — élèves sortis, non lus : {rapport.sortis}" if rapport.sortis else ""),
    ]
    if rapport.refus:
        lignes.append(f"Motif du refus : {rapport.refus}")
    if rapport.colonnes_non_lues:
        lignes.append(f"Colonnes connues, jamais lues : {', '.join(rapport.colonnes_non_lues)}.")
    if rapport.colonnes_inconnues:
        lignes.append(
            f"Colonnes inconnues, ignorées sans être lues : {', '.join(rapport.colonnes_inconnues)}. "
            "Si l'export officiel a changé, signalez-les à l'équipe de cellule pour compléter le profil."
        )
    if rapport.erreurs:
        lignes.append("Lignes rejetées, puis lignes gardées incomplètes (numéro, colonne, motif) :")
        lignes += [
            f"  ligne {erreur.ligne} — {erreur.champ} : {erreur.motif}"
            + (f" — {erreur.a_demander}" if erreur.a_demander else "")
            for erreur in rapport.erreurs[:_ERREURS_AFFICHEES]
        ]
        reste = len(rapport.erreurs) - _ERREURS_AFFICHEES + rapport.erreurs_omises
        if reste > 0:
            lignes.append(f"  … et {reste} autres (option --json pour la liste).")
    return "\n".join(lignes)


@fichier_app.command("verifier")
def verifier_fichier(
    fichier: Annotated[Path, typer.Argument(help="Le fichier à vérifier (CSV ou XML SIECLE).")],
    profil: Annotated[
        str | None,
        typer.Option(
            "--profil",
            help=f"Profil intégré ({', '.join(PROFILS_INTEGRES)}) ou chemin d'une convention .toml.",
            show_default=False,
        ),
    ] = None,
    en_json: Annotated[bool, typer.Option("--json", help="Affiche le rapport en un objet JSON.")] = False,
    commune: Annotated[
        str | None,
        typer.Option("--commune", help="Code INSEE de la commune : vérifie qu'une convention la couvre."),
    ] = None,
    jour: Annotated[
        datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d", "%d/%m/%Y"],
            help="Date du dépôt (AAAA-MM-JJ ou JJ/MM/AAAA), aujourd'hui par défaut.",
        ),
    ] = None,
) -> None:
    """Lit le fichier comme le fera le service, et dit s'il sera accepté (sortie 0) ou refusé (1)."""
    source = _source(profil)
    if commune is not None and not isinstance(source, Convention):
        # Seule une convention dit quelles communes elle couvre : ne pas laisser croire à un contrôle.
        raise _usage(
            "--commune ne se vérifie qu'avec une convention : donnez à --profil le chemin de la "
            "convention .toml sous laquelle le fichier sera déposé."
        )
    aujourd_hui = jour.date() if jour else date.today()
    lecture = lire(_lire_octets(fichier), source, aujourd_hui=aujourd_hui, commune=commune)
    if en_json:
        typer.echo(json.dumps(lecture.rapport.model_dump(mode="json"), ensure_ascii=False))
    else:
        typer.echo(_resume(lecture.rapport))
    raise typer.Exit(code=0 if lecture.accepte else 1)


@conventions_app.command("verifier")
def verifier_convention(
    fichier: Annotated[Path, typer.Argument(help="Le fichier de convention (.toml).")],
) -> None:
    """Valide une convention et affiche ce qu'elle autorise (sortie 0 si valide, 1 sinon)."""
    try:
        convention = charger_convention(_lire_texte(fichier))
    except ConventionInvalide as erreur:
        typer.echo(str(erreur), err=True)
        raise typer.Exit(code=1) from None
    profil = convention.profil
    typer.echo(
        "\n".join(
            [
                f"Convention « {convention.identifiant} » valide : {convention.titre}",
                f"Partenaire : {convention.partenaire} — source : {convention.source}",
                f"Communes couvertes : {', '.join(convention.communes)}",
                f"Signée le {convention.date_signature:%d/%m/%Y}, valable du "
                f"{convention.debut:%d/%m/%Y} au {convention.fin:%d/%m/%Y}",
                f"Signataires : {'; '.join(convention.signataires)}",
                f"Finalité : {convention.finalite}",
                f"Conservation : {convention.conservation}",
                f"Champs autorisés : {', '.join(convention.champs_autorises)}",
                f"Profil de fichier : {profil.nom} ({profil.format}, table {profil.table})",
                "Archive non chiffrée : "
                + ("acceptée" if convention.archive_non_chiffree_autorisee else "refusée"),
            ]
        )
    )


def enregistrer(app: typer.Typer) -> None:
    """Ajoute les groupes ``fichier`` et ``conventions`` à la commande ``cellule``."""
    app.add_typer(fichier_app, name="fichier")
    app.add_typer(conventions_app, name="conventions")
