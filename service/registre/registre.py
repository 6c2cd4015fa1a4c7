"""Le registre des cas : création par les passages, transitions, lecture selon la portée."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from appariement.age import est_soumis
from service.acteur import SYSTEME, Acteur
from service.autorisation import RefusAutorisation
from service.base.connexion import jour_local, maintenant
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.modeles import Campagne, Cas, Commune, EvenementCas
from service.registre import procedure
from service.registre.cle import cle_enfant
from service.registre.coffre import Coffre, cohorte_de
from service.registre.consultation import MotifConsultation

ACTION_REPERAGE = "reperage"
ACTION_EFFACEMENT = "effacement"


class CasIntrouvable(LookupError):
    pass


@dataclass(frozen=True)
class Signalement:
    """Un enfant signalé par un passage, tel que le travailleur le rend (identité en clair, en mémoire)."""

    resultat: str
    identite: dict[str, Any]
    explication: str
    score: float | None
    candidats: list[dict[str, Any]] = field(default_factory=list)


def date_naissance_de(identite: dict[str, Any]) -> date | None:
    valeur = identite.get("date_naissance")
    if valeur is None or isinstance(valeur, date):
        return valeur
    return date.fromisoformat(str(valeur))


def cle_de(cle_hmac: bytes, identite: dict[str, Any]) -> str:
    return cle_enfant(
        cle_hmac,
        nom=identite.get("nom"),
        prenoms=identite.get("prenoms"),
        date_naissance=date_naissance_de(identite),
    )


def _departement(session: Session, commune: str) -> str:
    trouvee = session.get(Commune, commune)
    assert trouvee is not None
    return trouvee.departement


def _evenement(
    session: Session,
    cas: Cas,
    acteur: Acteur,
    *,
    action: str,
    de: str | None,
    vers: str,
    motif: str | None = None,
    date_effet: date | None = None,
    donnees: dict[str, Any] | None = None,
    campagne_id: str | None = None,
) -> EvenementCas:
    evenement = EvenementCas(
        cas_id=cas.id,
        commune=cas.commune,
        departement=_departement(session, cas.commune),
        campagne_id=campagne_id,
        action=action,
        de_statut=de,
        vers_statut=vers,
        motif=motif,
        date_effet=date_effet,
        donnees=donnees or {},
        acteur_id=acteur.id,
        acteur_role=acteur.role.value if acteur.role else "systeme",
    )
    session.add(evenement)
    return evenement


def cas_ouverts_de(session: Session, commune: str) -> list[Cas]:
    return list(
        session.exec(
            select(Cas).where(Cas.commune == commune, col(Cas.statut).in_(procedure.STATUTS_OUVERTS))
        )
    )


def enregistrer_signalements(
    session: Session,
    campagne: Campagne,
    signalements: list[Signalement],
    *,
    coffre: Coffre,
    cle_hmac: bytes,
) -> dict[str, int]:
    """Crée un cas par enfant nouvellement signalé ; un enfant déjà suivi garde son cas.

    Un cas clos parce que l'enfant a été vu inscrit est rouvert si une campagne créée après sa
    clôture le signale de nouveau : l'enfant a de nouveau disparu des effectifs. Les autres cas clos
    ne font que noter la campagne.

    Un enfant dont la durée de conservation est déjà échue (campagne datée du passé) n'entre pas
    au registre : il serait à effacer aussitôt, et la clé de sa cohorte peut être déjà détruite.
    """
    bilan = {"crees": 0, "deja_suivis": 0, "rouverts": 0, "hors_conservation": 0}
    vues: set[str] = set()
    aujourd_hui = jour_local()
    for signalement in signalements:
        cle = cle_de(cle_hmac, signalement.identite)
        if cle in vues:
            # Le même enfant sur deux listes (CAF et MSA) : un seul cas.
            continue
        vues.add(cle)
        cohorte = cohorte_de(date_naissance_de(signalement.identite), campagne.date_reference)
        if date(cohorte, 8, 31) < aujourd_hui:
            bilan["hors_conservation"] += 1
            continue
        existant = session.exec(
            select(Cas)
            .where(Cas.commune == campagne.commune, Cas.cle_appariement == cle)
            .order_by(col(Cas.cree_le).desc())
        ).first()
        if existant is not None:
            existant.campagne_derniere = campagne.id
            existant.mis_a_jour_le = maintenant()
            # Une campagne préparée avant la clôture (lancée en parallèle) ne prouve pas une nouvelle absence.
            if (
                procedure.a_rouvrir(existant.statut, existant.motif)
                and existant.clos_le is not None
                and campagne.creee_le > existant.clos_le
            ):
                _appliquer(session, SYSTEME, existant, procedure.REOUVERTURE, {}, campagne_id=campagne.id)
                # Une nouvelle situation : la DASEN ne la reçoit que si la mairie la transmet de nouveau.
                existant.transmis_le = existant.notification_le = existant.echeance = existant.clos_le = None
                bilan["rouverts"] += 1
            else:
                bilan["deja_suivis"] += 1
            if existant.statut == procedure.REPERE:
                existant.resultat = signalement.resultat
                existant.explication = signalement.explication
                existant.score = signalement.score
                coffre.ranger(existant, coffre.identite(existant), signalement.candidats)
            session.add(existant)
            continue
        cas = Cas(
            commune=campagne.commune,
            campagne_origine=campagne.id,
            campagne_derniere=campagne.id,
            resultat=signalement.resultat,
            cle_appariement=cle,
            cohorte=cohorte,
            cle_version=0,
            identite=b"",
            explication=signalement.explication,
            score=signalement.score,
        )
        coffre.ranger(cas, signalement.identite, signalement.candidats)
        session.add(cas)
        _evenement(
            session,
            cas,
            SYSTEME,
            action=ACTION_REPERAGE,
            de=None,
            vers=procedure.REPERE,
            campagne_id=campagne.id,
        )
        bilan["crees"] += 1
    return bilan


def clore_retrouves(session: Session, campagne: Campagne, cas_retrouves: list[Cas]) -> int:
    """Ferme les cas dont l'enfant figure désormais sur un effectif (transitions automatiques)."""
    for cas in cas_retrouves:
        _appliquer(
            session, SYSTEME, cas, procedure.constat_d_inscription(cas.statut), {}, campagne_id=campagne.id
        )
    return len(cas_retrouves)


