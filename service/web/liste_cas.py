"""La liste des cas (``/cas``) : filtres lus dans l'adresse, libellés des statuts, lignes du tableau.

Les filtres, le tri et la page sont des paramètres d'adresse, lus sans jamais refuser la page : une
valeur inconnue est ignorée et la page le dit. Le périmètre vient de la session (``registre.lister``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from service.base.connexion import jour_local
from service.comptes.roles import Role
from service.modeles import Cas
from service.referentiel import CODE_INSEE
from service.registre import procedure
from service.web import tri_des_cas as tris
from service.web.suivi_du_cas import Echeance, echeance_de

PAR_PAGE = 25
PAR_PAGE_MAX = 100
PAGE_MAX = 100_000
IDENTIFIANT = re.compile(r"[0-9a-f]{32}")
OUVERTS, TOUS = "ouverts", "tous"
A_VERIFIER, A_CLASSER_OU_TRANSMETTRE = "a_verifier", "a_classer_ou_transmettre"


@dataclass(frozen=True)
class FiltreStatut:
    """Un filtre de statut : son code dans l'adresse, son libellé, et ce qu'il demande au registre."""

    code: str
    libelle: str
    statuts: frozenset[str] = frozenset()
    resultat: str | None = None


def _statut(code: str, libelle: str) -> FiltreStatut:
    return FiltreStatut(code, libelle, frozenset({code}))


FILTRES_STATUT = (
    FiltreStatut(OUVERTS, "En cours", procedure.STATUTS_OUVERTS),
    FiltreStatut(A_VERIFIER, "À vérifier", frozenset({procedure.REPERE}), procedure.A_VERIFIER),
    FiltreStatut(
        A_CLASSER_OU_TRANSMETTRE,
        "À classer ou à transmettre",
        frozenset({procedure.REPERE}),
        procedure.NON_APPARIE,
    ),
    _statut(procedure.TRANSMIS, "Transmis à la DASEN"),
    _statut(procedure.CONTROLE, "Contrôle de l'instruction"),
    _statut(procedure.ENQUETE_SOCIALE, "Enquête sociale"),
    _statut(procedure.MISE_EN_DEMEURE, "Mise en demeure"),
    _statut(procedure.SIGNALEMENT, "Signalé au procureur"),
    _statut(procedure.ENQUETE, "Enquête du parquet"),
    _statut(procedure.RESCOLARISE, "Rescolarisé"),
    _statut(procedure.CLASSE, "Classé"),
    _statut(procedure.SUITES, "Suites du parquet"),
    FiltreStatut(TOUS, "Tous, clos compris"),
)
PAR_CODE = {filtre.code: filtre for filtre in FILTRES_STATUT}
# Ce que chaque rôle voit d'abord, et les filtres sans objet pour lui (un référent ne reçoit que des
# cas transmis : rien à vérifier ni à transmettre).
STATUT_PAR_DEFAUT: dict[Role | None, str] = {Role.AGENT_COMMUNE: OUVERTS, Role.REFERENT_DSDEN: OUVERTS}
SANS_OBJET: dict[Role | None, frozenset[str]] = {
    Role.REFERENT_DSDEN: frozenset({A_VERIFIER, A_CLASSER_OU_TRANSMETTRE}),
}

# Le badge de chaque statut : des mots, et une couleur qui ne fait que les doubler.
BADGES = {
    procedure.TRANSMIS: ("Transmis à la DASEN", "fr-badge--info"),
    procedure.CONTROLE: ("Contrôle de l'instruction", "fr-badge--info"),
    procedure.ENQUETE_SOCIALE: ("Enquête sociale", "fr-badge--info"),
    procedure.MISE_EN_DEMEURE: ("Mise en demeure", "fr-badge--warning"),
    procedure.SIGNALEMENT: ("Signalé au procureur", "fr-badge--error"),
    procedure.ENQUETE: ("Enquête du parquet", "fr-badge--error"),
    procedure.RESCOLARISE: ("Rescolarisé", "fr-badge--success"),
    procedure.CLASSE: ("Classé", ""),
    procedure.SUITES: ("Suites du parquet", ""),
}
COLONNES_TRIABLES = {
    "commune": "Commune",
    "statut": "Statut",
    "cree_le": "Repéré le",
    "mis_a_jour_le": "Mis à jour le",
    "echeance": "Échéance",
}


@dataclass(frozen=True)
class Filtres:
    """Ce que l'adresse demande : filtres, tri (``priorite`` : à vérifier d'abord) et page."""

    statut: str
    commune: str | None = None
    campagne: str | None = None
    echeance_depassee: bool = False
    tri: str = tris.PRIORITE
    decroissant: bool = False
    page: int = 1
    par_page: int = PAR_PAGE
    defaut: str = OUVERTS

    def adresse(self, **changements: Any) -> str:
        """L'adresse de la liste avec ces changements ; un filtre changé ramène à la première page."""
        if "page" not in changements:
            changements["page"] = 1
        cible = replace(self, **changements)
        parametres: list[tuple[str, str]] = []
        if cible.statut != cible.defaut:
            parametres.append(("statut", cible.statut))
        if cible.commune:
            parametres.append(("commune", cible.commune))
        if cible.campagne:
            parametres.append(("campagne", cible.campagne))
        if cible.echeance_depassee:
            parametres.append(("echeance_depassee", "1"))
        if cible.tri != tris.PRIORITE:
            parametres.append(("tri", cible.tri))
            parametres.append(("sens", "desc" if cible.decroissant else "asc"))
        if cible.par_page != PAR_PAGE:
            parametres.append(("par_page", str(cible.par_page)))
        if cible.page > 1:
            parametres.append(("page", str(cible.page)))
        return "/cas" + (f"?{urlencode(parametres)}" if parametres else "")

    def filtre_statut(self) -> FiltreStatut:
        return PAR_CODE[self.statut]


