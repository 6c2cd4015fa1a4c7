"""``cellule apparier`` de bout en bout, dans un vrai processus, sur de petits fichiers pivot."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

FAMILLES = """\
id;nom;prenoms;date_naissance;sexe;nom_allocataire;prenom_allocataire;adresse;code_postal;commune
F1;MARTIN;LEA CLAIRE;2016-05-12;F;MARTIN;PAUL;4 RUE DES ACACIAS;99001;VILLEFICTIVE
F2;MARTIN;LUCAS;2016-05-12;M;MARTIN;PAUL;4 RUE DES ACACIAS;99001;VILLEFICTIVE
F3;BEN ALI;AICHA;2012-07-01;F;BEN ALI;SAMIRA;;;
F4;DURAND;PAUL;2007-01-01;M;DURAND;ANNE;;;
F5;LEROY;NOAH;;M;LEROY;JULIE;;;
"""
ECOLE = """id;nom;nom_usage;prenoms;date_naissance;sexe;ine;uai;adresse;code_postal;commune;mode
E1;Martin;;Léa;2016-05-12;F;;0990001A;;;;ecole
E2;Leroy;;Noah;2015-02-03;M;;0990001A;;;;
"""
IEF = """id;nom;prenoms;date_naissance;sexe;mode
D1;BENALI;Aisha;2012-01-07;F;ief
"""


def _cellule(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "apparier", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def fichiers(tmp_path: Path) -> dict[str, Path]:
    chemins = {"familles": tmp_path / "caf.csv", "ecole": tmp_path / "onde.csv", "ief": tmp_path / "ief.csv"}
    chemins["familles"].write_text(FAMILLES, encoding="utf-8")
    chemins["ecole"].write_text(ECOLE, encoding="utf-8")
    chemins["ief"].write_text(IEF, encoding="utf-8")
    return chemins


def test_une_decision_par_enfant_de_la_liste(fichiers: dict[str, Path], tmp_path: Path) -> None:
    sortie = tmp_path / "decisions.csv"
    resultat = _cellule(
        "--familles", str(fichiers["familles"]),
        "--inscrits", str(fichiers["ecole"]),
        "--inscrits", str(fichiers["ief"]),
        "--date-reference", "2025-10-01",
        "--sortie", str(sortie),
    )  # fmt: skip
    assert resultat.returncode == 0, resultat.stderr
    texte = sortie.read_text(encoding="utf-8")
    assert texte.splitlines()[0] == "id_famille;statut;id_inscrit;score;explication;remarque"
    lignes = {ligne["id_famille"]: ligne for ligne in csv.DictReader(texte.splitlines(), delimiter=";")}
    assert list(lignes) == ["F1", "F2", "F3", "F4", "F5"]
    assert (lignes["F1"]["statut"], lignes["F1"]["id_inscrit"]) == ("apparie", "E1")
    assert lignes["F2"]["statut"] in {"a_verifier", "non_apparie"}  # le jumeau absent
    assert lignes["F2"]["id_inscrit"] == ""
    assert (lignes["F3"]["statut"], lignes["F3"]["id_inscrit"]) == ("instruction_declaree", "D1")
    assert (lignes["F4"]["statut"], lignes["F4"]["id_inscrit"]) == ("hors_obligation", "")
    # Date manquante à la CAF : l'âge se lit sur la seule fiche qui lui ressemble, retrouvée sans doute.
    assert (lignes["F5"]["statut"], lignes["F5"]["id_inscrit"]) == ("apparie", "E2")
    explication = json.loads(lignes["F1"]["explication"])
    assert float(lignes["F1"]["score"]) == pytest.approx(explication["score"], abs=0.01)
    assert "apparie : 2" in resultat.stderr
    assert "instruction_declaree : 1" in resultat.stderr
    assert "hors_obligation : 1" in resultat.stderr
    assert "Durée" in resultat.stderr


def test_fichier_refuse_message_en_francais_et_rien_d_ecrit(
    fichiers: dict[str, Path], tmp_path: Path
) -> None:
    mauvais = tmp_path / "sans_prenoms.csv"
    mauvais.write_text("id;nom;date_naissance;sexe\nF1;MARTIN;2016-05-12;F\n", encoding="utf-8")
    sortie = tmp_path / "decisions.csv"
    resultat = _cellule(
        "--familles", str(mauvais), "--inscrits", str(fichiers["ecole"]),
        "--date-reference", "2025-10-01", "--sortie", str(sortie),
    )  # fmt: skip
    assert resultat.returncode == 1
    assert "refusé" in resultat.stderr
    assert "Traceback" not in resultat.stderr
    assert not sortie.exists()


def test_date_de_reference_illisible(fichiers: dict[str, Path], tmp_path: Path) -> None:
    resultat = _cellule(
        "--familles", str(fichiers["familles"]), "--inscrits", str(fichiers["ecole"]),
        "--date-reference", "01/10/2025", "--sortie", str(tmp_path / "d.csv"),
    )  # fmt: skip
    assert resultat.returncode == 2
    assert "AAAA-MM-JJ" in resultat.stderr


def test_fichier_introuvable(fichiers: dict[str, Path], tmp_path: Path) -> None:
    resultat = _cellule(
        "--familles", str(tmp_path / "absent.csv"), "--inscrits", str(fichiers["ecole"]),
        "--date-reference", "2025-10-01", "--sortie", str(tmp_path / "d.csv"),
    )  # fmt: skip
    assert resultat.returncode == 2
    assert "impossible de lire" in resultat.stderr


def test_identifiants_d_inscrits_repetes_entre_fichiers(fichiers: dict[str, Path], tmp_path: Path) -> None:
    resultat = _cellule(
        "--familles", str(fichiers["familles"]), "--inscrits", str(fichiers["ecole"]),
        "--inscrits", str(fichiers["ecole"]), "--date-reference", "2025-10-01",
        "--sortie", str(tmp_path / "d.csv"),
    )  # fmt: skip
    assert resultat.returncode == 1
    assert "identifiant unique" in resultat.stderr


# Façon FEBRL4 : des lignes sans prénom, sans nom, une date impossible, une ligne qui ne nomme
# personne et une répétée, parmi des lignes complètes (le fichier reste sous le seuil de 10 %).
ABIMEES = """\
id;nom;prenoms;date_naissance;sexe;adresse;code_postal;commune
A1;ROUSSEL;;2015-04-02;F;7 ALLEE DES CHARMES;99004;VILLEFICTIVE
A2;;Titouan;2014-03-01;M;9 CHEMIN VERT;99004;VILLEFICTIVE
A3;CARON;Inès;2011-02-29;F;2 RUE BASSE;99004;VILLEFICTIVE
A4;;;2013-01-01;M;1 RUE HAUTE;99004;VILLEFICTIVE
A5;LEMAIRE;Romane;2015-06-06;F;5 RUE NEUVE;99004;VILLEFICTIVE
A5;LEMAIRE;Romane;2015-06-06;F;5 RUE NEUVE;99004;VILLEFICTIVE
""" + "".join(
    f"B{k};NOMFICTIF{k};Prenom{k};2015-01-{k + 1:02d};M;{k} RUE LONGUE;99004;VILLEFICTIVE\n"
    for k in range(25)
)
ECOLE_ABIMEE = """id;nom;prenoms;date_naissance;sexe;adresse;code_postal;commune;mode
E1;ROUSSEL;Clémence;2015-04-02;F;7 ALLEE DES CHARMES;99004;VILLEFICTIVE;ecole
E3;CARON;Inès;2011-02-28;F;2 RUE BASSE;99004;VILLEFICTIVE;ecole
E5;LEMAIRE;;;F;5 RUE NEUVE;99004;VILLEFICTIVE;ecole
"""


def test_une_decision_par_ligne_meme_abimee_sans_refuser_le_fichier(tmp_path: Path) -> None:
    familles, ecole, sortie = tmp_path / "caf.csv", tmp_path / "onde.csv", tmp_path / "decisions.csv"
    familles.write_text(ABIMEES, encoding="utf-8")
    ecole.write_text(ECOLE_ABIMEE, encoding="utf-8")

    resultat = _cellule(
        "--familles", str(familles), "--inscrits", str(ecole),
        "--date-reference", "2025-10-01", "--sortie", str(sortie),
    )  # fmt: skip

    assert resultat.returncode == 0, resultat.stderr
    lignes = list(csv.DictReader(sortie.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert len(lignes) == ABIMEES.count("\n") - 1
    par_id = {(ligne["id_famille"], ligne["statut"]): ligne for ligne in lignes}
    # Sans prénom à la CAF, retrouvée par le reste (nom, date, adresse) : appariée, la remarque le dit.
    assert par_id[("A1", "apparie")]["id_inscrit"] == "E1"
    assert par_id[("A1", "apparie")]["remarque"] == "prénom absent du fichier"
    # Sans nom, introuvable : à vérifier, jamais perdue.
    assert par_id[("A2", "a_verifier")]["remarque"] == "nom absent du fichier"
    # Le 29 février d'une année non bissextile ne bloque rien : la fiche du 28, seule à ressembler
    # (même nom, prénom, adresse), donne l'âge et l'enfant est apparié ; la remarque garde la date lue.
    a3 = par_id[("A3", "apparie")]
    assert (a3["id_inscrit"], a3["remarque"]) == ("E3", "date de naissance impossible : 2011-02-29")
    # Une ligne qui ne nomme personne : rapportée avec ce qu'il faut demander au partenaire.
    assert par_id[("A4", "illisible")]["remarque"].startswith("ligne 5 : ni nom ni prénom")
    assert "demandez au partenaire le nom et le prénom" in par_id[("A4", "illisible")]["remarque"]
    # Une ligne répétée est lue une fois ; la répétition est dite, sans nouvelle décision.
    assert par_id[("A5", "doublon")]["remarque"] == "ligne 7 : doublon de la ligne 6"
    # Une fiche d'élève sans prénom ni date reste candidate, sans suffire à dire « apparié ».
    a5 = par_id[("A5", "a_verifier")]
    assert (a5["id_inscrit"], a5["remarque"]) == ("", "")
    assert "ni le prénom ni la date" in json.loads(a5["explication"])["motif"]
    assert "illisible : 1" in resultat.stderr
    assert "doublon : 1" in resultat.stderr
