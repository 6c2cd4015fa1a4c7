"""Pages de l'administrateur : communes, conventions, clés et purge (``/admin/…``).

Les mêmes fonctions que l'API et la ligne de commande (``referentiel``, ``cles``, ``retention``),
avec le même audit. Aucune page ne montre une clé : des empreintes seulement. Une convention déposée
est d'abord lue et montrée, puis enregistrée sur confirmation ; la purge est d'abord simulée.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from appariement.age import fin_annee_scolaire, fin_de_cohorte
from chiffrement import ErreurChiffrement, lire_cle_publique_travailleur
from chiffrement.trousseau import empreinte_cle_publique
from conventions import ConventionInvalide, charger_convention
from service import referentiel
from service.api.dependances import bdd_de
from service.api.textes import TexteRefuse, verifier
from service.base.connexion import maintenant, session_base
from service.cles import trousseau
from service.comptes.roles import Role
from service.modeles import ConventionEnregistree
from service.parametres import parametres
from service.registre.coffre import premiere_cohorte_conservee
from service.retention import ARCHIVES_NON_PASSEES_JOURS, BilanPurge, purger
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.routes_admin_comptes import exiger_administration
from service.web.visiteur import VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

TABLEAU = Ariane("Tableau de bord", "/")
CHAMPS_COMMUNE = [
    Champ("insee", "Code INSEE", 5, message_si_vide="Saisissez le code INSEE de la commune (5 caractères)."),
    Champ("nom", "Nom de la commune", 120, message_si_vide="Saisissez le nom de la commune."),
    Champ("departement", "Département", 3, message_si_vide="Saisissez le département (par exemple 59)."),
]
# Une convention tient en quelques kilo-octets ; la borne évite de lire un fichier quelconque.
CONVENTION_TAILLE_MAX = 256 * 1024
SAUTS_TOML = re.compile("[\t\r\n]")


def _administrateur(visiteur: Any, action: str) -> None:
    exiger_administration(visiteur.acteur, Role.ADMINISTRATEUR, action=action)


# --- Communes ------------------------------------------------------------------------------------


def _page_communes(
    requete: Request,
    *,
    valeurs: dict[str, str] | None = None,
    erreurs: Erreurs | None = None,
    message: str = "",
) -> Response:
    with session_base(bdd_de(requete)) as session:
        communes = referentiel.lister_communes(session)
    return rendre(
        requete,
        "admin/communes.html",
        titre="Communes",
        ariane=[TABLEAU, Ariane("Communes")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_COMMUNE),
        valeurs=valeurs or {champ.nom: "" for champ in CHAMPS_COMMUNE},
        communes=communes,
        message=message,
    )


def _champ_du_refus(texte: str) -> str:
    if texte.startswith("Code INSEE"):
        return "insee"
    return "departement" if "Département" in texte else "nom"


@routeur.get("/admin/communes")
def communes(requete: Request, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    _administrateur(visiteur, "communes_lister")
    message = f"La commune {fait} est enregistrée." if referentiel.CODE_INSEE.fullmatch(fait) else ""
    return _page_communes(requete, message=message)


@routeur.post("/admin/communes")
async def ajouter_commune(requete: Request, visiteur: VisiteurConnecte) -> Response:
    _administrateur(visiteur, "commune_ajouter")
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_COMMUNE)
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            try:
                commune = referentiel.ajouter_commune(
                    session,
                    insee=valeurs["insee"],
                    nom=valeurs["nom"],
                    departement=valeurs["departement"],
                    par=visiteur.acteur,
                )
            except referentiel.ReferentielInvalide as erreur:
                texte = str(erreur)
                erreurs.ajouter(_champ_du_refus(texte), texte)
                session.rollback()
    if erreurs:
        return _page_communes(requete, valeurs=valeurs, erreurs=erreurs)
    return RedirectResponse(f"/admin/communes?fait={commune.insee}", status_code=303)


# --- Conventions ---------------------------------------------------------------------------------


def etat_de_validite(debut: date, fin: date, jour: date) -> str:
    if jour < debut:
        return "a_venir"
    return "echue" if jour > fin else "en_vigueur"


def _page_conventions(
    requete: Request, *, erreurs: Erreurs | None = None, message: str = "", statut: int = 200
) -> Response:
    with session_base(bdd_de(requete)) as session:
        liste = referentiel.conventions_de(session, None)
    return rendre(
        requete,
        "admin/conventions.html",
        titre="Conventions",
        ariane=[TABLEAU, Ariane("Conventions")],
        statut=statut,
        erreurs=erreurs,
        libelles={"convention": "Fichier de la convention"},
        conventions=liste,
        aujourd_hui=maintenant().date(),
        etat_de_validite=etat_de_validite,
        message=message,
    )


@routeur.get("/admin/conventions")
def conventions(requete: Request, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    _administrateur(visiteur, "conventions_lister")
    message = "La convention est enregistrée." if fait == "enregistree" else ""
    return _page_conventions(requete, message=message)


def _lire_toml(octets: bytes) -> str:
    """Le texte d'une convention déposée ; ``ValueError`` avec un message français sinon."""
    if len(octets) > CONVENTION_TAILLE_MAX:
        raise ValueError(
            f"Fichier trop gros : une convention tient en {CONVENTION_TAILLE_MAX // 1024} Kio au plus."
        )
    try:
        texte = octets.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("Le fichier doit être un texte TOML en UTF-8.") from None
    try:
        # Tabulations et sauts de ligne font la mise en page du TOML ; rien d'autre d'invisible.
        verifier(SAUTS_TOML.sub("", texte), "convention")
    except TexteRefuse as erreur:
        raise ValueError(f"Fichier refusé : {erreur}") from None
    if not texte.strip():
        raise ValueError("Le fichier est vide : choisissez le fichier TOML de la convention.")
    return texte


