"""Communes et conventions (administrateur) ; les agents lisent celles de leurs communes."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from service import referentiel
from service.api.dependances import ActeurCourant, Base
from service.api.textes import Entree, TexteRefuse, verifier
from service.autorisation import exiger_role
from service.comptes.roles import Role

routeur = APIRouter(tags=["référentiel"])

SAUTS_TOML = re.compile("[\t\r\n]")


class CommuneSortie(BaseModel):
    insee: str
    nom: str
    departement: str


class CommuneEntree(Entree):
    insee: str = Field(max_length=5)
    nom: str = Field(max_length=120)
    departement: str = Field(max_length=3)


@routeur.get("/communes", summary="Les communes (administrateur : toutes ; agent : les siennes)")
def communes(acteur: ActeurCourant, session: Base) -> list[CommuneSortie]:
    toutes = referentiel.lister_communes(session)
    if acteur.role in {Role.ADMINISTRATEUR, Role.PILOTE, Role.DPO}:
        visibles = toutes
    elif acteur.role is Role.AGENT_COMMUNE:
        visibles = [c for c in toutes if c.insee in acteur.communes]
    else:
        visibles = [c for c in toutes if c.departement == acteur.departement]
    return [CommuneSortie(insee=c.insee, nom=c.nom, departement=c.departement) for c in visibles]


@routeur.post("/communes", status_code=201, summary="Ajouter ou renommer une commune (administrateur)")
def ajouter_commune(entree: CommuneEntree, acteur: ActeurCourant, session: Base) -> CommuneSortie:
    exiger_role(acteur, Role.ADMINISTRATEUR, action="commune_ajouter")
    try:
        commune = referentiel.ajouter_commune(
            session, insee=entree.insee, nom=entree.nom, departement=entree.departement, par=acteur
        )
    except referentiel.ReferentielInvalide as erreur:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur)) from None
    session.commit()
    return CommuneSortie(insee=commune.insee, nom=commune.nom, departement=commune.departement)


class ConventionSortie(BaseModel):
    identifiant: str
    titre: str
    partenaire: str
    source: str
    communes: list[str]
    debut: date
    fin: date
    finalite: str


@routeur.get("/conventions", summary="Les conventions (administrateur : toutes ; agent : ses communes)")
def conventions(acteur: ActeurCourant, session: Base) -> list[ConventionSortie]:
    exiger_role(acteur, Role.ADMINISTRATEUR, Role.AGENT_COMMUNE, action="conventions_lister")
    portee = None if acteur.role is Role.ADMINISTRATEUR else acteur.communes
    return [
        ConventionSortie(
            identifiant=c.identifiant,
            titre=c.titre,
            partenaire=c.partenaire,
            source=c.source,
            communes=list(c.communes),
            debut=c.debut,
            fin=c.fin,
            finalite=c.finalite,
        )
        for c in referentiel.conventions_de(session, portee)
    ]


@routeur.post(
    "/conventions",
    status_code=201,
    summary="Enregistrer une convention (corps : son texte TOML ; administrateur)",
    openapi_extra={"requestBody": {"content": {"application/toml": {"schema": {"type": "string"}}}}},
)
async def enregistrer_convention(requete: Request, acteur: ActeurCourant, session: Base) -> ConventionSortie:
    exiger_role(acteur, Role.ADMINISTRATEUR, action="convention_enregistrer")
    corps = await requete.body()
    try:
        texte = corps.decode("utf-8")
        # Tabulations et sauts de ligne font la mise en page du TOML ; tout autre caractère de
        # contrôle ou invisible est refusé, comme dans les autres champs de l'API.
        verifier(SAUTS_TOML.sub("", texte), "convention")
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Le TOML doit être en UTF-8.") from None
    except TexteRefuse as erreur:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"Requête invalide : {erreur}") from None
    try:
        c = referentiel.enregistrer_convention(session, texte, par=acteur)
    except referentiel.ReferentielInvalide as erreur:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur)) from None
    session.commit()
    return ConventionSortie(
        identifiant=c.identifiant,
        titre=c.titre,
        partenaire=c.partenaire,
        source=c.source,
        communes=list(c.communes),
        debut=c.debut,
        fin=c.fin,
        finalite=c.finalite,
    )
