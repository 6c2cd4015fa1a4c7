"""Scellement du mot de passe d'une archive pour le seul travailleur isolé."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from chiffrement import (
    ScelleInvalide,
    TrousseauInvalide,
    creer_paire_travailleur,
    desceller,
    generer_paire_travailleur,
    lire_cle_privee_travailleur,
    lire_cle_publique_travailleur,
    sceller,
)
from chiffrement.trousseau import FICHIER_CLE_PRIVEE_TRAVAILLEUR, FICHIER_CLE_PUBLIQUE_TRAVAILLEUR

MOT_DE_PASSE = b"Caf-Commune-Essai-2026!"


def test_le_travailleur_desscelle_ce_que_le_service_a_scelle() -> None:
    paire = generer_paire_travailleur()

    scelle = sceller(MOT_DE_PASSE, paire.cle_publique)

    assert MOT_DE_PASSE not in scelle
    assert desceller(scelle, paire.cle_privee) == MOT_DE_PASSE


def test_deux_scellements_du_meme_secret_different() -> None:
    paire = generer_paire_travailleur()

    assert sceller(MOT_DE_PASSE, paire.cle_publique) != sceller(MOT_DE_PASSE, paire.cle_publique)


def test_une_autre_cle_privee_ne_descelle_pas() -> None:
    scelle = sceller(MOT_DE_PASSE, generer_paire_travailleur().cle_publique)

    with pytest.raises(ScelleInvalide, match="ne s'ouvre pas"):
        desceller(scelle, generer_paire_travailleur().cle_privee)


@pytest.mark.parametrize("position", [1, 10, -1])
def test_un_scelle_altere_est_refuse(position: int) -> None:
    paire = generer_paire_travailleur()
    scelle = bytearray(sceller(MOT_DE_PASSE, paire.cle_publique))
    scelle[position] ^= 0x80

    with pytest.raises(ScelleInvalide):
        desceller(bytes(scelle), paire.cle_privee)


def test_un_scelle_tronque_ou_d_un_autre_format_est_refuse() -> None:
    paire = generer_paire_travailleur()
    scelle = sceller(MOT_DE_PASSE, paire.cle_publique)

    with pytest.raises(ScelleInvalide):
        desceller(scelle[:20], paire.cle_privee)
    with pytest.raises(ScelleInvalide, match="format inconnu"):
        desceller(b"\x02" + scelle[1:], paire.cle_privee)


def test_la_paire_du_travailleur_est_creee_une_fois_et_la_privee_reste_privee(tmp_path: Path) -> None:
    dossier = tmp_path / "cles"

    assert creer_paire_travailleur(dossier) is True
    scelle = sceller(MOT_DE_PASSE, lire_cle_publique_travailleur(dossier))
    assert creer_paire_travailleur(dossier) is False

    assert desceller(scelle, lire_cle_privee_travailleur(dossier)) == MOT_DE_PASSE
    assert stat.S_IMODE((dossier / FICHIER_CLE_PRIVEE_TRAVAILLEUR).stat().st_mode) == 0o600
    assert stat.S_IMODE((dossier / FICHIER_CLE_PUBLIQUE_TRAVAILLEUR).stat().st_mode) == 0o644


def test_une_cle_privee_lisible_par_d_autres_est_refusee(tmp_path: Path) -> None:
    dossier = tmp_path / "cles"
    creer_paire_travailleur(dossier)
    (dossier / FICHIER_CLE_PRIVEE_TRAVAILLEUR).chmod(0o640)

    with pytest.raises(TrousseauInvalide, match="chmod 600"):
        lire_cle_privee_travailleur(dossier)


def test_une_cle_publique_perdue_se_reconstruit_depuis_la_privee(tmp_path: Path) -> None:
    dossier = tmp_path / "cles"
    creer_paire_travailleur(dossier)
    avant = lire_cle_publique_travailleur(dossier).public_bytes_raw()
    (dossier / FICHIER_CLE_PUBLIQUE_TRAVAILLEUR).unlink()

    assert creer_paire_travailleur(dossier) is False
    assert lire_cle_publique_travailleur(dossier).public_bytes_raw() == avant


def test_une_cle_privee_perdue_n_est_pas_remplacee_en_silence(tmp_path: Path) -> None:
    dossier = tmp_path / "cles"
    creer_paire_travailleur(dossier)
    (dossier / FICHIER_CLE_PRIVEE_TRAVAILLEUR).unlink()

    with pytest.raises(TrousseauInvalide, match="sans sa clé privée"):
        creer_paire_travailleur(dossier)
