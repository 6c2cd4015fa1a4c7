"""La fiche d'un cas (``/cas/{id}``) : résumé sans identité, puis, une fois un motif choisi et audité,
l'identité, l'explication, les candidats côte à côte, la frise et les actions de la procédure.

Mêmes fonctions, mêmes refus et même audit que ``GET /api/v1/cas/{id}`` et ses transitions : le
périmètre vient de la session (``registre.cas_visible``), la table de la procédure décide.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.api.dependances import bdd_de
from service.api.routes_cas import coffre
from service.base.connexion import session_base
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.modeles import Cas, Commune
from service.registre import lettre, procedure, suivi
from service.registre import registre as reg
from service.registre.consultation import MotifConsultation
from service.registre.explication import pour_la_fiche
from service.web import fiche_cas as fiche
from service.web.formulaires import Champ, lire
from service.web.motif import choisir, motif_choisi
from service.web.pages import Ariane, Erreurs, rendre
from service.web.suivi_du_cas import echeance_apres, echeance_de
from service.web.visiteur import Visiteur, VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

MOTIFS_PROPOSES = [m for m in MotifConsultation if m is not MotifConsultation.CONTROLE_DPO]
LIBELLES_FORMULAIRE = {
    "motif_consultation": "Motif de la consultation",
    "action": "Action",
    **{nom: libelle[0].upper() + libelle[1:] for nom, libelle in procedure.LIBELLES_CHAMPS.items()},
}
SI_VIDE = {
    "motif": "Choisissez le motif dans la liste.",
    "date": "Saisissez la date (jour, mois, année).",
    "date_notification": "Saisissez la date de notification (jour, mois, année).",
    "uai": "Saisissez l'UAI de l'établissement.",
}
CONFIRMATION = "confirmation"
MESSAGES_FAIT = {
    "choisir_candidat": "C'est enregistré : l'enfant est inscrit, le cas est clos (inscrit constaté).",
    "ecarter_candidats": "C'est enregistré : aucun élève proposé n'est l'enfant. Le cas reste signalé : "
    "classez-le ou transmettez-le à la DASEN.",
    "transmettre": "Le cas est transmis à la DASEN.",
    "lettre": "La lettre est générée : téléchargez-la dans « Suivi du cas ».",
    "attribution": "Le référent chargé du cas est enregistré.",
    "commentaire": "Le commentaire est enregistré.",
}


def _ariane(cas_id: str) -> list[Ariane]:
    return [Ariane("Tableau de bord", "/"), Ariane("Cas", "/cas"), Ariane(f"Cas {cas_id[:8]}")]


def _cas(session: Session, visiteur: Visiteur, cas_id: str, operation: str) -> Cas:
    """Le cas s'il est dans le périmètre de la session ; 403 audité sinon, 404 s'il n'existe pas."""
    try:
        return reg.cas_visible(session, visiteur.acteur, cas_id[:64], operation=operation)
    except reg.CasIntrouvable as erreur:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(erreur)) from None


def _suivi_du_referent(session: Session, visiteur: Visiteur, cas: Cas) -> dict[str, Any]:
    """Attribution et lettres (formulaires de ``routes_referent``) : pour le référent seul."""
    if visiteur.acteur.role is not Role.REFERENT_DSDEN:
        return {"referent": False}
    return {
        "referent": True,
        "referents": suivi.referents_du_departement(session, visiteur.acteur.departement),
        "lettres": lettre.lettres(session, cas.id),
    }


def _motif(valeur: str) -> MotifConsultation | None:
    try:
        return MotifConsultation(valeur)
    except ValueError:
        return None


def _page(
    requete: Request,
    session: Session,
    visiteur: Visiteur,
    cas: Cas,
    *,
    motif: MotifConsultation | None = None,
    erreurs: Erreurs | None = None,
    formulaire: str = "",
    valeurs: dict[str, str] | None = None,
    message: str = "",
    statut: int = 200,
) -> Response:
    """La fiche ; avec ``motif``, l'identité est lue dans le coffre et la consultation auditée."""
    possibles = procedure.actions_possibles(cas.statut, cas.resultat, visiteur.acteur.role)
    contexte: dict[str, Any] = {"identite": None}
    if motif is not None:
        ouvert = coffre(requete)
        identite = ouvert.identite(cas)
        explication, candidats = pour_la_fiche(cas.explication, cas.score, identite, ouvert.candidats(cas))
        contexte = {
            "identite": identite,
            "explication": explication,
            "cascade": fiche.cascade(explication),
            "candidats": candidats,
            "lignes": fiche.cote_a_cote(candidats),
            "decider": "choisir_candidat" in possibles and bool(candidats),
            "ecarter": "ecarter_candidats" in possibles,
            "actions": fiche.actions(possibles),
            "frise": fiche.frise(reg.historique(session, cas.id)),
            "commentaires": suivi.commentaires(session, cas.id, cas.cohorte, coffre=ouvert),
            **_suivi_du_referent(session, visiteur, cas),
        }
        auditer(session, visiteur.acteur, Action.CONSULTATION, cible=("cas", cas.id), motif=motif.value)
        session.commit()
    return rendre(
        requete,
        "fiche/fiche.html",
        titre=f"Cas {cas.id[:8]}" + (" : fiche complète" if motif is not None else ""),
        ariane=_ariane(cas.id),
        statut=statut,
        erreurs=erreurs,
        cas=cas,
        motif=motif,
        motifs=MOTIFS_PROPOSES,
        formulaire=formulaire,
        valeurs=valeurs or {},
        libelles=LIBELLES_FORMULAIRE,
        message=message,
        nom_commune=commune.nom if (commune := session.get(Commune, cas.commune)) else "",
        a_faire=fiche.a_faire(cas, possibles),
        echeance=echeance_de(cas),
        vide=Erreurs(),
        f=fiche,
        **contexte,
    )


