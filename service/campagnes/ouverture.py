"""Ouvrir une campagne : création, dépôt des sources, lancement (mise en file d'un travail)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from chiffrement import TAILLE_DEBUT_7Z, ArchiveRefusee, sceller, taille_annoncee_7z
from chiffrement.archives import MIO
from conventions import Convention, UsageRefuse
from service import referentiel
from service.acteur import Acteur
from service.autorisation import exiger_commune
from service.base.connexion import maintenant
from service.campagnes import etats, verification
from service.cles import cle_publique_travailleur
from service.journal_audit import Aboutissement, Action, auditer
from service.modeles import Campagne, Commune, Source, Travail, Utilisateur
from service.parametres import parametres


class CampagneInvalide(ValueError):
    """Demande impossible sur une campagne ; le message dit quoi faire."""


class CampagneIntrouvable(LookupError):
    pass


def creer(session: Session, acteur: Acteur, *, commune: str, date_reference: date, libelle: str) -> Campagne:
    exiger_commune(acteur, commune, action="campagne_creer", cible=("commune", commune))
    if session.get(Commune, commune) is None:
        raise CampagneInvalide(f"Commune {commune} inconnue : demandez à l'administrateur de l'enregistrer.")
    if (futur := verification.date_reference_future(date_reference)) is not None:
        raise CampagneInvalide(futur)
    libelle = libelle.strip()
    if not libelle:
        raise CampagneInvalide("Donnez un libellé à la campagne (par exemple « Rentrée 2026 »).")
    campagne = Campagne(
        commune=commune, date_reference=date_reference, libelle=libelle[:200], creee_par=acteur.id
    )
    session.add(campagne)
    session.flush()
    auditer(
        session, acteur, Action.CAMPAGNE_CREEE, cible=("campagne", campagne.id), details={"commune": commune}
    )
    return campagne


def campagne_visible(session: Session, acteur: Acteur, campagne_id: str, *, operation: str) -> Campagne:
    """La campagne, si elle concerne l'une des communes de l'agent (refus audité sinon)."""
    campagne = session.get(Campagne, campagne_id)
    if campagne is None:
        raise CampagneIntrouvable("Campagne introuvable.")
    exiger_commune(acteur, campagne.commune, action=operation, cible=("campagne", campagne_id))
    return campagne


def lister(session: Session, acteur: Acteur) -> list[Campagne]:
    return list(
        session.exec(
            select(Campagne)
            .where(col(Campagne.commune).in_(sorted(acteur.communes)))
            .order_by(col(Campagne.creee_le).desc())
        )
    )


def sources_de(session: Session, campagne_id: str) -> list[Source]:
    return list(
        session.exec(select(Source).where(Source.campagne_id == campagne_id).order_by(col(Source.deposee_le)))
    )


@dataclass(frozen=True)
class Depot:
    source: Source
    deja_recue_le: str | None


class DepotTropGros(CampagneInvalide):
    """Le dépôt dépasse une limite de taille : par source, par campagne ou par compte."""


@dataclass(frozen=True)
class PlaceDeDepot:
    """Ce qu'un dépôt peut encore apporter, et ce qu'on dit à l'agent s'il le dépasse."""

    octets: int
    refus: str
    # Ce qui reste au compte (archives gardées déduites) : ses envois simultanés se le partagent.
    reste_du_compte: int | None = None


def _mio(octets: int) -> str:
    return f"{octets / MIO:.0f} Mio" if octets >= MIO else f"{octets / 1024:.0f} Kio"


def phrase(message: str) -> str:
    """Un message d'erreur du chiffrement (sans majuscule ni point) en phrase pour l'agent."""
    return message[:1].upper() + message[1:] + "."


def _gardees(session: Session, *conditions: Any) -> int:
    """Octets des archives encore gardées (pas encore passées) qui répondent aux conditions."""
    total = session.exec(
        select(func.coalesce(func.sum(Source.taille), 0)).where(col(Source.archive).is_not(None), *conditions)
    ).one()
    return int(total)


def place_de_depot(session: Session, acteur: Acteur, campagne: Campagne) -> PlaceDeDepot:
    """La plus petite des trois limites : par source, reste de la campagne, reste du compte.

    Un agent ne peut ainsi ni remplir la base ni épuiser la mémoire du service : chaque limite se règle
    (``CELLULE_ARCHIVE_TAILLE_MAX_MIO``, ``CELLULE_CAMPAGNE_TAILLE_MAX_MIO``,
    ``CELLULE_COMPTE_TAILLE_MAX_MIO``).
    """
    _exiger_modifiable(campagne)
    reglages = parametres()
    par_source = reglages.limites_archive().taille_archive_max
    places = [
        PlaceDeDepot(
            par_source,
            f"Archive trop grosse : une source ne dépasse pas {_mio(par_source)} "
            "(CELLULE_ARCHIVE_TAILLE_MAX_MIO). Demandez au partenaire de découper l'envoi.",
        )
    ]
    par_campagne = reglages.campagne_taille_max_mio * MIO
    dans_campagne = _gardees(session, Source.campagne_id == campagne.id)
    places.append(
        PlaceDeDepot(
            max(par_campagne - dans_campagne, 0),
            f"La campagne garde déjà {_mio(dans_campagne)} d'archives, au plus {_mio(par_campagne)} au "
            "total (CELLULE_CAMPAGNE_TAILLE_MAX_MIO) : retirez une source inutile ou lancez la campagne.",
        )
    )
    reste_du_compte = None
    if acteur.id is not None:
        par_compte = reglages.compte_taille_max_mio * MIO
        du_compte = _gardees(session, Source.deposee_par == acteur.id)
        reste_du_compte = max(par_compte - du_compte, 0)
        places.append(
            PlaceDeDepot(
                reste_du_compte,
                f"Vos archives en attente font déjà {_mio(du_compte)}, au plus {_mio(par_compte)} par compte "
                "(CELLULE_COMPTE_TAILLE_MAX_MIO) : lancez ou retirez vos dépôts en attente avant d'en "
                "ajouter.",
            )
        )
    return replace(min(places, key=lambda place: place.octets), reste_du_compte=reste_du_compte)


def _exiger_modifiable(campagne: Campagne) -> None:
    if campagne.etat not in etats.ETATS_MODIFIABLES:
        raise CampagneInvalide(
            f"La campagne est « {campagne.etat} » : on n'y dépose plus de fichier. "
            "Créez une nouvelle campagne."
        )


def verifier_depot_possible(session: Session, campagne: Campagne, convention_id: str) -> Convention:
    """Refuse ce qui se voit sans l'archive : état de la campagne, convention et son usage."""
    _exiger_modifiable(campagne)
    convention = referentiel.convention(session, convention_id)
    if convention is None:
        raise CampagneInvalide(
            f"Convention « {convention_id} » inconnue : choisissez-en une de GET /api/v1/conventions."
        )
    try:
        convention.verifier_usage(campagne.commune, maintenant().date())
    except UsageRefuse as erreur:
        raise CampagneInvalide(str(erreur)) from None
    return convention


