"""La procédure de DOMAINE.md, en une seule table de transitions.

Chaque ligne dit : quelle action, depuis quels statuts, vers quel statut, par quels rôles, avec
quels champs obligatoires, sous quelles conditions (``gardes``) et avec quels effets sur le cas
(``effets``). Ce qui n'y figure pas est refusé. Les transitions automatiques (un passage ultérieur
qui trouve l'enfant sur un effectif, ou qui le signale de nouveau après qu'il y a été vu) n'ont
aucun rôle : seul le service les fait.

Le registre applique une ligne sans la connaître : il valide (``valider``), fait jouer la ligne
(``effectuer``), puis enregistre et audite. Aucune action n'a de branche à elle hors de ce module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from appariement.age import est_soumis
from service.base.connexion import jour_local
from service.comptes.roles import Role
from service.registre import revue
from service.registre.coffre import date_naissance_de
from service.registre.contexte import CHAMPS_DATES, Contexte

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
TOUS_LES_STATUTS = STATUTS_OUVERTS | STATUTS_CLOS

DEMENAGE = "demenage"
INSCRIT_CONSTATE = "inscrit_constate"

# Dans l'ordre où les indicateurs les présentent, avec le libellé qu'un lecteur y lit.
MOTIFS_CLASSEMENT = {
    DEMENAGE: "déménagement",
    "inscrit_hors_commune": "inscrit hors commune",
    "instruction_declaree": "instruction déclarée",
    "erreur_donnees": "erreur de données",
    "hors_obligation": "hors obligation",
    INSCRIT_CONSTATE: "inscrit constaté",
}
ENQUETE_POLICE, ENQUETE_SERVICES_SOCIAUX = "police", "sociale"
TYPES_ENQUETE = frozenset({ENQUETE_POLICE, ENQUETE_SERVICES_SOCIAUX})
STAGE_PARENTALITE = "stage_parentalite"
SUITES_DONNEES = frozenset({STAGE_PARENTALITE, "poursuites", "classement_sans_suite"})
# Motifs de classement qui effacent le cas aussitôt (R131-10-x), avec le motif porté au journal.
EFFACEMENT_IMMEDIAT = {DEMENAGE: "déménagement : l'enfant ne réside plus dans la commune"}

# Résultats d'appariement d'un cas (``Cas.resultat``) que la procédure regarde.
A_VERIFIER = "a_verifier"
NON_APPARIE = "non_apparie"

DELAI_MISE_EN_DEMEURE_JOURS = 15
_UAI = re.compile(r"\d{7}[A-Z]")
# La donnée d'événement qui garde l'élève choisi parmi les candidats : elle désigne un enfant, elle
# part donc avec le cas quand il est effacé.
FICHE_RETENUE = "id_inscrit"
DONNEES_NOMINATIVES = frozenset({FICHE_RETENUE})

AGENT = Role.AGENT_COMMUNE
REFERENT = Role.REFERENT_DSDEN


class TransitionRefusee(ValueError):
    """La transition n'est pas permise ; le message dit pourquoi et quoi faire."""


class RoleNonPermis(TransitionRefusee):
    """La transition existe, mais pas pour ce rôle : c'est un refus d'autorisation."""


Garde = Callable[[Contexte], None]
Effet = Callable[[Contexte], None]


# Gardes : elles refusent (``TransitionRefusee``) avant que le cas ne soit touché.


def _pas_dans_le_futur(contexte: Contexte) -> None:
    """Une date saisie place l'étape dans les indicateurs : un mois à venir les fausserait."""
    if (jour := contexte.date_effet) and jour > jour_local(contexte.instant):
        raise TransitionRefusee(f"Date du {jour:%d/%m/%Y} dans le futur : saisissez le jour où c'est arrivé.")


def _pas_avant_l_etape_precedente(contexte: Contexte) -> None:
    """Rien n'arrive à un cas avant son repérage, ni avant l'étape où il en est (ni la notification)."""
    avant = contexte.jour_etape_precedente or jour_local(contexte.cas.cree_le)
    if (jour := contexte.date_effet) and jour < avant:
        raise TransitionRefusee(
            f"Date du {jour:%d/%m/%Y} antérieure à la dernière étape du cas ({avant:%d/%m/%Y}) : "
            "saisissez le jour où c'est arrivé, au plus tôt celui de l'étape précédente."
        )


# Toute ligne qui prend une date la vérifie ainsi (``test_chaque_date_saisie_est_verifiee``).
GARDES_DES_DATES: tuple[Garde, ...] = (_pas_dans_le_futur, _pas_avant_l_etape_precedente)


