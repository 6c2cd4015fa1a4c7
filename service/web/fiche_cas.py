"""Ce que montre la fiche d'un cas, tiré de l'explication, des candidats, de l'historique et de la table
de la procédure : des mots pour une personne, jamais un code du moteur seul.

Ce module ne lit ni la base ni le coffre : il reçoit ce que la route a déjà lu (dans le périmètre de
la session) et le met en forme. L'identité n'y entre que si la route l'a lue, après un motif choisi.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from conventions.texte import normaliser
from service.comptes.roles import LIBELLES as LIBELLES_ROLES
from service.comptes.roles import Role
from service.modeles import Cas, EvenementCas
from service.registre import procedure
from service.registre.explication import Candidat, ChampCompare, Explication

LIBELLES_STATUTS = {
    procedure.REPERE: "repéré",
    procedure.CLASSE: "classé",
    procedure.TRANSMIS: "transmis à la DASEN",
    procedure.CONTROLE: "contrôle de l'instruction",
    procedure.ENQUETE_SOCIALE: "enquête sociale",
    procedure.MISE_EN_DEMEURE: "mise en demeure",
    procedure.RESCOLARISE: "rescolarisé",
    procedure.SIGNALEMENT: "signalé au procureur",
    procedure.ENQUETE: "enquête",
    procedure.SUITES: "suites données",
    procedure.PURGE: "effacé",
}
# La couleur du badge double le mot, jamais seule (RGAA 3.1).
BADGES_STATUTS = {
    procedure.REPERE: "fr-badge--new",
    procedure.MISE_EN_DEMEURE: "fr-badge--error",
    procedure.SIGNALEMENT: "fr-badge--error",
    **{statut: "fr-badge--success" for statut in procedure.STATUTS_CLOS},
}
LIBELLES_RESULTATS = {
    procedure.A_VERIFIER: "à vérifier : des élèves inscrits ressemblent à l'enfant",
    procedure.NON_APPARIE: "aucune inscription retrouvée",
}
LIBELLES_MOTIFS = {
    **procedure.MOTIFS_CLASSEMENT,
    procedure.ENQUETE_POLICE: "enquête de police",
    procedure.ENQUETE_SERVICES_SOCIAUX: "enquête des services sociaux",
    procedure.STAGE_PARENTALITE: "stage de responsabilité parentale",
    "poursuites": "poursuites",
    "classement_sans_suite": "classement sans suite",
}
# Les décisions qui engagent la famille ou effacent le cas : une page de confirmation d'abord (RGAA 11.12).
EFFET_JURIDIQUE = frozenset({"transmettre", "mettre_en_demeure", "signaler_procureur", "classer"})
# Les décisions sur les candidats d'un cas à vérifier : rendues à côté des candidats, pas en formulaire.
DECISIONS_CANDIDATS = frozenset({"choisir_candidat", "ecarter_candidats"})
assert set(procedure.PAR_ACTION) >= EFFET_JURIDIQUE | DECISIONS_CANDIDATS

LIBELLES_CHAMPS = {
    "nom": "Nom",
    "prenom": "Prénoms",
    "date_naissance": "Date de naissance",
    "sexe": "Sexe",
    "adresse": "Adresse",
    "ecole": "École",
}
IDENTITE = (
    ("nom", "Nom"),
    ("prenoms", "Prénoms"),
    ("date_naissance", "Date de naissance"),
    ("sexe", "Sexe"),
    ("adresse", "Adresse"),
    ("code_postal", "Code postal"),
    ("commune", "Commune"),
    ("nom_allocataire", "Nom de l'allocataire"),
    ("prenom_allocataire", "Prénom de l'allocataire"),
    ("remarque", "Remarque à la lecture de la liste"),
)

IDENTIQUE, PROCHE, DIFFERENT, ABSENT = "identique", "proche", "différent", "absent"
CLASSES_ACCORDS = {IDENTIQUE: "identique", PROCHE: "proche", DIFFERENT: "different", ABSENT: "absent"}
# Chaque niveau du moteur en un mot (identique, proche, différent, absent) et une précision.
NIVEAUX_EN_MOTS: dict[str, tuple[str, str]] = {
    "exact": (IDENTIQUE, ""),
    "exacte": (IDENTIQUE, ""),
    "egal": (IDENTIQUE, ""),
    "egale": (IDENTIQUE, ""),
    "compose": (PROCHE, "une partie d'un nom composé"),
    "famille": (PROCHE, "le nom d'un membre du foyer"),
    "proche": (PROCHE, "une faute de frappe probable"),
    "ressemblant": (PROCHE, "écriture voisine"),
    "premier_commun": (PROCHE, "même premier prénom"),
    "autre_prenom": (PROCHE, "l'un des autres prénoms"),
    "jour_mois_inverses": (PROCHE, "jour et mois inversés"),
    "annee_voisine": (PROCHE, "année voisine"),
    "un_chiffre": (PROCHE, "un chiffre différent"),
    "quelques_jours": (PROCHE, "quelques jours d'écart"),
    "jour_ou_mois": (PROCHE, "seul le jour ou le mois diffère"),
    "annee_chiffre": (PROCHE, "un chiffre de l'année diffère"),
    "meme_commune": (PROCHE, "même commune, adresse différente"),
    "habituelle": (PROCHE, "école habituelle pour ce code postal"),
    "different": (DIFFERENT, ""),
    "differente": (DIFFERENT, ""),
    "inhabituelle": (DIFFERENT, "école inhabituelle pour ce code postal"),
    "manquant": (ABSENT, "la donnée manque d'un côté"),
}


@dataclass(frozen=True)
class Accord:
    """L'accord d'un champ en un mot (et sa classe de couleur), et une précision."""

    mot: str
    precision: str = ""

    @property
    def classe(self) -> str:
        return f"cellule-accord--{CLASSES_ACCORDS.get(self.mot, 'neutre')}"


def accord_du_niveau(niveau: str, champ: str = "") -> Accord:
    if champ == "ecole" and niveau == "manquant":
        return Accord(ABSENT, "non jugée : l'adresse a suffi, ou l'établissement manque")
    mot, precision = NIVEAUX_EN_MOTS.get(niveau, (niveau, ""))
    return Accord(mot, precision)


def _texte(valeurs: dict[str, str | None] | None, champ: str) -> str:
    """Les valeurs d'un côté, lisibles : l'adresse en une ligne, le nom d'usage précisé."""
    if not valeurs:
        return ""
    if champ == "nom" and valeurs.get("nom_usage"):
        return f"{valeurs.get('nom') or ''} (nom d'usage : {valeurs['nom_usage']})".strip()
    if champ == "date_naissance" and valeurs.get("date_naissance"):
        return date_lisible(valeurs["date_naissance"] or "")
    if champ == "ecole":
        if valeurs.get("uai"):
            return f"établissement {valeurs['uai']}"
        return f"code postal {valeurs['code_postal']}" if valeurs.get("code_postal") else ""
    return " ".join(v for v in valeurs.values() if v)