def _verifier_archive(archive: bytes) -> None:
    """Refuse ce qui n'est pas une archive 7z entière : rien de tel n'est gardé ni examiné."""
    if not archive:
        raise CampagneInvalide("Le fichier reçu est vide : déposez l'archive 7z transmise par le partenaire.")
    try:
        annoncee = taille_annoncee_7z(archive[:TAILLE_DEBUT_7Z])
    except ArchiveRefusee as erreur:
        # Refusé dès le dépôt : un fichier en clair (CSV…) ne doit pas être gardé en base.
        raise CampagneInvalide(phrase(erreur.message)) from None
    if len(archive) != annoncee:
        raise CampagneInvalide(
            f"Archive incomplète ou rallongée ({_mio(len(archive))} reçus, son en-tête en annonce "
            f"{_mio(annoncee)}) : déposez-la de nouveau, ou demandez au partenaire de la renvoyer."
        )


def _verifier_depot(
    session: Session,
    acteur: Acteur,
    campagne: Campagne,
    *,
    taille: int,
    empreinte: str,
    mot_de_passe: str | None,
    convention_id: str,
) -> Convention:
    """Ce qui se refuse sans ouvrir l'archive : convention, mot de passe exigé, place, doublon."""
    convention = verifier_depot_possible(session, campagne, convention_id)
    if not mot_de_passe and not convention.archive_non_chiffree_autorisee:
        raise CampagneInvalide(
            "Mot de passe obligatoire : la convention impose une archive chiffrée. Saisissez le mot de passe "
            "transmis à part (téléphone, SMS)."
        )
    place = place_de_depot(session, acteur, campagne)
    if taille > place.octets:
        raise DepotTropGros(place.refus)
    if any(s.sha256 == empreinte for s in sources_de(session, campagne.id)):
        raise CampagneInvalide("Cette archive a déjà été déposée dans cette campagne.")
    return convention


def avant_examen(
    session: Session,
    acteur: Acteur,
    campagne_id: str,
    *,
    archive: bytes,
    mot_de_passe: str | None,
    convention_id: str,
) -> tuple[Campagne, Convention]:
    """Avant d'examiner l'archive (lecture seule, sans verrou) : tout ce qui se refuse sans l'ouvrir.

    ``deposer`` refait ces vérifications sous verrou une fois l'archive examinée.
    """
    _verifier_archive(archive)
    campagne = campagne_visible(session, acteur, campagne_id, operation="source_deposer")
    convention = _verifier_depot(
        session,
        acteur,
        campagne,
        taille=len(archive),
        empreinte=hashlib.sha256(archive).hexdigest(),
        mot_de_passe=mot_de_passe,
        convention_id=convention_id,
    )
    return campagne, convention


def refuser_depot(
    session: Session,
    acteur: Acteur,
    campagne_id: str,
    *,
    identifiant: str,
    archive: bytes,
    convention_id: str,
    code: str,
) -> None:
    """Écrit au journal le refus d'une archive examinée : l'identifiant qu'elle aurait eu, le motif codé."""
    auditer(
        session,
        acteur,
        Action.DEPOT,
        cible=("campagne", campagne_id),
        resultat=Aboutissement.REFUS,
        details={
            "source": identifiant,
            "examen": "refusee",
            "motif": code,
            "sha256": hashlib.sha256(archive).hexdigest(),
            "taille": len(archive),
            "convention": convention_id,
        },
    )


