"""Les états d'une campagne et de son travail : une seule table, ce qui n'y figure pas est refusé."""

from __future__ import annotations

from datetime import date

import pytest

from service.campagnes import etats
from service.modeles import Campagne, Travail


def test_une_campagne_se_lance_depuis_son_brouillon_ou_apres_un_echec_seulement() -> None:
    assert {etats.BROUILLON, etats.ECHEC} == etats.ETATS_MODIFIABLES
    assert etats.apres("campagne", "lancer", etats.ECHEC) == etats.EN_ATTENTE
    for etat in (etats.EN_ATTENTE, etats.EN_COURS, etats.TERMINEE):
        with pytest.raises(etats.TransitionImpossible):
            etats.apres("campagne", "lancer", etat)


def test_un_travail_termine_ou_en_echec_ne_se_reclame_plus() -> None:
    assert etats.apres("travail", "reclamer", etats.EN_COURS) == etats.EN_COURS
    for etat in (etats.TERMINEE, etats.ECHEC):
        with pytest.raises(etats.TransitionImpossible, match="reclamer"):
            etats.apres("travail", "reclamer", etat)


def test_une_campagne_terminee_ne_passe_plus_en_echec() -> None:
    with pytest.raises(etats.TransitionImpossible):
        etats.apres("campagne", "echouer", etats.TERMINEE)


def test_les_tables_partent_de_l_etat_initial_de_la_table_des_transitions() -> None:
    campagne = Campagne(commune="59350", date_reference=date(2026, 10, 1), libelle="Rentrée")
    assert campagne.etat == etats.BROUILLON
    assert Travail(campagne_id="c").etat == etats.EN_ATTENTE
