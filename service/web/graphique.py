"""Un graphique en courbes dessiné sur le serveur (SVG), sans JavaScript.

Ce module ne fait que la géométrie : où tombe chaque point, quelles graduations, quelles étiquettes.
Le gabarit écrit le SVG. Chaque série a sa couleur, mais aussi sa forme de point et son trait (plein
ou pointillé) : on les distingue sans voir les couleurs (RGAA 3.1). Le tableau des mêmes chiffres,
sous le graphique, en est l'alternative textuelle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LARGEUR, HAUTEUR = 720, 300
# Place des graduations (à gauche) et des mois (en bas).
MARGE_GAUCHE, MARGE_DROITE, MARGE_HAUT, MARGE_BAS = 48, 16, 16, 48


@dataclass(frozen=True)
class Serie:
    cle: str
    libelle: str
    couleur: str
    marqueur: str  # rond, carre, triangle, losange
    tirets: str = ""  # motif de pointillés (stroke-dasharray), vide pour un trait plein


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    valeur: int

    def polygone(self, marqueur: str) -> str:
        """Les sommets du triangle ou du losange centré sur le point."""
        x, y = self.x, self.y
        if marqueur == "triangle":
            return f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"
        return f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"


@dataclass(frozen=True)
class Trace:
    serie: Serie
    points: list[Point]

    @property
    def chemin(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Graphique:
    largeur: int
    hauteur: int
    gauche: int
    droite: int
    haut: int
    bas: int
    traces: list[Trace]
    graduations: list[tuple[float, int]]  # (ordonnée, valeur)
    etiquettes: list[tuple[float, str]]  # (abscisse, mois ; « \n » sépare deux lignes)


def pas_de_graduation(maximum: int) -> int:
    """Un pas rond (1, 2, 5, 10, 20…) qui donne au plus cinq graduations au-dessus de zéro."""
    if maximum <= 5:
        return 1
    brut = maximum / 5
    puissance = 10 ** math.floor(math.log10(brut))
    for facteur in (1, 2, 5, 10):
        if facteur * puissance >= brut:
            return int(facteur * puissance)
    return int(10 * puissance)


def dessiner(etiquettes: list[str], series: list[Serie], valeurs: dict[str, list[int]]) -> Graphique:
    """La géométrie du graphique : une abscisse par étiquette (un mois), une courbe par série."""
    gauche, droite = MARGE_GAUCHE, LARGEUR - MARGE_DROITE
    haut, bas = MARGE_HAUT, HAUTEUR - MARGE_BAS
    maximum = max((v for s in series for v in valeurs[s.cle]), default=0)
    pas = pas_de_graduation(maximum)
    sommet = max(pas * math.ceil(maximum / pas), pas)

    def abscisse(rang: int) -> float:
        if len(etiquettes) < 2:
            return (gauche + droite) / 2
        return gauche + 12 + rang * (droite - gauche - 24) / (len(etiquettes) - 1)

    def ordonnee(valeur: float) -> float:
        return bas - (bas - haut) * valeur / sommet

    traces = [
        Trace(serie, [Point(abscisse(r), ordonnee(v), v) for r, v in enumerate(valeurs[serie.cle])])
        for serie in series
    ]
    return Graphique(
        largeur=LARGEUR,
        hauteur=HAUTEUR,
        gauche=gauche,
        droite=droite,
        haut=haut,
        bas=bas,
        traces=traces,
        graduations=[(ordonnee(v), v) for v in range(0, sommet + 1, pas)],
        etiquettes=[(abscisse(r), texte) for r, texte in enumerate(etiquettes)],
    )


# Le point au milieu de la petite courbe de chaque entrée de la légende (32 × 16).
POINT_DE_LEGENDE = Point(16, 8, 0)
