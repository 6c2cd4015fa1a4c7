"""La procédure de DOMAINE.md, en une seule table de transitions.

Chaque ligne dit : quelle action, depuis quels statuts, vers quel statut, par quels rôles, avec
quels champs obligatoires. Ce qui n'y figure pas est refusé. Les transitions automatiques (un
passage ultérieur qui trouve l'enfant sur un effectif, ou qui le signale de nouveau après qu'il y a
été vu) n'ont aucun rôle : seul le service les fait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.comptes.roles import Role

REPERE = "repere"
CLASSE = "classe"
TRANSMIS = "transmis_dasen"
CONTROLE = "controle"
ENQUETE_SOCIALE = "enquete_sociale"
MISE_EN_DEMEURE = "mise_en_demeure"
RESCOLARISE = "rescolarise"
SIGNALEMENT = "signalement_procureur"
ENQUETE = "enquete"
SUITES = "suites"
PURGE = "purge"
REOUVERTURE = "reouverture"

STATUTS_CLOS = frozenset({CLASSE, RESCOLARISE, SUITES})
STATUTS_OUVERTS = frozenset(
    {REPERE, TRANSMIS, CONTROLE, ENQUETE_SOCIALE, MISE_EN_DEMEURE, SIGNALEMENT, ENQUETE}
)

# Dans l'ordre où les indicateurs les présentent.
MOTIFS_CLASSEMENT = (
    "demenage",
    "inscrit_hors_commune",
    "instruction_declaree",
    "erreur_donnees",
    "hors_obligation",
    "inscrit_constate",
)
TYPES_ENQUETE = frozenset({"police", "sociale"})
SUITES_DONNEES = frozenset({"stage_parentalite", "poursuites", "classement_sans_suite"})

DELAI_MISE_EN_DEMEURE_JOURS = 15
_UAI = re.compile(r"\d{7}[A-Z]")

AGENT = Role.AGENT_COMMUNE
REFERENT = Role.REFERENT_DSDEN


@dataclass(frozen=True)
class Transition:
    action: str
    libelle: str
    de: frozenset[str]
    vers: str
    roles: frozenset[Role]
    champs: tuple[str, ...] = ()
    motifs: frozenset[str] = frozenset()
    # Motif fixé par la transition elle-même (p. ex. « inscrit_constate » quand un candidat est choisi).
    motif_impose: str | None = None
    # Réservée aux cas « à vérifier » (True), interdite pour eux (False), ou indifférente (None).
    a_verifier: bool | None = None
    # Seulement pour un cas clos avec l'un de ces motifs (None : statut sans motif) ; vide : tout motif.
    motifs_de: frozenset[str | None] = frozenset()


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "classer",
        "Classer le cas",
        STATUTS_OUVERTS,
        CLASSE,
        frozenset({AGENT, REFERENT}),
        ("motif",),
        frozenset(MOTIFS_CLASSEMENT),
    ),
    Transition(
        "choisir_candidat",
        "C'est cet élève : l'enfant est inscrit",
        frozenset({REPERE}),
        CLASSE,
        frozenset({AGENT}),
        ("id_inscrit",),
        motif_impose="inscrit_constate",
        a_verifier=True,
    ),
    Transition(
        "ecarter_candidats",
        "Aucun candidat n'est l'enfant",
        frozenset({REPERE}),
        REPERE,
        frozenset({AGENT}),
        a_verifier=True,
    ),
    Transition(
        "transmettre",
        "Transmettre à la DASEN",
        frozenset({REPERE}),
        TRANSMIS,
        frozenset({AGENT}),
        a_verifier=False,
    ),
    Transition(
        "controler",
        "Contrôle de l'instruction",
        frozenset({TRANSMIS}),
        CONTROLE,
        frozenset({REFERENT}),
        ("date",),
    ),
    Transition(
        "enquete_sociale",
        "Enquête sociale",
        frozenset({TRANSMIS, CONTROLE}),
        ENQUETE_SOCIALE,
        frozenset({AGENT, REFERENT}),
        ("date",),
    ),
    Transition(
        "mettre_en_demeure",
        "Mise en demeure",
        frozenset({TRANSMIS, CONTROLE, ENQUETE_SOCIALE}),
        MISE_EN_DEMEURE,
        frozenset({REFERENT}),
        ("date_notification",),
    ),
    Transition(
        "constater_rescolarisation",
        "Rescolarisation constatée",
        frozenset({TRANSMIS, CONTROLE, ENQUETE_SOCIALE, MISE_EN_DEMEURE, SIGNALEMENT, ENQUETE}),
        RESCOLARISE,
        frozenset({AGENT, REFERENT}),
        ("uai", "date"),
    ),
    Transition(
        "signaler_procureur",
        "Signalement au procureur",
        frozenset({MISE_EN_DEMEURE}),
        SIGNALEMENT,
        frozenset({REFERENT}),
        ("date",),
    ),
    Transition(
        "enqueter",
        "Enquête suite au signalement",
        frozenset({SIGNALEMENT}),
        ENQUETE,
        frozenset({REFERENT}),
        ("motif",),
        TYPES_ENQUETE,
    ),
    Transition(
        "donner_suite",
        "Suite donnée par le parquet",
        frozenset({ENQUETE}),
        SUITES,
        frozenset({REFERENT}),
        ("motif",),
        SUITES_DONNEES,
    ),
    # Automatiques : un passage ultérieur trouve l'enfant sur un effectif.
    Transition(
        "inscription_constatee",
        "Inscription constatée par un passage",
        frozenset({REPERE, TRANSMIS, CONTROLE, ENQUETE_SOCIALE}),
        CLASSE,
        frozenset(),
        motif_impose="inscrit_constate",
    ),
    Transition(
        "rescolarisation_constatee",
        "Rescolarisation constatée par un passage",
        frozenset({MISE_EN_DEMEURE, SIGNALEMENT, ENQUETE}),
        RESCOLARISE,
        frozenset(),
    ),
    # Automatique : un passage ultérieur signale de nouveau un enfant qu'on avait vu inscrit. Les
    # autres clôtures (hors commune, instruction déclarée, erreur, hors obligation, suites) tiennent.
    Transition(
        REOUVERTURE,
        "Réouverture : l'enfant vu inscrit est de nouveau signalé par un passage",
        frozenset({RESCOLARISE, CLASSE}),
        REPERE,
        frozenset(),
        motifs_de=frozenset({None, "inscrit_constate"}),
    ),
)

PAR_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

LIBELLES_CHAMPS = {
    "motif": "motif",
    "id_inscrit": "élève choisi parmi les candidats",
    "date": "date",
    "date_notification": "date de notification",
    "uai": "UAI de l'établissement",
}


class TransitionRefusee(ValueError):
    """La transition n'est pas permise ; le message dit pourquoi et quoi faire."""


