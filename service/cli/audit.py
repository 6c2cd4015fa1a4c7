"""``cellule audit`` : vérifier le journal d'audit, exporter un point de contrôle signé."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import sqlalchemy as sa
import typer
from sqlalchemy.engine import make_url

import audit
from service.parametres import parametres

commandes = typer.Typer(
    name="audit",
    help="Journal d'audit : vérifier son intégrité, exporter un point de contrôle signé pour le DPO.",
    no_args_is_help=True,
)

CODE_ALTERE = 1
CODE_IMPOSSIBLE = 2


def ouvrir_bdd() -> sa.Engine:
    """La connexion à la base ``CELLULE_BASE`` (remplaçable par la fabrique commune du service)."""
    try:
        url = make_url(parametres().base)
        if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
            _echouer(f"La base {url.database} n'existe pas : vérifiez CELLULE_BASE ou CELLULE_DONNEES.")
        return sa.create_engine(url)
    except sa.exc.SQLAlchemyError as erreur:
        _base_inaccessible(erreur)


def _base_inaccessible(erreur: sa.exc.SQLAlchemyError) -> NoReturn:
    # Ni l'URL (mot de passe) ni le texte du pilote : le type d'erreur suffit à orienter.
    _echouer(
        f"La base du service est injoignable ou illisible ({type(erreur).__name__}) : vérifiez "
        "CELLULE_BASE, que le serveur de base de données tourne, et qu'il s'agit bien de la base de cellule."
    )


def _echouer(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(CODE_IMPOSSIBLE)


def _controler_installation(connexion: sa.Connection) -> None:
    if not audit.est_installe(connexion):
        _echouer(
            "Cette base ne contient pas de journal d'audit : lancez d'abord les migrations "
            "(« cellule base migrer ») ou vérifiez CELLULE_BASE."
        )


@commandes.command("verifier")
def verifier(
    point_de_controle: Annotated[
        Path | None,
        typer.Option(
            "--point-de-controle",
            help="Point de contrôle gardé hors du système (fichier exporté par « point-de-controle »).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Recalcule tout le journal. Code 0 : intact ; 1 : altéré (première entrée fautive nommée)."""
    point_externe = None
    if point_de_controle is not None:
        try:
            point_externe = audit.PointDeControle.depuis_json(point_de_controle.read_text(encoding="utf-8"))
        except OSError:
            _echouer(f"Impossible de lire {point_de_controle} : vérifiez le chemin.")
        except (audit.PointDeControleIllisible, UnicodeDecodeError) as erreur:
            _echouer(f"{point_de_controle} : {erreur}")
    chemin_cle = parametres().chemin_cle_audit()
    bdd = ouvrir_bdd()
    try:
        with bdd.connect() as connexion:
            _controler_installation(connexion)
            if point_externe is not None:
                # Le fichier du DPO fait foi : sa clé est la seule de confiance.
                cles = {point_externe.cle_publique}
            elif chemin_cle.exists():
                cles = {audit.Signataire.charger(chemin_cle).cle_publique}
            else:
                cles = set()
            rapport = audit.verifier(connexion, cles=cles, point_externe=point_externe)
    except audit.ErreurAudit as erreur:
        _echouer(str(erreur))
    except sa.exc.SQLAlchemyError as erreur:
        _base_inaccessible(erreur)
    finally:
        bdd.dispose()
    typer.echo(rapport.resume())
    if not rapport.intact:
        raise typer.Exit(CODE_ALTERE)


@commandes.command("point-de-controle")
def point_de_controle(
    sortie: Annotated[
        Path, typer.Option("--sortie", help="Fichier où écrire le point de contrôle.", dir_okay=False)
    ],
) -> None:
    """Signe un point de contrôle sur l'état actuel du journal et l'exporte (copie à garder par le DPO)."""
    if sortie.exists():
        _echouer(f"{sortie} existe déjà : choisissez un autre nom de fichier.")
    bdd = ouvrir_bdd()
    try:
        signataire = audit.Signataire.charger(parametres().chemin_cle_audit(), creer=True)
        with bdd.begin() as connexion:
            _controler_installation(connexion)
            point = audit.signer_point_de_controle(connexion, signataire)
    except audit.ErreurAudit as erreur:
        _echouer(str(erreur))
    except sa.exc.SQLAlchemyError as erreur:
        _base_inaccessible(erreur)
    finally:
        bdd.dispose()
    try:
        sortie.write_text(point.vers_json(), encoding="utf-8")
    except OSError as erreur:
        _echouer(f"Impossible d'écrire {sortie} : {erreur.strerror}.")
    typer.echo(
        f"Point de contrôle écrit dans {sortie} : {point.taille} entrées, tête {point.tete[:16]}…, "
        f"signé le {point.heure}.\nGardez ce fichier hors du système (clé publique {point.cle_publique})."
    )


def enregistrer(app: typer.Typer) -> None:
    """Ajoute ``cellule audit`` à la commande."""
    app.add_typer(commandes, name="audit")