def _entier(valeur: str | None, defaut: int, maximum: int) -> int | None:
    if valeur is None:
        return defaut
    if not valeur.isdigit() or len(valeur) > 6 or not 1 <= int(valeur) <= maximum:
        return None
    return int(valeur)


def lire_filtres(parametres: Mapping[str, str], role: Role | None) -> tuple[Filtres, list[str]]:
    """Les filtres de l'adresse, et ce qui en a été ignoré (dit en français sur la page)."""
    ignores: list[str] = []
    defaut = STATUT_PAR_DEFAUT.get(role, OUVERTS)
    statut = parametres.get("statut", defaut)
    if statut not in PAR_CODE or statut in SANS_OBJET.get(role, frozenset()):
        ignores.append("le statut demandé n'existe pas")
        statut = defaut
    commune = parametres.get("commune") or None
    if commune is not None and not CODE_INSEE.fullmatch(commune):
        ignores.append("la commune demandée n'est pas un code INSEE")
        commune = None
    campagne = parametres.get("campagne") or None
    if campagne is not None and not IDENTIFIANT.fullmatch(campagne):
        ignores.append("la campagne demandée n'existe pas")
        campagne = None
    tri = parametres.get("tri", tris.PRIORITE)
    if tri != tris.PRIORITE and tri not in COLONNES_TRIABLES:
        ignores.append("le tri demandé n'existe pas")
        tri = tris.PRIORITE
    page = _entier(parametres.get("page"), 1, PAGE_MAX)
    par_page = _entier(parametres.get("par_page"), PAR_PAGE, PAR_PAGE_MAX)
    if page is None or par_page is None:
        ignores.append("le numéro de page n'est pas valable")
    filtres = Filtres(
        statut=statut,
        commune=commune,
        campagne=campagne,
        echeance_depassee=parametres.get("echeance_depassee") in {"1", "true", "oui"},
        tri=tri,
        decroissant=parametres.get("sens") == "desc",
        page=page or 1,
        par_page=par_page or PAR_PAGE,
        defaut=defaut,
    )
    return filtres, ignores


def filtres_de_statut(role: Role | None) -> list[FiltreStatut]:
    return [f for f in FILTRES_STATUT if f.code not in SANS_OBJET.get(role, frozenset())]


def badge(cas: Cas) -> tuple[str, str]:
    """Le libellé du statut d'un cas et la classe DSFR de son badge."""
    if cas.statut == procedure.REPERE:
        if cas.resultat == procedure.A_VERIFIER:
            return "À vérifier", "fr-badge--new"
        return "À classer ou à transmettre", "fr-badge--info"
    libelle, classe = BADGES.get(cas.statut, (cas.statut, ""))
    if cas.statut == procedure.CLASSE and cas.motif in procedure.MOTIFS_CLASSEMENT:
        libelle = f"Classé : {procedure.MOTIFS_CLASSEMENT[cas.motif]}"
    return libelle, classe


def echeance_depassee(cas: Cas, aujourd_hui: date) -> bool:
    return (
        cas.statut in procedure.STATUTS_A_ECHEANCE and cas.echeance is not None and cas.echeance < aujourd_hui
    )


def transmissible(cas: Cas, role: Role | None) -> bool:
    """Ce rôle peut-il transmettre ce cas à la DASEN ? La table de la procédure seule en décide."""
    return TRANSMETTRE in procedure.actions_possibles(cas.statut, cas.resultat, role)


TRANSMETTRE = "transmettre"


@dataclass(frozen=True)
class Ligne:
    """Une ligne du tableau : le cas, ce qu'on en dit, et son identité si un motif a été choisi."""

    cas: Cas
    commune: str
    statut: str
    classe_badge: str
    echeance_depassee: bool
    transmissible: bool
    identite: dict[str, Any] | None = None

    @property
    def court(self) -> str:
        return self.cas.id[:8]

    @property
    def echeance(self) -> Echeance | None:
        """L'échéance d'une mise en demeure, en mots (à venir, aujourd'hui, dépassée)."""
        return echeance_de(self.cas)


@dataclass
class Liste:
    filtres: Filtres
    total: int
    lignes: list[Ligne] = field(default_factory=list)
    communes: list[tuple[str, str]] = field(default_factory=list)
    campagnes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filtres.par_page))

    @property
    def transmissibles(self) -> int:
        return sum(ligne.transmissible for ligne in self.lignes)


def date_courte(instant: date | datetime | None) -> str:
    """« 07/12/2026 » ; un instant est lu à l'heure de France."""
    if isinstance(instant, datetime):
        instant = jour_local(instant)
    return instant.strftime("%d/%m/%Y") if instant else "—"
