"""La géométrie du graphique des indicateurs : graduations rondes, points à leur place."""

from __future__ import annotations

import pytest

from service.web.graphique import Serie, dessiner, pas_de_graduation

REPERES = Serie("reperes", "Situations repérées", "#000091", "rond")


@pytest.mark.parametrize(
    ("maximum", "pas"), [(0, 1), (3, 1), (5, 1), (7, 2), (12, 5), (40, 10), (180, 50), (999, 200)]
)
def test_les_graduations_vont_par_pas_ronds(maximum: int, pas: int) -> None:
    assert pas_de_graduation(maximum) == pas


def test_un_point_plus_grand_est_plus_haut_et_zero_est_sur_l_axe() -> None:
    graphique = dessiner(["janv.", "févr.", "mars"], [REPERES], {"reperes": [0, 7, 3]})
    zero, sept, trois = graphique.traces[0].points
    assert zero.y == graphique.bas
    assert sept.y < trois.y < zero.y
    assert zero.x < sept.x < trois.x
    # Graduations 0, 2, 4, 6, 8 : le sommet couvre le plus grand nombre.
    assert [valeur for _, valeur in graphique.graduations] == [0, 2, 4, 6, 8]


def test_sans_aucun_cas_le_graphique_reste_lisible() -> None:
    graphique = dessiner(["janv."], [REPERES], {"reperes": [0]})
    assert [valeur for _, valeur in graphique.graduations] == [0, 1]
    assert graphique.traces[0].points[0].y == graphique.bas
