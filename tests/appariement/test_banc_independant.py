"""Le jeu indépendant du banc : reproductible, et sa vérité tient debout."""

from __future__ import annotations

from datetime import date

import polars as pl

from bench.appariement.independant import generer_independant

JOUR = date(2026, 11, 15)


def test_meme_graine_meme_jeu_autre_graine_autre_jeu() -> None:
    premier = generer_independant(600, graine=3, date_reference=JOUR)
    second = generer_independant(600, graine=3, date_reference=JOUR)
    autre = generer_independant(600, graine=4, date_reference=JOUR)
    assert premier.familles.equals(second.familles)
    assert premier.inscrits.equals(second.inscrits)
    assert not premier.familles.equals(autre.familles)


def test_la_verite_designe_des_fiches_qui_existent_et_des_absents_sans_fiche() -> None:
    jeu = generer_independant(3000, graine=0, date_reference=JOUR)
    verite = jeu.verite
    assert verite.height == jeu.familles.height == 3000
    lies = verite.filter(pl.col("statut").is_in(["apparie", "instruction_declaree"]))
    assert lies["id_inscrit"].is_in(jeu.inscrits["id"].implode()).all()
    assert lies["id_inscrit"].n_unique() == lies.height
    absents = verite.filter(pl.col("statut") == "non_apparie")
    assert absents["id_inscrit"].is_null().all()
    assert 0.003 < absents.height / verite.height < 0.03
    # Des erreurs de saisie de chaque côté, et aucune date faussée dans le futur.
    ecarts = verite["ecarts"].drop_nulls()
    assert ecarts.str.contains("ecole:").any()
    assert ecarts.str.contains("caf:").any()
    assert (jeu.familles["date_naissance"].drop_nulls() <= JOUR).all()
    assert (jeu.inscrits["date_naissance"].drop_nulls() <= JOUR).all()