@routeur.get("/cas/{cas_id}")
def fiche_du_cas(requete: Request, cas_id: str, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    with session_base(bdd_de(requete)) as session:
        cas = _cas(session, visiteur, cas_id, "consulter")
        message = MESSAGES_FAIT.get(fait, "")
        if not message and fait in procedure.PAR_ACTION:
            message = f"C'est enregistré : {procedure.PAR_ACTION[fait].libelle.lower()}."
        # Le motif choisi sur la liste ou sur une fiche vaut pour la session (``service/web/motif.py``).
        choisi = motif_choisi(requete, visiteur)
        return _page(requete, session, visiteur, cas, motif=choisi.motif if choisi else None, message=message)


@routeur.post("/cas/{cas_id}/consulter")
async def consulter(requete: Request, cas_id: str, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        cas = _cas(session, visiteur, cas_id, "consulter")
        motif = _motif(champs.get("motif_consultation", ""))
        if motif is None:
            erreurs = Erreurs()
            erreurs.ajouter("motif_consultation", "Choisissez pourquoi vous affichez l'identité de l'enfant.")
            return _page(requete, session, visiteur, cas, erreurs=erreurs, formulaire="motif", statut=422)
    # Le motif est gardé comme sur la liste des cas ; la fiche, rechargée, l'audite à chaque affichage.
    reponse = RedirectResponse(f"/cas/{cas.id}", status_code=303)
    choisir(reponse, visiteur, motif)
    return reponse


def _champ_en_faute(transition: procedure.Transition, message: str) -> str | None:
    """Le champ que vise un refus de la procédure, pour l'écrire à côté de lui (sinon en haut)."""
    if "uai" in transition.champs and "UAI" in message:
        return "uai"
    if len(transition.champs) == 1:
        return transition.champs[0]
    dates = [c for c in transition.champs if c in procedure.CHAMPS_DATES]
    return dates[0] if dates and "Date" in message else None


def _lire_action(
    champs: dict[str, str], cas: Cas, visiteur: Visiteur
) -> tuple[procedure.Transition | None, dict[str, str], Erreurs]:
    """L'action demandée et ses champs, vérifiés comme la procédure le fera, erreur par champ."""
    erreurs = Erreurs()
    transition = procedure.PAR_ACTION.get(champs.get("action", ""))
    possibles = procedure.actions_possibles(cas.statut, cas.resultat, visiteur.acteur.role)
    if transition is None or transition.action not in possibles:
        erreurs.generale = "Cette action n'est pas possible pour ce cas : rechargez la fiche."
        return None, {}, erreurs
    attendus = [
        Champ(c, LIBELLES_FORMULAIRE[c], 40, message_si_vide=SI_VIDE.get(c, "")) for c in transition.champs
    ]
    valeurs, erreurs = lire(champs, attendus)
    if not erreurs:
        try:
            procedure.valider(
                transition.action,
                statut=cas.statut,
                motif=cas.motif,
                resultat=cas.resultat,
                role=visiteur.acteur.role,
                champs=valeurs,
            )
        except procedure.TransitionRefusee as refus:
            _refus(erreurs, transition, str(refus))
    return transition, valeurs, erreurs


def _refus(erreurs: Erreurs, transition: procedure.Transition, message: str) -> None:
    if champ := _champ_en_faute(transition, message):
        erreurs.ajouter(champ, message)
    else:
        erreurs.generale = message


@routeur.post("/cas/{cas_id}/transitions")
async def transition(requete: Request, cas_id: str, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    motif = _motif(champs.pop("motif_consultation", ""))
    confirme = champs.pop(CONFIRMATION, "") == "oui"
    with session_base(bdd_de(requete)) as session:
        cas = _cas(session, visiteur, cas_id, "transition")
        action, valeurs, erreurs = _lire_action(champs, cas, visiteur)
        if action is not None and not erreurs and action.action in fiche.EFFET_JURIDIQUE and not confirme:
            return rendre(
                requete,
                "fiche/confirmation.html",
                titre=f"Confirmer : {action.libelle} (cas {cas.id[:8]})",
                ariane=[
                    *_ariane(cas.id)[:2],
                    Ariane(f"Cas {cas.id[:8]}", f"/cas/{cas.id}"),
                    Ariane("Confirmer"),
                ],
                cas=cas,
                transition=action,
                valeurs=valeurs,
                echeance_annoncee=echeance_apres(valeurs.get("date_notification", "")),
                motif=motif,
                f=fiche,
                libelles=LIBELLES_FORMULAIRE,
            )
        if action is not None and not erreurs:
            try:
                reste = reg.appliquer_transition(
                    session, visiteur.acteur, cas.id, action.action, dict(valeurs), coffre=coffre(requete)
                )
            except procedure.TransitionRefusee as refus:
                session.rollback()
                _refus(erreurs, action, str(refus))
            else:
                session.commit()
                if reste is None:
                    return rendre(
                        requete, "fiche/efface.html", titre="Cas effacé", ariane=_ariane(cas_id)[:2]
                    )
                return RedirectResponse(f"/cas/{cas.id}?fait={action.action}", status_code=303)
        cas = _cas(session, visiteur, cas_id, "consulter")
        return _page(
            requete,
            session,
            visiteur,
            cas,
            motif=motif,
            erreurs=erreurs,
            formulaire=action.action if action is not None else "",
            valeurs=valeurs,
            statut=422,
        )
