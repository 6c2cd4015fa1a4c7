"""Campagnes : création, dépôt des sources, lancement (mise en file d'un travail)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from chiffrement import sceller
from conventions import UsageRefuse
from service import referentiel
from service.acteur import Acteur
from service.archives7z import est_une_archive_7z
from service.autorisation import exiger_commune
from service.base.moteur import maintenant
from service.cles import cle_publique_travailleur
from service.journal_audit import Action, auditer
from service.modeles import Campagne, Commune, Source, Travail
from service.parametres import parametres

ETATS_MODIFIABLES = frozenset({"brouillon", "echec"})


class CampagneInvalide(ValueError):
    """Demande impossible sur une campagne ; le message dit quoi faire."""


class CampagneIntrouvable(LookupError):
    pass


def creer(session: Session, acteur: Acteur, *, commune: str, date_reference: date, libelle: str) -> Campagne:
    exiger_commune(acteur, commune, action="campagne_creer", cible=("commune", commune))
    if session.get(Commune, commune) is None:
        raise CampagneInvalide(f"Commune {commune} inconnue : demandez à l'administrateur de l'enregistrer.")
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


def deposer(
    session: Session,
    acteur: Acteur,
    campagne: Campagne,
    *,
    archive: bytes,
    nom_fichier: str,
    mot_de_passe: str | None,
    convention_id: str,
) -> Depot:
    """Garde l'archive telle que reçue et scelle son mot de passe pour le travailleur."""
    if campagne.etat not in ETATS_MODIFIABLES:
        raise CampagneInvalide(
            f"La campagne est « {campagne.etat} » : on n'y dépose plus de fichier. "
            "Créez une nouvelle campagne."
        )
    convention = referentiel.convention(session, convention_id)
    if convention is None:
        raise CampagneInvalide(
            f"Convention « {convention_id} » inconnue : choisissez-en une de GET /api/v1/conventions."
        )
    try:
        convention.verifier_usage(campagne.commune, maintenant().date())
    except UsageRefuse as erreur:
        raise CampagneInvalide(str(erreur)) from None
    if not archive:
        raise CampagneInvalide("Le fichier reçu est vide : déposez l'archive 7z transmise par le partenaire.")
    if not est_une_archive_7z(archive):
        # Refusé dès le dépôt : un fichier en clair (CSV…) ne doit pas être gardé en base.
        raise CampagneInvalide(
            "Ce fichier n'est pas une archive 7z : une liste nominative ne circule jamais en clair. "
            "Demandez au partenaire une archive 7z chiffrée (AES-256), le mot de passe étant transmis "
            "par un autre canal."
        )
    taille_max = parametres().limites_archive().taille_archive_max
    if len(archive) > taille_max:
        raise CampagneInvalide(
            f"Archive trop grosse ({len(archive) // 1_048_576} Mio ; maximum {taille_max // 1_048_576} Mio)."
        )
    if not mot_de_passe and not convention.archive_non_chiffree_autorisee:
        raise CampagneInvalide(
            "Mot de passe obligatoire : la convention impose une archive chiffrée. Saisissez le mot de passe "
            "transmis à part (téléphone, SMS)."
        )
    empreinte = hashlib.sha256(archive).hexdigest()
    if any(s.sha256 == empreinte for s in sources_de(session, campagne.id)):
        raise CampagneInvalide("Cette archive a déjà été déposée dans cette campagne.")
    precedente = session.exec(
        select(Source).where(Source.sha256 == empreinte).order_by(col(Source.deposee_le))
    ).first()
    scelle = (
        sceller(mot_de_passe.encode("utf-8"), cle_publique_travailleur(parametres()))
        if mot_de_passe
        else None
    )
    source = Source(
        campagne_id=campagne.id,
        convention=convention.identifiant,
        nom_fichier=nom_fichier[-200:] or "archive.7z",
        sha256=empreinte,
        taille=len(archive),
        archive=archive,
        mot_de_passe_scelle=scelle,
        deposee_par=acteur.id,
    )
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
        },
    )
    return Depot(source, precedente.deposee_le.isoformat() if precedente else None)


def retirer_source(session: Session, acteur: Acteur, campagne: Campagne, source_id: str) -> None:
    if campagne.etat not in ETATS_MODIFIABLES:
        raise CampagneInvalide(f"La campagne est « {campagne.etat} » : ses sources ne se modifient plus.")
    source = session.get(Source, source_id)
    if source is None or source.campagne_id != campagne.id:
        raise CampagneIntrouvable("Source introuvable dans cette campagne.")
    session.delete(source)
    auditer(
        session, acteur, Action.DEPOT, cible=("campagne", campagne.id), details={"source_retiree": source_id}
    )


def lancer(session: Session, acteur: Acteur, campagne: Campagne) -> Travail:
    """Met la campagne en file ; un travailleur la prendra."""
    if campagne.etat not in ETATS_MODIFIABLES:
        raise CampagneInvalide(f"La campagne est déjà « {campagne.etat} ».")
    sources = sources_de(session, campagne.id)
    genres = {
        "familles"
        if (c := referentiel.convention(session, s.convention)) and c.source in {"caf", "msa"}
        else "inscrits"
        for s in sources
        if s.archive is not None
    }
    if "familles" not in genres:
        raise CampagneInvalide("Déposez au moins une liste CAF ou MSA avant de lancer la campagne.")
    if "inscrits" not in genres:
        raise CampagneInvalide(
            "Déposez au moins une liste d'inscrits (ONDE, SIECLE…) avant de lancer la campagne."
        )
    campagne.etat = "en_attente"
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
        details={"travail": travail.id, "etape": "mise_en_file", "sources": len(sources)},
    )
    return travail
