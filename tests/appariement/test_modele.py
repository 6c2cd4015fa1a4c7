"""Le modèle : estimé sur les données (EM), enregistré en JSON, relu à l'identique."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from appariement import Modele, ModeleInvalide, Reglages, apparier, modele_par_defaut
from appariement.comparaisons import NIVEAUX
from fictif import generer

REFERENCE = date(2025, 10, 1)


@pytest.fixture(scope="module")
def jeu_et_resultat():  # type: ignore[no-untyped-def]
    jeu = generer(3000, graine=7, date_reference=REFERENCE)
    return jeu, apparier(jeu.familles, jeu.inscrits, REFERENCE)


def test_m_et_u_sont_estimes_sur_les_donnees(jeu_et_resultat) -> None:  # type: ignore[no-untyped-def]
    _, resultat = jeu_et_resultat
    modele = resultat.modele
    assert modele.origine == "em"
    poids = modele.table_poids()
    for champ, niveaux in NIVEAUX.items():
        assert poids[champ][0] > 0, champ  # l'accord parfait pousse toujours vers « même enfant »
        assert poids[champ][-1] < 0, champ  # le désaccord, vers « enfants différents »
        assert len(modele.champs[champ].m) == len(niveaux)
        assert sum(modele.champs[champ].m) == pytest.approx(1.0, abs=1e-6)
    # Une date de naissance identique est bien plus rare par hasard qu'un même sexe.
    assert poids["date_naissance"][0] > 3 * poids["sexe"][0]


def test_le_modele_relu_donne_les_memes_decisions(jeu_et_resultat) -> None:  # type: ignore[no-untyped-def]
    jeu, resultat = jeu_et_resultat
    texte = resultat.modele.vers_json()
    relu = Modele.depuis_json(texte)
    assert relu == resultat.modele
    assert relu.vers_json() == texte
    encore = apparier(jeu.familles, jeu.inscrits, REFERENCE, modele=relu)
    assert encore.decisions.equals(resultat.decisions)


def test_le_modele_ne_contient_aucune_identite(jeu_et_resultat) -> None:  # type: ignore[no-untyped-def]
    jeu, resultat = jeu_et_resultat
    texte = resultat.modele.vers_json()
    noms = set(jeu.familles["nom"].drop_nulls().to_list()) | set(jeu.inscrits["nom"].drop_nulls().to_list())
    assert not any(f'"{nom}"' in texte for nom in noms)


def test_petites_listes_utilisent_le_modele_par_defaut() -> None:
    jeu = generer(50, graine=3, date_reference=REFERENCE)
    resultat = apparier(jeu.familles, jeu.inscrits, REFERENCE)
    assert resultat.modele == modele_par_defaut()


def test_seuil_d_estimation_reglable() -> None:
    jeu = generer(300, graine=3, date_reference=REFERENCE)
    resultat = apparier(jeu.familles, jeu.inscrits, REFERENCE, reglages=Reglages(taille_min_estimation=100))
    assert resultat.modele.origine == "em"


@pytest.mark.parametrize(
    "texte",
    [
        "pas du json",
        json.dumps({"version": 99, "champs": {}}),
        json.dumps({"version": 1, "champs": {"nom": {"niveaux": ["exact"], "m": [1.0], "u": [1.0]}}}),
    ],
)
def test_modele_illisible_refuse(texte: str) -> None:
    with pytest.raises(ModeleInvalide):
        Modele.depuis_json(texte)


def test_le_modele_par_defaut_est_coherent() -> None:
    modele = modele_par_defaut()
    for champ, parametres in modele.champs.items():
        assert len(parametres.m) == len(parametres.u) == len(NIVEAUX[champ])
        assert sum(parametres.m) == pytest.approx(1.0, abs=1e-6)
        assert sum(parametres.u) == pytest.approx(1.0, abs=1e-3)
    assert pl.Series(modele.table_poids()["date_naissance"]).arg_max() == 0
