"""Avant de lancer une campagne : ce qui manque ou étonne, vu sans ouvrir aucune archive.

Chaque avertissement a un code stable, un message qui dit quoi faire et une gravité :

- ``bloquant`` : la campagne ne se lance pas tant qu'il n'est pas réglé ;
- ``a_confirmer`` : elle se lance si l'agent confirme l'avoir vu (``confirmer_avertissements``) ;
- ``information`` : ce qu'on ne peut pas savoir d'ici, dit honnêtement ; rien à confirmer.

Ce qu'on sait sans déchiffrer : la convention de chaque source (donc son genre : familles CAF ou MSA,
inscrits ONDE ou SIECLE, instruction déclarée), les conventions de la commune, et les dates de dépôt.
La date d'extraction d'une liste est dans l'archive chiffrée : on ne la lit pas ici.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlmodel import Session, col, func, select

from conventions import Convention, UsageRefuse
from service import referentiel
from service.base.connexion import jour_local
from service.modeles import Campagne, Source

Gravite = Literal["bloquant", "a_confirmer", "information"]

SOURCES_INSCRITS_ECOLE = frozenset({"onde", "siecle"})
SOURCES_INSTRUCTION_DECLAREE = frozenset({"ief", "cned", "hors_contrat", "medico_social"})
# Au-delà, une liste d'inscrits ne dit plus qui est inscrit à la date de référence (arrivées,
# départs, passages en sixième) : ses absents deviendraient des cas à tort.
ANCIENNETE_MAX_INSCRITS = timedelta(days=90)


@dataclass(frozen=True)
class Avertissement:
    code: str
    message: str
    gravite: Gravite


def _jour(valeur: date) -> str:
    return valeur.strftime("%d/%m/%Y")


def date_reference_future(date_reference: date) -> str | None:
    """Le refus d'une date de référence à venir, ou ``None`` si elle est passée ou du jour."""
    aujourd_hui = jour_local()
    if date_reference <= aujourd_hui:
        return None
    return (
        f"La date de référence ({_jour(date_reference)}) est dans le futur : personne n'est encore inscrit "
        f"à cette date. Choisissez une date au plus tard aujourd'hui ({_jour(aujourd_hui)}), en général "
        "celle de l'extraction des listes d'inscrits."
    )


def _valide_le(convention: Convention, jour: date) -> bool:
    try:
        convention.verifier_validite(jour)
    except UsageRefuse:
        return False
    return True


def _premiere_reception(session: Session, empreinte: str) -> date:
    """Le jour où cette archive (même SHA-256) a été reçue pour la première fois, toutes campagnes."""
    premiere = session.exec(select(func.min(Source.deposee_le)).where(Source.sha256 == empreinte)).one()
    return jour_local(premiere)


def _inscrits_anciens(session: Session, campagne: Campagne, inscrits: list[Source]) -> list[Avertissement]:
    """Une liste d'inscrits déjà reçue bien avant la date de référence est au moins aussi vieille."""
    avertissements = []
    for source in inscrits:
        recue_le = _premiere_reception(session, source.sha256)
        if campagne.date_reference - recue_le > ANCIENNETE_MAX_INSCRITS:
            avertissements.append(
                Avertissement(
                    "inscrits_anciens",
                    f"La liste d'inscrits « {source.nom_fichier} » a déjà été reçue le {_jour(recue_le)}, "
                    f"{(campagne.date_reference - recue_le).days} jours avant la date de référence : les "
                    "élèves arrivés depuis y manquent et deviendraient des cas. Demandez une extraction "
                    "récente à l'école ou à la DSDEN, ou confirmez que celle-ci convient.",
                    "a_confirmer",
                )
            )
    if inscrits and not avertissements:
        avertissements.append(
            Avertissement(
                "date_extraction_inconnue",
                "La date d'extraction des listes d'inscrits est dans l'archive chiffrée et ne se lit pas "
                "avant le passage : vérifiez auprès de l'école ou de la DSDEN qu'elles ont moins de "
                f"{ANCIENNETE_MAX_INSCRITS.days} jours à la date de référence.",
                "information",
            )
        )
    return avertissements


def verifier(session: Session, campagne: Campagne) -> list[Avertissement]:
    """Ce qui manque ou étonne dans la campagne, bloquants d'abord ; ne modifie rien."""
    sources = session.exec(
        select(Source)
        .where(Source.campagne_id == campagne.id, col(Source.archive).is_not(None))
        .order_by(col(Source.deposee_le))
    ).all()
    conventions = {s.id: referentiel.convention(session, s.convention) for s in sources}
    genres = {c.source for c in conventions.values() if c is not None}
    tables = {c.profil.table for c in conventions.values() if c is not None}
    avertissements: list[Avertissement] = []
    if (futur := date_reference_future(campagne.date_reference)) is not None:
        avertissements.append(Avertissement("date_reference_future", futur, "bloquant"))
    if "familles" not in tables:
        avertissements.append(
            Avertissement(
                "familles_absentes",
                "Déposez au moins une liste CAF ou MSA avant de lancer la campagne.",
                "bloquant",
            )
        )
    if "inscrits" not in tables:
        avertissements.append(
            Avertissement(
                "inscrits_absents",
                "Déposez au moins une liste d'inscrits (ONDE, SIECLE…) avant de lancer la campagne.",
                "bloquant",
            )
        )
    if "msa" not in genres and any(
        c.source == "msa" and _valide_le(c, jour_local())
        for c in referentiel.conventions_de(session, frozenset({campagne.commune}))
    ):
        avertissements.append(
            Avertissement(
                "msa_absente",
                f"La commune {campagne.commune} a une convention avec la MSA, mais aucune liste MSA n'est "
                "déposée : les enfants des familles affiliées à la MSA ne seront pas comparés aux inscrits. "
                "Déposez la liste MSA, ou confirmez que la MSA n'a rien transmis.",
                "a_confirmer",
            )
        )
    if not genres & SOURCES_INSTRUCTION_DECLAREE:
        avertissements.append(
            Avertissement(
                "instruction_declaree_absente",
                "Aucune liste d'instruction déclarée (IEF, CNED, hors contrat, médico-social) n'est "
                "déposée : les enfants instruits en famille ou par le CNED deviendront des cas à vérifier. "
                "Déposez la liste transmise par la DSDEN, ou confirmez qu'il n'y en a pas pour cette "
                "commune.",
                "a_confirmer",
            )
        )
    ecoles = [
        s for s in sources if (c := conventions[s.id]) is not None and c.source in SOURCES_INSCRITS_ECOLE
    ]
    avertissements += _inscrits_anciens(session, campagne, ecoles)
    ordre: dict[Gravite, int] = {"bloquant": 0, "a_confirmer": 1, "information": 2}
    return sorted(avertissements, key=lambda a: ordre[a.gravite])


def refus_de_lancement(avertissements: list[Avertissement], *, confirmes: bool) -> str | None:
    """Le message qui refuse le lancement, ou ``None`` s'il peut partir."""
    bloquants = [a.message for a in avertissements if a.gravite == "bloquant"]
    if bloquants:
        return " ".join(bloquants)
    a_confirmer = [a.message for a in avertissements if a.gravite == "a_confirmer"]
    if a_confirmer and not confirmes:
        return (
            "À confirmer avant de lancer : "
            + " ".join(a_confirmer)
            + " Relisez la vérification de la campagne (GET /api/v1/campagnes/ID/verification), puis "
            "lancez avec « confirmer_avertissements »: true."
        )
    return None
