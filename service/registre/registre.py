"""Le registre des cas : création par les passages, transitions, lecture selon la portée."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from conventions.texte import normaliser
from service.acteur import SYSTEME, Acteur
from service.autorisation import RefusAutorisation
from service.base.connexion import jour_local, maintenant
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.modeles import Campagne, Cas, CommentaireCas, Commune, EvenementCas, LettreCas
from service.registre import explication, procedure, revue
from service.registre.cle import cle_enfant
from service.registre.coffre import Coffre, cohorte_de, date_naissance_de, premiere_cohorte_conservee
from service.registre.consultation import MotifConsultation


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
    # La liste d'où vient l'enfant (source et fichier) : la même identité sur deux listes est un même
    # enfant (CAF et MSA) ; deux fois sur une même liste, ce sont deux enfants.
    liste: str = ""


def _prenoms(identite: dict[str, Any]) -> list[str]:
    return normaliser(identite.get("prenoms") or "").split()


def _meme_enfant(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Deux identités de même clé (nom, premier prénom, date) sont le même enfant si leurs prénoms
    s'accordent : « Maëlle Rose » et « Maëlle » oui ; « Marie-Lou » et « Marie-Jade », des jumeaux, non."""
    pa, pb = _prenoms(a), _prenoms(b)
    n = min(len(pa), len(pb))
    return pa[:n] == pb[:n]


def _cas_suivi(
    session: Session, commune: str, cle: str, identite: dict[str, Any], pris: set[str], coffre: Coffre
) -> Cas | None:
    """Le cas déjà ouvert pour cet enfant : même clé, prénoms qui s'accordent, et pas déjà donné à un
    autre enfant de ce passage (deux enfants d'une fratrie n'ont jamais un seul cas)."""
    for cas in session.exec(
        select(Cas)
        .where(Cas.commune == commune, Cas.cle_appariement == cle)
        .order_by(col(Cas.cree_le).desc())
    ):
        if cas.id not in pris and _meme_enfant(coffre.identite(cas), identite):
            return cas
    return None


#: Ce qui distingue encore deux enfants dont la liste ne donne pas le nom ou le prénom.
_COMPLEMENTS_CLE = ("sexe", "nom_allocataire", "prenom_allocataire", "adresse", "code_postal", "remarque")