def _verifier_date_effet(cas: Cas, vers: str, date_effet: date) -> None:
    """Une date saisie date l'étape dans les indicateurs : ni future, ni avant la mise en demeure."""
    if date_effet > jour_local():
        raise procedure.TransitionRefusee(
            f"Date du {date_effet:%d/%m/%Y} dans le futur : saisissez la date à laquelle c'est arrivé."
        )
    if vers == procedure.RESCOLARISE and cas.notification_le is not None and date_effet < cas.notification_le:
        raise procedure.TransitionRefusee(
            f"Date du {date_effet:%d/%m/%Y} antérieure à la notification de la mise en demeure "
            f"({cas.notification_le:%d/%m/%Y}) : vérifiez la date de rescolarisation."
        )


def _appliquer(
    session: Session,
    acteur: Acteur,
    cas: Cas,
    action: str,
    champs: dict[str, Any],
    *,
    coffre: Coffre | None = None,
    campagne_id: str | None = None,
) -> EvenementCas | None:
    try:
        transition, propres = procedure.valider(
            action,
            statut=cas.statut,
            motif=cas.motif,
            resultat=cas.resultat,
            role=acteur.role,
            champs=champs,
        )
    except procedure.RoleNonPermis as erreur:
        raise RefusAutorisation(str(erreur), action=f"transition_{action}", cible=("cas", cas.id)) from None
    instant = maintenant()
    de = cas.statut
    date_effet: date | None = propres.get("date") or propres.get("date_notification")
    if date_effet is not None:
        _verifier_date_effet(cas, transition.vers, date_effet)
    donnees: dict[str, Any] = {}
    if transition.action == "mettre_en_demeure":
        assert coffre is not None
        naissance = date_naissance_de(coffre.identite(cas))
        notification = propres["date_notification"]
        if naissance is None:
            raise procedure.TransitionRefusee(
                "Date de naissance inconnue : impossible de vérifier que l'enfant a entre 3 et 16 ans. "
                "Classez le cas (erreur de données) ou faites compléter la liste."
            )
        if not est_soumis(naissance, notification):
            raise procedure.TransitionRefusee(
                "À la date de notification, l'enfant n'est pas soumis à l'obligation d'instruction "
                "(3 à 16 ans) : la mise en demeure est impossible. Classez le cas (hors obligation)."
            )
        cas.notification_le = notification
        cas.echeance = notification + timedelta(days=procedure.DELAI_MISE_EN_DEMEURE_JOURS)
        donnees["echeance"] = cas.echeance.isoformat()
    if transition.action == "choisir_candidat":
        assert coffre is not None
        ids = {c.get("id") for c in coffre.candidats(cas)}
        if propres["id_inscrit"] not in ids:
            raise procedure.TransitionRefusee("Cet élève ne figure pas parmi les candidats du cas.")
        donnees["id_inscrit"] = propres["id_inscrit"]
    if transition.action == "ecarter_candidats":
        cas.resultat = "non_apparie"
    if "uai" in propres:
        donnees["uai"] = propres["uai"]
    cas.statut = transition.vers
    cas.motif = propres.get("motif", cas.motif if transition.vers == de else None)
    cas.mis_a_jour_le = instant
    # Les candidats sont d'autres enfants, trouvés sur un effectif : ils ne servent qu'à trier le cas.
    # Une fois une décision prise, ils ne sont plus gardés, et la DASEN ne les reçoit jamais.
    cas.candidats, cas.candidats_cle = None, None
    if transition.vers == procedure.TRANSMIS:
        cas.transmis_le = instant
    if transition.vers in procedure.STATUTS_CLOS:
        cas.clos_le = instant
    session.add(cas)
    auditer(
        session,
        acteur,
        Action.TRANSITION,
        cible=("cas", cas.id),
        details={
            "action": transition.action,
            "de": de,
            "vers": transition.vers,
            "motif": propres.get("motif"),
        },
    )
    if transition.vers == de:
        # Décision sans changement d'étape (candidats écartés) : auditée, mais pas une étape de la procédure.
        return None
    return _evenement(
        session,
        cas,
        acteur,
        action=transition.action,
        de=de,
        vers=transition.vers,
        motif=propres.get("motif"),
        date_effet=date_effet,
        donnees=donnees,
        campagne_id=campagne_id,
    )


