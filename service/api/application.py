"""L'application FastAPI : routeurs, erreurs en français, audit des refus."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from audit.evenement import IDENTIFIANT
from chiffrement.archives import MIO
from service.acteur import ANONYME, Acteur
from service.api import (
    documentation,
    routes_audit,
    routes_campagnes,
    routes_cas,
    routes_comptes,
    routes_indicateurs,
    routes_referentiel,
)
from service.api.textes import TexteRefuse, verifier
from service.autorisation import RefusAutorisation
from service.base.connexion import bdd_du_service, session_base
from service.base.migrations import migrer
from service.comptes.limiteur import Limiteur
from service.journal_audit import Aboutissement, Action, auditer, requete_courante
from service.parametres import parametres
from service.web import installer as installer_les_pages
from service.web.erreurs import est_une_page, page_erreur
from service.web.visiteur import ConnexionRequise, MotDePasseInitial

journal = structlog.get_logger("service.api")

# Les réponses de l'API ne sont ni des pages à encadrer ni des documents à exécuter ; seule la page
# de documentation (/docs, hors production) pose sa propre politique de contenu.
ENTETES_SECURITE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
POLITIQUE_CONTENU = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Place laissée, au-delà de l'archive, au mot de passe, à la convention et à l'enveloppe multipart.
MARGE_CORPS = MIO
# Tout autre corps (JSON, TOML d'une convention) est petit.
CORPS_MAX = MIO
# Le dépôt par l'API et par la page de la campagne.
ROUTE_DEPOT = re.compile(r"(/api/v1)?/campagnes/[^/]+/sources")

MESSAGES_HTTP = {
    404: "Ressource introuvable.",
    405: "Méthode non permise sur cette adresse.",
}


def _erreurs_validation(erreur: RequestValidationError) -> str:
    champs = []
    precisions = []
    for detail in erreur.errors():
        lieu = [str(x) for x in detail.get("loc", ()) if x not in ("body", "query", "path", "form")]
        champ = "« " + ".".join(lieu) + " »" if lieu else "le corps de la requête"
        champs.append(champ)
        contexte = detail.get("ctx") or {}
        # Seuls nos messages et les valeurs permises sont repris : jamais la valeur reçue.
        if isinstance(contexte.get("error"), TexteRefuse):
            precisions.append(str(contexte["error"]))
        elif "expected" in contexte:
            # Pydantic écrit la liste en anglais (« 'a', 'b' or 'c' ») : la conjonction est traduite.
            attendu = str(contexte["expected"]).replace("' or '", "' ou '")
            precisions.append(f"{champ} attend {attendu}.")
        elif "le" in contexte:
            precisions.append(f"{champ} vaut au plus {contexte['le']}.")
    return " ".join(
        ["Requête invalide : vérifiez " + ", ".join(dict.fromkeys(champs)) + ".", *dict.fromkeys(precisions)]
    )


def _route(requete: Request) -> str | None:
    """Le modèle de l'adresse dans son routeur (« /cas/{cas_id} ») : l'adresse reçue porte n'importe
    quel texte, une identité comprise."""
    route = requete.scope.get("route")
    return getattr(route, "path", None)


def _adresse_refusee(requete: Request) -> JSONResponse | None:
    """Refuse une adresse dont le chemin ou un paramètre porte un caractère de contrôle ou invisible."""
    try:
        verifier(requete.url.path, "adresse")
        for cle, valeur in requete.query_params.multi_items():
            verifier(cle, "adresse")
            verifier(valeur, cle)
    except TexteRefuse as erreur:
        return JSONResponse({"detail": f"Requête invalide : {erreur}"}, status_code=422)
    return None


def _corps_refuse(requete: Request, archive_max: int) -> JSONResponse | None:
    """Refuse, avant d'en lire un octet, un corps plus gros que ce que la route peut recevoir.

    Sans cette borne, le serveur écrirait sur disque un téléversement de taille quelconque, ou
    lirait en mémoire un JSON géant, avant que la route ne puisse le refuser. Seul le dépôt d'une
    source reçoit une archive ; tout le reste tient dans ``CORPS_MAX``. Un corps sans longueur
    annoncée (envoi par morceaux) est refusé.
    """
    longueur = requete.headers.get("content-length")
    if longueur is None:
        if "chunked" in requete.headers.get("transfer-encoding", "").lower():
            return JSONResponse(
                {"detail": "Envoi sans longueur annoncée refusé : indiquez l'en-tête Content-Length."},
                status_code=411,
            )
        return None
    if not longueur.isdigit():
        return JSONResponse({"detail": "En-tête Content-Length invalide."}, status_code=400)
    if ROUTE_DEPOT.fullmatch(requete.url.path):
        if int(longueur) > archive_max + MARGE_CORPS:
            return JSONResponse(
                {
                    "detail": f"Envoi trop gros ({int(longueur) // MIO} Mio) : une archive déposée ne "
                    f"dépasse pas {archive_max // MIO} Mio (CELLULE_ARCHIVE_TAILLE_MAX_MIO)."
                },
                status_code=413,
            )
    elif int(longueur) > CORPS_MAX:
        return JSONResponse(
            {"detail": f"Envoi trop gros : {CORPS_MAX // MIO} Mio au plus hors dépôt d'archive."},
            status_code=413,
        )
    return None


def creer_application(bdd: sa.Engine | None = None) -> FastAPI:
    """L'application, sur la base donnée (par défaut celle de ``CELLULE_BASE``), migrée au démarrage."""
    bdd = bdd if bdd is not None else bdd_du_service()
    migrer(bdd)
    reglages = parametres()
    production = reglages.environnement == "production"
    application = FastAPI(
        title="cellule",
        summary="API du service de prévention de l'évitement scolaire",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None if production else documentation.SCHEMA,
    )
    application.state.bdd = bdd
    application.state.limiteur = Limiteur(reglages.connexions_par_minute)
    archive_max = reglages.limites_archive().taille_archive_max

    @application.middleware("http")
    async def _identifiant_requete(
        requete: Request, suite: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        identifiant = uuid.uuid4().hex
        refus = _corps_refuse(requete, archive_max) or _adresse_refusee(requete)
        jeton = requete_courante.set(identifiant)
        try:
            reponse = refus if refus is not None else await suite(requete)
            if refus is not None and est_une_page(requete):
                reponse = page_erreur(requete, refus.status_code, json.loads(bytes(refus.body))["detail"])
        except Exception:
            # Rattrapée ici plutôt que par le serveur, qui écrirait la trace complète (message et
            # valeurs compris) : le journal n'en garde que le type et les lieux.
            journal.exception("erreur interne", route=_route(requete), methode=requete.method)
            if est_une_page(requete):
                reponse = page_erreur(requete, 500, identifiant_requete=identifiant)
            else:
                reponse = JSONResponse(
                    {
                        "detail": "Erreur interne du service. Réessayez ; si elle revient, transmettez à "
                        f"l'administrateur l'identifiant de requête {identifiant}."
                    },
                    status_code=500,
                )
        finally:
            requete_courante.reset(jeton)
        reponse.headers["X-Requete"] = identifiant
        reponse.headers.update(ENTETES_SECURITE)
        if requete.url.path.startswith("/statique/"):
            # Les fichiers statiques (DSFR, feuilles de style) ne portent aucune donnée : gardés une heure.
            reponse.headers["Cache-Control"] = "public, max-age=3600"
        reponse.headers.setdefault("Content-Security-Policy", POLITIQUE_CONTENU)
        if reglages.cookie_securise:
            # Un an, sous-domaines compris : aucun sous-domaine ne peut servir en clair un cookie du service.
            reponse.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return reponse

    @application.exception_handler(ConnexionRequise)
    def _connexion_requise(_requete: Request, erreur: ConnexionRequise) -> RedirectResponse:
        return RedirectResponse(erreur.suite, status_code=303)

    @application.exception_handler(MotDePasseInitial)
    def _mot_de_passe_initial(_requete: Request, _erreur: MotDePasseInitial) -> RedirectResponse:
        return RedirectResponse("/compte?initial=1", status_code=303)

    @application.exception_handler(RefusAutorisation)
    def _refus(requete: Request, erreur: RefusAutorisation) -> Response:
        acteur: Acteur = getattr(requete.state, "acteur", ANONYME)
        cible = erreur.cible if erreur.cible and IDENTIFIANT.fullmatch(erreur.cible[1]) else None
        # Transaction à part : celle de l'action refusée a été annulée, le refus reste écrit.
        with session_base(bdd) as session:
            auditer(
                session,
                acteur,
                Action.AUTORISATION_REFUSEE,
                cible=cible,
                resultat=Aboutissement.REFUS,
                details={"operation": erreur.action, "methode": requete.method, "route": _route(requete)},
            )
        journal.info("autorisation refusée", operation=erreur.action, utilisateur=acteur.id)
        if est_une_page(requete):
            return page_erreur(requete, 403, erreur.message)
        return JSONResponse({"detail": erreur.message}, status_code=403)

    @application.exception_handler(RequestValidationError)
    def _validation(requete: Request, erreur: RequestValidationError) -> Response:
        if est_une_page(requete):
            return page_erreur(requete, 422, _erreurs_validation(erreur))
        return JSONResponse({"detail": _erreurs_validation(erreur)}, status_code=422)

    @application.exception_handler(StarletteHTTPException)
    def _http(requete: Request, erreur: StarletteHTTPException) -> Response:
        if est_une_page(requete):
            message = None if erreur.detail in {"Not Found", "Method Not Allowed"} else str(erreur.detail)
            return page_erreur(requete, erreur.status_code, message, entetes=erreur.headers)
        detail = erreur.detail
        if erreur.status_code in MESSAGES_HTTP and detail in {"Not Found", "Method Not Allowed"}:
            detail = MESSAGES_HTTP[erreur.status_code]
        return JSONResponse({"detail": detail}, status_code=erreur.status_code, headers=erreur.headers)

    @application.get("/sante", tags=["service"], summary="Le service et sa base répondent")
    def sante() -> JSONResponse:
        try:
            with bdd.connect() as connexion:
                connexion.execute(sa.text("select 1"))
        except sa.exc.SQLAlchemyError:
            return JSONResponse({"etat": "base injoignable"}, status_code=503)
        return JSONResponse({"etat": "ok"})

    for module in (
        routes_comptes,
        routes_referentiel,
        routes_campagnes,
        routes_cas,
        routes_audit,
        routes_indicateurs,
    ):
        application.include_router(module.routeur, prefix="/api/v1")
    installer_les_pages(application)
    if not production:
        documentation.installer(application)
    if reglages.proxies:
        # Ajouté en dernier, donc exécuté en premier : tout le reste voit l'adresse du client. Seuls
        # les mandataires listés sont crus, et l'adresse retenue est la plus à droite qui n'en est pas un.
        application.add_middleware(ProxyHeadersMiddleware, trusted_hosts=reglages.proxies)
    return application
