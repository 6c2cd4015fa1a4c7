"""Le droit d'accès (``/droit-acces``) : le DPO cherche un enfant par son identité et obtient une
réponse que la famille peut lire, à imprimer ou à télécharger en PDF.

La recherche passe par ``registre.droit_acces``, comme l'API : réservée au DPO, auditée avec le code
du motif (jamais l'identité cherchée). Chaque réponse produite, page ou PDF, est une recherche auditée.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.api.routes_cas import coffre
from service.autorisation import RefusAutorisation
from service.base.connexion import jour_local, session_base
from service.cles import cle_appariement
from service.comptes.roles import Role
from service.modeles import Commune
from service.parametres import parametres
from service.registre import registre as reg
from service.registre.consultation import MotifConsultation
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.pdf_droit_acces import en_pdf
from service.web.reponse_droit_acces import Reponse, rediger
from service.web.visiteur import VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

REFUS = (
    "Les demandes de droit d'accès sont traitées par le délégué à la protection des données (DPO) : "
    "votre rôle ne permet pas d'ouvrir cette page."
)
CHAMPS = [
    Champ("nom", "Nom de l'enfant", 200, message_si_vide="Saisissez le nom de l'enfant."),
    Champ("prenoms", "Prénoms de l'enfant", 200, message_si_vide="Saisissez le ou les prénoms de l'enfant."),
    Champ("date_naissance", "Date de naissance", 10, requis=False),
    Champ("motif", "Motif", 40, message_si_vide="Choisissez pourquoi vous faites cette recherche."),
]
MOTIFS = (MotifConsultation.DEMANDE_FAMILLE, MotifConsultation.CONTROLE_DPO)
ARIANE = [Ariane("Tableau de bord", "/"), Ariane("Droit d'accès", "/droit-acces")]


def _exiger_dpo(acteur: Acteur) -> None:
    if acteur.role is not Role.DPO:
        raise RefusAutorisation(REFUS, action="droit_acces")


def _formulaire(
    requete: Request, *, valeurs: dict[str, str] | None = None, erreurs: Erreurs | None = None
) -> Response:
    return rendre(
        requete,
        "droit_acces/recherche.html",
        titre="Droit d'accès",
        ariane=[Ariane("Tableau de bord", "/"), Ariane("Droit d'accès")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=libelles(CHAMPS),
        valeurs=valeurs or {**{c.nom: "" for c in CHAMPS}, "motif": MotifConsultation.DEMANDE_FAMILLE.value},
        motifs=MOTIFS,
    )


@routeur.get("/droit-acces")
def recherche(requete: Request, visiteur: VisiteurConnecte) -> Response:
    _exiger_dpo(visiteur.acteur)
    return _formulaire(requete)


def _lire_demande(champs: dict[str, str]) -> tuple[dict[str, str], Erreurs, date | None]:
    valeurs, erreurs = lire(champs, CHAMPS)
    naissance = None
    if valeurs["date_naissance"] and "date_naissance" not in erreurs.par_champ:
        try:
            naissance = date.fromisoformat(valeurs["date_naissance"].strip())
        except ValueError:
            erreurs.ajouter(
                "date_naissance", "Saisissez une date au format JJ/MM/AAAA (par exemple 14/03/2015)."
            )
        else:
            if naissance > jour_local():
                erreurs.ajouter("date_naissance", "Cette date est dans l'avenir : vérifiez l'année.")
    if valeurs["motif"] and valeurs["motif"] not in {m.value for m in MOTIFS}:
        erreurs.ajouter("motif", "Choisissez l'un des deux motifs proposés.")
    return valeurs, erreurs, naissance


def _communes(session: Session) -> dict[str, str]:
    return {commune.insee: commune.nom for commune in session.exec(select(Commune))}


async def _reponse(
    requete: Request, visiteur: VisiteurConnecte
) -> tuple[dict[str, str], Erreurs, Reponse | None]:
    """La demande lue et, si elle est valable, la réponse tirée du registre (recherche auditée)."""
    _exiger_dpo(visiteur.acteur)
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs, naissance = _lire_demande(champs)
    if erreurs:
        return valeurs, erreurs, None
    with session_base(bdd_de(requete)) as session:
        export = reg.droit_acces(
            session,
            visiteur.acteur,
            nom=valeurs["nom"].strip(),
            prenoms=valeurs["prenoms"].strip(),
            date_naissance=naissance,
            motif=MotifConsultation(valeurs["motif"]),
            coffre=coffre(requete),
            cle_hmac=cle_appariement(parametres()),
        )
        communes = _communes(session)
    reponse = rediger(
        export,
        nom=valeurs["nom"].strip(),
        prenoms=valeurs["prenoms"].strip(),
        date_naissance=naissance,
        communes=communes,
        operateur=parametres().operateur,
        aujourd_hui=jour_local(),
    )
    return valeurs, erreurs, reponse


@routeur.post("/droit-acces")
async def repondre(requete: Request, visiteur: VisiteurConnecte) -> Response:
    valeurs, erreurs, reponse = await _reponse(requete, visiteur)
    if reponse is None:
        return _formulaire(requete, valeurs=valeurs, erreurs=erreurs)
    return rendre(
        requete,
        "droit_acces/reponse.html",
        titre="Réponse au droit d'accès",
        ariane=[*ARIANE, Ariane("Réponse")],
        reponse=reponse,
        valeurs=valeurs,
    )


@routeur.post("/droit-acces/reponse.pdf")
async def telecharger(requete: Request, visiteur: VisiteurConnecte) -> Response:
    valeurs, erreurs, reponse = await _reponse(requete, visiteur)
    if reponse is None:
        return _formulaire(requete, valeurs=valeurs, erreurs=erreurs)
    return Response(
        en_pdf(reponse),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="reponse-droit-acces.pdf"'},
    )
