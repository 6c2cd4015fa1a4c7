"""Les pages web du service : rendues sur le serveur (Jinja2 et DSFR), utilisables sans JavaScript.

``installer`` monte les routeurs des pages et les fichiers statiques sur l'application ; la façon
d'écrire une page est décrite dans ``docs/architecture.md`` (section « Pages web »).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIQUE = Path(__file__).resolve().parent / "statique"


def installer(application: FastAPI) -> None:
    """Monte les pages (``/``, ``/connexion``, ``/compte``…) et ``/statique``."""
    from service.web import (
        routes_accueil,
        routes_admin,
        routes_admin_comptes,
        routes_audit,
        routes_campagnes,
        routes_cas,
        routes_compte,
        routes_connexion,
        routes_droit_acces,
        routes_fiche,
        routes_indicateurs,
        routes_informations,
        routes_proconnect,
        routes_referent,
    )

    for module in (routes_connexion, routes_proconnect, routes_accueil, routes_compte, routes_informations):
        application.include_router(module.routeur)
    for module in (
        routes_admin_comptes,
        routes_admin,
        routes_referent,
        routes_indicateurs,
        routes_audit,
        routes_droit_acces,
        routes_campagnes,
        routes_cas,
        # La fiche (/cas/{id}) en dernier : ses adresses ne masquent pas d'autres pages sous /cas/.
        routes_fiche,
    ):
        application.include_router(module.routeur)
    application.mount("/statique", StaticFiles(directory=STATIQUE), name="statique")
