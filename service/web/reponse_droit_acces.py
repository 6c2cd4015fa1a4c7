"""La réponse à une demande de droit d'accès, écrite pour la famille qui la lira.

``registre.droit_acces`` rend ce que le registre détient (identité reçue, étapes, explication) ; ce
module le met en phrases simples, une fois, pour la page imprimable et pour le PDF, qui disent donc
exactement la même chose. Aucune donnée d'une fiche d'élève n'y entre : seulement celles de l'enfant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.registre import procedure
from service.web.pages import heure_locale

STATUTS = {
    procedure.REPERE: "signalée à la mairie, qui vérifie la situation",
    procedure.CLASSE: "classée par la mairie : aucune suite n'est donnée",
    procedure.TRANSMIS: "transmise au directeur académique des services de l'Éducation nationale (DASEN)",
    procedure.CONTROLE: "en cours de contrôle de l'instruction par l'Éducation nationale",
    procedure.ENQUETE_SOCIALE: "en cours d'enquête sociale",
    procedure.MISE_EN_DEMEURE: "mise en demeure d'inscrire l'enfant dans une école ou un établissement",
    procedure.RESCOLARISE: "close : l'enfant est de nouveau scolarisé",
    procedure.SIGNALEMENT: "signalée au procureur de la République",
    procedure.ENQUETE: "en cours d'enquête, après le signalement au procureur",
    procedure.SUITES: "close après la décision du procureur de la République",
}
CHAMPS_IDENTITE = {
    "nom": "Nom de l'enfant",
    "prenoms": "Prénoms de l'enfant",
    "date_naissance": "Date de naissance",
    "sexe": "Sexe",
    "nom_allocataire": "Nom de l'allocataire",
    "prenom_allocataire": "Prénom de l'allocataire",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
}
CHAMPS_COMPARES = {
    "nom": "Nom",
    "prenom": "Prénoms",
    "date_naissance": "Date de naissance",
    "sexe": "Sexe",
    "adresse": "Adresse",
    "ecole": "Établissement scolaire (d'après le code postal)",
}
ACCORDS = {
    "exact": "identique",
    "exacte": "identique",
    "egal": "identique",
    "egale": "identique",
    "compose": "en partie identique (nom composé)",
    "famille": "proche (même nom de famille sous une autre forme)",
    "premier_commun": "même premier prénom",
    "autre_prenom": "un autre prénom en commun",
    "proche": "proche (quelques lettres diffèrent)",
    "ressemblant": "ressemblant",
    "different": "différent",
    "differente": "différente",
    "jour_mois_inverses": "jour et mois inversés",
    "annee_voisine": "année voisine",
    "un_chiffre": "un chiffre diffère",
    "quelques_jours": "à quelques jours près",
    "jour_ou_mois": "même année, jour ou mois différent",
    "annee_chiffre": "un chiffre de l'année diffère",
    "meme_commune": "même commune, autre adresse",
    "manquant": "absent sur l'une des listes",
}
DONNEES_ETAPE = {"echeance": "échéance", "uai": "établissement (numéro UAI)", "type": "type"}
SEXES = {"F": "féminin", "M": "masculin"}


@dataclass(frozen=True)
class Ligne:
    libelle: str
    valeur: str


@dataclass
class Situation:
    """Un cas du registre, raconté : où il en est, ce qui est gardé, ce qui a été fait."""

    titre: str
    resume: list[str]
    identite: list[Ligne]
    comparaison: list[Ligne]
    etapes: list[Ligne]
    conservation: str


@dataclass
class Reponse:
    """La réponse entière : à qui, ce qui est détenu, et les droits de la personne."""

    enfant: str
    date_reponse: date
    introduction: list[str]
    situations: list[Situation] = field(default_factory=list)
    droits: list[str] = field(default_factory=list)


def _jour(valeur: Any) -> str:
    if isinstance(valeur, datetime):
        return heure_locale(valeur)
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    try:
        return date.fromisoformat(str(valeur)).strftime("%d/%m/%Y")
    except ValueError:
        return str(valeur)


def _valeur(cle: str, valeur: Any) -> str:
    if valeur in (None, ""):
        return "non renseigné"
    if cle.startswith("date") or cle == "echeance":
        return _jour(valeur)
    if cle == "sexe":
        return SEXES.get(str(valeur), str(valeur))
    return str(valeur)


def _identite(identite: dict[str, Any]) -> list[Ligne]:
    connus = [Ligne(libelle, _valeur(cle, identite.get(cle))) for cle, libelle in CHAMPS_IDENTITE.items()]
    autres = [
        Ligne(cle.replace("_", " ").capitalize(), _valeur(cle, valeur))
        for cle, valeur in sorted(identite.items())
        if cle not in CHAMPS_IDENTITE
    ]
    return connus + autres


def _comparaison(explication: Any) -> list[Ligne]:
    if explication is None:
        return []
    lignes = []
    for champ in explication.champs:
        recu = ", ".join(_valeur(cle, v) for cle, v in champ.enfant.items() if v) or "non renseigné"
        accord = ACCORDS.get(champ.niveau, champ.niveau.replace("_", " "))
        lignes.append(Ligne(CHAMPS_COMPARES.get(champ.champ, champ.champ), f"{recu} — {accord}"))
    return lignes


def _etape(etape: dict[str, Any]) -> Ligne:
    transition = procedure.PAR_ACTION.get(etape["action"])
    if transition is None:
        transition = {t.action: t for t in (procedure.REPERAGE, procedure.EFFACEMENT)}.get(etape["action"])
    texte = transition.libelle if transition else str(etape["action"]).replace("_", " ")
    precisions = []
    if etape.get("motif"):
        precisions.append(
            procedure.MOTIFS_CLASSEMENT.get(etape["motif"], str(etape["motif"]).replace("_", " "))
        )
    if etape.get("date_effet"):
        precisions.append(f"le {_jour(etape['date_effet'])}")
    for cle, valeur in sorted((etape.get("donnees") or {}).items()):
        # La fiche d'élève retenue désigne un enregistrement d'un effectif, pas une donnée de la famille.
        if cle in procedure.DONNEES_NOMINATIVES:
            continue
        precisions.append(f"{DONNEES_ETAPE.get(cle, cle.replace('_', ' '))} : {_valeur(cle, valeur)}")
    if precisions:
        texte += " (" + " ; ".join(precisions) + ")"
    return Ligne(_jour(etape["survenu_le"]), texte)


def _situation(numero: int, cas: dict[str, Any], communes: dict[str, str]) -> Situation:
    commune = communes.get(cas["commune"], cas["commune"])
    statut = STATUTS.get(cas["statut"], str(cas["statut"]).replace("_", " "))
    resume = [
        f"L'enfant a été signalé le {_jour(cas['cree_le'])} à la mairie de {commune} : il n'a pas été "
        "retrouvé avec certitude sur les listes d'élèves inscrits que la mairie a reçues.",
        f"Aujourd'hui, la situation est {statut}.",
    ]
    explication = cas.get("explication")
    if explication is not None and explication.motif:
        resume.append(f"Raison donnée par le service : {explication.motif}")
    resume.append(f"Listes d'élèves : {cas['candidats']}")
    return Situation(
        titre=f"Situation n° {numero} — commune de {commune}",
        resume=resume,
        identite=_identite(cas["identite"]),
        comparaison=_comparaison(explication),
        etapes=[_etape(e) for e in cas["historique"]],
        conservation=f"Ces données seront effacées au plus tard le 31 août {cas['cohorte_de_conservation']}, "
        "ou plus tôt si l'enfant quitte la commune.",
    )


def rediger(
    export: list[dict[str, Any]],
    *,
    nom: str,
    prenoms: str,
    date_naissance: date | None,
    communes: dict[str, str],
    operateur: str,
    aujourd_hui: date,
) -> Reponse:
    """La réponse à la famille, tirée de l'export du registre (``registre.droit_acces``)."""
    enfant = f"{prenoms} {nom}" + (
        f", né(e) le {date_naissance.strftime('%d/%m/%Y')}" if date_naissance else ""
    )
    service = f"le service cellule ({operateur})" if operateur else "le service cellule"
    if export:
        introduction = [
            f"Vous avez demandé à connaître les informations que {service} détient sur {enfant}.",
            f"Le registre contient {len(export)} situation(s) concernant cet enfant. Voici tout ce qui est "
            "conservé, et ce qui a été fait.",
        ]
    else:
        introduction = [
            f"Vous avez demandé à connaître les informations que {service} détient sur {enfant}.",
            "Le registre ne contient aucune information sur cet enfant. Les listes reçues de la CAF ou de "
            "la MSA ne sont pas gardées : un enfant retrouvé inscrit dans une école n'est jamais enregistré.",
        ]
    droits = [
        "Ces informations viennent de la liste transmise à la mairie par la CAF ou la MSA (article R131-10-3 "
        "du code de l'éducation), pour vérifier que chaque enfant de 3 à 16 ans reçoit une instruction "
        "(article L131-6).",
        "Si une information est inexacte, vous pouvez demander qu'elle soit corrigée : adressez-vous à la "
        "mairie de votre commune (service scolaire) ou à son délégué à la protection des données.",
        "Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la "
        "Commission nationale de l'informatique et des libertés (CNIL).",
    ]
    return Reponse(
        enfant=enfant,
        date_reponse=aujourd_hui,
        introduction=introduction,
        situations=[_situation(n, cas, communes) for n, cas in enumerate(export, start=1)],
        droits=droits,
    )