def date_lisible(valeur: str) -> str:
    try:
        return date.fromisoformat(valeur).strftime("%d/%m/%Y")
    except ValueError:
        return valeur


def accord_des_valeurs(champ: ChampCompare) -> Accord:
    """Pour une fiche que le moteur n'explique pas : les valeurs comparées telles quelles."""
    if champ.champ == "ecole":
        return Accord("non jugé", "le moteur n'a détaillé que le premier candidat")
    enfant, inscrit = _texte(champ.enfant, champ.champ), _texte(champ.inscrit, champ.champ)
    if not enfant or not inscrit:
        return Accord(ABSENT, "la donnée manque d'un côté")
    if normaliser(enfant) == normaliser(inscrit):
        return Accord(IDENTIQUE)
    return Accord(DIFFERENT)


@dataclass(frozen=True)
class Marche:
    """Une marche de la cascade : ce qu'un champ ajoute au score, et où en est le total."""

    libelle: str
    poids: float
    cumul: float
    accord: Accord | None
    valeur_enfant: str
    valeur_inscrit: str
    # Position de la barre sur l'axe, en pas de 2 % (classes de statique/fiche.css).
    debut: int
    largeur: int


@dataclass(frozen=True)
class Cascade:
    """Comment le score se construit, du point de départ jusqu'au total, face aux seuils."""

    a_priori: float
    marches: list[Marche]
    score: float
    seuil_revue: float | None
    seuil_apparie: float | None
    position_revue: int | None
    position_apparie: int | None
    barre_depart: tuple[int, int]
    barre_total: tuple[int, int]

    @property
    def conclusion(self) -> str:
        if self.seuil_apparie is not None and self.score >= self.seuil_apparie:
            return (
                f"Le total ({nombre(self.score)}) atteint le seuil d'appariement "
                f"({nombre(self.seuil_apparie)}) : la fiche ressemble assez pour être retenue seule, "
                "sauf si le moteur a vu un doute (ci-dessus)."
            )
        if self.seuil_revue is not None and self.score >= self.seuil_revue:
            return (
                f"Le total ({nombre(self.score)}) est entre le seuil de revue ({nombre(self.seuil_revue)}) "
                f"et le seuil d'appariement ({nombre(self.seuil_apparie or 0)}) : une personne doit vérifier."
            )
        return f"Le total ({nombre(self.score)}) est sous le seuil de revue : la fiche n'est pas retenue."


