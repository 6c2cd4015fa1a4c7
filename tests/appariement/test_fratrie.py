"""Frère, sœur ou jumeau : la protection suit les foyers de la liste, elle n'est pas écrite à la main."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import polars as pl

from appariement import apparier
from appariement.fratrie import paires_du_foyer, taux_fratrie
from appariement.normalisation import Contexte, preparer
from tests.appariement.fiches import decisions_par_id, enfant, familles, inscrits

REFERENCE = date(2026, 11, 15)
SYLLABES = ("BA", "LO", "RI", "MU", "TE", "NA", "CO", "VI", "DE", "SA", "PO", "GU", "FE", "JA", "KI")
PRENOMS = ("LEA", "JADE", "EMMA", "LOUISE", "ALICE", "CHLOE", "INES", "LINA", "ROSE", "ANNA", "ZOE", "MIA")


def _mot(aleas: random.Random, syllabes: int) -> str:
    return "".join(aleas.choice(SYLLABES) for _ in range(syllabes))


def _listes(avec_foyers: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """600 enfants fictifs retrouvés à l'école, chacun à sa porte, un sur vingt sous un autre prénom (EM
    apprend que cela arrive) ; ``avec_foyers`` : 300 foyers de deux
    enfants de plus, dont un sur trois de jumeaux, et 40 élèves qu'aucune ligne de la liste n'explique."""
    aleas = random.Random(7)
    liste: list[dict[str, Any]] = []
    ecole: list[dict[str, Any]] = []

    def ajouter(nom: str, prenom: str, naissance: date, numero: int) -> None:
        lieu = {"adresse": f"{numero} RUE {_mot(aleas, 3)}", "code_postal": "99100", "commune": "FICTIVE"}
        k = len(liste)
        liste.append(enfant(f"F{k}", nom, prenom, naissance, "F", **lieu))
        # Un élève sur vingt est connu de l'école sous un autre prénom (prénom usuel, second prénom).
        usuel = "MARGOT" if k % 20 == 0 else prenom
        ecole.append(enfant(f"I{k}", nom, usuel, naissance, "F", **lieu))

    def naissance() -> date:
        return date(2011, 1, 1) + timedelta(days=aleas.randrange(4000))

    for k in range(600):
        ajouter(_mot(aleas, 4), aleas.choice(PRENOMS), naissance(), k)
    if avec_foyers:
        for k in range(300):
            nom, lieu = _mot(aleas, 4), {"adresse": f"{k} AVENUE {_mot(aleas, 3)}", "code_postal": "99100"}
            aine = naissance()
            cadet = aine if k % 3 == 0 else aine + timedelta(days=400 + aleas.randrange(1500))
            for j, (prenom, jour) in enumerate((("LEA", aine), ("JADE", cadet))):
                liste.append(enfant(f"G{k}_{j}", nom, prenom, jour, "F", **lieu))
                ecole.append(enfant(f"J{k}_{j}", nom, prenom, jour, "F", **lieu))
        ecole += [enfant(f"S{k}", _mot(aleas, 4), "ZOE", naissance(), "F") for k in range(40)]
    return liste, ecole


def _decision_de_l_enfant(avec_foyers: bool) -> dict[str, Any]:
    liste, ecole = _listes(avec_foyers)
    # L'enfant : la CAF donne MARGAUX, l'école ne connaît que CAPUCINE ; tout le reste concorde. C'est
    # aussi le portrait de sa jumelle, inscrite, alors que MARGAUX ne le serait pas.
    lieu = {"adresse": "12 RUE DES TILLEULS", "code_postal": "99100", "commune": "FICTIVE"}
    liste.append(enfant("X", "VERDELOT", "MARGAUX", date(2016, 4, 9), "F", **lieu))
    ecole.append(enfant("Y", "VERDELOT", "CAPUCINE", date(2016, 4, 9), "F", **lieu))
    return decisions_par_id(apparier(familles(*liste), inscrits(*ecole), REFERENCE).decisions)["X"]


def test_sans_aucun_foyer_de_plusieurs_enfants_la_preuve_l_emporte() -> None:
    decision = _decision_de_l_enfant(avec_foyers=False)
    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "Y")


def test_la_ou_les_foyers_ont_des_jumeaux_une_personne_regarde() -> None:
    decision = _decision_de_l_enfant(avec_foyers=True)
    assert decision["statut"] == "a_verifier"
    assert "frère, une sœur ou un jumeau" in decision["explication"]
    assert [c["id_inscrit"] for c in decision["candidats"]][:1] == ["Y"]


def test_les_foyers_et_leur_taux_viennent_de_la_liste() -> None:
    liste, _ = _listes(avec_foyers=True)
    preparee = preparer(familles(*liste), inscrits=False, contexte=Contexte())
    # 300 foyers de deux enfants : 600 paires ordonnées, aucune entre deux enfants de portes différentes ;
    # les 1 200 enfants ont une adresse.
    paires, observes = paires_du_foyer(preparee)
    assert (paires.height, observes) == (600, 1200)
    # Sans adresse, on ne sait rien des foyers : le taux reste celui d'une commune ordinaire, il ne
    # tombe pas à zéro (une liste sans adresses ne doit pas ôter la protection des jumeaux).
    nue = familles(*liste).with_columns(pl.lit(None, dtype=pl.String).alias("adresse"))
    paires_nues, observes_nus = paires_du_foyer(preparer(nue, inscrits=False, contexte=Contexte()))
    assert (paires_nues.height, observes_nus) == (0, 0)
    assert taux_fratrie(0, 0, 1000, 950) > taux_fratrie(1200, 0, 1000, 950) > 0
    # Plus de foyers, ou plus de fiches que la liste n'explique : plus de frères et sœurs possibles.
    assert taux_fratrie(1000, 600, 1000, 950) > taux_fratrie(1000, 0, 1000, 950)
    assert taux_fratrie(1000, 600, 1000, 800) > taux_fratrie(1000, 600, 1000, 990)