def _soumis_a_la_notification(contexte: Contexte) -> None:
    """Une mise en demeure ne concerne qu'un enfant de 3 à 16 ans le jour où elle est notifiée."""
    naissance = date_naissance_de(contexte.identite())
    if naissance is None:
        raise TransitionRefusee(
            "Date de naissance inconnue : impossible de vérifier que l'enfant a entre 3 et 16 ans. "
            "Classez le cas (erreur de données) ou faites compléter la liste."
        )
    if not est_soumis(naissance, contexte.champs["date_notification"]):
        raise TransitionRefusee(
            "À la date de notification, l'enfant n'est pas soumis à l'obligation d'instruction "
            "(3 à 16 ans) : la mise en demeure est impossible. Classez le cas (hors obligation)."
        )


def _parmi_les_candidats(contexte: Contexte) -> None:
    if contexte.champs[FICHE_RETENUE] not in {c.get("id") for c in contexte.candidats()}:
        raise TransitionRefusee("Cet élève ne figure pas parmi les candidats du cas.")


# Effets : ce que la transition change au cas et note dans son événement, au-delà du statut.


def _echeance(contexte: Contexte) -> None:
    notification = contexte.champs["date_notification"]
    contexte.cas.notification_le = notification
    contexte.cas.echeance = notification + timedelta(days=DELAI_MISE_EN_DEMEURE_JOURS)
    contexte.donnees["echeance"] = contexte.cas.echeance.isoformat()


def _fiche_retenue(contexte: Contexte) -> None:
    contexte.donnees[FICHE_RETENUE] = contexte.champs[FICHE_RETENUE]


def _candidats_ecartes(contexte: Contexte) -> None:
    contexte.cas.resultat = NON_APPARIE


def _paires_jugees(contexte: Contexte) -> None:
    """Chaque fiche candidate regardée devient un retour de revue pour la commune (``revue``)."""
    choisie = contexte.champs.get(FICHE_RETENUE)
    contexte.retours = revue.paires_jugees(contexte.identite(), contexte.candidats(), choisie)


def _etablissement(contexte: Contexte) -> None:
    contexte.donnees["uai"] = contexte.champs["uai"]


def _transmission(contexte: Contexte) -> None:
    contexte.cas.transmis_le = contexte.instant


def _effacement_immediat(contexte: Contexte) -> None:
    contexte.effacement = EFFACEMENT_IMMEDIAT.get(contexte.champs["motif"])


def _nouvelle_situation(contexte: Contexte) -> None:
    """La DASEN ne reçoit une situation rouverte que si la mairie la transmet de nouveau."""
    cas = contexte.cas
    cas.transmis_le = cas.notification_le = cas.echeance = cas.clos_le = None


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
    # Vérifiées avant que le cas ne soit touché, puis appliqués dans l'ordre : voir ``effectuer``.
    gardes: tuple[Garde, ...] = ()
    effets: tuple[Effet, ...] = ()


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "classer",
        "Classer le cas",
        STATUTS_OUVERTS,
        CLASSE,
        frozenset({AGENT, REFERENT}),
        ("motif",),
        frozenset(MOTIFS_CLASSEMENT),
        effets=(_effacement_immediat,),
    ),
    Transition(
        "choisir_candidat",
        "C'est cet élève : l'enfant est inscrit",
        frozenset({REPERE}),
        CLASSE,
        frozenset({AGENT}),
        (FICHE_RETENUE,),
        motif_impose=INSCRIT_CONSTATE,
        a_verifier=True,
        gardes=(_parmi_les_candidats,),
        effets=(_paires_jugees, _fiche_retenue),
    ),
    Transition(
        "ecarter_candidats",
        "Aucun candidat n'est l'enfant",
        frozenset({REPERE}),
        REPERE,
        frozenset({AGENT}),
        a_verifier=True,
        effets=(_paires_jugees, _candidats_ecartes),
    ),
    Transition(
        "transmettre",
        "Transmettre à la DASEN",
        frozenset({REPERE}),
        TRANSMIS,
        frozenset({AGENT}),
        a_verifier=False,
        effets=(_transmission,),
    ),
    Transition(
        "controler",
        "Contrôle de l'instruction",
        frozenset({TRANSMIS}),
        CONTROLE,
        frozenset({REFERENT}),
        ("date",),
        gardes=GARDES_DES_DATES,
    ),
    Transition(
        "enquete_sociale",
        "Enquête sociale",
        frozenset({TRANSMIS, CONTROLE}),
        ENQUETE_SOCIALE,
        frozenset({AGENT, REFERENT}),
        ("date",),
        gardes=GARDES_DES_DATES,
    ),
    Transition(
        "mettre_en_demeure",
        "Mise en demeure",
        frozenset({TRANSMIS, CONTROLE, ENQUETE_SOCIALE}),
        MISE_EN_DEMEURE,
        frozenset({REFERENT}),
        ("date_notification",),
        gardes=(*GARDES_DES_DATES, _soumis_a_la_notification),
        effets=(_echeance,),
    ),
    Transition(
        "constater_rescolarisation",
        "Rescolarisation constatée",
        frozenset({TRANSMIS, CONTROLE, ENQUETE_SOCIALE, MISE_EN_DEMEURE, SIGNALEMENT, ENQUETE}),
        RESCOLARISE,
        frozenset({AGENT, REFERENT}),
        ("uai", "date"),
        gardes=GARDES_DES_DATES,
        effets=(_etablissement,),
    ),
    Transition(
        "signaler_procureur",
        "Signalement au procureur",
        frozenset({MISE_EN_DEMEURE}),
        SIGNALEMENT,
        frozenset({REFERENT}),
        ("date",),
        gardes=GARDES_DES_DATES,
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
        motif_impose=INSCRIT_CONSTATE,
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
        motifs_de=frozenset({None, INSCRIT_CONSTATE}),
        effets=(_nouvelle_situation,),
    ),
)

