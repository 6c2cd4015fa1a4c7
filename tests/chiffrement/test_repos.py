"""Chiffrement au repos : ce qui est chiffré se relit, ce qui est altéré ou effacé ne se relit plus."""

from __future__ import annotations

import multiprocessing
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from chiffrement import (
    Chiffre,
    CohorteDetruite,
    DonneeEffacee,
    DonneeIllisible,
    Trousseau,
    TrousseauInvalide,
    creer_fichier_cle_maitresse,
    decoder_cle_maitresse,
    generer_cle_maitresse,
    lire_cle_maitresse,
)

IDENTITE = "ESSAI-DURAND Zoé Anaïs, née le 02/03/2015".encode()


def _cle() -> bytes:
    return decoder_cle_maitresse(generer_cle_maitresse())


@pytest.fixture
def cle_maitresse() -> bytes:
    return _cle()


@pytest.fixture
def trousseau(tmp_path: Path, cle_maitresse: bytes) -> Trousseau:
    return Trousseau.creer(tmp_path / "cles", cle_maitresse)


def _chiffrer(trousseau: Trousseau, identifiant: str = "cas-1", cohorte: int = 2031) -> Chiffre:
    return trousseau.chiffrer(IDENTITE, cohorte=cohorte, table="cas", id_enregistrement=identifiant)


def test_une_identite_chiffree_se_relit(trousseau: Trousseau) -> None:
    chiffre = _chiffrer(trousseau)

    assert IDENTITE not in chiffre.donnee
    assert trousseau.dechiffrer(chiffre, table="cas", id_enregistrement="cas-1") == IDENTITE


def test_chaque_enregistrement_a_sa_propre_cle(trousseau: Trousseau) -> None:
    premier, second = _chiffrer(trousseau, "cas-1"), _chiffrer(trousseau, "cas-2")

    assert premier.cle_enveloppee != second.cle_enveloppee
    assert premier.donnee != second.donnee


def test_un_bit_retourne_est_detecte(trousseau: Trousseau) -> None:
    chiffre = _chiffrer(trousseau)
    abime = bytearray(chiffre.donnee)
    abime[20] ^= 0x04

    with pytest.raises(DonneeIllisible, match="altérée"):
        trousseau.dechiffrer(replace(chiffre, donnee=bytes(abime)), table="cas", id_enregistrement="cas-1")


def test_une_cle_de_donnee_abimee_est_detectee(trousseau: Trousseau) -> None:
    chiffre = _chiffrer(trousseau)
    assert chiffre.cle_enveloppee is not None
    abimee = bytes([chiffre.cle_enveloppee[0] ^ 1]) + chiffre.cle_enveloppee[1:]

    with pytest.raises(DonneeIllisible):
        trousseau.dechiffrer(replace(chiffre, cle_enveloppee=abimee), table="cas", id_enregistrement="cas-1")


def test_une_donnee_deplacee_vers_un_autre_enregistrement_ne_se_relit_pas(trousseau: Trousseau) -> None:
    chiffre = _chiffrer(trousseau, "cas-1")

    with pytest.raises(DonneeIllisible):
        trousseau.dechiffrer(chiffre, table="cas", id_enregistrement="cas-2")
    with pytest.raises(DonneeIllisible):
        trousseau.dechiffrer(chiffre, table="transmission", id_enregistrement="cas-1")


def test_une_donnee_ne_change_pas_de_cohorte(trousseau: Trousseau) -> None:
    chiffre = _chiffrer(trousseau, cohorte=2031)
    _chiffrer(trousseau, cohorte=2032)

    with pytest.raises(DonneeIllisible):
        trousseau.dechiffrer(replace(chiffre, cohorte=2032), table="cas", id_enregistrement="cas-1")


def test_la_cle_d_un_autre_enregistrement_ne_l_ouvre_pas(trousseau: Trousseau) -> None:
    premier, second = _chiffrer(trousseau, "cas-1"), _chiffrer(trousseau, "cas-2")

    with pytest.raises(DonneeIllisible):
        trousseau.dechiffrer(
            replace(premier, cle_enveloppee=second.cle_enveloppee), table="cas", id_enregistrement="cas-1"
        )


