"""Les jeux FEBRL du banc : lignes sans nom gardées, vérité cohérente avec les fichiers écrits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from bench.appariement.jeux import jeu_febrl4, jeu_febrl_dedoublonnage

JOUR = date(2026, 11, 15)


def _lire(chemin: Path) -> pl.DataFrame:
    return pl.read_csv(chemin, separator=";", infer_schema=False)


def test_febrl1_tourne_en_deux_listes_avec_ses_lignes_sans_nom(tmp_path: Path) -> None:
    jeu = jeu_febrl_dedoublonnage(1, tmp_path, JOUR, graine=0)
    familles, inscrits = _lire(jeu.familles), _lire(jeu.inscrits)
    assert jeu.direct
    assert familles["id"].str.ends_with("-dup-0").all()
    assert inscrits["id"].str.ends_with("-org").all()
    # Les lignes sans nom ou sans prénom restent (FEBRL1 en compte dans ses doublons).
    assert (familles["nom"].is_null() | familles["prenoms"].is_null()).any()
    verite = jeu.verite
    lies = verite.filter(pl.col("statut") == "apparie")
    assert lies["id_inscrit"].is_in(inscrits["id"].implode()).all()
    absents = verite.filter(pl.col("statut") == "non_apparie")
    # Environ 10 % des personnes qui ont un doublon perdent leur original.
    assert 0.05 < absents.height / verite.height < 0.15


def test_febrl4_sans_lignes_vides_passe_par_la_commande(tmp_path: Path) -> None:
    complet = jeu_febrl4(tmp_path / "complet", JOUR, graine=0, sans_nom=True)
    filtre = jeu_febrl4(tmp_path / "filtre", JOUR, graine=0)
    assert complet.direct
    assert not filtre.direct
    assert complet.nb_familles == 5000
    assert filtre.nb_familles < complet.nb_familles
    assert _lire(filtre.familles)["nom"].is_not_null().all()
