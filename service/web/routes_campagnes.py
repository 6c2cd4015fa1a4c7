"""Les pages des campagnes : la liste, puis chaque campagne comme un indicateur d'étapes.

1. ouvrir (``/campagnes/nouvelle``) ; 2. déposer les fichiers (``/campagnes/{id}``, tant que la
campagne se modifie) ; 3. vérifier avant de lancer (``/campagnes/{id}/verification``) ; 4. lancer et
suivre la progression (``/campagnes/{id}``, rechargée ou interrogée par un petit script) ;
5. résultats (``/campagnes/{id}`` une fois terminée). Chaque action appelle ``campagnes/ouverture``
avec l'acteur de la session : mêmes refus, même journal que l'API.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from chiffrement.archives import MIO
from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.autorisation import exiger_role
from service.base.connexion import session_base
from service.campagnes import ouverture, verification
from service.comptes.roles import Role
from service.modeles import Campagne
from service.parametres import parametres
from service.referentiel import CODE_INSEE
from service.web import campagnes as vue
from service.web.depot import recevoir_depot
from service.web.erreurs import page_erreur
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import Visiteur, VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

Identifiant = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

CHAMPS_OUVERTURE = [
    Champ("commune", "Commune", 5, message_si_vide="Choisissez la commune de la campagne."),
    Champ("date_reference", "Date de référence", 10, message_si_vide="Saisissez la date de référence."),
    Champ("libelle", "Libellé", 200, message_si_vide="Donnez un libellé, par exemple « Rentrée 2026 »."),
]
CHAMPS_DEPOT = [
    Champ("convention", "Convention"),
    Champ("mot_de_passe", "Mot de passe de l'archive"),
    Champ("archive", "Archive 7z"),
]
CHAMPS_LANCEMENT = [Champ("confirmer_avertissements", "Lancer malgré les avertissements", 3, requis=False)]
ARIANE = [Ariane("Tableau de bord", "/"), Ariane("Campagnes", "/campagnes")]


def _exiger_agent(visiteur: Visiteur) -> Acteur:
    exiger_role(visiteur.acteur, Role.AGENT_COMMUNE, action="campagnes_lister")
    return visiteur.acteur


def _campagne(session: Session, acteur: Acteur, campagne_id: str, operation: str) -> Campagne:
    """La campagne d'une de mes communes (refus audité sinon) ; 404 si elle n'existe pas."""
    try:
        return ouverture.campagne_visible(session, acteur, campagne_id, operation=operation)
    except ouverture.CampagneIntrouvable:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Cette campagne n'existe pas.") from None


def _ariane(campagne: Campagne, *suite: Ariane) -> list[Ariane]:
    if not suite:
        return [*ARIANE, Ariane(campagne.libelle)]
    return [*ARIANE, Ariane(campagne.libelle, f"/campagnes/{campagne.id}"), *suite]


@routeur.get("/campagnes")
def campagnes(requete: Request, visiteur: VisiteurConnecte) -> Response:
    acteur = _exiger_agent(visiteur)
    with session_base(bdd_de(requete)) as session:
        liste = ouverture.lister(session, acteur)
        communes = vue.noms_des_communes(session, acteur)
    return rendre(
        requete,
        "campagnes/liste.html",
        titre="Campagnes",
        ariane=[Ariane("Tableau de bord", "/"), Ariane("Campagnes")],
        campagnes=liste,
        communes=communes,
        badges=vue.BADGES_ETATS,
    )


def _page_nouvelle(
    requete: Request,
    acteur: Acteur,
    *,
    valeurs: dict[str, str] | None = None,
    erreurs: Erreurs | None = None,
) -> Response:
    with session_base(bdd_de(requete)) as session:
        communes = vue.mes_communes(session, acteur)
    valeurs = valeurs or {}
    if not valeurs.get("commune") and len(communes) == 1:
        valeurs["commune"] = communes[0].insee
    return rendre(
        requete,
        "campagnes/nouvelle.html",
        titre="Ouvrir une campagne",
        ariane=[*ARIANE, Ariane("Ouvrir une campagne")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_OUVERTURE),
        valeurs=valeurs,
        communes=[(c.insee, f"{c.nom} ({c.insee})") for c in communes],
        etape=vue.etape(vue.OUVRIR),
    )


@routeur.get("/campagnes/nouvelle")
def nouvelle(requete: Request, visiteur: VisiteurConnecte) -> Response:
    return _page_nouvelle(requete, _exiger_agent(visiteur))


@routeur.post("/campagnes/nouvelle")
async def ouvrir(requete: Request, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    acteur = _exiger_agent(visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_OUVERTURE)
    if "commune" not in erreurs.par_champ and not CODE_INSEE.fullmatch(valeurs["commune"]):
        erreurs.ajouter("commune", "Choisissez une commune de la liste.")
    date_reference = vue.lire_date(valeurs["date_reference"])
    if "date_reference" not in erreurs.par_champ and date_reference is None:
        erreurs.ajouter("date_reference", "Date impossible : saisissez-la sous la forme JJ/MM/AAAA.")
    if not erreurs and date_reference is not None:
        with session_base(bdd_de(requete)) as session:
            try:
                campagne = ouverture.creer(
                    session,
                    acteur,
                    commune=valeurs["commune"],
                    date_reference=date_reference,
                    libelle=valeurs["libelle"],
                )
            except ouverture.CampagneInvalide as refus:
                message = str(refus)
                champ = "commune" if message.startswith("Commune") else "libelle"
                erreurs.ajouter("date_reference" if "date de référence" in message else champ, message)
            else:
                campagne_id = campagne.id
    if erreurs:
        return _page_nouvelle(requete, acteur, valeurs=valeurs, erreurs=erreurs)
    return RedirectResponse(f"/campagnes/{campagne_id}", status_code=303)


def _page_campagne(
    requete: Request,
    acteur: Acteur,
    campagne_id: str,
    *,
    erreurs: Erreurs | None = None,
    valeurs: dict[str, str] | None = None,
    message: str = "",
    statut: int = 200,
) -> Response:
    """La campagne à son étape : dépôt des fichiers, progression, ou résultats."""
    with session_base(bdd_de(requete)) as session:
        campagne = _campagne(session, acteur, campagne_id, "campagne_lire")
        sources = ouverture.sources_de(session, campagne.id)
        conventions = vue.conventions_utilisables(session, campagne.commune)
        commune = vue.noms_des_communes(session, acteur).get(campagne.commune, campagne.commune)
        titres = {c.identifiant: vue.libelle_convention(c) for c in conventions}
        numero = vue.etape_de(campagne)
    return rendre(
        requete,
        "campagnes/campagne.html",
        titre=f"Campagne « {campagne.libelle} » — {vue.ETAPES[numero - 1]}",
        ariane=_ariane(campagne),
        statut=statut,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_DEPOT),
        valeurs=valeurs or {},
        message=message,
        campagne=campagne,
        commune=commune,
        sources=sources,
        conventions=conventions,
        titres_conventions=titres,
        etape=vue.etape(numero),
        en_cours=vue.en_cours(campagne),
        badges=vue.BADGES_ETATS,
        decisions=vue.DECISIONS,
        taille_lisible=vue.taille_lisible,
        limite_mio=parametres().limites_archive().taille_archive_max // MIO,
    )


@routeur.get("/campagnes/{campagne_id}")
def campagne(
    requete: Request, visiteur: VisiteurConnecte, campagne_id: Identifiant, depose: str = ""
) -> Response:
    message = ""
    if depose:
        message = "L'archive est acceptée : elle a été ouverte et lue ; ses lignes sont comptées ci-dessous."
    return _page_campagne(requete, visiteur.acteur, campagne_id, message=message)


@routeur.post("/campagnes/{campagne_id}/sources")
async def deposer(requete: Request, visiteur: VisiteurConnecte, campagne_id: Identifiant) -> Response:
    """Le formulaire de dépôt, lu en flux (l'archive ne touche pas le disque), puis gardé ou refusé."""
    recu = await recevoir_depot(requete, visiteur, campagne_id)
    if recu.introuvable:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Cette campagne n'existe pas.")
    if recu.impossible is not None:
        return page_erreur(requete, 409, recu.impossible)
    if recu.erreurs:
        return _page_campagne(
            requete,
            visiteur.acteur,
            campagne_id,
            erreurs=recu.erreurs,
            valeurs=recu.valeurs,
            statut=recu.statut,
        )
    return RedirectResponse(f"/campagnes/{campagne_id}?depose={recu.source_id}#sources", status_code=303)


def _source(session: Session, campagne: Campagne, source_id: str) -> Any:
    source = next((s for s in ouverture.sources_de(session, campagne.id) if s.id == source_id), None)
    if source is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Ce fichier n'est pas (ou plus) dans la campagne.")
    return source


@routeur.get("/campagnes/{campagne_id}/sources/{source_id}/retirer")
def confirmer_retrait(
    requete: Request, visiteur: VisiteurConnecte, campagne_id: Identifiant, source_id: Identifiant
) -> Response:
    with session_base(bdd_de(requete)) as session:
        campagne = _campagne(session, visiteur.acteur, campagne_id, "source_retirer")
        source = _source(session, campagne, source_id)
    return rendre(
        requete,
        "campagnes/retirer.html",
        titre=f"Retirer « {source.nom_fichier} »",
        ariane=_ariane(campagne, Ariane("Retirer un fichier")),
        campagne=campagne,
        source=source,
        taille_lisible=vue.taille_lisible,
    )


@routeur.post("/campagnes/{campagne_id}/sources/{source_id}/retirer")
async def retirer(
    requete: Request, visiteur: VisiteurConnecte, campagne_id: Identifiant, source_id: Identifiant
) -> Response:
    await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        campagne = _campagne(session, visiteur.acteur, campagne_id, "source_retirer")
        try:
            ouverture.retirer_source(session, visiteur.acteur, campagne, source_id)
        except ouverture.CampagneIntrouvable as erreur:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
        except ouverture.CampagneInvalide as erreur:
            return page_erreur(requete, 409, str(erreur))
    return RedirectResponse(f"/campagnes/{campagne_id}#sources", status_code=303)


def _verification(bdd: sa.Engine, acteur: Acteur, campagne_id: str) -> tuple[Campagne, list[Any]]:
    with session_base(bdd) as session:
        campagne = _campagne(session, acteur, campagne_id, "campagne_verifier")
        return campagne, verification.verifier(session, campagne)


def _page_verification(
    requete: Request, campagne: Campagne, avertissements: list[Any], erreurs: Erreurs | None = None
) -> Response:
    return rendre(
        requete,
        "campagnes/verification.html",
        titre=f"Campagne « {campagne.libelle} » — Vérifier avant de lancer",
        ariane=_ariane(campagne, Ariane("Vérifier avant de lancer")),
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_LANCEMENT),
        campagne=campagne,
        etape=vue.etape(vue.VERIFIER),
        bloquants=[a for a in avertissements if a.gravite == "bloquant"],
        a_confirmer=[a for a in avertissements if a.gravite == "a_confirmer"],
        informations=[a for a in avertissements if a.gravite == "information"],
    )


