"""La documentation interactive de l'API (Swagger UI), servie hors production et sans réseau.

Les fichiers de Swagger UI viennent du paquet ``fastapi-offline`` (installé depuis PyPI) : rien
n'est chargé d'un CDN, la page marche sur un réseau fermé. Une politique de contenu stricte
n'autorise que ces fichiers-là et le seul script en ligne de FastAPI, désigné par son empreinte.
En production, ni ``/docs`` ni ``/openapi.json`` n'existent (404) : la carte de l'API n'est pas
offerte à qui n'a pas de compte.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PAGE = "/docs"
SCHEMA = "/openapi.json"
FICHIERS = "/docs/fichiers"
# Le badge du validateur de Swagger UI appellerait validator.swagger.io : coupé.
PARAMETRES_SWAGGER = {"validatorUrl": None, "deepLinking": True}
_SCRIPT_EN_LIGNE = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def dossier_fichiers() -> Path:
    """Le dossier des fichiers de Swagger UI livrés par ``fastapi-offline``."""
    return Path(str(files("fastapi_offline") / "static"))


def politique_contenu(html: str) -> str:
    """La politique de contenu de la page : même origine seulement, le script en ligne par empreinte.

    Les images ``data:`` sont les icônes SVG de la feuille de style de Swagger UI.
    """
    empreintes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _SCRIPT_EN_LIGNE.findall(html)
    )
    return (
        "default-src 'none'; "
        f"script-src 'self' {empreintes}; "
        "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def installer(application: FastAPI) -> None:
    """Ajoute ``/docs`` et ses fichiers à ``application`` (dont le schéma est servi sur ``SCHEMA``)."""
    application.mount(FICHIERS, StaticFiles(directory=dossier_fichiers()), name="documentation")
    reponse = get_swagger_ui_html(
        openapi_url=SCHEMA,
        title=f"{application.title} — documentation de l'API",
        swagger_js_url=f"{FICHIERS}/swagger-ui-bundle.js",
        swagger_css_url=f"{FICHIERS}/swagger-ui.css",
        swagger_favicon_url=f"{FICHIERS}/favicon.png",
        swagger_ui_parameters=PARAMETRES_SWAGGER,
    )
    html = bytes(reponse.body).decode()
    politique = politique_contenu(html)

    @application.get(PAGE, include_in_schema=False)
    def documentation() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": politique})