def nombre(valeur: float) -> str:
    """« 6,82 » ou « −6,53 », à la française (signe moins typographique)."""
    texte = f"{abs(valeur):.2f}".replace(".", ",")
    return f"−{texte}" if valeur < 0 else texte


def pourcentage(probabilite: float) -> str:
    """« 87,5 % » ; jamais « 100 % » ni « 0 % » : le moteur estime, il ne prouve pas."""
    if probabilite >= 0.999:
        return "plus de 99,9 %"
    if probabilite <= 0.001:
        return "moins de 0,1 %"
    return f"{probabilite * 100:.1f} %".replace(".", ",")


PAS = 2  # en pour cent


def _echelle(bornes: list[float]) -> tuple[float, float]:
    bas, haut = min(bornes), max(bornes)
    marge = max((haut - bas) * 0.05, 0.5)
    return bas - marge, haut + marge


def _position(valeur: float, bas: float, haut: float) -> int:
    """La position sur l'axe, en pas de ``PAS`` % (0 à 100 // PAS)."""
    return round((valeur - bas) / (haut - bas) * 100 / PAS)


def _barre(depuis: float, jusqua: float, bas: float, haut: float) -> tuple[int, int]:
    debut = _position(min(depuis, jusqua), bas, haut)
    fin = _position(max(depuis, jusqua), bas, haut)
    return debut, max(fin - debut, 1)


def cascade(explication: Explication | None) -> Cascade | None:
    """La cascade de la fiche expliquée ; ``None`` si le moteur n'a détaillé aucun champ."""
    if explication is None or explication.score is None or not explication.champs:
        return None
    a_priori = explication.a_priori or 0.0
    cumuls, total = [], a_priori
    for champ in explication.champs:
        total += champ.poids or 0.0
        cumuls.append(total)
    seuils = [s for s in (explication.seuil_revue, explication.seuil_apparie) if s is not None]
    bas, haut = _echelle([0.0, a_priori, *cumuls, *seuils])
    marches, precedent = [], a_priori
    for champ, cumul in zip(explication.champs, cumuls, strict=True):
        debut, largeur = _barre(precedent, cumul, bas, haut)
        marches.append(
            Marche(
                LIBELLES_CHAMPS.get(champ.champ, champ.champ),
                champ.poids or 0.0,
                cumul,
                accord_du_niveau(champ.niveau, champ.champ) if champ.niveau else None,
                _texte(champ.enfant, champ.champ),
                _texte(champ.inscrit, champ.champ),
                debut,
                largeur,
            )
        )
        precedent = cumul
    return Cascade(
        a_priori,
        marches,
        explication.score,
        explication.seuil_revue,
        explication.seuil_apparie,
        None if explication.seuil_revue is None else _position(explication.seuil_revue, bas, haut),
        None if explication.seuil_apparie is None else _position(explication.seuil_apparie, bas, haut),
        _barre(0.0, a_priori, bas, haut),
        _barre(0.0, explication.score, bas, haut),
    )


