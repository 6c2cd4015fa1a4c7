"""Ce que montre ``/indicateurs`` : les chiffres d'un mois et les douze derniers mois, dans la portée
de la session (un agent ses communes, un référent son département, le pilotage tout).

Le tableau du mois vient de ``indicateurs.production.produire`` (portée, refus et audit, comme
l'API) ; les douze mois sont recalculés sur les mêmes communes, à partir des mêmes étapes de cas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from service.acteur import Acteur
from service.comptes.roles import Role
from service.indicateurs import INDICATEURS, Commune, Indicateur, Mois, Tableau, calculer
from service.indicateurs.calcul import Ligne
from service.indicateurs.production import communes_du_perimetre, evenements, produire
from service.web.graphique import Graphique, Serie, dessiner

NOMS_DES_MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ABREVIATIONS = (
    *("janv.", "févr.", "mars", "avr.", "mai", "juin"),
    *("juil.", "août", "sept.", "oct.", "nov.", "déc."),
)
MOIS_PROPOSES = 24
MOIS_DU_GRAPHIQUE = 12

# Les étapes que suit le graphique ; le trait et la forme des points les distinguent sans la couleur.
SERIES = (
    Serie("reperes", "Situations repérées", "#000091", "rond"),
    Serie("transmissions", "Transmises à la DASEN", "#c9191e", "carre", "8 4"),
    Serie("mises_en_demeure", "Mises en demeure", "#18753c", "triangle", "2 3"),
    Serie("rescolarisations", "Rescolarisations après mise en demeure", "#6e445a", "losange", "10 3 2 3"),
)


def nom_du_mois(mois: Mois) -> str:
    return f"{NOMS_DES_MOIS[mois.numero - 1]} {mois.annee}"


def de_mois(mois: Mois) -> str:
    """« d'octobre 2026 », « de mars 2026 »."""
    nom = nom_du_mois(mois)
    return f"d'{nom}" if nom[0] in "ao" else f"de {nom}"


def etiquette(mois: Mois, premier: bool) -> str:
    """« sept. » sous son point ; l'année en seconde ligne, au premier mois et en janvier."""
    nom = ABREVIATIONS[mois.numero - 1]
    return f"{nom}\n{mois.annee}" if premier or mois.numero == 1 else nom


def mois_avant(mois: Mois, nombre: int) -> list[Mois]:
    """Les ``nombre`` mois qui finissent par ``mois``, du plus ancien au plus récent."""
    suite = [mois]
    while len(suite) < nombre:
        suite.append(Mois.precedent(suite[-1].debut))
    return suite[::-1]


def mois_proposes(aujourd_hui: date, choisi: Mois | None) -> list[Mois]:
    """Le sélecteur : les deux dernières années, du plus récent au plus ancien, et le mois choisi."""
    proposes = mois_avant(Mois(aujourd_hui.year, aujourd_hui.month), MOIS_PROPOSES)[::-1]
    if choisi is not None and choisi not in proposes:
        proposes.append(choisi)
    return proposes


@dataclass(frozen=True)
class Colonne:
    """Une colonne du tableau : une commune, ou le total d'un département."""

    libelle: str
    total: bool
    ligne: Ligne


@dataclass(frozen=True)
class VueIndicateurs:
    tableau: Tableau
    colonnes: list[Colonne]
    indicateurs: tuple[Indicateur, ...]
    evolution: list[tuple[Mois, dict[str, int]]]
    graphique: Graphique

    def valeur(self, colonne: Colonne, indicateur: Indicateur) -> str:
        brute = self.tableau.valeur_affichee(colonne.ligne, indicateur)
        if brute is None:
            return "—"
        if isinstance(brute, float):
            return f"{brute:.1f}".replace(".", ",").removesuffix(",0")
        return str(brute)


def _libelle(ligne: Ligne, acteur: Acteur) -> str:
    if ligne.commune is not None:
        return ligne.libelle
    # Le total d'un agent n'additionne que ses communes, pas tout le département.
    if acteur.role == Role.AGENT_COMMUNE:
        return f"Total de vos communes ({ligne.departement})"
    return ligne.libelle


def _totaux(tableau: Tableau) -> dict[str, int]:
    """Les comptes de toute la portée : la somme des totaux de départements."""
    totaux = [ligne for ligne in tableau.lignes if ligne.commune is None]
    return {serie.cle: sum(int(ligne.valeurs[serie.cle] or 0) for ligne in totaux) for serie in SERIES}


def communes_visibles(session: Session, acteur: Acteur) -> list[Commune]:
    """Les communes du sélecteur ; refus (403) pour un rôle sans accès aux indicateurs."""
    return sorted(communes_du_perimetre(session, acteur, operation="indicateurs"), key=lambda c: c.nom)


def vue(session: Session, acteur: Acteur, mois: Mois, commune: str | None) -> VueIndicateurs:
    """Le tableau du mois (consultation inscrite au journal, comme l'API) et les douze derniers mois."""
    tableau = produire(session, acteur, mois, format="page", commune=commune)
    perimetre = [ligne.commune for ligne in tableau.lignes if ligne.commune is not None]
    etapes = evenements(session, [c.insee for c in perimetre])
    evolution = [
        (m, _totaux(tableau if m == mois else calculer(etapes, m, perimetre)))
        for m in mois_avant(mois, MOIS_DU_GRAPHIQUE)
    ]
    graphique = dessiner(
        [etiquette(m, rang == 0) for rang, (m, _) in enumerate(evolution)],
        list(SERIES),
        {s.cle: [chiffres[s.cle] for _, chiffres in evolution] for s in SERIES},
    )
    colonnes = [Colonne(_libelle(ligne, acteur), ligne.commune is None, ligne) for ligne in tableau.lignes]
    return VueIndicateurs(tableau, colonnes, INDICATEURS, evolution, graphique)
