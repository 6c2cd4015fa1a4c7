"""Les exports réels d'ONDE et de SIECLE, avec toutes leurs colonnes : lus sans rien garder de trop.

Les colonnes viennent des sources citées dans docs/conventions.md (« Colonnes des exports réels ») ;
les identités et les valeurs sont fictives.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from conventions import Lecture, lire, profil_integre
from conventions.entetes import sensible
from conventions.profil import COLONNES
from service.cli import sources
from tests.conventions.fabrique import (
    AUJOURD_HUI,
    ENFANTS,
    VALEURS_NON_LUES_ONDE,
    VALEURS_NON_LUES_SIECLE,
    csv_caf,
    csv_onde_extraction,
    csv_texte,
    eleves_siecle_complets,
    siecle_xml,
)

ONDE = profil_integre("onde")
SIECLE = profil_integre("siecle")

INTERDITES = [
    "NIR",
    "Numéro de sécurité sociale",
    "Nationalité",
    "Santé",
    "Handicap",
    "Religion",
    "PAI",
    "Notification MDPH",
    "AESH",
    "Allergies",
    "Boursier",
]


def _cellules(table: pl.DataFrame) -> set[str]:
    return {str(valeur) for colonne in table.iter_columns() for valeur in colonne.to_list()}


def _texte_du_rapport(lecture: Lecture) -> str:
    return json.dumps(lecture.rapport.model_dump(mode="json"), ensure_ascii=False)


def _rien_de_non_lu(lecture: Lecture, valeurs: dict[str, str]) -> None:
    cellules = _cellules(lecture.table)
    rapport = _texte_du_rapport(lecture)
    for valeur in valeurs.values():
        assert valeur not in cellules
        assert valeur not in rapport


def test_une_extraction_onde_complete_est_lue_et_ne_garde_que_l_identite() -> None:
    lecture = lire(csv_onde_extraction().encode("windows-1252"), ONDE, aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert lecture.table.columns == list(COLONNES["inscrits"])
    assert lecture.table.get_column("nom").to_list() == [nom for nom, *_ in ENFANTS]
    assert lecture.table.get_column("prenoms").to_list() == [prenoms for _, prenoms, *_ in ENFANTS]
    assert lecture.rapport.colonnes_non_lues == [entete.strip() for entete in VALEURS_NON_LUES_ONDE]
    assert lecture.rapport.colonnes_inconnues == []
    _rien_de_non_lu(lecture, VALEURS_NON_LUES_ONDE)


@pytest.mark.parametrize("colonne", INTERDITES)
def test_une_colonne_interdite_ajoutee_a_un_export_onde_refuse_le_fichier(colonne: str) -> None:
    octets = csv_onde_extraction({colonne: "valeur-interdite"}).encode()

    lecture = lire(octets, ONDE, aujourd_hui=AUJOURD_HUI)

    assert not lecture.accepte
    refus = lecture.rapport.refus or ""
    assert f"« {colonne} »" in refus
    assert "demandez au partenaire un nouvel export sans cette colonne" in refus
    assert "valeur-interdite" not in refus
    assert lecture.table.height == 0


def test_une_colonne_inconnue_d_un_export_onde_est_ignoree_et_signalee_sans_sa_valeur() -> None:
    octets = csv_onde_extraction({"Transport scolaire": "Ligne-Témoin"}).encode()

    lecture = lire(octets, ONDE, aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert lecture.table.height == len(ENFANTS)
    assert lecture.rapport.colonnes_inconnues == ["Transport scolaire"]
    _rien_de_non_lu(lecture, {"Transport scolaire": "Ligne-Témoin"})


def test_un_export_siecle_complet_est_lu_et_ne_garde_que_l_identite() -> None:
    lecture = lire(siecle_xml(eleves_siecle_complets()), SIECLE, aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert lecture.table.columns == list(COLONNES["inscrits"])
    assert lecture.table.get_column("nom").to_list() == [nom for nom, *_ in ENFANTS]
    assert set(VALEURS_NON_LUES_SIECLE) <= set(lecture.rapport.colonnes_non_lues)
    assert lecture.rapport.colonnes_inconnues == []
    _rien_de_non_lu(lecture, VALEURS_NON_LUES_SIECLE)


@pytest.mark.parametrize("element", ["NIR", "SANTE", "CODE_HANDICAP", "NATIONALITE", "BOURSIER"])
def test_un_element_interdit_dans_un_export_siecle_refuse_le_fichier(element: str) -> None:
    octets = siecle_xml(eleves_siecle_complets({element: "valeur-interdite"}))

    lecture = lire(octets, SIECLE, aujourd_hui=AUJOURD_HUI)

    assert not lecture.accepte
    assert f"« {element} »" in (lecture.rapport.refus or "")
    assert "valeur-interdite" not in _texte_du_rapport(lecture)
    assert lecture.table.height == 0


def test_un_element_inconnu_d_un_export_siecle_est_ignore_et_signale_sans_sa_valeur() -> None:
    octets = siecle_xml(eleves_siecle_complets({"CODE_NOUVEAU": "Nouveau-Témoin"}))

    lecture = lire(octets, SIECLE, aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert lecture.rapport.colonnes_inconnues == ["CODE_NOUVEAU"]
    _rien_de_non_lu(lecture, {"CODE_NOUVEAU": "Nouveau-Témoin"})


@pytest.mark.parametrize("profil", ["caf", "msa"])
@pytest.mark.parametrize("colonne", ["Cycle", "Autorisation photo", "Commentaire"])
def test_une_liste_caf_ou_msa_avec_une_colonne_de_plus_reste_refusee(profil: str, colonne: str) -> None:
    texte = csv_texte(
        ["Nom", "Prénom", "Date de naissance", "Sexe", colonne], [["A", "Un", "14/03/2015", "M", "x"]]
    )

    lecture = lire(texte.encode(), profil_integre(profil), aujourd_hui=AUJOURD_HUI)

    assert not lecture.accepte
    assert f"« {colonne} »" in (lecture.rapport.refus or "")
    assert "ne sont pas prévues par le profil" in (lecture.rapport.refus or "")
    assert lecture.table.height == 0


def test_la_liste_caf_type_reste_acceptee_telle_quelle() -> None:
    lecture = lire(csv_caf().encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.accepte, lecture.rapport.refus
    assert lecture.rapport.colonnes_non_lues == []
    assert lecture.rapport.colonnes_inconnues == []


@pytest.mark.parametrize(
    "entete",
    [
        "Nom élève",
        "Date naissance",
        "Pays1",
        " Cycle",
        "Libellé classe",
        "Autorisation associations",
        "Décision de passage",
        "Code INSEE commune",
        "CODE_COMMUNE_INSEE_NAISS",
        "CODE_PAYS",
        "CODE_REGIME",
        "Adresse de l'allocataire",
    ],
)
def test_aucune_colonne_ordinaire_n_est_prise_pour_une_donnee_interdite(entete: str) -> None:
    assert not sensible(entete)


def _verifier(fichier: Path, *options: str) -> tuple[int, str]:
    app = typer.Typer()
    sources.enregistrer(app)
    resultat = CliRunner().invoke(app, ["fichier", "verifier", "--profil", "onde", *options, str(fichier)])
    return resultat.exit_code, resultat.stdout


def test_cellule_fichier_verifier_accepte_une_extraction_onde_complete_sans_en_citer_les_valeurs(
    tmp_path: Path,
) -> None:
    fichier = tmp_path / "CSVExtraction.csv"
    fichier.write_bytes(csv_onde_extraction({"Transport scolaire": "Ligne-Témoin"}).encode("windows-1252"))

    code, resume = _verifier(fichier)
    code_json, sortie_json = _verifier(fichier, "--json")

    assert (code, code_json) == (0, 0)
    assert "Fichier ACCEPTÉ." in resume
    assert "Colonnes connues, jamais lues : Pays1, Adresse2" in resume
    assert "Colonnes inconnues, ignorées sans être lues : Transport scolaire." in resume
    rapport = json.loads(sortie_json)
    assert (rapport["lignes"], rapport["valides"], rapport["refus"]) == (len(ENFANTS), len(ENFANTS), None)
    assert rapport["colonnes_inconnues"] == ["Transport scolaire"]
    for valeur in [*VALEURS_NON_LUES_ONDE.values(), "Ligne-Témoin"]:
        assert valeur not in resume
        assert valeur not in sortie_json


def test_cellule_fichier_verifier_refuse_une_extraction_onde_qui_porte_une_colonne_sante(
    tmp_path: Path,
) -> None:
    fichier = tmp_path / "CSVExtraction.csv"
    fichier.write_bytes(csv_onde_extraction({"Santé": "valeur-interdite"}).encode())

    code, resume = _verifier(fichier)

    assert code == 1
    assert "Fichier REFUSÉ." in resume
    assert "« Santé »" in resume
    assert "valeur-interdite" not in resume