def test_oublier_la_cle_de_donnee_efface_l_enregistrement_seul(trousseau: Trousseau) -> None:
    efface, garde = _chiffrer(trousseau, "cas-1"), _chiffrer(trousseau, "cas-2")

    with pytest.raises(DonneeEffacee):
        trousseau.dechiffrer(efface.sans_cle(), table="cas", id_enregistrement="cas-1")
    assert trousseau.dechiffrer(garde, table="cas", id_enregistrement="cas-2") == IDENTITE


def test_detruire_une_cohorte_efface_ses_enregistrements_meme_dans_une_vieille_sauvegarde(
    tmp_path: Path, trousseau: Trousseau, cle_maitresse: bytes
) -> None:
    # La « sauvegarde de la base » : les chiffrés tels qu'ils étaient, conservés ailleurs.
    sauvegarde = [_chiffrer(trousseau, f"cas-{i}", cohorte=2030) for i in range(3)]
    autre_cohorte = _chiffrer(trousseau, "cas-9", cohorte=2031)

    assert trousseau.detruire_cohorte(2030) is True

    relu = Trousseau(tmp_path / "cles", cle_maitresse)
    for i, chiffre in enumerate(sauvegarde):
        with pytest.raises(DonneeEffacee, match="cohorte 2030 a été détruite"):
            relu.dechiffrer(chiffre, table="cas", id_enregistrement=f"cas-{i}")
    assert relu.dechiffrer(autre_cohorte, table="cas", id_enregistrement="cas-9") == IDENTITE
    etat = relu.etat()
    assert [c.cohorte for c in etat.cohortes] == [2031]
    assert list(etat.detruites) == [2030]


def test_une_cohorte_detruite_ne_recoit_plus_de_donnees(trousseau: Trousseau) -> None:
    _chiffrer(trousseau, cohorte=2030)
    trousseau.detruire_cohorte(2030)

    with pytest.raises(CohorteDetruite):
        _chiffrer(trousseau, cohorte=2030)


def test_la_rotation_de_la_cle_maitresse_garde_les_donnees_sans_les_rechiffrer(
    tmp_path: Path, trousseau: Trousseau, cle_maitresse: bytes
) -> None:
    chiffres = [_chiffrer(trousseau, f"cas-{c}", cohorte=c) for c in (2030, 2031)]
    nouvelle = _cle()

    trousseau.rotation(nouvelle)

    relu = Trousseau(tmp_path / "cles", nouvelle)
    for chiffre in chiffres:
        assert relu.dechiffrer(chiffre, table="cas", id_enregistrement=f"cas-{chiffre.cohorte}") == IDENTITE
    with pytest.raises(TrousseauInvalide, match="ne correspond pas"):
        Trousseau(tmp_path / "cles", cle_maitresse)


def test_une_autre_cle_maitresse_n_ouvre_pas_le_trousseau(tmp_path: Path, trousseau: Trousseau) -> None:
    with pytest.raises(TrousseauInvalide, match="ne correspond pas"):
        Trousseau(tmp_path / "cles", _cle())


def test_un_trousseau_existant_n_est_jamais_ecrase(tmp_path: Path, trousseau: Trousseau) -> None:
    chiffre = _chiffrer(trousseau)

    with pytest.raises(TrousseauInvalide, match="jamais écrasé"):
        Trousseau.creer(tmp_path / "cles", _cle())
    assert trousseau.dechiffrer(chiffre, table="cas", id_enregistrement="cas-1") == IDENTITE


def test_renouveler_la_cle_d_une_cohorte_garde_les_anciennes_donnees_lisibles(
    trousseau: Trousseau,
) -> None:
    ancien = _chiffrer(trousseau, "cas-1")

    version = trousseau.renouveler_cohorte(2031)
    nouveau = _chiffrer(trousseau, "cas-2")

    assert (ancien.version, nouveau.version, version) == (1, 2, 2)
    assert trousseau.dechiffrer(ancien, table="cas", id_enregistrement="cas-1") == IDENTITE
    assert trousseau.dechiffrer(nouveau, table="cas", id_enregistrement="cas-2") == IDENTITE


