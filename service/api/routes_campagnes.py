"""Campagnes : créer, déposer les sources, lancer, suivre (agents de la commune)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel, Field

from service import campagnes
from service.acteur import Acteur
from service.api.dependances import ActeurCourant, Base
from service.autorisation import exiger_role
from service.comptes.roles import Role
from service.modeles import Campagne, Source
from service.parametres import parametres

routeur = APIRouter(tags=["campagnes"])


class CampagneEntree(BaseModel):
    commune: str = Field(max_length=5)
    date_reference: date
    libelle: str = Field(max_length=200)


class SourceSortie(BaseModel):
    id: str
    nom_fichier: str
    convention: str
    sha256: str
    taille: int
    deposee_le: datetime
    archive_conservee: bool
    comptes: dict[str, Any]


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
    protections: list[str]
    creee_le: datetime
    lancee_le: datetime | None
    terminee_le: datetime | None
    sources: list[SourceSortie]


class DepotSortie(SourceSortie):
    deja_recue_le: str | None = Field(
        description="Si la même archive (même SHA-256) a déjà été reçue : date du premier dépôt."
    )


def _source(source: Source) -> SourceSortie:
    return SourceSortie(
        id=source.id,
        nom_fichier=source.nom_fichier,
        convention=source.convention,
        sha256=source.sha256,
        taille=source.taille,
        deposee_le=source.deposee_le,
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
        protections=campagne.protections,
        creee_le=campagne.creee_le,
        lancee_le=campagne.lancee_le,
        terminee_le=campagne.terminee_le,
        sources=[_source(s) for s in campagnes.sources_de(session, campagne.id)],
    )


def _visible(session: Base, acteur: Acteur, campagne_id: str, operation: str) -> Campagne:
    try:
        return campagnes.campagne_visible(session, acteur, campagne_id, operation=operation)
    except campagnes.CampagneIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None


def _invalide(erreur: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur))


@routeur.post("/campagnes", status_code=201, summary="Ouvrir une campagne pour une commune")
def creer(entree: CampagneEntree, acteur: ActeurCourant, session: Base) -> CampagneSortie:
    try:
        campagne = campagnes.creer(
            session,
            acteur,
            commune=entree.commune,
            date_reference=entree.date_reference,
            libelle=entree.libelle,
        )
    except campagnes.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()
    return _sortie(session, campagne)


@routeur.get("/campagnes", summary="Les campagnes de mes communes")
def lister(acteur: ActeurCourant, session: Base) -> list[CampagneSortie]:
    exiger_role(acteur, Role.AGENT_COMMUNE, action="campagnes_lister")
    return [_sortie(session, c) for c in campagnes.lister(session, acteur)]


@routeur.get("/campagnes/{campagne_id}", summary="État, progression, comptes et erreurs d'une campagne")
def lire(campagne_id: str, acteur: ActeurCourant, session: Base) -> CampagneSortie:
    return _sortie(session, _visible(session, acteur, campagne_id, "campagne_lire"))


@routeur.post(
    "/campagnes/{campagne_id}/sources",
    status_code=201,
    summary="Déposer une archive 7z, son mot de passe et la convention qui l'autorise",
)
async def deposer(
    campagne_id: str,
    acteur: ActeurCourant,
    session: Base,
    archive: Annotated[UploadFile, File(description="L'archive 7z telle que reçue du partenaire")],
    convention: Annotated[str, Form(max_length=120)],
    mot_de_passe: Annotated[str | None, Form(max_length=1024)] = None,
) -> DepotSortie:
    campagne = _visible(session, acteur, campagne_id, "source_deposer")
    limite = parametres().limites_archive().taille_archive_max
    octets = await archive.read(limite + 1)
    try:
        depot = campagnes.deposer(
            session,
            acteur,
            campagne,
            archive=octets,
            nom_fichier=archive.filename or "archive.7z",
            mot_de_passe=mot_de_passe or None,
            convention_id=convention,
        )
    except campagnes.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()
    return DepotSortie(**_source(depot.source).model_dump(), deja_recue_le=depot.deja_recue_le)


@routeur.delete("/campagnes/{campagne_id}/sources/{source_id}", status_code=204, summary="Retirer une source")
def retirer(campagne_id: str, source_id: str, acteur: ActeurCourant, session: Base) -> None:
    campagne = _visible(session, acteur, campagne_id, "source_retirer")
    try:
        campagnes.retirer_source(session, acteur, campagne, source_id)
    except campagnes.CampagneIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    except campagnes.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()


@routeur.post("/campagnes/{campagne_id}/lancer", status_code=202, summary="Lancer le passage (mise en file)")
def lancer(campagne_id: str, acteur: ActeurCourant, session: Base) -> CampagneSortie:
    campagne = _visible(session, acteur, campagne_id, "campagne_lancer")
    try:
        campagnes.lancer(session, acteur, campagne)
    except campagnes.CampagneInvalide as erreur:
        raise _invalide(erreur) from None
    session.commit()
    return _sortie(session, campagne)
