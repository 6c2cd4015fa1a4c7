"""Campagnes : créer, déposer les sources, lancer, suivre (agents de la commune)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Body, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.acteur import Acteur
from service.api.dependances import ActeurCourant, Base, bdd_de
from service.api.televersement import (
    ENVOIS_EN_COURS,
    SCHEMA_FORMULAIRE,
    FormulaireDepot,
    FormulaireRefuse,
    lire_formulaire_depot,
)
from service.api.textes import Entree, TexteRefuse, verifier
from service.autorisation import exiger_role
from service.campagnes import depot as depot_examine
from service.campagnes import ouverture, verification
from service.comptes.roles import Role
from service.modeles import Campagne, Source
from service.referentiel import CODE_INSEE

routeur = APIRouter(tags=["campagnes"])


class CampagneEntree(Entree):
    # Une commune hors périmètre est refusée, et le refus écrit au journal avec ce code.
    commune: str = Field(pattern=f"^{CODE_INSEE.pattern}$")
    date_reference: date
    libelle: str = Field(max_length=200)


class MotifLigne(BaseModel):
    """Une ligne écartée : où (fichier de l'archive, ligne, champ), pourquoi, quoi demander au partenaire ;
    jamais la valeur."""

    fichier: int | None
    ligne: int | None
    champ: str | None
    motif: str
    a_demander: str | None = None


class ExamenSortie(BaseModel):
    fichiers: int = Field(description="Fichiers lus dans l'archive.")
    lignes: int = Field(description="Lignes lues.")
    valides: int = Field(description="Lignes gardées (dont les incomplètes).")
    illisibles: int = Field(description="Lignes qui ne désignent personne : écartées.")
    incompletes: int = Field(default=0, description="Lignes gardées avec un champ manquant ou impossible.")
    doublons: int = Field(default=0, description="Lignes répétées, lues une fois.")
    motifs: list[MotifLigne] = Field(
        description="Les lignes écartées (illisibles ou répétées), 200 au plus : fichier, ligne, champ, "
        "motif, quoi demander."
    )


class SourceSortie(BaseModel):
    id: str
    nom_fichier: str
    convention: str
    sha256: str
    taille: int
    deposee_le: datetime
    etat: Literal["acceptee", "non_examinee"] = Field(
        description="« acceptee » : ouverte et lue au dépôt par le travailleur (voir « examen ») ; "
        "« non_examinee » : déposée avant que les dépôts soient examinés, elle sera lue au lancement."
    )
    examen: ExamenSortie | None
    archive_conservee: bool
    comptes: dict[str, Any]


class LigneIllisibleSortie(BaseModel):
    source: str = Field(description="Identifiant de la source déposée.")
    nom_fichier: str = Field(description="Nom de l'archive déposée.")
    fichier: int = Field(description="Rang du fichier dans l'archive (1 pour le premier).")
    ligne: int = Field(description="Numéro de la ligne dans ce fichier (l'en-tête est la ligne 1).")
    motif: str = Field(description="Ce qui ne va pas, sans la valeur lue.")
    a_demander: str | None = Field(description="Ce qu'il faut demander au partenaire.")


class Progression(BaseModel):
    etape: str
    pourcentage: int


class CampagneSortie(BaseModel):
    id: str
    commune: str
    date_reference: date
    libelle: str
    etat: str
    progression: Progression
    comptes: dict[str, Any]
    erreurs: list[str]
    lignes_illisibles: list[LigneIllisibleSortie] = Field(
        description="Chaque ligne des listes reçues qui ne désigne personne : où, pourquoi, quoi demander."
    )
    protections: list[str]
    creee_le: datetime
    lancee_le: datetime | None
    terminee_le: datetime | None
    sources: list[SourceSortie]


class DepotSortie(SourceSortie):
    deja_recue_le: str | None = Field(
        description="Si la même archive (même SHA-256) a déjà été reçue : date du premier dépôt."
    )


class DepotRefuseSortie(BaseModel):
    detail: str = Field(description="Pourquoi l'archive est refusée et quoi faire, sans valeur lue.")
    etat: Literal["refusee"]
    code: str = Field(description="Le motif codé, tel qu'écrit au journal d'audit.")


def _examen(source: Source) -> ExamenSortie | None:
    if not source.examen:
        return None
    return ExamenSortie.model_validate(source.examen)


def _source(source: Source) -> SourceSortie:
    examen_source = _examen(source)
    return SourceSortie(
        id=source.id,
        nom_fichier=source.nom_fichier,
        convention=source.convention,
        sha256=source.sha256,
        taille=source.taille,
        deposee_le=source.deposee_le,
        etat="acceptee" if examen_source is not None else "non_examinee",
        examen=examen_source,
        archive_conservee=source.archive is not None,
        comptes=source.comptes,
    )


def _sortie(session: Base, campagne: Campagne) -> CampagneSortie:
    return CampagneSortie(
        id=campagne.id,
        commune=campagne.commune,
        date_reference=campagne.date_reference,
        libelle=campagne.libelle,
        etat=campagne.etat,
        progression=Progression(etape=campagne.etape, pourcentage=campagne.pourcentage),
        comptes=campagne.comptes,
        erreurs=campagne.erreurs,
        lignes_illisibles=[
            LigneIllisibleSortie.model_validate(ligne) for ligne in campagne.lignes_illisibles
        ],
        protections=campagne.protections,
        creee_le=campagne.creee_le,
        lancee_le=campagne.lancee_le,
        terminee_le=campagne.terminee_le,
        sources=[_source(s) for s in ouverture.sources_de(session, campagne.id)],
    )


def _visible(session: Base, acteur: Acteur, campagne_id: str, operation: str) -> Campagne:
    try:
        return ouverture.campagne_visible(session, acteur, campagne_id, operation=operation)
    except ouverture.CampagneIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None


def _invalide(erreur: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur))


@routeur.post("/campagnes", status_code=201, summary="Ouvrir une campagne pour une commune")
def creer(entree: CampagneEntree, acteur: ActeurCourant, session: Base) -> CampagneSortie:
    try:
        campagne = ouverture.creer(
            session,
            acteur,
            commune=entree.commune,
            date_reference=entree.date_reference,
            libelle=entree.libelle,
        )
    except ouverture.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()
    return _sortie(session, campagne)


@routeur.get("/campagnes", summary="Les campagnes de mes communes")
def lister(acteur: ActeurCourant, session: Base) -> list[CampagneSortie]:
    exiger_role(acteur, Role.AGENT_COMMUNE, action="campagnes_lister")
    return [_sortie(session, c) for c in ouverture.lister(session, acteur)]


@routeur.get("/campagnes/{campagne_id}", summary="État, progression, comptes et erreurs d'une campagne")
def lire(campagne_id: str, acteur: ActeurCourant, session: Base) -> CampagneSortie:
    return _sortie(session, _visible(session, acteur, campagne_id, "campagne_lire"))


def _place_de_depot(bdd: sa.Engine, acteur: Acteur, campagne_id: str) -> ouverture.PlaceDeDepot:
    """Avant de lire un octet de l'archive : droit sur la campagne, état, place restante."""
    with Session(bdd) as session:
        campagne = _visible(session, acteur, campagne_id, "source_deposer")
        try:
            return ouverture.place_de_depot(session, acteur, campagne)
        except ouverture.CampagneInvalide as erreur:
            raise _invalide(erreur) from None


def _enregistrer(
    bdd: sa.Engine, acteur: Acteur, campagne_id: str, formulaire: FormulaireDepot
) -> DepotSortie | JSONResponse:
    """Examiner puis garder l'archive, ou la refuser (``service/campagnes/depot.py``)."""
    try:
        depot = depot_examine.deposer(
            bdd,
            acteur,
            campagne_id,
            archive=formulaire.archive,
            nom_fichier=formulaire.nom_fichier or "archive.7z",
            mot_de_passe=formulaire.mot_de_passe,
            convention_id=formulaire.convention,
        )
    except ouverture.CampagneIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    except ouverture.DepotTropGros as erreur:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(erreur)) from None
    except ouverture.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    if isinstance(depot, depot_examine.DepotRefuse):
        if depot.indisponible:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, depot.message)
        refus = DepotRefuseSortie(detail=depot.message, etat="refusee", code=depot.code)
        return JSONResponse(refus.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return DepotSortie(**_source(depot.source).model_dump(), deja_recue_le=depot.deja_recue_le)


@routeur.post(
    "/campagnes/{campagne_id}/sources",
    status_code=201,
    summary="Déposer une archive 7z, son mot de passe et la convention qui l'autorise",
    description=(
        "Formulaire multipart : `archive` (le fichier 7z), `convention`, `mot_de_passe`. L'archive est "
        "lue en flux et gardée en mémoire, jamais écrite en clair sur disque ; un fichier qui n'est pas "
        "un 7z est refusé dès ses premiers octets, une archive plus grosse que la place permise (par "
        "source, par campagne, par compte) reçoit un 413. Puis le travailleur confiné ouvre et lit "
        "l'archive (mot de passe, structure, profil de la convention, nature du fichier) : acceptée, "
        "elle est gardée avec son examen (lignes lues, valides, illisibles et leurs motifs) ; refusée, "
        "elle est oubliée aussitôt et la réponse 422 dit pourquoi et quoi faire (`etat`: `refusee`, "
        "`code`). 503 si le travailleur n'a pas pu l'examiner (rien n'est gardé)."
    ),
    openapi_extra={"requestBody": SCHEMA_FORMULAIRE},
    response_model=DepotSortie,
    responses={422: {"model": DepotRefuseSortie, "description": "Archive refusée, ou requête invalide"}},
)
async def deposer(campagne_id: str, requete: Request, acteur: ActeurCourant) -> DepotSortie | JSONResponse:
    bdd = bdd_de(requete)
    place = await run_in_threadpool(_place_de_depot, bdd, acteur, campagne_id)
    if place.octets <= 0:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, place.refus)
    with ENVOIS_EN_COURS.reservations(acteur.id, place.reste_du_compte) as reserver:
        try:
            formulaire = await lire_formulaire_depot(
                requete.headers.get("content-type"),
                requete.stream(),
                place=place.octets,
                refus_place=place.refus,
                reserver=reserver,
            )
            verifier(formulaire.convention, "convention")
            verifier(formulaire.mot_de_passe or "", "mot_de_passe")
        except FormulaireRefuse as erreur:
            raise HTTPException(erreur.statut, erreur.message) from None
        except TexteRefuse as erreur:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"Requête invalide : {erreur}"
            ) from None
        return await run_in_threadpool(_enregistrer, bdd, acteur, campagne_id, formulaire)