def test_un_trousseau_abime_donne_une_erreur_claire(
    tmp_path: Path, trousseau: Trousseau, cle_maitresse: bytes
) -> None:
    (tmp_path / "cles" / "trousseau.json").write_text("{pas du json")

    with pytest.raises(TrousseauInvalide, match="abîmé"):
        Trousseau(tmp_path / "cles", cle_maitresse)


def test_le_fichier_de_cle_maitresse_est_cree_une_fois_en_0600(tmp_path: Path) -> None:
    fichier = tmp_path / "cle_maitresse"

    assert creer_fichier_cle_maitresse(fichier) is True
    cle = lire_cle_maitresse(fichier)
    assert creer_fichier_cle_maitresse(fichier) is False
    assert lire_cle_maitresse(fichier) == cle
    assert stat.S_IMODE(fichier.stat().st_mode) == 0o600


def test_une_cle_maitresse_lisible_par_d_autres_est_refusee(tmp_path: Path) -> None:
    fichier = tmp_path / "cle_maitresse"
    creer_fichier_cle_maitresse(fichier)
    fichier.chmod(0o644)

    with pytest.raises(TrousseauInvalide, match="chmod 600"):
        lire_cle_maitresse(fichier)


def test_une_cle_maitresse_mal_formee_est_refusee() -> None:
    with pytest.raises(TrousseauInvalide, match="32 octets"):
        decoder_cle_maitresse("trop-courte")


def _chiffrer_dans_un_processus(
    dossier: str, cle: bytes, cohorte: int, sortie: multiprocessing.Queue
) -> None:
    trousseau = Trousseau(Path(dossier), cle)
    chiffres = [
        trousseau.chiffrer(
            IDENTITE, cohorte=cohorte + i % 3, table="cas", id_enregistrement=f"{os.getpid()}-{i}"
        )
        for i in range(15)
    ]
    sortie.put([(c, f"{os.getpid()}-{i}") for i, c in enumerate(chiffres)])


def test_deux_processus_qui_creent_des_cohortes_en_meme_temps_ne_perdent_aucune_cle(
    tmp_path: Path, trousseau: Trousseau, cle_maitresse: bytes
) -> None:
    contexte = multiprocessing.get_context("spawn")
    sortie: multiprocessing.Queue = contexte.Queue()
    processus = [
        contexte.Process(
            target=_chiffrer_dans_un_processus, args=(str(tmp_path / "cles"), cle_maitresse, 2040, sortie)
        )
        for _ in range(3)
    ]
    for p in processus:
        p.start()
    resultats = [sortie.get(timeout=60) for _ in processus]
    for p in processus:
        p.join(timeout=60)

    relu = Trousseau(tmp_path / "cles", cle_maitresse)
    for lot in resultats:
        for chiffre, identifiant in lot:
            assert relu.dechiffrer(chiffre, table="cas", id_enregistrement=identifiant) == IDENTITE
    assert [c.cohorte for c in relu.etat().cohortes] == [2040, 2041, 2042]
    assert [c.versions for c in relu.etat().cohortes] == [1, 1, 1]


def test_une_cohorte_detruite_ailleurs_n_est_plus_lisible_par_un_trousseau_deja_ouvert(
    tmp_path: Path, trousseau: Trousseau, cle_maitresse: bytes
) -> None:
    chiffre = _chiffrer(trousseau, cohorte=2030)
    assert trousseau.dechiffrer(chiffre, table="cas", id_enregistrement="cas-1") == IDENTITE

    Trousseau(tmp_path / "cles", cle_maitresse).detruire_cohorte(2030)

    with pytest.raises(DonneeEffacee):
        trousseau.dechiffrer(chiffre, table="cas", id_enregistrement="cas-1")