def cle_de(cle_hmac: bytes, identite: dict[str, Any]) -> str:
    incomplete = not identite.get("nom") or not identite.get("prenoms")
    return cle_enfant(
        cle_hmac,
        nom=identite.get("nom"),
        prenoms=identite.get("prenoms"),
        date_naissance=date_naissance_de(identite),
        complements=tuple(str(identite.get(c) or "") for c in _COMPLEMENTS_CLE) if incomplete else (),
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
    vues: dict[str, list[Signalement]] = {}
    pris: set[str] = set()
    premiere_conservee = premiere_cohorte_conservee(jour_local())
    for signalement in signalements:
        cle = cle_de(cle_hmac, signalement.identite)
        deja = vues.setdefault(cle, [])
        if any(v.liste != signalement.liste and _meme_enfant(v.identite, signalement.identite) for v in deja):
            # Le même enfant sur deux listes (CAF et MSA) : un seul cas.
            continue
        deja.append(signalement)
        cohorte = cohorte_de(date_naissance_de(signalement.identite), campagne.date_reference)
        if cohorte < premiere_conservee:
            bilan["hors_conservation"] += 1
            continue
        existant = _cas_suivi(session, campagne.commune, cle, signalement.identite, pris, coffre)
        if existant is not None:
            pris.add(existant.id)
            existant.campagne_derniere = campagne.id
            existant.mis_a_jour_le = maintenant()
            reouverture = procedure.reouverture(existant.statut, existant.motif)
            # Une campagne préparée avant la clôture (lancée en parallèle) ne prouve pas une nouvelle absence.
            if (
                reouverture is not None
                and existant.clos_le is not None
                and campagne.creee_le > existant.clos_le
            ):
                _appliquer(session, SYSTEME, existant, reouverture, {}, campagne_id=campagne.id)
                bilan["rouverts"] += 1
            else:
                bilan["deja_suivis"] += 1
            # Pas encore trié : le cas prend le résultat d'appariement le plus récent.
            if existant.statut == procedure.REPERAGE.vers:
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
        pris.add(cas.id)
        _evenement(
            session,
            cas,
            SYSTEME,
            action=procedure.REPERAGE.action,
            de=None,
            vers=procedure.REPERAGE.vers,
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


def _appliquer(
    session: Session,
    acteur: Acteur,
    cas: Cas,
    action: str,
    champs: dict[str, Any],
    *,
    coffre: Coffre | None = None,
    campagne_id: str | None = None,
) -> procedure.Contexte:
    """Valide et fait jouer une ligne de la table, l'audite et en garde l'étape ; rend son contexte."""
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
    de = cas.statut
    contexte = procedure.Contexte(cas, propres, maintenant(), coffre)
    if etapes := historique(session, cas.id):
        contexte.jour_etape_precedente = etapes[-1].date_effet or jour_local(etapes[-1].survenu_le)
    procedure.effectuer(transition, contexte)
    session.add(cas)
    revue.garder(session, cas.commune, contexte.retours, jour_local(contexte.instant))
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
    # Une décision sans changement d'étape (candidats écartés) est auditée, mais n'est pas une étape.
    if transition.vers != de:
        _evenement(
            session,
            cas,
            acteur,
            action=transition.action,
            de=de,
            vers=transition.vers,
            motif=propres.get("motif"),
            date_effet=contexte.date_effet,
            donnees=contexte.donnees,
            campagne_id=campagne_id,
        )
    return contexte


def appliquer_transition(
    session: Session, acteur: Acteur, cas_id: str, action: str, champs: dict[str, Any], *, coffre: Coffre
) -> Cas | None:
    """Une décision humaine sur un cas ; rend le cas, ou ``None`` s'il a été effacé (déménagement)."""
    cas = cas_visible(session, acteur, cas_id, operation="transition")
    contexte = _appliquer(session, acteur, cas, action, champs, coffre=coffre)
    if contexte.effacement is not None:
        effacer(session, acteur, cas, motif=contexte.effacement)
        return None
    return cas


def effacer(session: Session, acteur: Acteur, cas: Cas, *, motif: str) -> None:
    """Efface le cas et son identité ; ses événements (sans donnée personnelle) demeurent.

    L'identifiant de l'élève choisi parmi les candidats (identifiant de sa liste, ELEVE_ID de
    SIECLE par exemple) désigne un enfant : il part avec le cas.
    """
    for etape in historique(session, cas.id):
        if not procedure.DONNEES_NOMINATIVES.isdisjoint(etape.donnees):
            etape.donnees = {
                cle: v for cle, v in etape.donnees.items() if cle not in procedure.DONNEES_NOMINATIVES
            }
            session.add(etape)
    # Commentaires et lettres nomment l'enfant : ils partent avec lui.
    for piece in (CommentaireCas, LettreCas):
        session.execute(sa.delete(piece).where(col(piece.cas_id) == cas.id))
    effacement = procedure.EFFACEMENT
    _evenement(session, cas, acteur, action=effacement.action, de=cas.statut, vers=effacement.vers)
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
    statuts: Collection[str] = (),
    resultat: str | None = None,
    commune: str | None = None,
    campagne: str | None = None,
    echeance_depassee: bool = False,
    aujourd_hui: date | None = None,
    ordre: Sequence[Any] = (),
    page: int = 1,
    par_page: int = 50,
) -> Page:
    """Une page des cas visibles par l'acteur, filtrés, dans l'``ordre`` demandé (clés de tri SQL sur
    des colonnes sans identité), puis toujours du plus récemment mis à jour au plus ancien."""
    conditions = [_portee(acteur, "lister")]
    if statut:
        conditions.append(col(Cas.statut) == statut)
    if statuts:
        conditions.append(col(Cas.statut).in_(sorted(statuts)))
    if resultat:
        conditions.append(col(Cas.resultat) == resultat)
    if commune:
        conditions.append(col(Cas.commune) == commune)
    if campagne:
        # Les cas que la campagne a repérés, ou signalés de nouveau en dernier.
        conditions.append(
            sa.or_(col(Cas.campagne_origine) == campagne, col(Cas.campagne_derniere) == campagne)
        )
    if echeance_depassee:
        jour = aujourd_hui or maintenant().date()
        conditions.append(col(Cas.statut).in_(procedure.STATUTS_A_ECHEANCE))
        conditions.append(col(Cas.echeance) < jour)
    total = session.exec(select(func.count()).select_from(Cas).where(*conditions)).one()
    lignes = session.exec(
        select(Cas)
        .where(*conditions)
        # La dernière clé (l'identifiant) rend l'ordre total : une page donne toujours les mêmes cas.
        .order_by(*ordre, col(Cas.mis_a_jour_le).desc(), col(Cas.id))
        .offset((page - 1) * par_page)
        .limit(par_page)
    ).all()
    return Page(total=total, cas=list(lignes))


def filtres_possibles(session: Session, acteur: Acteur) -> tuple[list[str], list[str]]:
    """Les communes et les campagnes où l'acteur a des cas : ce que ses listes peuvent filtrer."""
    condition = _portee(acteur, "lister")
    communes = session.exec(select(Cas.commune).where(condition).distinct()).all()
    campagnes = {
        campagne
        for colonne in (Cas.campagne_origine, Cas.campagne_derniere)
        for campagne in session.exec(select(colonne).where(condition).distinct())
    }
    return sorted(communes), sorted(campagnes)


def historique(session: Session, cas_id: str) -> list[EvenementCas]:
    return list(
        session.exec(select(EvenementCas).where(EvenementCas.cas_id == cas_id).order_by(col(EvenementCas.id)))
    )


def _fiches_examinees(cas: Cas, etapes: list[EvenementCas], coffre: Coffre) -> str:
    """Ce que le droit d'accès dit des candidats : leur nombre, jamais leur identité.

    Les candidats sont d'autres enfants, lus sur un effectif : le droit d'accès donne à la personne
    ses propres données, jamais celles d'un tiers.
    """
    if any(procedure.FICHE_RETENUE in e.donnees for e in etapes):
        return "Une fiche d'élève retenue : l'enfant y a été reconnu inscrit."
    nombre = len(coffre.candidats(cas))
    if nombre == 0:
        return "Aucune fiche d'élève n'est conservée pour ce cas."
    if nombre == 1:
        return "1 fiche d'élève examinée, aucune retenue."
    return f"{nombre} fiches d'élèves examinées, aucune retenue."


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
    demandee = {"prenoms": prenoms}
    trouves = [
        cas
        for cas in session.exec(select(Cas).where(Cas.cle_appariement == cle).order_by(col(Cas.cree_le)))
        if _meme_enfant(coffre.identite(cas), demandee)
    ]
    export = []
    for cas in trouves:
        etapes = historique(session, cas.id)
        identite = coffre.identite(cas)
        export.append(
            {
                "cas": cas.id,
                "commune": cas.commune,
                "statut": cas.statut,
                "motif": cas.motif,
                "resultat_appariement": cas.resultat,
                "cree_le": cas.cree_le,
                "cohorte_de_conservation": cas.cohorte,
                "identite": identite,
                "score": cas.score,
                "explication": explication.pour_droit_acces(cas.explication, identite),
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
