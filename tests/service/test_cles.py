"""Les clés du service ne sont jamais recréées en silence : une clé neuve ne relirait rien."""

from __future__ import annotations

from pathlib import Path

import pytest

from chiffrement import TrousseauInvalide
from service.cles import (
    FICHIER_CLE_APPARIEMENT,
    FICHIER_CLE_COMPTES,
    cle_appariement,
    cle_comptes,
    preparer_cles,
)
from service.parametres import parametres


def test_une_cle_perdue_est_signalee_au_lieu_d_etre_remplacee(dossier_donnees: Path) -> None:
    reglages = parametres()
    preparer_cles(reglages)
    assert len(cle_appariement(reglages)) == 32
    for nom, lire in ((FICHIER_CLE_APPARIEMENT, cle_appariement), (FICHIER_CLE_COMPTES, cle_comptes)):
        (reglages.chemin_trousseau() / nom).unlink()
        with pytest.raises(TrousseauInvalide, match="restaurez le dossier des clés"):
            lire(reglages)
        assert not (reglages.chemin_trousseau() / nom).exists()


def test_la_demo_ne_remplace_pas_une_cle_maitresse_perdue(dossier_donnees: Path) -> None:
    reglages = parametres()
    preparer_cles(reglages)
    reglages.chemin_cle_maitresse().unlink()
    with pytest.raises(TrousseauInvalide, match=r"clé maîtresse .* est introuvable"):
        preparer_cles(reglages)
    assert not reglages.chemin_cle_maitresse().exists()


def test_une_cle_lisible_par_d_autres_comptes_n_est_pas_lue(dossier_donnees: Path) -> None:
    # Un seul lecteur de fichiers de clés, avec sa vérification : la clé d'appariement et celle des
    # comptes étaient lues même ouvertes à tous.
    reglages = parametres()
    preparer_cles(reglages)
    for nom, lire in ((FICHIER_CLE_APPARIEMENT, cle_appariement), (FICHIER_CLE_COMPTES, cle_comptes)):
        chemin = reglages.chemin_trousseau() / nom
        chemin.chmod(0o644)
        with pytest.raises(TrousseauInvalide, match=f"lisible par d'autres comptes .* chmod 600 {chemin}"):
            lire(reglages)
        chemin.chmod(0o600)
        assert len(lire(reglages)) == 32
