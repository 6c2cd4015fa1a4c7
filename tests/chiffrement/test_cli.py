"""Les commandes ``cellule archive verifier`` et ``cellule cles`` : sorties et codes de retour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chiffrement import Trousseau, creer_fichier_cle_maitresse, decoder_cle_maitresse, lire_cle_maitresse
from service.cli import app
from tests.chiffrement.outils import CSV_FAMILLES, MOT_DE_PASSE, fabriquer


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    chemin = tmp_path / "envoi.7z"
    chemin.write_bytes(fabriquer(tmp_path / "fabrique", {"caf.csv": CSV_FAMILLES, "msa.csv": b"id\n"}))
    return chemin


def _cellule(*arguments: str, entree: str = "") -> subprocess.CompletedProcess[str]:
    """La vraie commande, dans un processus à part, comme un administrateur la lance."""
    return subprocess.run(
        [sys.executable, "-m", "service", *arguments],
        input=entree,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_une_archive_lisible_liste_ses_fichiers_et_rend_0(archive: Path, dossier_donnees: Path) -> None:
    resultat = CliRunner().invoke(app, ["archive", "verifier", str(archive)], input=MOT_DE_PASSE + "\n")

    assert resultat.exit_code == 0, resultat.output
    assert "2 fichier(s)" in resultat.stdout
    assert f"caf.csv\t{len(CSV_FAMILLES)} octets" in resultat.stdout


def test_en_json_la_liste_est_exploitable(archive: Path, dossier_donnees: Path) -> None:
    resultat = CliRunner().invoke(
        app, ["archive", "verifier", str(archive), "--json"], input=MOT_DE_PASSE + "\n"
    )

    assert resultat.exit_code == 0
    assert json.loads(resultat.stdout) == {
        "statut": "lisible",
        "fichiers": [{"nom": "caf.csv", "taille": len(CSV_FAMILLES)}, {"nom": "msa.csv", "taille": 3}],
    }


def test_un_mauvais_mot_de_passe_rend_3_sans_trace(archive: Path) -> None:
    resultat = _cellule("archive", "verifier", str(archive), entree="pas-le-bon\n")

    assert resultat.returncode == 3
    assert "mot de passe incorrect ou archive corrompue" in resultat.stderr
    assert "Traceback" not in resultat.stderr + resultat.stdout


def test_une_archive_refusee_rend_4(tmp_path: Path, dossier_donnees: Path) -> None:
    csv = tmp_path / "liste.csv"
    csv.write_bytes(CSV_FAMILLES)
    non_chiffree = tmp_path / "clair.7z"
    non_chiffree.write_bytes(fabriquer(tmp_path / "f", {"caf.csv": CSV_FAMILLES}, mot_de_passe=None))

    for chemin in (csv, non_chiffree):
        resultat = CliRunner().invoke(app, ["archive", "verifier", str(chemin), "--json"], input="x\n")
        assert resultat.exit_code == 4
        assert json.loads(resultat.stdout)["statut"] == "refusee"


def test_un_mauvais_usage_rend_2(tmp_path: Path, dossier_donnees: Path) -> None:
    assert CliRunner().invoke(app, ["archive", "verifier"]).exit_code == 2
    absent = CliRunner().invoke(app, ["archive", "verifier", str(tmp_path / "absente.7z")], input="x\n")
    assert absent.exit_code == 2
    assert "vérifiez le chemin" in absent.output


def test_cles_init_cree_tout_puis_ne_touche_plus_a_rien(dossier_donnees: Path) -> None:
    premiere = CliRunner().invoke(app, ["cles", "init"])
    assert premiere.exit_code == 0, premiere.output
    cle = (dossier_donnees / "cle_maitresse").read_bytes()
    trousseau = (dossier_donnees / "cles" / "trousseau.json").read_bytes()
    privee = (dossier_donnees / "cles" / "travailleur.cle").read_bytes()

    seconde = CliRunner().invoke(app, ["cles", "init"])

    assert seconde.exit_code == 0
    assert "Rien à créer" in seconde.output
    assert (dossier_donnees / "cle_maitresse").read_bytes() == cle
    assert (dossier_donnees / "cles" / "trousseau.json").read_bytes() == trousseau
    assert (dossier_donnees / "cles" / "travailleur.cle").read_bytes() == privee


def test_cles_init_refuse_d_inventer_une_cle_pour_un_trousseau_existant(dossier_donnees: Path) -> None:
    CliRunner().invoke(app, ["cles", "init"])
    (dossier_donnees / "cle_maitresse").unlink()

    resultat = CliRunner().invoke(app, ["cles", "init"])

    assert resultat.exit_code == 1
    assert "restaurez-la" in resultat.output
    assert not (dossier_donnees / "cle_maitresse").exists()


def test_cles_etat_montre_les_cohortes_sans_aucune_cle(dossier_donnees: Path) -> None:
    CliRunner().invoke(app, ["cles", "init"])
    cle = lire_cle_maitresse(dossier_donnees / "cle_maitresse")
    trousseau = Trousseau(dossier_donnees / "cles", cle)
    trousseau.chiffrer(b"x", cohorte=2031, table="cas", id_enregistrement="1")
    trousseau.chiffrer(b"x", cohorte=2029, table="cas", id_enregistrement="2")
    trousseau.detruire_cohorte(2029)

    resultat = CliRunner().invoke(app, ["cles", "etat", "--json"])

    assert resultat.exit_code == 0
    etat = json.loads(resultat.stdout)
    assert [c["cohorte"] for c in etat["cohortes"]] == [2031]
    assert list(etat["detruites"]) == ["2029"]
    contenu_cle = (dossier_donnees / "cle_maitresse").read_text().strip()
    assert contenu_cle not in resultat.output


def test_cles_etat_sans_trousseau_dit_quoi_faire(dossier_donnees: Path) -> None:
    resultat = CliRunner().invoke(app, ["cles", "etat"])

    assert resultat.exit_code == 1
    assert "cellule cles init" in resultat.output


def test_cles_rotation_garde_les_donnees_lisibles_avec_la_seule_nouvelle_cle(dossier_donnees: Path) -> None:
    CliRunner().invoke(app, ["cles", "init"])
    ancienne = lire_cle_maitresse(dossier_donnees / "cle_maitresse")
    chiffre = Trousseau(dossier_donnees / "cles", ancienne).chiffrer(
        b"identite", cohorte=2031, table="cas", id_enregistrement="1"
    )

    resultat = CliRunner().invoke(app, ["cles", "rotation"])

    assert resultat.exit_code == 0, resultat.output
    nouvelle = lire_cle_maitresse(dossier_donnees / "cle_maitresse")
    assert nouvelle != ancienne
    relu = Trousseau(dossier_donnees / "cles", nouvelle)
    assert relu.dechiffrer(chiffre, table="cas", id_enregistrement="1") == b"identite"
    assert not list(dossier_donnees.glob("*.nouvelle"))


def test_une_rotation_interrompue_se_termine_en_relancant(dossier_donnees: Path) -> None:
    CliRunner().invoke(app, ["cles", "init"])
    ancienne = lire_cle_maitresse(dossier_donnees / "cle_maitresse")
    trousseau = Trousseau(dossier_donnees / "cles", ancienne)
    chiffre = trousseau.chiffrer(b"identite", cohorte=2031, table="cas", id_enregistrement="1")
    # Interruption après le ré-enveloppement, avant le remplacement du fichier de clé.
    nouvelle_chemin = dossier_donnees / "cle_maitresse.nouvelle"
    creer_fichier_cle_maitresse(nouvelle_chemin)
    trousseau.rotation(lire_cle_maitresse(nouvelle_chemin))
    bloque = CliRunner().invoke(app, ["cles", "etat"])
    assert bloque.exit_code == 1
    assert "rotation a été interrompue" in bloque.output

    resultat = CliRunner().invoke(app, ["cles", "rotation"])

    assert resultat.exit_code == 0
    assert "interrompue terminée" in resultat.output
    relu = Trousseau(dossier_donnees / "cles", lire_cle_maitresse(dossier_donnees / "cle_maitresse"))
    assert relu.dechiffrer(chiffre, table="cas", id_enregistrement="1") == b"identite"


def test_avec_la_cle_en_variable_d_environnement_la_rotation_affiche_la_nouvelle(
    dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chiffrement import generer_cle_maitresse
    from service.parametres import parametres

    monkeypatch.setenv("CELLULE_CLE_MAITRESSE", generer_cle_maitresse())
    parametres.cache_clear()
    assert CliRunner().invoke(app, ["cles", "init"]).exit_code == 0
    assert not (dossier_donnees / "cle_maitresse").exists()

    resultat = CliRunner().invoke(app, ["cles", "rotation"])

    assert resultat.exit_code == 0
    nouvelle = resultat.stdout.strip().splitlines()[-1]
    monkeypatch.setenv("CELLULE_CLE_MAITRESSE", nouvelle)
    parametres.cache_clear()
    assert CliRunner().invoke(app, ["cles", "etat"]).exit_code == 0


def test_les_limites_d_archive_se_reglent_par_l_environnement(
    tmp_path: Path, dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.parametres import parametres

    archive = tmp_path / "trois.7z"
    archive.write_bytes(fabriquer(tmp_path / "f", {f"liste_{i}.csv": CSV_FAMILLES for i in range(3)}))
    monkeypatch.setenv("CELLULE_ARCHIVE_ENTREES_MAX", "2")
    parametres.cache_clear()

    resultat = CliRunner().invoke(app, ["archive", "verifier", str(archive)], input=MOT_DE_PASSE + "\n")

    assert resultat.exit_code == 4
    assert "3 entrées, au plus 2" in resultat.output


def test_une_archive_ppmd_qui_fait_planter_le_decodeur_rend_3_sans_planter_la_commande(
    dossier_donnees: Path,
) -> None:
    # Seule archive conservée telle quelle : une archive PPMd de 7zz (liste fictive, mot de passe
    # « X ») dont un bit a été retourné ; pyppmd 1.3.1 y meurt d'une erreur de segmentation.
    abimee = Path(__file__).parent / "donnees" / "ppmd_abimee_plantage.7z"

    resultat = CliRunner().invoke(
        app, ["archive", "verifier", str(abimee), "--json", "--noms-en-clair"], input="X\n"
    )

    # Selon l'état de la mémoire, pyppmd meurt (SIGSEGV) ou demande une mémoire démesurée
    # (MemoryError) : la commande doit rendre dans les deux cas une réponse propre, jamais planter.
    reponse = json.loads(resultat.stdout)
    if resultat.exit_code == 3:
        assert reponse["message"].startswith("mot de passe incorrect ou archive corrompue")
    else:
        assert resultat.exit_code == 4
        assert "trop de mémoire" in reponse["message"]


def test_une_rotation_interrompue_relancee_sur_un_autre_trousseau_ne_perd_pas_la_nouvelle_cle(
    dossier_donnees: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.parametres import parametres

    CliRunner().invoke(app, ["cles", "init"])
    ancienne = lire_cle_maitresse(dossier_donnees / "cle_maitresse")
    trousseau = Trousseau(dossier_donnees / "cles", ancienne)
    chiffre = trousseau.chiffrer(b"identite", cohorte=2031, table="cas", id_enregistrement="1")
    nouvelle_chemin = dossier_donnees / "cle_maitresse.nouvelle"
    creer_fichier_cle_maitresse(nouvelle_chemin)
    trousseau.rotation(lire_cle_maitresse(nouvelle_chemin))
    # L'administrateur relance la rotation avec un CELLULE_TROUSSEAU erroné : seule la nouvelle clé
    # ouvre le vrai trousseau, elle ne doit surtout pas être effacée.
    monkeypatch.setenv("CELLULE_TROUSSEAU", str(tmp_path / "ailleurs"))
    parametres.cache_clear()

    erreur = CliRunner().invoke(app, ["cles", "rotation"])

    assert erreur.exit_code == 1
    assert erreur.exception is None or isinstance(erreur.exception, SystemExit)
    assert "aucun trousseau" in erreur.output
    assert nouvelle_chemin.exists()
    monkeypatch.delenv("CELLULE_TROUSSEAU")
    parametres.cache_clear()
    assert CliRunner().invoke(app, ["cles", "rotation"]).exit_code == 0
    relu = Trousseau(dossier_donnees / "cles", lire_cle_maitresse(dossier_donnees / "cle_maitresse"))
    assert relu.dechiffrer(chiffre, table="cas", id_enregistrement="1") == b"identite"


def test_une_rotation_interrompue_avant_d_avoir_ecrit_la_nouvelle_cle_repart_de_zero(
    dossier_donnees: Path,
) -> None:
    CliRunner().invoke(app, ["cles", "init"])
    ancienne = lire_cle_maitresse(dossier_donnees / "cle_maitresse")
    # Arrêt juste après la création du fichier de la nouvelle clé, avant d'y écrire.
    nouvelle_chemin = dossier_donnees / "cle_maitresse.nouvelle"
    nouvelle_chemin.touch(mode=0o600)

    resultat = CliRunner().invoke(app, ["cles", "rotation"])

    assert resultat.exit_code == 0, resultat.output
    assert lire_cle_maitresse(dossier_donnees / "cle_maitresse") != ancienne
    assert not nouvelle_chemin.exists()


@pytest.mark.parametrize("commande", ["init", "etat", "rotation"])
def test_un_dossier_de_cles_inutilisable_donne_un_message_sans_trace_python(
    commande: str, dossier_donnees: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.parametres import parametres

    creer_fichier_cle_maitresse(dossier_donnees / "cle_maitresse")
    fichier = tmp_path / "pas-un-dossier"
    fichier.write_text("x")
    monkeypatch.setenv("CELLULE_TROUSSEAU", str(fichier / "cles"))
    parametres.cache_clear()

    resultat = CliRunner().invoke(app, ["cles", commande])

    # Une exception non rattrapée serait une trace Python montrée à l'administrateur.
    assert resultat.exception is None or isinstance(resultat.exception, SystemExit), resultat.exception
    assert resultat.exit_code == 1
    assert str(fichier / "cles") in resultat.stderr


def test_sans_entree_standard_la_commande_demande_le_mot_de_passe_sans_trace(archive: Path) -> None:
    # Lancée depuis un script qui a fermé l'entrée standard (« <&- ») : Python n'a alors pas de stdin.
    resultat = subprocess.run(
        [sys.executable, "-m", "service", "archive", "verifier", str(archive)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(0),
    )

    assert resultat.returncode == 3
    assert "Traceback" not in resultat.stderr
    assert "donnez son mot de passe" in resultat.stderr


def test_une_rotation_dont_la_nouvelle_cle_ne_peut_pas_etre_affichee_n_a_pas_lieu(
    dossier_donnees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chiffrement import generer_cle_maitresse
    from service.parametres import parametres

    ancienne = generer_cle_maitresse()
    monkeypatch.setenv("CELLULE_CLE_MAITRESSE", ancienne)
    parametres.cache_clear()
    assert CliRunner().invoke(app, ["cles", "init"]).exit_code == 0
    # La sortie est fermée avant que la commande écrive (« cellule cles rotation | head -0 ») :
    # la nouvelle clé ne serait vue par personne, le trousseau ne doit pas changer de clé.
    processus = subprocess.Popen(
        [sys.executable, "-m", "service", "cles", "rotation"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CELLULE_DONNEES": str(dossier_donnees), "CELLULE_CLE_MAITRESSE": ancienne},
    )
    assert processus.stdout is not None
    processus.stdout.close()
    _, erreurs = processus.communicate(timeout=60)

    assert processus.returncode == 1
    assert b"Traceback" not in erreurs
    assert "rotation annulée" in erreurs.decode()
    Trousseau(dossier_donnees / "cles", decoder_cle_maitresse(ancienne))
