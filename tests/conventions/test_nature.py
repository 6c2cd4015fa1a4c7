"""La nature d'un fichier : un effectif scolaire déposé sous une convention de familles est reconnu, et
l'inverse ; un fichier de la bonne nature ne l'est jamais (identités fictives)."""

from __future__ import annotations

from datetime import date

import pytest

from conventions import profil_integre
from conventions.nature import nature_reconnue, porte_une_donnee_interdite
from fictif import generer
from fictif.fichiers import csv_caf, csv_declarations, csv_onde, xml_siecle

_JEU = generer(60, graine=4, date_reference=date(2026, 10, 1))
CAF = csv_caf(_JEU.familles)
ONDE = csv_onde(_JEU.inscrits)
DECLARATIONS = csv_declarations(_JEU.inscrits)
SIECLE = xml_siecle(_JEU.inscrits)


@pytest.mark.parametrize(
    ("octets", "profil", "attendu"),
    [
        (ONDE, "caf", "un export ONDE"),
        (ONDE, "msa", "un export ONDE"),
        (ONDE, "pivot-familles", "un export ONDE"),
        (DECLARATIONS, "caf", "une liste d'instruction déclarée (IEF, CNED…)"),
        (SIECLE, "caf", "un export SIECLE"),
        (CAF, "onde", "une liste CAF"),
        (CAF, "pivot-inscrits", "une liste CAF"),
        (CAF, "declarations", "une liste CAF"),
    ],
)
def test_un_fichier_de_l_autre_genre_est_reconnu(octets: bytes, profil: str, attendu: str) -> None:
    assert nature_reconnue(octets, profil_integre(profil)) == attendu


@pytest.mark.parametrize(
    ("octets", "profil"),
    [
        (CAF, "caf"),
        (CAF, "msa"),
        (ONDE, "onde"),
        (ONDE, "declarations"),
        (DECLARATIONS, "onde"),
        (SIECLE, "siecle"),
        (b"", "caf"),
        (b"\x00\x01\x02binaire", "onde"),
    ],
)
def test_un_fichier_du_bon_genre_ou_illisible_n_est_rapproche_de_rien(octets: bytes, profil: str) -> None:
    assert nature_reconnue(octets, profil_integre(profil)) is None


def test_une_colonne_inconnue_qui_nomme_une_donnee_interdite_est_reconnue() -> None:
    caf = profil_integre("caf")
    assert porte_une_donnee_interdite(b"Nom enfant;Date de naissance;NIR\nFICTIF;01/02/2016;1\n", caf)
    assert porte_une_donnee_interdite("Nom;Nationalité\n".encode("windows-1252"), caf)
    assert not porte_une_donnee_interdite(CAF, caf)