class RoleNonPermis(TransitionRefusee):
    """La transition existe, mais pas pour ce rôle : c'est un refus d'autorisation."""


def _date(valeur: Any, champ: str) -> date:
    if isinstance(valeur, date):
        return valeur
    try:
        return date.fromisoformat(str(valeur))
    except ValueError as erreur:
        raise TransitionRefusee(
            f"Le champ « {LIBELLES_CHAMPS[champ]} » doit être une date AAAA-MM-JJ."
        ) from erreur


def valider(
    action: str,
    *,
    statut: str,
    motif: str | None,
    resultat: str,
    role: Role | None,
    champs: dict[str, Any],
) -> tuple[Transition, dict[str, Any]]:
    """La transition demandée et ses champs nettoyés, ou ``TransitionRefusee`` en français."""
    transition = PAR_ACTION.get(action)
    if transition is None:
        permises = ", ".join(sorted(t.action for t in TRANSITIONS if t.roles))
        raise TransitionRefusee(f"Action « {action} » inconnue. Actions possibles : {permises}.")
    if role is not None and role not in transition.roles:
        raise RoleNonPermis(f"« {transition.libelle} » n'est pas permis au rôle {role.value}.")
    if role is None and transition.roles:
        raise TransitionRefusee(f"« {transition.libelle} » est une décision humaine.")
    if statut not in transition.de:
        possibles = ", ".join(actions_possibles(statut, resultat, role)) or "aucune"
        raise TransitionRefusee(
            f"« {transition.libelle} » est impossible pour un cas au statut « {statut} ». "
            f"Actions possibles depuis ce statut : {possibles}."
        )
    if transition.motifs_de and motif not in transition.motifs_de:
        raise TransitionRefusee(f"« {transition.libelle} » est impossible pour un cas classé « {motif} ».")
    if transition.a_verifier is True and resultat != "a_verifier":
        raise TransitionRefusee(f"« {transition.libelle} » ne concerne que les cas à vérifier.")
    if transition.a_verifier is False and resultat == "a_verifier":
        raise TransitionRefusee(
            "Ce cas est à vérifier : choisissez d'abord un candidat ou confirmez qu'aucun n'est l'enfant."
        )
    propres: dict[str, Any] = {}
    for champ in transition.champs:
        valeur = champs.get(champ)
        if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
            raise TransitionRefusee(
                f"Champ obligatoire manquant pour « {transition.libelle} » : {LIBELLES_CHAMPS[champ]}."
            )
        if champ in {"date", "date_notification"}:
            propres[champ] = _date(valeur, champ)
        elif champ == "uai":
            uai = str(valeur).strip().upper()
            if not _UAI.fullmatch(uai):
                raise TransitionRefusee("UAI invalide : 7 chiffres et une lettre, par exemple 0590001A.")
            propres[champ] = uai
        elif champ == "motif":
            motif = str(valeur).strip()
            if motif not in transition.motifs:
                raise TransitionRefusee(
                    f"Motif « {motif} » non prévu. Motifs possibles : {', '.join(sorted(transition.motifs))}."
                )
            propres[champ] = motif
        else:
            propres[champ] = str(valeur).strip()
    inattendus = sorted(set(champs) - set(transition.champs))
    if inattendus:
        raise TransitionRefusee(
            f"Champ(s) non prévu(s) pour « {transition.libelle} » : {', '.join(inattendus)}."
        )
    if transition.motif_impose:
        propres["motif"] = transition.motif_impose
    return transition, propres


def constat_d_inscription(statut: str) -> str:
    """L'action automatique qui ferme un cas de ce statut quand l'enfant paraît sur un effectif."""
    return next(t.action for t in TRANSITIONS if not t.roles and statut in t.de and t.vers in STATUTS_CLOS)


def a_rouvrir(statut: str, motif: str | None) -> bool:
    """Le cas a été clos parce que l'enfant a été vu inscrit : s'il est de nouveau signalé, on le rouvre."""
    reouverture = PAR_ACTION[REOUVERTURE]
    return statut in reouverture.de and motif in reouverture.motifs_de


def actions_possibles(statut: str, resultat: str, role: Role | None) -> list[str]:
    """Les actions qu'un rôle peut faire sur un cas dans cet état (pour l'affichage et les erreurs)."""
    return [
        t.action
        for t in TRANSITIONS
        if statut in t.de
        and role in t.roles
        and not (t.a_verifier is True and resultat != "a_verifier")
        and not (t.a_verifier is False and resultat == "a_verifier")
    ]