@dataclass(frozen=True)
class Cellule:
    valeur: str
    accord: Accord | None = None


@dataclass(frozen=True)
class LigneComparee:
    """Une ligne du tableau côte à côte : le champ, la valeur de l'enfant, celle de chaque candidat."""

    libelle: str
    enfant: str
    candidats: list[Cellule]


def cote_a_cote(candidats: list[Candidat]) -> list[LigneComparee]:
    """Les champs alignés : l'enfant, puis chaque candidat avec son accord en mots."""
    if not candidats:
        return []
    lignes = []
    for rang, champ in enumerate(candidats[0].champs):
        cellules = []
        for candidat in candidats:
            compare = candidat.champs[rang]
            if compare.niveau is not None:
                accord = accord_du_niveau(compare.niveau, compare.champ)
            else:
                accord = accord_des_valeurs(compare)
            cellules.append(Cellule(_texte(compare.inscrit, compare.champ) or "non renseigné", accord))
        lignes.append(
            LigneComparee(
                LIBELLES_CHAMPS.get(champ.champ, champ.champ),
                _texte(champ.enfant, champ.champ) or "non renseigné",
                cellules,
            )
        )
    return lignes


@dataclass(frozen=True)
class ChampAction:
    """Un champ du formulaire d'une action, nommé comme dans l'API."""

    nom: str
    libelle: str
    type: str
    aide: str = ""
    choix: tuple[tuple[str, str], ...] = ()


AIDES = {
    "date": "Le jour où c'est arrivé, au plus tard aujourd'hui.",
    "date_notification": (
        "Le jour où la famille a reçu la mise en demeure ; le délai de 15 jours court dès lors."
    ),
    "uai": "Le numéro de l'établissement : 7 chiffres et une lettre, par exemple 0590001A.",
}


def _champ_action(transition: procedure.Transition, nom: str) -> ChampAction:
    libelle = procedure.LIBELLES_CHAMPS[nom]
    libelle = libelle[0].upper() + libelle[1:]
    if nom == "motif":
        choix = tuple((m, LIBELLES_MOTIFS.get(m, m)) for m in sorted(transition.motifs))
        return ChampAction(nom, libelle, "choix", choix=choix)
    return ChampAction(nom, libelle, "date" if nom in procedure.CHAMPS_DATES else "text", AIDES.get(nom, ""))


@dataclass(frozen=True)
class ActionPossible:
    action: str
    libelle: str
    champs: list[ChampAction]
    a_confirmer: bool
    explication: str
    bouton: str


EXPLICATIONS = {
    "classer": "Le cas sera clos. Pour un déménagement, ses données seront aussitôt effacées.",
    "transmettre": "La DASEN recevra le cas pour contrôler l'instruction de l'enfant.",
    "enquete_sociale": "À enregistrer quand une enquête sociale est engagée auprès de la famille.",
    "constater_rescolarisation": "L'enfant est de nouveau inscrit dans un établissement : le cas sera clos.",
    "controler": "À enregistrer quand le contrôle de l'instruction a eu lieu.",
    "mettre_en_demeure": "À enregistrer quand la famille a reçu la mise en demeure d'inscrire l'enfant.",
    "signaler_procureur": "À enregistrer quand le procureur de la République est saisi.",
    "enqueter": "À enregistrer quand une enquête fait suite au signalement.",
    "donner_suite": "La suite donnée par le parquet : le cas sera clos.",
}
# Le bouton dit ce qu'il fait (RGAA 11.9) ; « … » : une page de confirmation suit.
BOUTONS = {
    "classer": "Classer le cas…",
    "transmettre": "Transmettre à la DASEN…",
    "enquete_sociale": "Enregistrer l'enquête sociale",
    "constater_rescolarisation": "Enregistrer la rescolarisation",
    "controler": "Enregistrer le contrôle",
    "mettre_en_demeure": "Enregistrer la mise en demeure…",
    "signaler_procureur": "Enregistrer le signalement…",
    "enqueter": "Enregistrer l'enquête",
    "donner_suite": "Enregistrer la suite donnée",
}