def deposer(
    session: Session,
    acteur: Acteur,
    campagne_id: str,
    *,
    archive: bytes,
    nom_fichier: str,
    mot_de_passe: str | None,
    convention_id: str,
    identifiant: str | None = None,
    examen: dict[str, Any] | None = None,
) -> Depot:
    """Garde l'archive telle que reçue et scelle son mot de passe pour le travailleur.

    ``identifiant`` : celui de la source, déjà donné à l'examen ; ``examen`` : son résumé (comptes,
    motifs des lignes illisibles), gardé avec la source. L'empreinte et le scellement sont calculés
    avant la première requête de ``session`` : sur SQLite, la transaction (qui prend le verrou
    d'écriture dès son début) reste courte même pour une grosse archive. Lève ``CampagneIntrouvable``,
    ``DepotTropGros`` ou ``CampagneInvalide``.
    """
    _verifier_archive(archive)
    empreinte = hashlib.sha256(archive).hexdigest()
    scelle = (
        sceller(mot_de_passe.encode("utf-8"), cle_publique_travailleur(parametres()))
        if mot_de_passe
        else None
    )
    if acteur.id is not None:
        # PostgreSQL : deux dépôts simultanés du même compte ou dans la même campagne passent l'un
        # après l'autre, sans quoi chacun verrait la place d'avant l'autre (SQLite sérialise déjà).
        session.exec(select(Utilisateur.id).where(Utilisateur.id == acteur.id).with_for_update()).all()
    campagne = campagne_visible(session, acteur, campagne_id, operation="source_deposer")
    session.refresh(campagne, with_for_update=True)
    convention = _verifier_depot(
        session,
        acteur,
        campagne,
        taille=len(archive),
        empreinte=empreinte,
        mot_de_passe=mot_de_passe,
        convention_id=convention_id,
    )
    precedente = session.exec(
        select(Source).where(Source.sha256 == empreinte).order_by(col(Source.deposee_le))
    ).first()
    source = Source(
        campagne_id=campagne.id,
        convention=convention.identifiant,
        nom_fichier=nom_fichier[-200:] or "archive.7z",
        sha256=empreinte,
        taille=len(archive),
        archive=archive,
        mot_de_passe_scelle=scelle,
        examen=examen,
        deposee_par=acteur.id,
    )
    if identifiant is not None:
        source.id = identifiant
    session.add(source)
    session.flush()
    auditer(
        session,
        acteur,
        Action.DEPOT,
        cible=("campagne", campagne.id),
        details={
            "source": source.id,
            "sha256": empreinte,
            "taille": len(archive),
            "convention": convention.identifiant,
            "deja_recue": precedente is not None,
            "examen": "acceptee" if examen is not None else "non_examinee",
        },
    )
    return Depot(source, precedente.deposee_le.isoformat() if precedente else None)


def retirer_source(session: Session, acteur: Acteur, campagne: Campagne, source_id: str) -> None:
    if campagne.etat not in etats.ETATS_MODIFIABLES:
        raise CampagneInvalide(f"La campagne est « {campagne.etat} » : ses sources ne se modifient plus.")
    source = session.get(Source, source_id)
    if source is None or source.campagne_id != campagne.id:
        raise CampagneIntrouvable("Source introuvable dans cette campagne.")
    session.delete(source)
    auditer(
        session, acteur, Action.DEPOT, cible=("campagne", campagne.id), details={"source_retiree": source_id}
    )


def lancer(
    session: Session, acteur: Acteur, campagne: Campagne, *, confirmer_avertissements: bool = False
) -> Travail:
    """Met la campagne en file ; un travailleur la prendra.

    Refuse un avertissement bloquant, et ceux à confirmer tant que l'agent ne les a pas confirmés
    (``verification``) ; les avertissements confirmés sont écrits au journal avec le lancement.
    """
    if campagne.etat not in etats.ETATS_MODIFIABLES:
        raise CampagneInvalide(f"La campagne est déjà « {campagne.etat} ».")
    sources = sources_de(session, campagne.id)
    avertissements = verification.verifier(session, campagne)
    refus = verification.refus_de_lancement(avertissements, confirmes=confirmer_avertissements)
    if refus is not None:
        raise CampagneInvalide(refus)
    campagne.etat = etats.apres("campagne", "lancer", campagne.etat)
    campagne.etape = "en file d'attente"
    campagne.pourcentage = 0
    campagne.erreurs = []
    campagne.lancee_le = maintenant()
    travail = Travail(campagne_id=campagne.id)
    session.add(campagne)
    session.add(travail)
    session.flush()
    auditer(
        session,
        acteur,
        Action.TRAVAIL_DEBUT,
        cible=("campagne", campagne.id),
        details={
            "travail": travail.id,
            "etape": "mise_en_file",
            "sources": len(sources),
            "avertissements_confirmes": [a.code for a in avertissements if a.gravite == "a_confirmer"],
        },
    )
    return travail
