"""Ce que montrent les pages d'une campagne : ses étapes, ses sources, ses résultats, en mots.

Rien ici n'écrit en base ni ne décide d'un droit : les routes appellent ``campagnes/ouverture`` et
``campagnes/verification`` ; ce module met leurs réponses en phrases pour l'agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from conventions import Convention, UsageRefuse
from service import referentiel
from service.acteur import Acteur
from service.base.connexion import jour_local
from service.campagnes import etats
from service.modeles import Campagne, Commune

ETAPES = (
    "Ouvrir la campagne",
    "Déposer les fichiers",
    "Vérifier avant de lancer",
    "Lancer",
    "Résultats",
)
OUVRIR, DEPOSER, VERIFIER, LANCER, RESULTATS = range(1, len(ETAPES) + 1)

LIBELLES_SOURCES = {
    "caf": "liste des familles de la CAF",
    "msa": "liste des familles de la MSA",
    "onde": "inscrits des écoles (ONDE)",
    "siecle": "inscrits des collèges et lycées (SIECLE)",
    "ief": "instruction en famille",
    "cned": "inscrits au CNED",
    "hors_contrat": "écoles hors contrat",
    "medico_social": "établissements médico-sociaux",
}

# Les décisions d'un passage, dans l'ordre du tableau des résultats : la clé des comptes de la
# campagne, le libellé, ce que cela veut dire pour l'agent.
DECISIONS = (
    ("apparies", "Apparié", "Retrouvé parmi les inscrits d'une école : aucun cas."),
    (
        "instruction_declaree",
        "Instruction déclarée",
        "Instruit en famille, au CNED ou dans un établissement déclaré : aucun cas.",
    ),
    (
        "a_verifier",
        "À vérifier",
        "Ressemble à un ou plusieurs inscrits : dites dans la fiche du cas s'il s'agit de l'un d'eux.",
    ),
    (
        "non_apparies",
        "Non apparié",
        "Retrouvé sur aucune liste : vérifiez sa situation, puis classez ou transmettez le cas.",
    ),
    ("hors_obligation", "Hors obligation", "Pas en âge d'instruction obligatoire à la date de référence."),
    (
        "lignes_illisibles",
        "Ligne illisible",
        "La ligne ne désigne personne : demandez au partenaire de la corriger (motifs ci-dessous).",
    ),
)

# Un badge par état, avec ses mots (jamais la couleur seule).
BADGES_ETATS = {
    etats.BROUILLON: ("new", "En préparation"),
    etats.EN_ATTENTE: ("info", "En file d'attente"),
    etats.EN_COURS: ("info", "En cours de traitement"),
    etats.TERMINEE: ("success", "Terminée"),
    etats.ECHEC: ("error", "En échec"),
}


@dataclass(frozen=True)
class Etape:
    """L'étape montrée par l'indicateur d'étapes : son numéro, son titre, celui de la suivante."""

    numero: int
    titre: str
    suivante: str | None
    total: int = len(ETAPES)


def etape(numero: int) -> Etape:
    return Etape(numero, ETAPES[numero - 1], ETAPES[numero] if numero < len(ETAPES) else None)


def etape_de(campagne: Campagne) -> int:
    """L'étape où en est la campagne : déposer tant qu'elle se modifie, lancer, puis résultats."""
    if campagne.etat in etats.ETATS_MODIFIABLES:
        return DEPOSER
    if campagne.etat == etats.TERMINEE:
        return RESULTATS
    return LANCER


def en_cours(campagne: Campagne) -> bool:
    return campagne.etat in (etats.EN_ATTENTE, etats.EN_COURS)


def mes_communes(session: Session, acteur: Acteur) -> list[Commune]:
    """Les communes de l'agent, par nom : celles où il peut ouvrir une campagne."""
    return list(
        session.exec(
            select(Commune).where(col(Commune.insee).in_(sorted(acteur.communes))).order_by(col(Commune.nom))
        )
    )


def noms_des_communes(session: Session, acteur: Acteur) -> dict[str, str]:
    return {commune.insee: commune.nom for commune in mes_communes(session, acteur)}


def conventions_utilisables(session: Session, commune: str) -> list[Convention]:
    """Les conventions en vigueur aujourd'hui pour la commune : celles sous lesquelles on dépose."""
    utilisables = []
    for convention in referentiel.conventions_de(session, frozenset({commune})):
        try:
            convention.verifier_usage(commune, jour_local())
        except UsageRefuse:
            continue
        utilisables.append(convention)
    return utilisables


def libelle_convention(convention: Convention) -> str:
    genre = LIBELLES_SOURCES.get(convention.source, convention.source)
    return f"{convention.partenaire} — {genre} ({convention.identifiant})"


def lire_date(valeur: str) -> date | None:
    """Une date saisie « AAAA-MM-JJ » (champ date du navigateur) ou « JJ/MM/AAAA » (à la main)."""
    valeur = valeur.strip()
    try:
        if "/" in valeur:
            return datetime.strptime(valeur, "%d/%m/%Y").date()
        return date.fromisoformat(valeur)
    except ValueError:
        return None


def champ_du_refus(message: str) -> str:
    """Le champ du formulaire de dépôt dont parle un refus : convention, mot de passe, sinon l'archive.

    Les refus du service commencent par ce qu'ils visent (« Mot de passe obligatoire… », « La
    convention « x » ne couvre pas… », « Le champ « convention »… ») ; un refus de l'archive peut
    parler d'un mot de passe plus loin dans sa phrase, il reste au champ de l'archive.
    """
    debut = message.lower()[:40]
    if debut.startswith(("mot de passe", "le champ « mot_de_passe »")):
        return "mot_de_passe"
    if debut.startswith(("convention", "la convention", "le champ « convention »")):
        return "convention"
    return "archive"


def taille_lisible(octets: int) -> str:
    if octets >= 1024 * 1024:
        return f"{octets / (1024 * 1024):.1f} Mio".replace(".", ",")
    return f"{max(1, round(octets / 1024))} Kio"