@routeur.get("/campagnes/{campagne_id}/verification")
def verifier_avant_lancement(
    requete: Request, visiteur: VisiteurConnecte, campagne_id: Identifiant
) -> Response:
    campagne, avertissements = _verification(bdd_de(requete), visiteur.acteur, campagne_id)
    if vue.etape_de(campagne) != vue.DEPOSER:
        return RedirectResponse(f"/campagnes/{campagne_id}", status_code=303)
    return _page_verification(requete, campagne, avertissements)


@routeur.post("/campagnes/{campagne_id}/lancer")
async def lancer(requete: Request, visiteur: VisiteurConnecte, campagne_id: Identifiant) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_LANCEMENT)
    confirmer = valeurs["confirmer_avertissements"] == "oui"
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            campagne = _campagne(session, visiteur.acteur, campagne_id, "campagne_lancer")
            try:
                ouverture.lancer(session, visiteur.acteur, campagne, confirmer_avertissements=confirmer)
            except ouverture.CampagneInvalide as refus:
                session.rollback()
                if vue.etape_de(campagne) != vue.DEPOSER:
                    return RedirectResponse(f"/campagnes/{campagne_id}", status_code=303)
                message = str(refus)
                if message.startswith("À confirmer"):
                    erreurs.ajouter(
                        "confirmer_avertissements",
                        "Lisez les avertissements ci-dessus, puis cochez la case pour lancer malgré eux.",
                    )
                else:
                    erreurs.generale = message
    if erreurs:
        campagne, avertissements = _verification(bdd_de(requete), visiteur.acteur, campagne_id)
        return _page_verification(requete, campagne, avertissements, erreurs)
    return RedirectResponse(f"/campagnes/{campagne_id}", status_code=303)
