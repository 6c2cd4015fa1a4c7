"""Les indicateurs mensuels, vérifiés chiffre par chiffre sur une suite d'événements écrite à la main.

Deux mois (septembre et octobre 2026), trois communes fictives dans deux départements.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from service.indicateurs import INDICATEURS, Commune, Mois, MoisInvalide, calculer
from service.registre import procedure

AUBREVILLE = Commune("59001", "Aubreville", "59")
BERANCOURT = Commune("59002", "Bérancourt", "59")
CORDELLE = Commune("62001", "Cordelle", "62")
COMMUNES = [AUBREVILLE, BERANCOURT, CORDELLE]

# (cas, commune, date, étape précédente, étape atteinte, motif)
SUITE = [
    ("a1", "59001", "2026-09-10", None, "repere", None),
    ("a1", "59001", "2026-09-20", "repere", "transmis_dasen", None),
    ("a1", "59001", "2026-10-01", "transmis_dasen", "mise_en_demeure", None),
    ("a1", "59001", "2026-10-11", "mise_en_demeure", "rescolarise", None),
    ("a2", "59001", "2026-10-02", None, "repere", None),
    ("a2", "59001", "2026-10-05", "repere", "classe", "demenage"),
    ("a3", "59001", "2026-10-03", None, "repere", None),
    ("a3", "59001", "2026-10-13", "repere", "transmis_dasen", None),
    ("a3", "59001", "2026-10-20", "transmis_dasen", "controle", None),
    ("a4", "59001", "2026-10-04", None, "repere", None),
    ("a5", "59001", "2026-09-01", None, "repere", None),
    ("a5", "59001", "2026-09-05", "repere", "transmis_dasen", None),
    ("a5", "59001", "2026-09-10", "transmis_dasen", "mise_en_demeure", None),
    ("a5", "59001", "2026-10-05", "mise_en_demeure", "signalement_procureur", None),
    ("a5", "59001", "2026-10-15", "signalement_procureur", "enquete", "police"),
    ("a5", "59001", "2026-10-28", "enquete", "suites", "stage_parentalite"),
    ("b1", "59002", "2026-10-01", None, "repere", None),
    ("b1", "59002", "2026-10-02", "repere", "classe", "inscrit_constate"),
    ("b2", "59002", "2026-10-05", None, "repere", None),
    ("b2", "59002", "2026-10-25", "repere", "transmis_dasen", None),
    ("b2", "59002", "2026-11-02", "transmis_dasen", "mise_en_demeure", None),
    ("b3", "59002", "2026-09-15", None, "repere", None),
    ("b3", "59002", "2026-10-10", "repere", "rescolarise", None),
    ("c1", "62001", "2026-10-09", None, "repere", None),
    ("c1", "62001", "2026-10-19", "repere", "transmis_dasen", None),
    ("c1", "62001", "2026-10-20", "transmis_dasen", "signalement_procureur", None),
    ("c1", "62001", "2026-10-21", "signalement_procureur", "enquete", "sociale"),
]

ZERO = {
    "reperes": 0,
    "verifiees": 0,
    "classees": 0,
    "classees_demenage": 0,
    "classees_inscrit_hors_commune": 0,
    "classees_instruction_declaree": 0,
    "classees_erreur_donnees": 0,
    "classees_hors_obligation": 0,
    "classees_inscrit_constate": 0,
    "transmissions": 0,
    "controles": 0,
    "mises_en_demeure": 0,
    "rescolarisations": 0,
    "signalements": 0,
    "enquetes_police": 0,
    "enquetes_sociales": 0,
    "stages_parentalite": 0,
    "ouverts_fin_de_mois": 0,
    "delai_transmission": None,
    "delai_rescolarisation": None,
}


def evenements() -> pl.DataFrame:
    return pl.DataFrame(
        SUITE, schema=["cas", "commune", "date", "de", "etape", "motif"], orient="row"
    ).with_columns(pl.col("date").str.to_date())


def par_libelle(mois: str, communes: list[Commune] = COMMUNES) -> dict[str, dict[str, object]]:
    tableau = calculer(evenements(), Mois.lire(mois), communes)
    return {ligne.libelle: ligne.valeurs for ligne in tableau.lignes}


def test_octobre_chaque_chiffre_de_chaque_commune_et_des_totaux() -> None:
    lignes = par_libelle("2026-10")
    assert list(lignes) == [
        "Aubreville (59001)",
        "Bérancourt (59002)",
        "Total département 59",
        "Cordelle (62001)",
        "Total département 62",
    ]
    assert lignes["Aubreville (59001)"] == ZERO | {
        "reperes": 3,
        "verifiees": 2,
        "classees": 1,
        "classees_demenage": 1,
        "transmissions": 1,
        "controles": 1,
        "mises_en_demeure": 1,
        "rescolarisations": 1,
        "signalements": 1,
        "enquetes_police": 1,
        "stages_parentalite": 1,
        "ouverts_fin_de_mois": 2,
        "delai_transmission": 10,
        "delai_rescolarisation": 10,
    }
    # b3 rescolarisé sans mise en demeure ne compte pas parmi les rescolarisations suite à mise en demeure ;
    # la mise en demeure de b2 date de novembre.
    assert lignes["Bérancourt (59002)"] == ZERO | {
        "reperes": 2,
        "verifiees": 3,
        "classees": 1,
        "classees_inscrit_constate": 1,
        "transmissions": 1,
        "ouverts_fin_de_mois": 1,
        "delai_transmission": 20,
    }
    assert lignes["Total département 59"] == ZERO | {
        "reperes": 5,
        "verifiees": 5,
        "classees": 2,
        "classees_demenage": 1,
        "classees_inscrit_constate": 1,
        "transmissions": 2,
        "controles": 1,
        "mises_en_demeure": 1,
        "rescolarisations": 1,
        "signalements": 1,
        "enquetes_police": 1,
        "stages_parentalite": 1,
        "ouverts_fin_de_mois": 3,
        "delai_transmission": 15,
        "delai_rescolarisation": 10,
    }
    cordelle = ZERO | {
        "reperes": 1,
        "verifiees": 1,
        "transmissions": 1,
        "signalements": 1,
        "enquetes_sociales": 1,
        "ouverts_fin_de_mois": 1,
        "delai_transmission": 10,
    }
    assert lignes["Cordelle (62001)"] == cordelle
    assert lignes["Total département 62"] == cordelle


def test_septembre_ne_compte_que_les_etapes_de_septembre() -> None:
    lignes = par_libelle("2026-09")
    assert lignes["Aubreville (59001)"] == ZERO | {
        "reperes": 2,
        "verifiees": 2,
        "transmissions": 2,
        "mises_en_demeure": 1,
        "ouverts_fin_de_mois": 2,
        "delai_transmission": 7,
    }
    assert lignes["Bérancourt (59002)"] == ZERO | {"reperes": 1, "ouverts_fin_de_mois": 1}
    assert lignes["Cordelle (62001)"] == ZERO


def test_seules_les_communes_de_la_portee_comptent() -> None:
    lignes = par_libelle("2026-10", [BERANCOURT])
    assert list(lignes) == ["Bérancourt (59002)", "Total département 59"]
    assert lignes["Total département 59"] == lignes["Bérancourt (59002)"]


def test_le_masquage_cache_les_petits_effectifs_mais_pas_les_zeros() -> None:
    tableau = calculer(evenements(), Mois.lire("2026-10"), COMMUNES, seuil_masquage=3)
    total_59 = tableau.lignes[2]
    affiche = {i.cle: tableau.valeur_affichee(total_59, i) for i in INDICATEURS}
    assert affiche["reperes"] == 5
    assert affiche["classees"] == "< 3"
    assert affiche["controles"] == "< 3"
    assert affiche["enquetes_sociales"] == 0
    assert affiche["delai_transmission"] == "< 3 cas"


def test_un_cas_efface_en_fin_de_conservation_sans_decision_n_est_pas_verifie() -> None:
    suite = pl.DataFrame(
        [
            ("z1", "59001", "2026-10-02", None, "repere", None),
            ("z1", "59001", "2026-10-20", "repere", "purge", None),
        ],
        schema=["cas", "commune", "date", "de", "etape", "motif"],
        orient="row",
    ).with_columns(pl.col("date").str.to_date())
    valeurs = calculer(suite, Mois.lire("2026-10"), [AUBREVILLE]).lignes[0].valeurs
    assert (valeurs["reperes"], valeurs["verifiees"], valeurs["ouverts_fin_de_mois"]) == (1, 0, 0)


@pytest.mark.parametrize("seuil", [2, 3, 4, 5, 8])
def test_un_effectif_masque_ne_se_deduit_jamais_par_soustraction(seuil: int) -> None:
    tableau = calculer(evenements(), Mois.lire("2026-10"), COMMUNES, seuil_masquage=seuil)
    comptes = [i for i in INDICATEURS if not i.delai]
    par_cle = {i.cle: i for i in INDICATEURS}

    def masque(ligne: int, cle: str) -> bool:
        return isinstance(tableau.valeur_affichee(tableau.lignes[ligne], par_cle[cle]), str)

    sommes = [
        [(rang, i.cle) for rang, ligne in enumerate(tableau.lignes) if ligne.departement == departement]
        for departement in ("59", "62")
        for i in comptes
    ]
    sommes += [
        [(rang, c) for c in par_cle if c.startswith("classees")] for rang in range(len(tableau.lignes))
    ]
    # Une somme (total du département, classées par motif) ne garde jamais un seul nombre masqué.
    assert [s for s in sommes if sum(masque(*cellule) for cellule in s) == 1] == []


def test_le_masquage_secondaire_sur_un_exemple() -> None:
    # Octobre, 59 : 3 repérés à Aubreville, 2 à Bérancourt, 5 au total. Bérancourt masqué (< 3)
    # se déduirait de 5 - 3 : Aubreville est masqué aussi.
    tableau = calculer(evenements(), Mois.lire("2026-10"), COMMUNES, seuil_masquage=3)
    reperes = next(i for i in INDICATEURS if i.cle == "reperes")
    affiches = [tableau.valeur_affichee(ligne, reperes) for ligne in tableau.lignes[:3]]
    assert affiches == ["masqué", "< 3", 5]


@pytest.mark.parametrize("texte", ["2026-13", "octobre", "2026-1", ""])
def test_un_mois_mal_ecrit_est_refuse_en_francais(texte: str) -> None:
    with pytest.raises(MoisInvalide, match="AAAA-MM"):
        Mois.lire(texte)


def test_le_mois_precedent() -> None:
    assert str(Mois.precedent(date(2026, 1, 1))) == "2025-12"
    assert str(Mois.precedent(date(2026, 11, 1))) == "2026-10"


def test_un_cas_rouvert_est_compte_depuis_son_nouveau_reperage() -> None:
    rouvert = pl.DataFrame(
        [
            ("r1", "59001", "2026-06-01", None, "repere", None),
            ("r1", "59001", "2026-06-10", "repere", "transmis_dasen", None),
            ("r1", "59001", "2026-06-20", "transmis_dasen", "mise_en_demeure", None),
            ("r1", "59001", "2026-07-01", "mise_en_demeure", "rescolarise", None),
            # De nouveau absent des effectifs : le cas est rouvert, puis retransmis.
            ("r1", "59001", "2026-10-01", "rescolarise", "repere", None),
            ("r1", "59001", "2026-10-11", "repere", "transmis_dasen", None),
            ("r1", "59001", "2026-10-20", "transmis_dasen", "rescolarise", None),
        ],
        schema=["cas", "commune", "date", "de", "etape", "motif"],
        orient="row",
    ).with_columns(pl.col("date").str.to_date())
    [aubreville, _total] = calculer(rouvert, Mois.lire("2026-10"), [AUBREVILLE]).lignes
    assert aubreville.valeurs == ZERO | {
        "reperes": 1,
        "verifiees": 1,
        "transmissions": 1,
        # Depuis le repérage d'octobre, pas depuis celui de juin.
        "delai_transmission": 10,
        # La mise en demeure de juin appartient à l'épisode précédent.
        "rescolarisations": 0,
    }


def test_un_cas_rescolarise_a_une_date_d_effet_anterieure_a_sa_transmission_n_est_plus_ouvert() -> None:
    # Transmis le 7 décembre, puis rescolarisation saisie après, datée du 5 : l'ordre d'enregistrement
    # dit que la rescolarisation est la dernière étape ; trier par date d'effet laissait le cas ouvert.
    suite = pl.DataFrame(
        [
            ("d1", "59001", "2026-12-01", None, "repere", None),
            ("d1", "59001", "2026-12-07", "repere", "transmis_dasen", None),
            ("d1", "59001", "2026-12-05", "transmis_dasen", "rescolarise", None),
        ],
        schema=["cas", "commune", "date", "de", "etape", "motif"],
        orient="row",
    ).with_columns(pl.col("date").str.to_date())
    [aubreville, total] = calculer(suite, Mois.lire("2026-12"), [AUBREVILLE]).lignes
    assert aubreville.valeurs["ouverts_fin_de_mois"] == 0
    assert total.valeurs["ouverts_fin_de_mois"] == 0
    assert (aubreville.valeurs["reperes"], aubreville.valeurs["transmissions"]) == (1, 1)


def test_les_motifs_de_classement_sont_ecrits_en_francais_avec_leurs_accents() -> None:
    libelles = {i.cle: i.libelle for i in INDICATEURS}
    assert [libelles[f"classees_{m}"] for m in procedure.MOTIFS_CLASSEMENT] == [
        "dont classées : déménagement",
        "dont classées : inscrit hors commune",
        "dont classées : instruction déclarée",
        "dont classées : erreur de données",
        "dont classées : hors obligation",
        "dont classées : inscrit constaté",
    ]
