"""Le registre des cas : liste (une page déchiffrée à la fois), fiche, transitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from service.acteur import Acteur
from service.api.dependances import ActeurCourant, Base
from service.api.textes import Entree
from service.base.connexion import maintenant
from service.cles import trousseau
from service.journal_audit import Action, auditer
from service.modeles import Cas, EvenementCas
from service.parametres import parametres
from service.referentiel import CODE_INSEE
from service.registre import procedure
from service.registre import registre as reg
from service.registre.coffre import Coffre
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation, motifs_admis
from service.registre.explication import Candidat, Explication, pour_la_fiche

routeur = APIRouter(tags=["registre des cas"])

CHAMPS_LISTE = ("nom", "prenoms", "date_naissance", "sexe")
# Au-delà, le décalage de la page ne tient plus dans un entier de la base (et aucune commune n'a
# autant de cas).
PAGE_MAX = 100_000


EnteteMotif = Annotated[
    str | None,
    Header(
        alias=ENTETE_MOTIF,
        description="Pourquoi vous affichez ces identités : un code de la liste fermée. Obligatoire.",
        json_schema_extra={"enum": [m.value for m in MotifConsultation]},
    ),
]


def exiger_motif(motif: str | None) -> MotifConsultation:
    """Le motif d'une consultation d'identité : un code, dans un en-tête, jamais dans l'adresse.

    Demandé après le contrôle d'autorisation, pour qu'un refus reste un refus (audité).
    """
    try:
        return MotifConsultation(motif or "")
    except ValueError:
        # La valeur reçue n'est pas répétée : ce pourrait être un texte libre, voire un nom.
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"Motif de consultation absent ou inconnu : indiquez dans l'en-tête {ENTETE_MOTIF} "
            f"l'un de ces codes : {motifs_admis()}.",
        ) from None


def coffre(requete: Request) -> Coffre:
    """Le coffre de l'application, ouvert au premier besoin (clé maîtresse lue une fois)."""
    if getattr(requete.app.state, "coffre", None) is None:
        requete.app.state.coffre = Coffre(trousseau(parametres()))
    ouvert: Coffre = requete.app.state.coffre
    return ouvert


class CasResume(BaseModel):
    id: str
    commune: str
    statut: str
    resultat: str
    motif: str | None
    cree_le: datetime
    mis_a_jour_le: datetime
    echeance: date | None
    echeance_depassee: bool
    identite: dict[str, Any]


class PageCas(BaseModel):
    total: int
    page: int
    par_page: int
    cas: list[CasResume]


class Etape(BaseModel):
    survenu_le: datetime
    action: str
    de_statut: str | None
    vers_statut: str
    motif: str | None
    date_effet: date | None
    donnees: dict[str, Any]
    acteur_role: str


class CasDetail(CasResume):
    campagne_origine: str
    campagne_derniere: str
    score: float | None
    explication: Explication | None = Field(
        description="Pourquoi le moteur a signalé l'enfant : décision, seuils, et chaque champ comparé des "
        "deux côtés ; vide si le passage n'en a pas donné."
    )
    candidats: list[Candidat] = Field(
        description="Fiches d'élèves proches, chacune comparée champ par champ ; effacées à la première "
        "décision."
    )
    transmis_le: datetime | None
    notification_le: date | None
    clos_le: datetime | None
    historique: list[Etape]
    actions_possibles: list[str]


class DemandeTransition(Entree):
    action: str = Field(max_length=40)
    champs: dict[str, Any] = Field(
        default_factory=dict,
        description="Champs exigés par l'action : motif, date, date_notification, uai, id_inscrit.",
    )


def _depassee(cas: Cas) -> bool:
    return (
        cas.statut in procedure.STATUTS_A_ECHEANCE
        and cas.echeance is not None
        and cas.echeance < maintenant().date()
    )


def _resume(cas: Cas, identite: dict[str, Any]) -> CasResume:
    return CasResume(
        id=cas.id,
        commune=cas.commune,
        statut=cas.statut,
        resultat=cas.resultat,
        motif=cas.motif,
        cree_le=cas.cree_le,
        mis_a_jour_le=cas.mis_a_jour_le,
        echeance=cas.echeance,
        echeance_depassee=_depassee(cas),
        identite={c: identite.get(c) for c in CHAMPS_LISTE},
    )


