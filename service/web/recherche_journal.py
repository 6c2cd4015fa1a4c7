"""La recherche du DPO dans le journal d'audit : les critères lus dans l'adresse, vérifiés un par un.

Les critères sont ceux de l'API (``/api/v1/audit``) : période, acteur, action, cible ``type:id``. La
page les reçoit en paramètres d'adresse (une recherche se garde dans les favoris et se partage) ; une
valeur refusée est signalée à côté de son champ, jamais par une erreur du service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

import audit
from audit.evenement import IDENTIFIANT
from service.base.connexion import FUSEAU_LOCAL
from service.journal_audit import Action
from service.web.formulaires import Champ, lire
from service.web.pages import Erreurs

PAR_PAGE = 50
PAGE_MAX = 100_000

# Ce que chaque action veut dire, pour la liste de choix et le tableau (docs/audit.md).
LIBELLES_ACTIONS: dict[Action, str] = {
    Action.CONNEXION: "Connexion",
    Action.DECONNEXION: "Déconnexion",
    Action.SECOND_FACTEUR: "Code de second facteur refusé",
    Action.COMPTE_CREE: "Compte créé",
    Action.COMPTE_APPROUVE: "Compte approuvé",
    Action.COMPTE_MODIFIE: "Compte modifié",
    Action.COMPTE_DESACTIVE: "Compte désactivé",
    Action.SESSIONS_LISTEES: "Sessions consultées",
    Action.SESSION_FERMEE: "Session fermée",
    Action.ROLE_MODIFIE: "Rôle modifié",
    Action.CONVENTION_AJOUTEE: "Convention ajoutée",
    Action.CONVENTION_MODIFIEE: "Convention modifiée",
    Action.CONVENTION_RETIREE: "Convention retirée",
    Action.CAMPAGNE_CREEE: "Campagne ouverte",
    Action.DEPOT: "Dépôt d'une liste",
    Action.TRAVAIL_DEBUT: "Appariement lancé",
    Action.TRAVAIL_FIN: "Appariement terminé",
    Action.CONSULTATION: "Identité d'un enfant affichée",
    Action.RECHERCHE: "Recherche dans les cas",
    Action.TRANSITION: "Étape de la procédure d'un cas",
    Action.EXPORT_INDICATEURS: "Export des indicateurs",
    Action.EXPORT_DROIT_ACCES: "Réponse à un droit d'accès",
    Action.CONSULTATION_JOURNAL: "Consultation du journal",
    Action.EXPORT_JOURNAL: "Export du journal",
    Action.PURGE: "Effacement de données",
    Action.PURGE_JOURNAL: "Purge d'un mois du journal",
    Action.OPERATION_CLE: "Opération sur une clé",
    Action.AUTORISATION_REFUSEE: "Accès refusé",
}
LIBELLES_RESULTATS = {"succes": "réussi", "echec": "échoué", "refus": "refusé"}

CHAMPS = [
    Champ("debut", "Du (inclus)", 10, requis=False),
    Champ("fin", "Au (inclus)", 10, requis=False),
    Champ("acteur", "Acteur", 128, requis=False),
    Champ("action", "Action", 40, requis=False),
    Champ("cible", "Cible", 170, requis=False),
    Champ("page", "Page", 6, requis=False),
]


@dataclass(frozen=True)
class Recherche:
    """Des critères vérifiés : le filtre du journal, la page demandée et les valeurs à réafficher."""

    filtre: audit.Filtre
    page: int
    valeurs: dict[str, str]

    def adresse(self, chemin: str, *, page: int | None = None) -> str:
        """``chemin`` avec les critères non vides (et la page ``page`` si elle est donnée)."""
        parametres = {cle: valeur for cle, valeur in self.valeurs.items() if valeur and cle != "page"}
        if page is not None and page > 1:
            parametres["page"] = str(page)
        return chemin + (f"?{urlencode(parametres)}" if parametres else "")

    @property
    def action(self) -> Action | None:
        return Action(self.filtre.action) if self.filtre.action else None


def _jour(texte: str, champ: str, erreurs: Erreurs) -> date | None:
    if not texte:
        return None
    try:
        return date.fromisoformat(texte)
    except ValueError:
        erreurs.ajouter(champ, "Saisissez une date au format JJ/MM/AAAA (par exemple 07/12/2026).")
        return None


def _minuit(jour: date) -> datetime:
    # La période se choisit en jours de France ; le journal compte en UTC.
    return datetime.combine(jour, time.min, FUSEAU_LOCAL)


def lire_recherche(parametres: dict[str, str]) -> tuple[Recherche, Erreurs]:
    """Les critères de l'adresse, et les erreurs par champ (la page ne cherche rien tant qu'il y en a)."""
    valeurs, erreurs = lire(parametres, CHAMPS)
    valeurs = {cle: valeur.strip() for cle, valeur in valeurs.items()}
    debut = _jour(valeurs["debut"], "debut", erreurs)
    fin = _jour(valeurs["fin"], "fin", erreurs)
    if debut and fin and fin < debut:
        erreurs.ajouter("fin", "La fin de la période est avant son début : inversez les deux dates.")
        fin = None
    acteur = valeurs["acteur"] or None
    if acteur and not IDENTIFIANT.fullmatch(acteur):
        erreurs.ajouter(
            "acteur", "Saisissez un identifiant de compte, par exemple agent.59001 (sans espace)."
        )
        acteur = None
    action = valeurs["action"] or None
    if action and action not in {a.value for a in Action}:
        erreurs.ajouter("action", "Choisissez une action dans la liste.")
        action = None
    cible_type, _, cible_id = valeurs["cible"].partition(":")
    if valeurs["cible"] and not all(IDENTIFIANT.fullmatch(p) for p in (cible_type, cible_id) if p):
        erreurs.ajouter("cible", "Saisissez le type, puis « : » et l'identifiant, par exemple cas:3f2a9c01.")
        cible_type = cible_id = ""
    # Une page hors limites ramène à la première : ce n'est pas une erreur du DPO.
    texte_page = valeurs["page"]
    page = int(texte_page) if texte_page.isdigit() and 1 <= int(texte_page) <= PAGE_MAX else 1
    filtre = audit.Filtre(
        debut=_minuit(debut) if debut else None,
        fin=_minuit(fin + timedelta(days=1)) if fin else None,
        acteur=acteur,
        action=action,
        cible_type=cible_type or None,
        cible_id=cible_id or None,
    )
    return Recherche(filtre, page, valeurs), erreurs
