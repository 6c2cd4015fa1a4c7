"""Recevoir le formulaire de dépôt d'une page : le même lecteur en flux que l'API, le jeton CSRF d'abord.

Le formulaire de la page porte, dans cet ordre, le jeton CSRF, la convention, le mot de passe puis
l'archive. Le jeton est vérifié au moment où l'archive commence, avant d'en garder un octet ;
l'archive reste en mémoire, jamais sur disque (``api/televersement``), dans les limites de taille
de ``docs/securite.md``. Puis, comme par l'API, le travailleur confiné l'examine : acceptée, elle
est gardée avec son examen ; refusée, elle est oubliée. Un refus est rendu au champ qu'il concerne.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from chiffrement.archives import MIO
from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.api.televersement import (
    ENVOIS_EN_COURS,
    FormulaireDepot,
    FormulaireRefuse,
    lire_formulaire_depot,
)
from service.api.textes import TexteRefuse, verifier
from service.base.connexion import session_base
from service.campagnes import depot as depot_examine
from service.campagnes import ouverture
from service.web.campagnes import champ_du_refus
from service.web.pages import Erreurs
from service.web.visiteur import CHAMP_CSRF, Visiteur, exiger_jeton

# Un envoi refusé avant sa fin est lu jusqu'au bout (et oublié) pour que le navigateur reçoive la
# page qui explique le refus plutôt qu'une connexion coupée ; au-delà, la connexion est coupée.
VIDANGE_MAX = 256 * MIO
LONGUEUR_JETON = 128


@dataclass
class DepotRecu:
    """Ce qu'est devenu un dépôt : gardé (``source_id``), refusé (``erreurs``), ou impossible."""

    source_id: str | None = None
    erreurs: Erreurs = field(default_factory=Erreurs)
    valeurs: dict[str, str] = field(default_factory=dict)
    statut: int = 201
    introuvable: bool = False
    impossible: str | None = None


def _place(bdd: sa.Engine, acteur: Acteur, campagne_id: str) -> ouverture.PlaceDeDepot:
    """Avant de lire un octet de l'archive : droit sur la campagne, état, place restante."""
    with session_base(bdd) as session:
        campagne = ouverture.campagne_visible(session, acteur, campagne_id, operation="source_deposer")
        return ouverture.place_de_depot(session, acteur, campagne)


@dataclass(frozen=True)
class Refus:
    """Une archive examinée et refusée : rien n'est gardé ; le champ à corriger, le message, le statut."""

    champ: str
    message: str
    statut: int = 422


# Le champ du formulaire à corriger selon le motif codé d'un refus à l'examen.
CHAMPS_DES_MOTIFS = {"mot_de_passe": "mot_de_passe", "convention": "convention", "nature": "convention"}


def _enregistrer(
    bdd: sa.Engine, acteur: Acteur, campagne_id: str, formulaire: FormulaireDepot
) -> str | Refus:
    """Comme l'API (``service/campagnes/depot.py``) : la source gardée, ou le champ à corriger."""
    depot = depot_examine.deposer(
        bdd,
        acteur,
        campagne_id,
        archive=formulaire.archive,
        nom_fichier=formulaire.nom_fichier or "archive.7z",
        mot_de_passe=formulaire.mot_de_passe,
        convention_id=formulaire.convention,
    )
    if isinstance(depot, depot_examine.DepotRefuse):
        if depot.indisponible:
            return Refus("archive", depot.message, 503)
        nom = formulaire.nom_fichier or "archive.7z"
        return Refus(
            CHAMPS_DES_MOTIFS.get(depot.code, "archive"),
            f"Archive « {nom} » refusée, rien n'est gardé : {depot.message or 'fichier illisible.'}",
        )
    return depot.source.id


async def _vider(flux: AsyncIterator[bytes]) -> None:
    reste = VIDANGE_MAX
    try:
        async for morceau in flux:
            reste -= len(morceau)
            if reste < 0:
                return
    except ClientDisconnect:
        return


def _refuse(champ: str, message: str, statut: int, valeurs: dict[str, str] | None = None) -> DepotRecu:
    erreurs = Erreurs()
    erreurs.ajouter(champ, message)
    return DepotRecu(erreurs=erreurs, valeurs=valeurs or {}, statut=statut)


async def recevoir_depot(requete: Request, visiteur: Visiteur, campagne_id: str) -> DepotRecu:
    """Lit, vérifie et garde l'archive d'un formulaire de page ; rend ce qu'il faut afficher."""
    bdd, acteur = bdd_de(requete), visiteur.acteur
    try:
        place = await run_in_threadpool(_place, bdd, acteur, campagne_id)
    except ouverture.CampagneIntrouvable:
        return DepotRecu(introuvable=True)
    except ouverture.CampagneInvalide as erreur:
        return DepotRecu(impossible=str(erreur))
    flux = requete.stream()
    if place.octets <= 0:
        await _vider(flux)
        return _refuse("archive", place.refus, 413)
    with ENVOIS_EN_COURS.reservations(acteur.id, place.reste_du_compte) as reserver:
        try:
            formulaire = await lire_formulaire_depot(
                requete.headers.get("content-type"),
                flux,
                place=place.octets,
                refus_place=place.refus,
                reserver=reserver,
                autres_champs={CHAMP_CSRF: LONGUEUR_JETON},
                avant_archive=lambda textes: exiger_jeton(visiteur, textes.get(CHAMP_CSRF, "")),
            )
        except FormulaireRefuse as refus:
            await _vider(flux)
            return _refuse(champ_du_refus(refus.message), refus.message, refus.statut)
        exiger_jeton(visiteur, formulaire.autres.get(CHAMP_CSRF, ""))
        valeurs = {"convention": formulaire.convention}
        if not formulaire.convention:
            return _refuse("convention", "Choisissez la convention qui autorise cette liste.", 422, valeurs)
        for nom, valeur in (("convention", formulaire.convention), ("mot_de_passe", formulaire.mot_de_passe)):
            try:
                verifier(valeur or "", nom)
            except TexteRefuse as refus:
                return _refuse(nom, str(refus), 422, valeurs)
        try:
            garde = await run_in_threadpool(_enregistrer, bdd, acteur, campagne_id, formulaire)
        except ouverture.CampagneIntrouvable:
            return DepotRecu(introuvable=True)
        except ouverture.DepotTropGros as refus:
            return _refuse("archive", str(refus), 413, valeurs)
        except ouverture.CampagneInvalide as refus:
            return _refuse(champ_du_refus(str(refus)), str(refus), 422, valeurs)
    if isinstance(garde, Refus):
        return _refuse(garde.champ, garde.message, garde.statut, valeurs)
    return DepotRecu(source_id=garde, valeurs=valeurs)
