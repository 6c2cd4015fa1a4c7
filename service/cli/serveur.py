"""``cellule serveur [--demo]`` : l'application web avec ses travailleurs intégrés et la purge quotidienne."""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated

import structlog
import typer
import uvicorn
from starlette.types import ASGIApp

from chiffrement import ErreurChiffrement, Trousseau
from service.api.application import creer_application
from service.campagnes.boucle import demarrer
from service.cli.commun import echouer, preparer_base
from service.demo import DemoIncomplete, preparer_demo
from service.indicateurs.production import exporter_mois_precedent
from service.parametres import parametres
from service.retention import purger

journal = structlog.get_logger("service.serveur")

PERIODE_PURGE_SECONDES = 24 * 3600


def _taches_quotidiennes(arret: threading.Event) -> None:
    """La rétention et l'export mensuel des indicateurs, au démarrage puis chaque jour."""
    reglages = parametres()
    bdd = preparer_base()
    # Seul le type d'une erreur est journalisé : son message peut citer des données (paramètres SQL).
    while True:
        try:
            for fichier in exporter_mois_precedent(bdd, reglages.donnees / "exports", date.today()):
                journal.info("export mensuel des indicateurs", fichier=fichier.name)
        except Exception as erreur:
            journal.error("export mensuel impossible", erreur=type(erreur).__name__)
        try:
            bilan = purger(bdd, reglages)
            journal.info(
                "purge quotidienne",
                cas_effaces=bilan.cas_effaces_cohorte + bilan.cas_clos_effaces,
                cohortes=bilan.cohortes_detruites,
                segments_audit=bilan.segments_audit,
            )
        except Exception as erreur:
            journal.error("purge quotidienne impossible", erreur=type(erreur).__name__)
        if arret.wait(PERIODE_PURGE_SECONDES):
            return


def configuration_uvicorn(application: ASGIApp, hote: str, port: int) -> uvicorn.Config:
    """Le serveur HTTP, sans lecture des en-têtes de mandataire.

    Par défaut, uvicorn croit X-Forwarded-For venu de 127.0.0.1 : n'importe quel client local (ou un
    mandataire qui recopie l'en-tête reçu) changerait alors d'adresse à chaque essai et passerait
    sous le limiteur de connexions. L'application ne croit que les mandataires de CELLULE_PROXIES.
    """
    return uvicorn.Config(application, host=hote, port=port, log_level="warning", proxy_headers=False)


def serveur(
    demo: Annotated[
        bool, typer.Option("--demo", help="Prépare (ou réutilise) une démonstration fictive.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Port d'écoute.")] = 8000,
    hote: Annotated[str, typer.Option("--hote", help="Adresse d'écoute.")] = "127.0.0.1",
    travailleurs: Annotated[
        int | None,
        typer.Option("--travailleurs", help="Travailleurs intégrés (défaut : CELLULE_TRAVAILLEURS)."),
    ] = None,
) -> None:
    """Sert les pages web et l'API (documentation sur /docs) avec ses travailleurs intégrés."""
    reglages = parametres()
    bdd = preparer_base()
    if demo:
        try:
            dossier = preparer_demo(bdd, reglages)
        except (DemoIncomplete, ErreurChiffrement) as erreur:
            echouer(str(erreur))
        typer.echo("Démonstration prête (identités entièrement fictives).")
        typer.echo(f"  Comptes (identifiant, mot de passe, secret TOTP) : {dossier / 'comptes.json'}")
        typer.echo(f"  Sources à déposer (archives et mots de passe)   : {dossier / 'sources.json'}")
    elif not Trousseau.existe(reglages.chemin_trousseau()):
        echouer("Aucun trousseau de clés : lancez d'abord « cellule cles init » (voir docs/exploitation.md).")
    application = creer_application(bdd)
    nombre = reglages.travailleurs if travailleurs is None else travailleurs
    arret, fils = demarrer(bdd, reglages, nombre)
    purge = threading.Thread(target=_taches_quotidiennes, args=(arret,), name="quotidien", daemon=True)
    purge.start()
    typer.echo(
        f"Service sur http://{hote}:{port} (pages : /, API : /api/v1, documentation : /docs) ; "
        f"{nombre} travailleur(s)."
    )
    try:
        uvicorn.Server(configuration_uvicorn(application, hote, port)).run()
    finally:
        arret.set()
        for fil in fils:
            fil.join(timeout=5)


def enregistrer(app: typer.Typer) -> None:
    app.command("serveur")(serveur)
