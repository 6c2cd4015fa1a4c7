"""Commandes ``cellule fichier verifier`` et ``cellule conventions verifier`` : sorties et codes de retour."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from service.cli import sources
from tests.conventions.fabrique import csv_caf, csv_familles, csv_texte, eleves_siecle, siecle_xml

EXEMPLES = Path(__file__).resolve().parents[2] / "docs" / "exemples"


@pytest.fixture
def cellule() -> typer.Typer:
    """La commande avec les seules sous-commandes de ``service.cli.sources``."""
    app = typer.Typer()
    sources.enregistrer(app)
    return app


def _lancer(app: typer.Typer, *arguments: str) -> tuple[int, str, str]:
    resultat = CliRunner().invoke(app, list(arguments))
    return resultat.exit_code, resultat.stdout, resultat.stderr


def test_un_fichier_accepte_sort_en_zero_avec_un_resume_en_francais(
    cellule: typer.Typer, tmp_path: Path
) -> None:
    fichier = tmp_path / "familles.csv"
    fichier.write_text(csv_familles(), encoding="utf-8")

    code, sortie, _ = _lancer(cellule, "fichier", "verifier", "--profil", "pivot-familles", str(fichier))

    assert code == 0
    assert "Fichier ACCEPTÉ" in sortie
    assert "Lignes lues : 4 — valides : 4 — rejetées : 0" in sortie


def test_le_rapport_json_donne_les_comptes_et_les_erreurs_sans_valeur(
    cellule: typer.Typer, tmp_path: Path
) -> None:
    lignes = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(12)] + [["SECRET", "P", "99/99/2015", "M"]]
    fichier = tmp_path / "caf.csv"
    fichier.write_bytes(csv_texte(["Nom", "Prénoms", "Date de naissance", "Sexe"], lignes).encode("cp1252"))

    code, sortie, _ = _lancer(cellule, "fichier", "verifier", "--profil", "caf", str(fichier), "--json")

    assert code == 0
    rapport = json.loads(sortie)
    assert (rapport["lignes"], rapport["valides"], rapport["rejetees"], rapport["refus"]) == (13, 13, 0, None)
    assert rapport["incompletes"] == 1
    assert rapport["erreurs"] == [
        {
            "ligne": 14,
            "champ": "Date de naissance",
            "motif": "date illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ ; ligne gardée)",
            "gardee": True,
            "a_demander": None,
        }
    ]
    assert "SECRET" not in sortie
    assert "99/99" not in sortie


def test_un_fichier_refuse_sort_en_un_avec_le_motif(cellule: typer.Typer, tmp_path: Path) -> None:
    fichier = tmp_path / "caf.csv"
    fichier.write_text(
        csv_texte(["Nom", "Prénoms", "Date de naissance", "Sexe", "NIR"], [["A", "B", "", "", "1"]])
    )

    code, sortie, _ = _lancer(cellule, "fichier", "verifier", "--profil", "caf", str(fichier), "--json")
    assert code == 1
    assert "« NIR »" in json.loads(sortie)["refus"]

    code, sortie, _ = _lancer(cellule, "fichier", "verifier", "--profil", "caf", str(fichier))
    assert code == 1
    assert "Fichier REFUSÉ" in sortie


def test_les_eleves_sortis_ne_sont_ni_valides_ni_rejetes(cellule: typer.Typer, tmp_path: Path) -> None:
    eleves = eleves_siecle()
    eleves[2]["DATE_SORTIE"] = "01/01/2020"
    fichier = tmp_path / "ElevesSansAdresses.xml"
    fichier.write_bytes(siecle_xml(eleves))

    code, sortie, _ = _lancer(cellule, "fichier", "verifier", "--profil", "siecle", str(fichier), "--json")

    rapport = json.loads(sortie)
    assert code == 0
    assert (rapport["lignes"], rapport["valides"], rapport["rejetees"], rapport["sortis"]) == (4, 3, 0, 1)


def test_une_convention_toml_sert_de_profil_et_verifie_la_commune(
    cellule: typer.Typer, tmp_path: Path
) -> None:
    fichier = tmp_path / "caf.csv"
    fichier.write_bytes(
        csv_texte(
            ["Numéro enfant", "Nom enfant", "Prénoms enfant", "Date de naissance", "Sexe", "Adresse"],
            [["7", "DUBOIS", "Noé", "02/11/2017", "1", "1 rue Haute"]],
        ).encode("cp1252")
    )
    convention = str(EXEMPLES / "caf-nord.toml")

    def verifier(*options: str) -> tuple[int, dict[str, object]]:
        code, sortie, _ = _lancer(
            cellule, "fichier", "verifier", "--profil", convention, *options, str(fichier), "--json"
        )
        return code, json.loads(sortie)

    assert verifier("--date", "01/10/2025", "--commune", "59350") == (
        0,
        {
            "lignes": 1,
            "valides": 1,
            "rejetees": 0,
            "illisibles": 0,
            "incompletes": 0,
            "sortis": 0,
            "doublons": 0,
            "erreurs": [],
            "erreurs_omises": 0,
            "refus": None,
            "colonnes_non_lues": [],
            "colonnes_inconnues": [],
        },
    )
    code, rapport = verifier("--date", "2025-10-01", "--commune", "13055")
    assert code == 1
    assert "ne couvre pas la commune 13055" in str(rapport["refus"])
    code, rapport = verifier("--date", "2027-01-01")
    assert code == 1
    assert "a pris fin le 31/08/2026" in str(rapport["refus"])


@pytest.mark.parametrize(
    ("arguments", "indice"),
    [
        (["fichier", "verifier", "--profil", "inconnu", "{f}"], "ni un profil intégré"),
        (["fichier", "verifier", "{f}"], "l'option --profil est obligatoire"),
        (["fichier", "verifier", "--profil", "caf", "{d}/absent.csv"], "n'existe pas"),
        (["fichier", "verifier", "--profil", "{d}/mauvaise.toml", "{f}"], "est invalide"),
        (["fichier", "verifier", "--profil", "caf", "{d}/" + "a" * 300 + ".csv"], "ne peut pas être lu"),
        (["fichier", "verifier", "--profil", "{d}/" + "a" * 300 + ".toml", "{f}"], "ni un profil intégré"),
        (["fichier", "verifier", "--profil", "caf", "--commune", "59350", "{f}"], "qu'avec une convention"),
        (["conventions", "verifier", "{d}/" + "a" * 300 + ".toml"], "ne peut pas être lu"),
    ],
)
def test_une_erreur_d_usage_sort_en_deux(
    cellule: typer.Typer, tmp_path: Path, arguments: list[str], indice: str
) -> None:
    fichier = tmp_path / "caf.csv"
    fichier.write_text(csv_caf())
    (tmp_path / "mauvaise.toml").write_text("identifiant = 'x'\n")

    code, _, erreur = _lancer(cellule, *(a.format(f=fichier, d=tmp_path) for a in arguments))

    assert code == 2
    assert indice in erreur


def test_conventions_verifier_affiche_ce_que_la_convention_autorise(cellule: typer.Typer) -> None:
    code, sortie, _ = _lancer(cellule, "conventions", "verifier", str(EXEMPLES / "onde.toml"))

    assert code == 0
    assert "Convention « dsden59-onde-2025 » valide" in sortie
    assert "Communes couvertes : 59350" in sortie
    assert "Champs autorisés : nom, nom_usage, prenoms" in sortie


def test_conventions_verifier_refuse_une_convention_invalide(cellule: typer.Typer, tmp_path: Path) -> None:
    fichier = tmp_path / "c.toml"
    fichier.write_text((EXEMPLES / "onde.toml").read_text().replace('source = "onde"', 'source = "impots"'))

    code, _, erreur = _lancer(cellule, "conventions", "verifier", str(fichier))

    assert code == 1
    assert "source : valeur non permise" in erreur


def test_la_vraie_commande_cellule_rend_le_json_et_le_code_de_sortie(tmp_path: Path) -> None:
    fichier = tmp_path / "vide.csv"
    fichier.write_bytes(b"Nom;Pr\xe9noms;Date de naissance;Sexe\r\n")
    commande = [
        sys.executable,
        "-m",
        "service",
        "fichier",
        "verifier",
        "--profil",
        "caf",
        str(fichier),
        "--json",
    ]

    fini = subprocess.run(commande, capture_output=True, text=True, timeout=60, check=False)

    assert fini.returncode == 1, fini.stderr
    rapport = json.loads(fini.stdout)
    assert rapport["lignes"] == 0
    assert "ligne d'en-tête" in rapport["refus"]


def test_le_resume_lisible_liste_les_premieres_erreurs_et_compte_les_autres(
    cellule: typer.Typer, tmp_path: Path
) -> None:
    lignes = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(300)] + [["", "", "14/03/2015", "M"]] * 25
    fichier = tmp_path / "caf.csv"
    fichier.write_text(csv_texte(["Nom", "Prénoms", "Date de naissance", "Sexe"], lignes))

    code, sortie, _ = _lancer(cellule, "fichier", "verifier", "--profil", "caf", str(fichier))

    assert code == 0
    assert "Lignes lues : 325 — valides : 300 — rejetées : 25" in sortie
    assert "ligne 302 — Nom / Prénoms : ni nom ni prénom : la ligne ne désigne personne — demandez" in sortie
    assert "… et 5 autres (option --json pour la liste)." in sortie