def appliquer_transition(
    session: Session, acteur: Acteur, cas_id: str, action: str, champs: dict[str, Any], *, coffre: Coffre
) -> Cas | None:
    """Une décision humaine sur un cas ; rend le cas, ou ``None`` s'il a été effacé (déménagement)."""
    cas = cas_visible(session, acteur, cas_id, operation="transition")
    _appliquer(session, acteur, cas, action, champs, coffre=coffre)
    if cas.statut == procedure.CLASSE and cas.motif == "demenage":
        effacer(session, acteur, cas, motif="déménagement : l'enfant ne réside plus dans la commune")
        return None
    return cas


def effacer(session: Session, acteur: Acteur, cas: Cas, *, motif: str) -> None:
    """Efface le cas et son identité ; ses événements (sans donnée personnelle) demeurent.

    L'identifiant de l'élève choisi parmi les candidats (identifiant de sa liste, ELEVE_ID de
    SIECLE par exemple) désigne un enfant : il part avec le cas.
    """
    for etape in historique(session, cas.id):
        if "id_inscrit" in etape.donnees:
            etape.donnees = {cle: v for cle, v in etape.donnees.items() if cle != "id_inscrit"}
            session.add(etape)
    _evenement(session, cas, acteur, action=ACTION_EFFACEMENT, de=cas.statut, vers=procedure.PURGE)
    auditer(session, acteur, Action.PURGE, cible=("cas", cas.id), motif=motif)
    session.delete(cas)


def _portee(acteur: Acteur, operation: str) -> sa.ColumnElement[bool]:
    """La condition SQL des cas visibles par l'acteur ; refus pour les rôles qui n'en voient aucun."""
    if acteur.role is Role.AGENT_COMMUNE:
        return col(Cas.commune).in_(sorted(acteur.communes))
    if acteur.role is Role.REFERENT_DSDEN:
        communes = select(Commune.insee).where(Commune.departement == acteur.departement)
        return sa.and_(col(Cas.transmis_le).is_not(None), col(Cas.commune).in_(communes))
    raise RefusAutorisation("Votre rôle ne donne accès à aucun cas.", action=f"cas_{operation}")


def cas_visible(session: Session, acteur: Acteur, cas_id: str, *, operation: str) -> Cas:
    condition = _portee(acteur, operation)
    cas = session.exec(select(Cas).where(Cas.id == cas_id, condition)).first()
    if cas is None:
        if session.get(Cas, cas_id) is not None:
            raise RefusAutorisation(
                "Ce cas n'est pas dans votre périmètre.", action=f"cas_{operation}", cible=("cas", cas_id)
            )
        raise CasIntrouvable("Cas introuvable (ou effacé).")
    return cas