def actions(possibles: list[str]) -> list[ActionPossible]:
    """Les formulaires des actions que la table permet à ce rôle, hors décisions sur les candidats."""
    sortie = []
    for nom in possibles:
        if nom in DECISIONS_CANDIDATS:
            continue
        transition = procedure.PAR_ACTION[nom]
        sortie.append(
            ActionPossible(
                nom,
                transition.libelle,
                [_champ_action(transition, c) for c in transition.champs],
                nom in EFFET_JURIDIQUE,
                EXPLICATIONS.get(nom, ""),
                BOUTONS.get(nom, transition.libelle),
            )
        )
    return sortie


@dataclass(frozen=True)
class Etape:
    """Une étape de la frise : quand, quoi, par qui, et ce qu'elle a noté."""

    survenu_le: Any
    libelle: str
    de: str
    vers: str
    par: str
    details: list[str]


def _libelle_action(action: str) -> str:
    transition = procedure.PAR_ACTION.get(action)
    if transition is not None:
        return transition.libelle
    for automatique in (procedure.REPERAGE, procedure.EFFACEMENT):
        if automatique.action == action:
            return automatique.libelle
    return action


def _par(role: str) -> str:
    try:
        return LIBELLES_ROLES[Role(role)]
    except ValueError:
        return "cellule, automatiquement (un passage)"


def frise(evenements: list[EvenementCas]) -> list[Etape]:
    etapes = []
    for evenement in evenements:
        details = []
        if evenement.motif:
            details.append(f"Motif : {LIBELLES_MOTIFS.get(evenement.motif, evenement.motif)}")
        if evenement.date_effet:
            details.append(f"Date : {evenement.date_effet:%d/%m/%Y}")
        if echeance := evenement.donnees.get("echeance"):
            details.append(f"Échéance : {date_lisible(str(echeance))}")
        if uai := evenement.donnees.get("uai"):
            details.append(f"Établissement : {uai}")
        if fiche := evenement.donnees.get(procedure.FICHE_RETENUE):
            details.append(f"Élève retenu : fiche {fiche}")
        etapes.append(
            Etape(
                evenement.survenu_le,
                _libelle_action(evenement.action),
                LIBELLES_STATUTS.get(evenement.de_statut or "", evenement.de_statut or ""),
                LIBELLES_STATUTS.get(evenement.vers_statut, evenement.vers_statut),
                _par(evenement.acteur_role),
                details,
            )
        )
    return etapes


def a_faire(cas: Cas, possibles: list[str]) -> str:
    """Ce que la personne a à faire de ce cas, en une phrase."""
    if "choisir_candidat" in possibles:
        return (
            "Comparez l'enfant aux élèves proposés. Si l'un d'eux est l'enfant, choisissez "
            "« C'est cet élève » : le cas sera clos. Sinon, choisissez « Aucun n'est l'enfant » : "
            "le cas restera à classer ou à transmettre."
        )
    if "transmettre" in possibles:
        return (
            "Vérifiez la situation de l'enfant (déménagement, inscription ailleurs, instruction en famille). "
            "Classez le cas avec son motif, ou transmettez-le à la DASEN."
        )
    if possibles:
        return "Enregistrez ici la prochaine étape de la procédure quand elle a lieu."
    if cas.statut in procedure.STATUTS_CLOS:
        return "Ce cas est clos : il n'y a rien à faire."
    return "La suite de ce cas revient à la DSDEN : rien à faire pour vous pour l'instant."
