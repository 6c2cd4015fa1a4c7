"""Génération des candidats : un nom, un prénom ou une date faux ne cachent pas la bonne fiche."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from appariement.blocage import paires_candidates
from appariement.normalisation import Contexte, preparer
from tests.appariement.fiches import enfant, familles, inscrits

REFERENCE = enfant("X", "KOWALCZYK", "AGNIESZKA MARIA", date(2014, 6, 23), "F")
ADRESSE = {"adresse": "4 rue des Acacias", "code_postal": "99001", "commune": "Villefictive"}


def _candidate(ecole: dict[str, Any], reference: dict[str, Any] = REFERENCE) -> bool:
    contexte = Contexte()
    f = preparer(familles(reference), inscrits=False, contexte=contexte)
    autres = [enfant(f"A{k}", "DURAND", "PAUL", date(2012, 1, k + 1), "M") for k in range(5)]
    i = preparer(inscrits(*autres, ecole), inscrits=True, contexte=contexte)
    paires = paires_candidates(f, i)
    return paires.filter(paires["ii"] == len(autres)).height == 1


@pytest.mark.parametrize(
    "modification",
    [
        {"nom": "ZIELINSKA"},  # nom tout autre (nom d'usage inconnu de l'école)
        {"prenoms": "Beata"},  # prénom tout autre
        {"date_naissance": date(2009, 6, 23)},  # année fausse, jour et mois justes
        {"date_naissance": date(2015, 11, 2)},  # jour et mois faux, année voisine
        {"date_naissance": date(2009, 11, 2)},  # date sans rapport (nom et prénom peu courants)
        {"date_naissance": None},  # date manquante
        {"nom": "AGNIESZKA", "prenoms": "Kowalczyk"},  # nom et prénom inversés
        {"nom": "KOWALCZYK-NOWAK"},  # nom composé
    ],
)
def test_un_seul_champ_faux_ne_cache_pas_la_fiche(modification: dict[str, Any]) -> None:
    assert _candidate({**REFERENCE, "id": "I", **modification})


def test_une_fiche_sans_rapport_n_est_pas_candidate() -> None:
    assert not _candidate(enfant("I", "MARTIN", "LUCAS", date(2016, 2, 2), "M"))


# Deux champs faux à la fois : seule l'adresse commune, avec le nom ou le prénom et l'année à un an
# près, retrouve la fiche.
DEUX_ECARTS = [
    {"nom": "KOWOLCZYK", "date_naissance": date(2014, 6, 28)},  # faute dans le nom, date à 5 jours
    {"prenoms": "Agnieszla", "date_naissance": date(2014, 8, 23)},  # faute dans le prénom, mois faux
    {"nom": "ZIELINSKA", "date_naissance": date(2015, 6, 23)},  # nom d'usage, année voisine
    {"nom": "AGNIESZKA", "prenoms": "Kowolczyk", "date_naissance": date(2014, 6, 28)},  # inversion et faute
]


@pytest.mark.parametrize("modification", DEUX_ECARTS)
def test_deux_champs_faux_sous_le_meme_toit_ne_cachent_pas_la_fiche(modification: dict[str, Any]) -> None:
    reference = {**REFERENCE, **ADRESSE}
    assert _candidate({**reference, "id": "I", **modification}, reference)
    # Sans l'adresse à l'école, rien ne désigne la fiche : c'est bien l'adresse qui la retrouve.
    assert not _candidate({**REFERENCE, "id": "I", **modification}, reference)


# Nom et prénom faux tous les deux (nom d'usage et prénom usuel, ou une faute dans chacun) : la date
# juste et le même toit, ou, pour un enfant qu'aucune autre clé ne trouve, la même date et le même
# code postal, retrouvent la fiche.
NOM_ET_PRENOM_FAUX = [
    {"nom": "KOWOLCZYK", "prenoms": "Agnieszla"},  # une faute dans chacun
    {"nom": "ZIELINSKA", "prenoms": "Maria"},  # nom d'usage, second prénom
]


@pytest.mark.parametrize("modification", NOM_ET_PRENOM_FAUX)
def test_nom_et_prenom_faux_avec_la_date_et_le_quartier_justes(modification: dict[str, Any]) -> None:
    reference = {**REFERENCE, **ADRESSE}
    assert _candidate({**reference, "id": "I", **modification}, reference)
    # Dans un autre code postal, ni la date ni l'initiale ne suffisent.
    ailleurs = {**ADRESSE, "adresse": "9 rue du Port", "code_postal": "99002"}
    assert not _candidate({**reference, "id": "I", **modification, **ailleurs}, reference)