@routeur.delete("/campagnes/{campagne_id}/sources/{source_id}", status_code=204, summary="Retirer une source")
def retirer(campagne_id: str, source_id: str, acteur: ActeurCourant, session: Base) -> None:
    campagne = _visible(session, acteur, campagne_id, "source_retirer")
    try:
        ouverture.retirer_source(session, acteur, campagne, source_id)
    except ouverture.CampagneIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    except ouverture.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()


class AvertissementSortie(BaseModel):
    code: str
    message: str
    gravite: verification.Gravite = Field(
        description="« bloquant » : à régler avant de lancer ; « a_confirmer » : lancer demande "
        "« confirmer_avertissements »: true ; « information » : rien à confirmer."
    )


class VerificationSortie(BaseModel):
    avertissements: list[AvertissementSortie]
    lancement_possible: bool = Field(description="Aucun avertissement bloquant.")
    confirmation_requise: bool = Field(description="Au moins un avertissement à confirmer au lancement.")


class LancementEntree(Entree):
    confirmer_avertissements: bool = Field(
        default=False,
        description="L'agent a lu les avertissements « a_confirmer » de la vérification et lance quand même.",
    )


@routeur.get(
    "/campagnes/{campagne_id}/verification",
    summary="Avant de lancer : ce qui manque ou étonne (lecture seule)",
    description=(
        "Vu sans ouvrir aucune archive : listes déposées par genre (familles CAF ou MSA, inscrits ONDE "
        "ou SIECLE, instruction déclarée), conventions de la commune, dates de dépôt. Les avertissements "
        "bloquants viennent d'abord."
    ),
)
def verifier_avant_lancement(campagne_id: str, acteur: ActeurCourant, session: Base) -> VerificationSortie:
    campagne = _visible(session, acteur, campagne_id, "campagne_verifier")
    avertissements = verification.verifier(session, campagne)
    return VerificationSortie(
        avertissements=[
            AvertissementSortie(code=a.code, message=a.message, gravite=a.gravite) for a in avertissements
        ],
        lancement_possible=all(a.gravite != "bloquant" for a in avertissements),
        confirmation_requise=any(a.gravite == "a_confirmer" for a in avertissements),
    )


@routeur.post(
    "/campagnes/{campagne_id}/lancer",
    status_code=202,
    summary="Lancer le passage (mise en file)",
    description=(
        "Refusé (422) tant qu'un avertissement de la vérification est bloquant, ou qu'un avertissement "
        "« a_confirmer » n'est pas confirmé par « confirmer_avertissements »: true."
    ),
)
def lancer(
    campagne_id: str,
    acteur: ActeurCourant,
    session: Base,
    entree: Annotated[LancementEntree | None, Body()] = None,
) -> CampagneSortie:
    campagne = _visible(session, acteur, campagne_id, "campagne_lancer")
    confirmer = entree is not None and entree.confirmer_avertissements
    try:
        ouverture.lancer(session, acteur, campagne, confirmer_avertissements=confirmer)
    except ouverture.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()
    return _sortie(session, campagne)