# Les deux bouts de la vie d'un cas, hors des décisions : un passage le crée (repérage), la
# rétention ou un déménagement l'efface (ses événements, sans donnée personnelle, demeurent).
REPERAGE = Transition("reperage", "Repérage par un passage", frozenset(), REPERE, frozenset())
EFFACEMENT = Transition("effacement", "Effacement du cas", TOUS_LES_STATUTS, PURGE, frozenset())

PAR_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
# Les statuts où court l'échéance posée par une transition (la mise en demeure).
STATUTS_A_ECHEANCE = frozenset(t.vers for t in TRANSITIONS if _echeance in t.effets)
# Ceux d'où la mise en demeure peut partir : sa lettre se prépare dès là.
STATUTS_AVANT_ECHEANCE = frozenset(s for t in TRANSITIONS if _echeance in t.effets for s in t.de)

LIBELLES_CHAMPS = {
    "motif": "motif",
    FICHE_RETENUE: "élève choisi parmi les candidats",
    "date": "date",
    "date_notification": "date de notification",
    "uai": "UAI de l'établissement",
}


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
    if transition.a_verifier is True and resultat != A_VERIFIER:
        raise TransitionRefusee(f"« {transition.libelle} » ne concerne que les cas à vérifier.")
    if transition.a_verifier is False and resultat == A_VERIFIER:
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
        if champ in CHAMPS_DATES:
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


def reouverture(statut: str, motif: str | None) -> str | None:
    """L'action automatique qui rouvre un cas de nouveau signalé par un passage, ou ``None`` s'il tient.

    Seul un cas clos parce que l'enfant a été vu inscrit se rouvre : l'enfant a de nouveau disparu
    des effectifs.
    """
    transition = PAR_ACTION[REOUVERTURE]
    return transition.action if statut in transition.de and motif in transition.motifs_de else None


def effectuer(transition: Transition, contexte: Contexte) -> None:
    """Fait jouer une transition validée sur le cas : gardes, puis effets, puis le nouveau statut.

    Tout refus a lieu avant la première écriture : un cas refusé reste tel qu'il était.
    """
    cas, de = contexte.cas, contexte.cas.statut
    for garde in transition.gardes:
        garde(contexte)
    for effet in transition.effets:
        effet(contexte)
    cas.statut = transition.vers
    cas.motif = contexte.champs.get("motif", cas.motif if transition.vers == de else None)
    cas.mis_a_jour_le = contexte.instant
    # Les candidats sont d'autres enfants, trouvés sur un effectif : ils ne servent qu'à trier le cas.
    # Une fois une décision prise, ils ne sont plus gardés, et la DASEN ne les reçoit jamais.
    cas.candidats, cas.candidats_cle = None, None
    if transition.vers in STATUTS_CLOS:
        cas.clos_le = contexte.instant


def actions_possibles(statut: str, resultat: str, role: Role | None) -> list[str]:
    """Les actions qu'un rôle peut faire sur un cas dans cet état (pour l'affichage et les erreurs)."""
    return [
        t.action
        for t in TRANSITIONS
        if statut in t.de
        and role in t.roles
        and not (t.a_verifier is True and resultat != A_VERIFIER)
        and not (t.a_verifier is False and resultat == A_VERIFIER)
    ]
