"""Lignes incomplètes (issue n° 17, points 1 et 2) : un enfant nommé reçoit toujours une décision, un
élève sans prénom ni date reste candidat, sans jamais cacher un frère ou une sœur absent."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl

from appariement import apparier
from appariement.blocage import REGLES, paires_candidates
from appariement.controles import COLONNES_FAMILLES, COLONNES_INSCRITS, completer
from appariement.normalisation import Contexte, preparer
from tests.appariement.fiches import decisions_par_id, enfant, familles, inscrits

REFERENCE = date(2025, 10, 1)
ADRESSE = {"adresse": "12 rue des Tilleuls", "code_postal": "99002", "commune": "Villefictive"}
AUTRE = {"adresse": "3 place du Marché", "code_postal": "99003", "commune": "Autreville"}


def _decision(liste: pl.DataFrame, ecole: pl.DataFrame, identifiant: str) -> dict[str, Any]:
    return decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)[identifiant]


def test_un_enfant_sans_prenom_sur_la_liste_et_introuvable_est_a_verifier_jamais_non_apparie() -> None:
    liste = familles(
        enfant("F1", "GARNIER", None, date(2015, 4, 2), "F", **ADRESSE),
        enfant("F2", None, "Maëlle", date(2016, 5, 3), "F", **ADRESSE),
        enfant("F3", "FAURE", "Lilou", date(2014, 6, 4), "F", **ADRESSE),
    )
    ecole = inscrits(enfant("I9", "BLANC", "Arthur", date(2015, 9, 9), "M", **AUTRE))

    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)

    assert [decisions[f]["statut"] for f in ("F1", "F2", "F3")] == ["a_verifier", "a_verifier", "non_apparie"]
    motif = json.loads(str(decisions["F1"]["explication"]))["motif"]
    assert "nom ou prénom absent de la liste" in motif


def test_un_enfant_sans_prenom_retrouve_sans_ambiguite_est_apparie() -> None:
    liste = familles(enfant("F1", "GARNIER", None, date(2015, 4, 2), "F", **ADRESSE))
    ecole = inscrits(
        enfant("I1", "GARNIER", "Lucie", date(2015, 4, 2), "F", ine="123456789AB", **ADRESSE),
        enfant("I2", "BLANC", "Arthur", date(2015, 9, 9), "M", **AUTRE),
    )

    decision = _decision(liste, ecole, "F1")

    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")


def _paires(liste: pl.DataFrame, ecole: pl.DataFrame) -> list[tuple[int, int, int]]:
    contexte = Contexte()
    f = preparer(completer(liste, COLONNES_FAMILLES, "familles"), inscrits=False, contexte=contexte)
    i = preparer(completer(ecole, COLONNES_INSCRITS, "inscrits"), inscrits=True, contexte=contexte)
    return [(fi, ii, regles) for fi, ii, regles in paires_candidates(f, i).iter_rows()]


def test_un_eleve_sans_prenom_ni_date_est_trouve_par_son_nom_seul() -> None:
    liste = familles(enfant("F1", "VASSEUR", "Timéo", date(2015, 4, 2), "M", **ADRESSE))
    ecole = inscrits(
        enfant("I1", "VASSEUR", None, None, "M", **ADRESSE),
        enfant("I2", "BLANC", "Arthur", date(2015, 9, 9), "M", **AUTRE),
    )

    paires = _paires(liste, ecole)

    assert [(fi, ii) for fi, ii, _ in paires] == [(0, 0)]
    assert paires[0][2] & REGLES["nom_seul"]


def test_un_eleve_sans_prenom_ni_date_rend_son_enfant_a_verifier_au_lieu_d_une_fausse_alerte() -> None:
    liste = familles(enfant("F1", "VASSEUR", "Timéo", date(2015, 4, 2), "M", **ADRESSE))
    ecole = inscrits(
        enfant("I1", "VASSEUR", None, None, "M", ine="123456789AB", **ADRESSE),
        enfant("I2", "BLANC", "Arthur", date(2015, 9, 9), "M", **AUTRE),
    )

    decision = _decision(liste, ecole, "F1")

    assert (decision["statut"], decision["id_inscrit"]) == ("a_verifier", None)
    assert [c["id_inscrit"] for c in decision["candidats"]] == ["I1"]
    assert "ni le prénom ni la date" in json.loads(str(decision["explication"]))["motif"]


def test_une_fiche_sans_prenom_ni_date_ne_cache_jamais_un_frere_absent() -> None:
    # Deux frères sous le même toit, une seule fiche d'élève au nom de famille, sans prénom ni date :
    # l'un des deux n'est pas à l'école. Aucun n'est déclaré apparié ; les deux sont à vérifier.
    liste = familles(
        enfant("F1", "VASSEUR", "Timéo", date(2015, 4, 2), "M", **ADRESSE),
        enfant("F2", "VASSEUR", "Noé", date(2017, 8, 12), "M", **ADRESSE),
    )
    ecole = inscrits(
        enfant("I1", "VASSEUR", None, None, "M", ine="123456789AB", **ADRESSE),
        enfant("I2", "BLANC", "Arthur", date(2015, 9, 9), "M", **AUTRE),
    )

    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)

    assert {f: decisions[f]["statut"] for f in ("F1", "F2")} == {"F1": "a_verifier", "F2": "a_verifier"}
    assert all(decisions[f]["id_inscrit"] is None for f in ("F1", "F2"))


def test_un_eleve_sans_date_reste_candidat_et_l_enfant_n_est_pas_une_fausse_alerte() -> None:
    liste = familles(enfant("F1", "VASSEUR", "Timéo", date(2015, 4, 2), "M", **ADRESSE))
    ecole = inscrits(
        enfant("I1", "VASSEUR", "Timéo", None, "M", **ADRESSE),
        enfant("I2", "BLANC", "Arthur", date(2015, 9, 9), "M", **AUTRE),
    )

    decision = _decision(liste, ecole, "F1")

    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")


def _niveau_date(decision: dict[str, Any]) -> str:
    champs = json.loads(str(decision["explication"]))["champs"]
    return next(c["niveau"] for c in champs if c["champ"] == "date_naissance")


def test_une_date_impossible_compare_encore_son_annee_et_son_mois() -> None:
    # Le 29/02/2011 de la CAF n'existe pas : restent 2011 et février, ceux de la fiche du 28/02/2011.
    liste = familles(enfant("F1", "CARON", "Inès", None, "F", **ADRESSE)).with_columns(
        pl.lit(2011, dtype=pl.Int32).alias("annee_naissance"),
        pl.lit(2, dtype=pl.Int8).alias("mois_naissance"),
    )
    meme_mois = inscrits(enfant("I1", "CARON", "Inès", date(2011, 2, 28), "F", **ADRESSE))
    autre_mois = inscrits(enfant("I1", "CARON", "Inès", date(2011, 5, 28), "F", **ADRESSE))

    assert _niveau_date(_decision(liste, meme_mois, "F1")) == "jour_ou_mois"
    # Un autre mois ne prouve rien contre la fiche : la date reste manquante, jamais « différente ».
    assert _niveau_date(_decision(liste, autre_mois, "F1")) == "manquant"
    # Sans ces colonnes, la date manque, comme avant.
    sans = liste.drop("annee_naissance", "mois_naissance")
    assert _niveau_date(_decision(sans, meme_mois, "F1")) == "manquant"


def test_une_date_impossible_trouve_les_fiches_du_meme_nom_a_un_an_pres() -> None:
    liste = familles(enfant("F1", "CARON", "Inès", None, "F")).with_columns(
        pl.lit(2011, dtype=pl.Int32).alias("annee_naissance"),
        pl.lit(2, dtype=pl.Int8).alias("mois_naissance"),
    )
    ecole = inscrits(enfant("I1", "CARON", "Inès", date(2011, 2, 28), "F"))

    [(fi, ii, regles)] = _paires(liste, ecole)

    assert (fi, ii) == (0, 0)
    assert regles & REGLES["noms_annee"]
    assert regles & REGLES["noms_sans_date"]
