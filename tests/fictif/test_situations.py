"""Les situations mises en scène pour la démonstration : de vrais écarts, et le moteur les envoie en revue."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from appariement import apparier
from fictif import JeuSynthetique, generer
from fictif.situations import SITUATIONS, mettre_en_scene
from service.demo import COMMUNES, SITUATIONS_PAR_COMMUNE, TAUX_DEMO

JOUR = date(2026, 12, 7)


def _jeu(graine: int, jour: date = JOUR) -> JeuSynthetique:
    return mettre_en_scene(
        generer(160, graine=graine, date_reference=jour, taux=TAUX_DEMO),
        date_reference=jour,
        graine=graine,
        par_situation=SITUATIONS_PAR_COMMUNE,
    )


@pytest.fixture(scope="module")
def jeu() -> JeuSynthetique:
    return _jeu(11)


def _mis_en_scene(jeu: JeuSynthetique, situation: str) -> pl.DataFrame:
    return jeu.familles.join(jeu.verite, left_on="id", right_on="id_famille", maintain_order="left").filter(
        pl.col("ecarts") == situation
    )


def test_meme_graine_meme_mise_en_scene_et_les_tables_restent_canoniques(jeu: JeuSynthetique) -> None:
    encore = _jeu(11)
    assert jeu.familles.equals(encore.familles)
    assert jeu.inscrits.equals(encore.inscrits)
    assert jeu.verite.equals(encore.verite)
    brut = generer(160, graine=11, date_reference=JOUR, taux=TAUX_DEMO)
    assert jeu.familles.schema == brut.familles.schema
    assert jeu.inscrits.schema == brut.inscrits.schema
    # Un jumeau et un homonyme ajoutés par paire mise en scène ; les registres gardent leurs lignes.
    assert jeu.familles.height == brut.familles.height + 2 * SITUATIONS_PAR_COMMUNE
    assert jeu.inscrits.height == brut.inscrits.height
    assert jeu.familles["id"].n_unique() == jeu.familles.height
    assert jeu.verite["id_famille"].to_list() == jeu.familles["id"].to_list()


def test_le_jumeau_ajoute_partage_nom_date_et_adresse_mais_n_est_inscrit_nulle_part(
    jeu: JeuSynthetique,
) -> None:
    jumeaux = _mis_en_scene(jeu, "jumeaux")
    assert jumeaux.height == 2 * SITUATIONS_PAR_COMMUNE
    assert jumeaux["jumeau"].all()
    for inscrit, absent in zip(
        jumeaux[::2].iter_rows(named=True), jumeaux[1::2].iter_rows(named=True), strict=True
    ):
        assert (inscrit["statut"], absent["statut"]) == ("apparie", "non_apparie")
        assert absent["id_inscrit"] is None
        for champ in ("nom", "date_naissance", "adresse", "nom_allocataire"):
            assert inscrit[champ] == absent[champ]
        # Le prénom de l'un est le second prénom de l'autre (EMMA et EVA EMMA).
        assert absent["prenoms"].split(" ")[1] == inscrit["prenoms"]


def test_l_homonyme_ajoute_vit_ailleurs_ne_le_meme_mois_et_l_ecole_n_ecrit_que_la_moitie_du_nom(
    jeu: JeuSynthetique,
) -> None:
    scene = _mis_en_scene(jeu, "homonyme")
    inscrits = scene.filter(pl.col("statut") == "apparie").iter_rows(named=True)
    absents = scene.filter(pl.col("statut") == "non_apparie").iter_rows(named=True)
    for inscrit, absent in zip(inscrits, absents, strict=True):
        fiche = jeu.inscrits.row(by_predicate=pl.col("id") == inscrit["id_inscrit"], named=True)
        assert inscrit["nom"].split(" ")[0] == absent["nom"] == fiche["nom"].upper()
        assert len(inscrit["nom"].split(" ")) == 2
        assert inscrit["prenoms"] == absent["prenoms"]
        assert absent["adresse"] != inscrit["adresse"]
        assert fiche["adresse"] is None
        ecart = abs(inscrit["date_naissance"] - absent["date_naissance"])
        assert timedelta(days=8) <= ecart <= timedelta(days=11)
        assert inscrit["date_naissance"].month == absent["date_naissance"].month


def test_fautes_et_date_sont_ecrites_a_l_ecole_pas_a_la_caf(jeu: JeuSynthetique) -> None:
    brut = generer(160, graine=11, date_reference=JOUR, taux=TAUX_DEMO)
    for situation in ("sexe_et_frappe", "frappe_et_date"):
        for enfant in _mis_en_scene(jeu, situation).iter_rows(named=True):
            avant = brut.familles.row(by_predicate=pl.col("id") == enfant["id"], named=True)
            assert {k: enfant[k] for k in avant} == avant
            fiche = jeu.inscrits.row(by_predicate=pl.col("id") == enfant["id_inscrit"], named=True)
            fiche_avant = brut.inscrits.row(by_predicate=pl.col("id") == enfant["id_inscrit"], named=True)
            assert fiche["prenoms"] != fiche_avant["prenoms"]
            if situation == "sexe_et_frappe":
                assert fiche["sexe"] != fiche_avant["sexe"]
            else:
                assert 1 <= abs((fiche["date_naissance"] - fiche_avant["date_naissance"]).days) <= 3


@pytest.mark.parametrize("decalage", [0, 100, 200, 300])
def test_le_moteur_envoie_en_revue_chaque_commune_de_la_demo_toute_l_annee(decalage: int) -> None:
    """Quel que soit le jour où l'on lance la démonstration, chaque commune a ses enfants à vérifier."""
    jour = JOUR + timedelta(days=decalage)
    for commune in COMMUNES:
        jeu = _jeu(commune.graine, jour)
        resultat = apparier(jeu.familles, jeu.inscrits, jour)
        comptes = resultat.comptes()
        a_verifier = resultat.decisions.filter(
            (pl.col("statut") == "a_verifier") & (pl.col("candidats").list.len() > 0)
        )
        assert a_verifier.height >= 8, comptes
        assert min(comptes["non_apparie"], comptes["instruction_declaree"], comptes["hors_obligation"]) >= 1
        assert comptes["apparie"] > jeu.familles.height / 2, comptes
        # Chaque situation mise en scène compte au moins un enfant envoyé en revue.
        revue = set(a_verifier["id_famille"])
        verite = jeu.verite.filter(pl.col("ecarts").is_in(list(SITUATIONS)))
        for situation in ("jumeaux", "homonyme", "sexe_et_frappe"):
            ids = verite.filter(pl.col("ecarts") == situation)["id_famille"]
            assert revue & set(ids), (situation, comptes)
