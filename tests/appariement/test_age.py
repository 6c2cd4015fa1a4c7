"""Âge de l'obligation d'instruction : de la rentrée de l'année des 3 ans à la veille des 16 ans."""

from __future__ import annotations

from datetime import date

import pytest

from appariement.age import annee_fin_conservation, est_soumis, fin_annee_scolaire


def test_soumis_des_la_rentree_de_l_annee_civile_des_3_ans() -> None:
    # Né en décembre : 3 ans seulement en décembre, mais soumis dès le 1er septembre de cette année-là.
    ne = date(2021, 12, 20)
    assert not est_soumis(ne, date(2024, 8, 31))
    assert est_soumis(ne, date(2024, 9, 1))


def test_ne_en_janvier_n_est_pas_soumis_avant_la_rentree() -> None:
    ne = date(2021, 1, 5)
    assert not est_soumis(ne, date(2024, 6, 1))
    assert est_soumis(ne, date(2024, 9, 1))


def test_soumis_la_veille_des_16_ans_plus_le_jour_meme() -> None:
    ne = date(2009, 3, 15)
    assert est_soumis(ne, date(2025, 3, 14))
    assert not est_soumis(ne, date(2025, 3, 15))


def test_ne_un_29_fevrier_a_16_ans_le_1er_mars_les_annees_non_bissextiles() -> None:
    ne = date(2008, 2, 29)  # 16 ans en 2024, bissextile
    assert est_soumis(ne, date(2024, 2, 28))
    assert not est_soumis(ne, date(2024, 2, 29))
    ne_2004 = date(2004, 2, 29)  # 2020 bissextile aussi ; 2100 ne l'est pas
    assert not est_soumis(ne_2004, date(2020, 2, 29))
    ne_2084 = date(2084, 2, 29)
    assert est_soumis(ne_2084, date(2100, 2, 28))
    assert not est_soumis(ne_2084, date(2100, 3, 1))


@pytest.mark.parametrize(
    ("naissance", "annee"),
    [
        (date(2009, 3, 15), 2025),  # 16 ans en mars 2025 : l'année scolaire 2024-2025 se clôt le 31 août 2025
        (date(2009, 8, 31), 2025),
        (date(2009, 9, 1), 2026),  # 16 ans le 1er septembre 2025 : année scolaire 2025-2026
        (date(2009, 12, 31), 2026),
    ],
)
def test_annee_fin_conservation(naissance: date, annee: int) -> None:
    assert annee_fin_conservation(naissance) == annee


@pytest.mark.parametrize(
    ("jour", "fin"),
    [
        (date(2025, 8, 31), date(2025, 8, 31)),  # dernier jour de l'année scolaire 2024-2025
        (date(2025, 9, 1), date(2026, 8, 31)),  # jour de la rentrée : l'année 2025-2026 commence
        (date(2026, 1, 15), date(2026, 8, 31)),
    ],
)
def test_fin_annee_scolaire(jour: date, fin: date) -> None:
    assert fin_annee_scolaire(jour) == fin
