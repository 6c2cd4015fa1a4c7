"""Le générateur de jeux synthétiques : fidèle, reproductible, et jamais une identité réelle."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import polars as pl
import pytest

from appariement.age import est_soumis
from fictif import COMMUNES, JeuSynthetique, Taux, generer

JOUR = date(2026, 11, 15)
TAILLE = 20_000

COLONNES_FAMILLES = {
    "id": pl.Utf8,
    "nom": pl.Utf8,
    "prenoms": pl.Utf8,
    "date_naissance": pl.Date,
    "sexe": pl.Utf8,
    "nom_allocataire": pl.Utf8,
    "prenom_allocataire": pl.Utf8,
    "adresse": pl.Utf8,
    "code_postal": pl.Utf8,
    "commune": pl.Utf8,
}
COLONNES_INSCRITS = {
    "id": pl.Utf8,
    "nom": pl.Utf8,
    "nom_usage": pl.Utf8,
    "prenoms": pl.Utf8,
    "date_naissance": pl.Date,
    "sexe": pl.Utf8,
    "ine": pl.Utf8,
    "uai": pl.Utf8,
    "adresse": pl.Utf8,
    "code_postal": pl.Utf8,
    "commune": pl.Utf8,
    "mode": pl.Utf8,
}


@pytest.fixture(scope="module")
def jeu() -> JeuSynthetique:
    return generer(TAILLE, graine=7, date_reference=JOUR)


def _avec_verite(jeu: JeuSynthetique) -> pl.DataFrame:
    return jeu.familles.join(jeu.verite, left_on="id", right_on="id_famille", maintain_order="left")


def test_les_tables_ont_exactement_les_colonnes_canoniques(jeu: JeuSynthetique) -> None:
    assert dict(jeu.familles.schema) == COLONNES_FAMILLES
    assert dict(jeu.inscrits.schema) == COLONNES_INSCRITS
    assert jeu.familles.height == TAILLE
    assert jeu.familles["id"].n_unique() == TAILLE
    assert jeu.inscrits["id"].n_unique() == jeu.inscrits.height
    assert jeu.verite["id_famille"].to_list() == jeu.familles["id"].to_list()
    assert set(jeu.inscrits["mode"].unique()) <= {"ecole", "ief", "cned", "hors_contrat", "medico_social"}
    assert set(jeu.familles["sexe"].drop_nulls().unique()) == {"M", "F"}


def test_meme_graine_meme_jeu_autre_graine_autre_jeu() -> None:
    a = generer(2_000, graine=3, date_reference=JOUR)
    b = generer(2_000, graine=3, date_reference=JOUR)
    c = generer(2_000, graine=4, date_reference=JOUR)
    assert a.familles.equals(b.familles)
    assert a.inscrits.equals(b.inscrits)
    assert a.verite.equals(b.verite)
    assert not a.familles.equals(c.familles)


def test_les_proportions_de_la_population_sont_respectees(jeu: JeuSynthetique) -> None:
    statuts = jeu.verite["statut"].value_counts()
    compte = dict(zip(statuts["statut"], statuts["count"], strict=True))
    soumis = TAILLE - compte["hors_obligation"]
    assert 0.01 <= compte["non_apparie"] / soumis <= 0.02
    assert 0.005 <= compte["instruction_declaree"] / soumis <= 0.015
    # Des enfants de 0 à 18 ans : une part hors obligation, des petits comme des grands.
    sans_ecart_de_date = _avec_verite(jeu).filter(~pl.col("ecarts").fill_null("").str.contains("date_"))
    ages = sans_ecart_de_date.select(
        (pl.lit(JOUR) - pl.col("date_naissance")).dt.total_days() / 365.25
    ).to_series()
    assert 0.2 <= compte["hors_obligation"] / TAILLE <= 0.4
    assert (ages < 3).any()
    assert (ages > 16).any()
    assert ages.drop_nulls().is_between(-0.1, 19).all()
    lies = jeu.verite["id_inscrit"].drop_nulls().n_unique()
    assert 0.13 <= 1 - lies / jeu.inscrits.height <= 0.17  # élèves absents de la liste CAF


def test_la_verite_pointe_vers_la_bonne_sorte_de_ligne(jeu: JeuSynthetique) -> None:
    lignes = jeu.verite.join(
        jeu.inscrits.select(pl.col("id").alias("id_inscrit"), "mode"), on="id_inscrit", how="left"
    )
    apparies = lignes.filter(pl.col("statut") == "apparie")
    assert apparies["mode"].eq("ecole").all()
    declares = lignes.filter(pl.col("statut") == "instruction_declaree")
    assert declares["mode"].ne("ecole").all()
    assert lignes.filter(pl.col("statut") == "non_apparie")["id_inscrit"].is_null().all()
    assert jeu.verite["id_inscrit"].drop_nulls().is_unique().all()


def test_le_statut_attendu_suit_la_regle_d_age(jeu: JeuSynthetique) -> None:
    sans_ecart_de_date = _avec_verite(jeu).filter(
        pl.col("date_naissance").is_not_null() & ~pl.col("ecarts").fill_null("").str.contains("date_")
    )
    for naissance, statut in sans_ecart_de_date.select("date_naissance", "statut").iter_rows():
        assert (statut != "hors_obligation") == est_soumis(naissance, JOUR)


def test_des_jumeaux_partagent_nom_adresse_et_date(jeu: JeuSynthetique) -> None:
    jumeaux = _avec_verite(jeu).filter(pl.col("jumeau"))
    assert jumeaux.height >= 0.01 * TAILLE
    # Deux lignes consécutives de la même famille CAF, même allocataire et même adresse.
    paires = jumeaux.with_columns(pl.col("*").shift(-1).name.suffix("_suivant")).filter(
        (pl.col("adresse") == pl.col("adresse_suivant"))
        & (pl.col("nom_allocataire") == pl.col("nom_allocataire_suivant"))
        & ((pl.col("date_naissance") - pl.col("date_naissance_suivant")).abs() <= timedelta(days=1))
    )
    assert paires.height >= 0.3 * jumeaux.height / 2
    assert (paires["prenoms"] != paires["prenoms_suivant"]).all()
    # Des jumeaux dont l'un est absent de toute liste : le cas le plus piégeux.
    assert jeu.verite.filter(pl.col("jumeau") & (pl.col("statut") == "non_apparie")).height > 0


def test_chaque_type_d_ecart_est_present(jeu: JeuSynthetique) -> None:
    presents = set(jeu.verite["ecarts"].drop_nulls().str.split(",").explode().unique())
    assert presents == set(Taux().ecarts)


def test_une_date_inversee_echange_jour_et_mois(jeu: JeuSynthetique) -> None:
    inversees = (
        _avec_verite(jeu)
        .filter(pl.col("ecarts") == "date_inversee")
        .join(
            jeu.inscrits.select(
                pl.col("id").alias("id_inscrit"), pl.col("date_naissance").alias("date_ecole")
            ),
            on="id_inscrit",
        )
    )
    assert inversees.height > 0
    for caf, ecole in inversees.select("date_naissance", "date_ecole").iter_rows():
        assert (caf.day, caf.month, caf.year) == (ecole.month, ecole.day, ecole.year)


def test_sans_ecart_la_caf_et_l_ecole_disent_la_meme_chose(jeu: JeuSynthetique) -> None:
    paires = (
        _avec_verite(jeu)
        .filter(pl.col("ecarts").is_null() & pl.col("id_inscrit").is_not_null())
        .join(jeu.inscrits, left_on="id_inscrit", right_on="id", suffix="_ecole")
    )
    assert paires.height > 0.5 * TAILLE
    assert (paires["date_naissance"] == paires["date_naissance_ecole"]).all()
    assert (paires["sexe"] == paires["sexe_ecole"]).all()
    # L'école écrit avec accents et casse mixte, la CAF en majuscules sans accents : même clé.
    assert (_cle(paires["nom_ecole"]) == paires["nom"]).all()


def test_les_noms_ont_des_frequences_realistes(jeu: JeuSynthetique) -> None:
    """Quelques noms très portés (MARTIN ~0,3 % en France), une longue traîne de noms rares."""
    noms = jeu.familles["nom"].value_counts(sort=True)
    assert noms["count"][0] / TAILLE < 0.01
    assert noms.height > 0.3 * TAILLE
    assert {"MARTIN", "NGUYEN", "DIALLO"} & set(noms["nom"].head(40))
    prenoms = jeu.familles["prenoms"].str.split(" ").list.first().value_counts(sort=True)
    assert prenoms["count"][0] / TAILLE < 0.03
    assert {"MOHAMED", "MOHAMMED"} <= set(prenoms["prenoms"])


def _cle(serie: pl.Series) -> pl.Series:
    # Le Đ vietnamien n'a pas de forme décomposée : la CAF l'écrit D.
    return (
        serie.str.normalize("NFD").str.replace_all(r"\p{Mn}", "").str.replace_all("Đ", "D").str.to_uppercase()
    )


def test_aucune_adresse_n_existe_reellement(jeu: JeuSynthetique) -> None:
    """Codes postaux en 99xxx et communes inventées : aucune ligne ne peut désigner une personne réelle."""
    communes = set(_cle(pl.Series([commune for _, commune in COMMUNES])))
    for table in (jeu.familles, jeu.inscrits):
        adresses = table.filter(pl.col("adresse").is_not_null())
        assert adresses["code_postal"].str.starts_with("99").all()
        assert set(_cle(adresses["commune"])) <= communes
    assert jeu.inscrits["uai"].drop_nulls().str.starts_with("099").all()


def test_les_taux_se_reglent() -> None:
    jeu = generer(3_000, graine=1, date_reference=JOUR, taux=Taux(absents=0.0, hors_caf=0.0))
    assert jeu.verite.filter(pl.col("statut") == "non_apparie").height == 0
    assert jeu.verite["id_inscrit"].drop_nulls().n_unique() == jeu.inscrits.height


def test_un_jeu_vide_est_refuse() -> None:
    with pytest.raises(ValueError, match="au moins 1"):
        generer(0, date_reference=JOUR)


def test_une_graine_donne_le_meme_jeu_d_une_version_a_l_autre(jeu: JeuSynthetique) -> None:
    # Les chiffres de bench/RESULTS.md sont mesurés sur ces jeux : un changement du générateur
    # doit être voulu. S'il l'est, refaire les mesures du banc, puis remplacer l'empreinte.
    empreinte = hashlib.sha256()
    for table in (jeu.familles, jeu.inscrits, jeu.verite):
        empreinte.update(table.write_csv().encode())
    assert empreinte.hexdigest() == "4a7c588ca86c1e401ee82bac9f504a106d8613690b93af52d9f06745922cce23"