@dataclass(frozen=True)
class Page:
    total: int
    cas: list[Cas]


def lister(
    session: Session,
    acteur: Acteur,
    *,
    statut: str | None = None,
    commune: str | None = None,
    echeance_depassee: bool = False,
    aujourd_hui: date | None = None,
    page: int = 1,
    par_page: int = 50,
) -> Page:
    conditions = [_portee(acteur, "lister")]
    if statut:
        conditions.append(col(Cas.statut) == statut)
    if commune:
        conditions.append(col(Cas.commune) == commune)
    if echeance_depassee:
        jour = aujourd_hui or maintenant().date()
        conditions.append(col(Cas.statut) == procedure.MISE_EN_DEMEURE)
        conditions.append(col(Cas.echeance) < jour)
    total = session.exec(select(func.count()).select_from(Cas).where(*conditions)).one()
    lignes = session.exec(
        select(Cas)
        .where(*conditions)
        .order_by(col(Cas.mis_a_jour_le).desc(), col(Cas.id))
        .offset((page - 1) * par_page)
        .limit(par_page)
    ).all()
    return Page(total=total, cas=list(lignes))


def historique(session: Session, cas_id: str) -> list[EvenementCas]:
    return list(
        session.exec(select(EvenementCas).where(EvenementCas.cas_id == cas_id).order_by(col(EvenementCas.id)))
    )


def _fiches_examinees(cas: Cas, etapes: list[EvenementCas], coffre: Coffre) -> str:
    """Ce que le droit d'accès dit des candidats : leur nombre, jamais leur identité.

    Les candidats sont d'autres enfants, lus sur un effectif : le droit d'accès donne à la personne
    ses propres données, jamais celles d'un tiers.
    """
    if any(e.action == "choisir_candidat" for e in etapes):
        return "Une fiche d'élève retenue : l'enfant y a été reconnu inscrit."
    nombre = len(coffre.candidats(cas))
    if nombre == 0:
        return "Aucune fiche d'élève n'est conservée pour ce cas."
    if nombre == 1:
        return "1 fiche d'élève examinée, aucune retenue."
    return f"{nombre} fiches d'élèves examinées, aucune retenue."


def _explication(cas: Cas) -> Any:
    """L'explication de la décision d'appariement, avec ses scores (niveaux d'accord, sans identité)."""
    try:
        return json.loads(cas.explication)
    except ValueError:
        return cas.explication


def droit_acces(
    session: Session,
    acteur: Acteur,
    *,
    nom: str,
    prenoms: str,
    date_naissance: date | None,
    motif: MotifConsultation,
    coffre: Coffre,
    cle_hmac: bytes,
) -> list[dict[str, Any]]:
    """Ce que le registre détient sur une personne (RGPD, art. 15), et sur elle seule : réservé au
    DPO, audité avec le code de son motif.

    L'identité telle que reçue, le cas et ses étapes, l'explication et ses scores ; des candidats,
    seulement leur nombre.
    """
    if acteur.role is not Role.DPO:
        raise RefusAutorisation("Le droit d'accès est exercé par le DPO.", action="droit_acces")
    cle = cle_enfant(cle_hmac, nom=nom, prenoms=prenoms, date_naissance=date_naissance)
    trouves = list(session.exec(select(Cas).where(Cas.cle_appariement == cle).order_by(col(Cas.cree_le))))
    export = []
    for cas in trouves:
        etapes = historique(session, cas.id)
        export.append(
            {
                "cas": cas.id,
                "commune": cas.commune,
                "statut": cas.statut,
                "motif": cas.motif,
                "resultat_appariement": cas.resultat,
                "cree_le": cas.cree_le,
                "cohorte_de_conservation": cas.cohorte,
                "identite": coffre.identite(cas),
                "score": cas.score,
                "explication": _explication(cas),
                "candidats": _fiches_examinees(cas, etapes, coffre),
                "historique": [
                    {
                        "survenu_le": e.survenu_le,
                        "action": e.action,
                        "de": e.de_statut,
                        "vers": e.vers_statut,
                        "motif": e.motif,
                        "date_effet": e.date_effet,
                        "donnees": e.donnees,
                    }
                    for e in etapes
                ],
            }
        )
    auditer(
        session,
        acteur,
        Action.EXPORT_DROIT_ACCES,
        motif=motif.value,
        details={"cas": [c.id for c in trouves]},
    )
    return export
