"""Le confinement de l'enfant, vérifié par la sonde (mode de test documenté) et par le vrai enfant."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from service.travailleur import PROTECTIONS, EchecTravail, ReglagesTravailleur, sonder
from service.travailleur.confinement import CODE_ORPHELIN
from service.travailleur.landlock import version_landlock

RACINE = Path(__file__).resolve().parents[2]

REGLAGES = ReglagesTravailleur(memoire=2048 * 1024 * 1024, cpu=30, duree=60)


@pytest.fixture(scope="module")
def protections_possibles() -> None:
    """Saute avec sa raison si ce noyau ne permet pas toutes les protections."""
    rapport = sonder("essais", reglages=ReglagesTravailleur(protections_obligatoires=frozenset()))
    manquantes = {nom: raison for nom, raison in rapport.raisons_protections.items()}
    if manquantes:
        pytest.skip(f"noyau sans certaines protections : {manquantes}")


@pytest.mark.usefixtures("protections_possibles")
def test_l_enfant_ne_peut_ni_ouvrir_de_socket_ni_ecrire_ni_lire_les_donnees_ni_lancer_un_programme(
    tmp_path: Path,
) -> None:
    donnees = tmp_path / "donnees"
    donnees.mkdir()
    secret = donnees / "cle_maitresse"
    secret.write_bytes(b"secret du service")

    rapport = sonder("essais", reglages=REGLAGES, dossier=str(donnees), fichier=str(secret))

    assert rapport.protections == dict.fromkeys(PROTECTIONS, True)
    attendus = {
        "socket_ip",
        "socket_unix",
        "connexion",
        "processus",
        "limite",
        "ptrace",
        "ecriture",
        "creation_dossier",
        "lecture",
        "permissions",
        "horodatage",
        "execution",
        "signal",
    }
    assert set(rapport.essais) == attendus
    permis = {action for action, resultat in rapport.essais.items() if not resultat.startswith("refusé")}
    assert permis == set()
    assert sorted(p.name for p in donnees.iterdir()) == ["cle_maitresse"]


@pytest.mark.usefixtures("protections_possibles")
def test_l_enfant_vit_dans_ses_propres_espaces_de_noms_sans_reseau() -> None:
    rapport = sonder("essais", reglages=REGLAGES)
    assert rapport.espace_reseau is not None
    assert rapport.espace_reseau != os.readlink("/proc/self/ns/net")
    assert rapport.espace_utilisateur != os.readlink("/proc/self/ns/user")


def test_la_limite_de_memoire_arrete_les_allocations_avant_le_plafond() -> None:
    plafond_mio = 640
    rapport = sonder("memoire", reglages=ReglagesTravailleur(memoire=plafond_mio * 1024 * 1024, duree=60))
    assert rapport.memoire_atteinte_mio is not None
    assert 0 < rapport.memoire_atteinte_mio < plafond_mio


def test_un_calcul_sans_fin_est_arrete_par_la_limite_de_temps_cpu() -> None:
    with pytest.raises(EchecTravail, match="limite de temps de calcul \\(1 s CPU\\)"):
        sonder("cpu", reglages=ReglagesTravailleur(cpu=1, duree=30))


def test_un_enfant_qui_depasse_la_duree_reelle_est_tue() -> None:
    with pytest.raises(EchecTravail, match="dépassé sa durée maximale \\(1 s\\)"):
        sonder("attente", reglages=ReglagesTravailleur(duree=1))
    restants = [
        p for p in psutil.Process().children(recursive=True) if "service.travailleur" in " ".join(p.cmdline())
    ]
    assert restants == []


def test_un_plantage_est_un_echec_clair() -> None:
    with pytest.raises(EchecTravail, match=r"arrêté brutalement \(signal SIGSEGV\).*archive abîmée"):
        sonder("plantage", reglages=REGLAGES)


def test_une_reponse_malformee_est_un_echec_clair() -> None:
    with pytest.raises(EchecTravail, match="réponse du travailleur malformée"):
        sonder("sortie_malformee", reglages=REGLAGES)


def test_une_reponse_sans_fin_est_coupee() -> None:
    with pytest.raises(EchecTravail, match="trop volumineuse"):
        sonder("sortie_enorme", reglages=ReglagesTravailleur(sortie_max=1024 * 1024, duree=30))


def _noyau_restreint(mode: str) -> dict[str, object]:
    if version_landlock() == 0:
        pytest.skip("Landlock déjà absent de ce noyau")
    sortie = subprocess.run(
        [sys.executable, "-m", "tests.travailleur.noyau_restreint", mode],
        cwd=RACINE,
        capture_output=True,
        check=True,
        timeout=60,
    )
    resultat: dict[str, object] = json.loads(sortie.stdout)
    return resultat


def test_le_travail_est_refuse_quand_une_protection_obligatoire_manque() -> None:
    resultat = _noyau_restreint("obligatoires")
    echec = str(resultat["echec"])
    assert echec.startswith("travail refusé : protection obligatoire absente")
    assert "espaces_de_noms : unshare(utilisateur, réseau) refusé par le noyau" in echec
    assert "landlock : Landlock absent" in echec
    assert "CELLULE_TRAVAILLEUR_PROTECTIONS_OBLIGATOIRES" in echec


def test_une_protection_facultative_absente_est_rapportee_sans_bloquer_le_travail() -> None:
    resultat = _noyau_restreint("facultatives")
    assert resultat["protections"] == {
        "mort_avec_parent": True,
        "memoire_protegee": True,
        "limites": True,
        "sans_nouveaux_privileges": True,
        "espaces_de_noms": False,
        "landlock": False,
        "seccomp": True,
    }
    raisons = resultat["raisons"]
    assert isinstance(raisons, dict)
    assert set(raisons) == {"espaces_de_noms", "landlock"}


def test_une_protection_inconnue_dans_les_reglages_est_refusee() -> None:
    with pytest.raises(ValueError, match="protection inconnue : pare_feu"):
        ReglagesTravailleur(protections_obligatoires=frozenset({"pare_feu"}))


def test_des_limites_dures_plus_basses_que_les_reglages_sont_appliquees_telles_quelles() -> None:
    # Un service lancé avec moins de descripteurs permis que CELLULE_TRAVAILLEUR_FICHIERS (systemd
    # LimitNOFILE) : l'enfant garde la limite la plus stricte au lieu de s'arrêter en erreur.
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))\n"
        "from service.travailleur import ReglagesTravailleur, sonder\n"
        "reglages = ReglagesTravailleur(fichiers=64, protections_obligatoires=frozenset())\n"
        "r = sonder('essais', reglages=reglages)\n"
        "sys.stdout.write(str(r.protections['limites']))\n"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", script], cwd=RACINE, capture_output=True, text=True, timeout=60
    )
    assert sortie.returncode == 0, sortie.stderr[-500:]
    assert sortie.stdout == "True"


def test_sans_landlock_l_enfant_ne_peut_toujours_pas_signaler_d_autres_processus() -> None:
    # Avant Linux 6.12 (ABI Landlock 6), seul seccomp empêche l'enfant de tuer le service, qui a
    # la même identité que lui, ou tout son groupe de processus.
    resultat = _noyau_restreint("sonde")
    protections = resultat["protections"]
    essais = resultat["essais"]
    assert isinstance(protections, dict)
    assert isinstance(essais, dict)
    assert protections["landlock"] is False
    assert protections["seccomp"] is True
    assert str(essais["signal"]).startswith("refusé"), essais


def test_l_enfant_meurt_avec_son_parent() -> None:
    # Un service tué net (SIGKILL, panne) ne laisse pas derrière lui un enfant qui garde des listes
    # en clair dans sa mémoire : le noyau le tue aussitôt.
    sortie = subprocess.run(
        [sys.executable, "-m", "tests.travailleur.parent_mortel"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(sortie.stdout) == {"signal": "SIGKILL"}


def test_un_enfant_dont_le_parent_est_deja_mort_s_arrete_aussitot() -> None:
    # Le parent meurt avant que l'enfant ait demandé le signal : l'enfant ne trouve plus le parent
    # annoncé et s'arrête au lieu d'attendre sans fin (ici, l'action « attente » dormirait une heure).
    parent_mort = subprocess.Popen([sys.executable, "-c", "pass"])
    parent_mort.wait()
    sortie = subprocess.run(
        [
            sys.executable,
            "-I",
            "-m",
            "service.travailleur.sonde",
            "--action=attente",
            *REGLAGES.arguments(),
            f"--parent={parent_mort.pid}",
        ],
        capture_output=True,
        timeout=60,
        cwd="/",
    )
    assert sortie.returncode == CODE_ORPHELIN
    assert sortie.stdout == b""


def test_la_memoire_de_l_enfant_est_fermee_et_liee_au_parent() -> None:
    rapport = sonder("essais", reglages=ReglagesTravailleur(protections_obligatoires=frozenset()))
    assert rapport.vidable == 0
    assert rapport.signal_mort_parent == signal.SIGKILL
    assert rapport.protections["memoire_protegee"] is True
    assert rapport.protections["mort_avec_parent"] is True