@routeur.post("/admin/conventions/verification")
async def verifier_convention(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """Premier temps du dépôt : la convention est lue et montrée, rien n'est enregistré."""
    _administrateur(visiteur, "convention_enregistrer")
    await verifier_csrf(requete, visiteur)
    fichier = (await requete.form()).get("convention")
    erreurs = Erreurs()
    if not isinstance(fichier, UploadFile) or not fichier.filename:
        erreurs.ajouter("convention", "Choisissez le fichier TOML de la convention.")
        return _page_conventions(requete, erreurs=erreurs, statut=422)
    try:
        texte = _lire_toml(await fichier.read(CONVENTION_TAILLE_MAX + 1))
        convention = charger_convention(texte)
    except (ValueError, ConventionInvalide) as erreur:
        erreurs.ajouter("convention", str(erreur))
        return _page_conventions(requete, erreurs=erreurs, statut=422)
    with session_base(bdd_de(requete)) as session:
        remplace = session.get(ConventionEnregistree, convention.identifiant) is not None
        connues = {c.insee for c in referentiel.lister_communes(session)}
    return rendre(
        requete,
        "admin/convention_verifier.html",
        titre=f"Vérifier la convention {convention.identifiant}",
        ariane=[TABLEAU, Ariane("Conventions", "/admin/conventions"), Ariane("Vérifier")],
        convention=convention,
        texte_toml=texte,
        remplace=remplace,
        inconnues=sorted(set(convention.communes) - connues),
        etat=etat_de_validite(convention.debut, convention.fin, maintenant().date()),
    )


@routeur.post("/admin/conventions")
async def enregistrer_convention(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """Second temps : la convention vérifiée est enregistrée (ou remplace celle du même identifiant)."""
    _administrateur(visiteur, "convention_enregistrer")
    champs = await verifier_csrf(requete, visiteur)
    erreurs = Erreurs()
    try:
        texte = _lire_toml(champs.get("texte_toml", "").encode("utf-8"))
    except ValueError as erreur:
        erreurs.ajouter("convention", str(erreur))
    if not erreurs:
        with session_base(bdd_de(requete)) as session:
            try:
                referentiel.enregistrer_convention(session, texte, par=visiteur.acteur)
            except referentiel.ReferentielInvalide as erreur:
                erreurs.ajouter("convention", str(erreur))
                session.rollback()
    if erreurs:
        return _page_conventions(requete, erreurs=erreurs, statut=422)
    return RedirectResponse("/admin/conventions?fait=enregistree", status_code=303)


# --- Clés et purge -------------------------------------------------------------------------------


def _trousseau_inutilisable(erreur: ErreurChiffrement) -> HTTPException:
    return HTTPException(503, f"Trousseau de clés inutilisable ({erreur.message}) : voir la page Clés.")


def _simulation(requete: Request, jour: date) -> BilanPurge:
    return purger(bdd_de(requete), parametres(), aujourd_hui=jour, simulation=True)


@routeur.get("/admin/cles")
def cles(requete: Request, visiteur: VisiteurConnecte) -> Response:
    _administrateur(visiteur, "cles_etat")
    reglages = parametres()
    jour = maintenant().date()
    try:
        ouvert = trousseau(reglages)
        etat = ouvert.etat()
        travailleur = empreinte_cle_publique(lire_cle_publique_travailleur(ouvert.dossier))
        bilan = _simulation(requete, jour)
        panne = ""
    except (ErreurChiffrement, OSError) as erreur:
        etat, travailleur, bilan = None, "", None
        panne = getattr(erreur, "message", None) or type(erreur).__name__
    conservee = premiere_cohorte_conservee(jour)
    return rendre(
        requete,
        "admin/cles.html",
        titre="Clés",
        ariane=[TABLEAU, Ariane("Clés")],
        etat=etat,
        travailleur=travailleur,
        source="variable CELLULE_CLE_MAITRESSE" if reglages.cle_maitresse else "fichier de clé maîtresse",
        bilan=bilan,
        panne=panne,
        conservee=conservee,
        # Une cohorte est détruite à la première purge après le 31 août de son année.
        echeance=fin_de_cohorte,
        prochaine_echeance=fin_annee_scolaire(jour),
    )


@routeur.get("/admin/purge")
def purge(requete: Request, visiteur: VisiteurConnecte, simulation: str = "") -> Response:
    _administrateur(visiteur, "purge")
    try:
        bilan = _simulation(requete, maintenant().date()) if simulation else None
    except ErreurChiffrement as erreur:
        raise _trousseau_inutilisable(erreur) from None
    return rendre(
        requete,
        "admin/purge.html",
        titre="Purge : simulation" if bilan else "Purge",
        ariane=[TABLEAU, Ariane("Purge")],
        bilan=bilan,
        fait=False,
        jours_archives=ARCHIVES_NON_PASSEES_JOURS,
    )


@routeur.post("/admin/purge")
async def purger_maintenant(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """La purge, confirmée après sa simulation : chaque effacement est audité au nom de l'administrateur."""
    _administrateur(visiteur, "purge")
    await verifier_csrf(requete, visiteur)
    try:
        bilan = purger(bdd_de(requete), parametres(), acteur=visiteur.acteur)
    except ErreurChiffrement as erreur:
        raise _trousseau_inutilisable(erreur) from None
    return rendre(
        requete,
        "admin/purge.html",
        titre="Purge faite",
        ariane=[TABLEAU, Ariane("Purge", "/admin/purge"), Ariane("Purge faite")],
        bilan=bilan,
        fait=True,
        jours_archives=ARCHIVES_NON_PASSEES_JOURS,
    )