def _etape(evenement: EvenementCas) -> Etape:
    return Etape(
        survenu_le=evenement.survenu_le,
        action=evenement.action,
        de_statut=evenement.de_statut,
        vers_statut=evenement.vers_statut,
        motif=evenement.motif,
        date_effet=evenement.date_effet,
        donnees=evenement.donnees,
        acteur_role=evenement.acteur_role,
    )


def _detail(session: Base, acteur: Acteur, cas: Cas, ouvert: Coffre) -> CasDetail:
    identite = ouvert.identite(cas)
    explication, candidats = pour_la_fiche(cas.explication, cas.score, identite, ouvert.candidats(cas))
    return CasDetail(
        **_resume(cas, identite).model_dump(exclude={"identite"}),
        identite=identite,
        campagne_origine=cas.campagne_origine,
        campagne_derniere=cas.campagne_derniere,
        score=cas.score,
        explication=explication,
        candidats=candidats,
        transmis_le=cas.transmis_le,
        notification_le=cas.notification_le,
        clos_le=cas.clos_le,
        historique=[_etape(e) for e in reg.historique(session, cas.id)],
        actions_possibles=procedure.actions_possibles(cas.statut, cas.resultat, acteur.role),
    )


@routeur.get("/cas", summary="Les cas de mon périmètre (filtres, pagination ; seule la page est déchiffrée)")
def lister(
    acteur: ActeurCourant,
    session: Base,
    requete: Request,
    motif: EnteteMotif = None,
    statut: Annotated[str | None, Query(max_length=40)] = None,
    commune: Annotated[str | None, Query(pattern=f"^{CODE_INSEE.pattern}$")] = None,
    echeance_depassee: bool = False,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    par_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageCas:
    resultat = reg.lister(
        session,
        acteur,
        statut=statut,
        commune=commune,
        echeance_depassee=echeance_depassee,
        page=page,
        par_page=par_page,
    )
    motif_valide = exiger_motif(motif)
    ouvert = coffre(requete)
    sortie = [_resume(cas, ouvert.identite(cas)) for cas in resultat.cas]
    if resultat.cas:
        auditer(
            session,
            acteur,
            Action.CONSULTATION,
            motif=motif_valide.value,
            details={"cas": [c.id for c in resultat.cas], "page": page},
        )
    session.commit()
    return PageCas(total=resultat.total, page=page, par_page=par_page, cas=sortie)


def _cas_visible(session: Base, acteur: Acteur, cas_id: str, operation: str) -> Cas:
    try:
        return reg.cas_visible(session, acteur, cas_id, operation=operation)
    except reg.CasIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None


@routeur.get("/cas/{cas_id}", summary="La fiche d'un cas : identité, explication, candidats, historique")
def consulter(
    cas_id: str,
    acteur: ActeurCourant,
    session: Base,
    requete: Request,
    motif: EnteteMotif = None,
) -> CasDetail:
    cas = _cas_visible(session, acteur, cas_id, "consulter")
    motif_valide = exiger_motif(motif)
    detail = _detail(session, acteur, cas, coffre(requete))
    auditer(session, acteur, Action.CONSULTATION, cible=("cas", cas.id), motif=motif_valide.value)
    session.commit()
    return detail


@routeur.post("/cas/{cas_id}/transitions", summary="Faire avancer un cas dans la procédure")
def transition(
    cas_id: str,
    demande: DemandeTransition,
    acteur: ActeurCourant,
    session: Base,
    requete: Request,
) -> CasDetail | dict[str, str]:
    ouvert = coffre(requete)
    try:
        cas = reg.appliquer_transition(session, acteur, cas_id, demande.action, demande.champs, coffre=ouvert)
    except reg.CasIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None
    except procedure.TransitionRefusee as erreur:
        raise HTTPException(status.HTTP_409_CONFLICT, str(erreur)) from None
    if cas is None:
        session.commit()
        return {"etat": "efface", "detail": "Cas classé pour déménagement : ses données sont effacées."}
    detail = _detail(session, acteur, cas, ouvert)
    # La réponse montre l'identité : c'est une consultation, auditée comme la fiche ; son motif est
    # la procédure que la transition fait avancer.
    auditer(
        session, acteur, Action.CONSULTATION, cible=("cas", cas.id), motif=MotifConsultation.PROCEDURE.value
    )
    session.commit()
    return detail
