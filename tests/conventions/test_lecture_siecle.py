"""Lecture des exports SIECLE (XML) et refus des XML dangereux."""

from __future__ import annotations

from datetime import date

import pytest

from conventions import lire, profil_integre
from tests.conventions.fabrique import AUJOURD_HUI, ENFANTS, eleves_siecle, siecle_xml

SIECLE = profil_integre("siecle")


@pytest.mark.parametrize("encodage", ["ISO-8859-15", "UTF-8", "windows-1252"])
@pytest.mark.parametrize("avec_adresses", [False, True])
def test_un_export_siecle_se_lit_dans_l_encodage_de_son_prologue(encodage: str, avec_adresses: bool) -> None:
    octets = siecle_xml(eleves_siecle(), encodage=encodage, avec_adresses=avec_adresses)

    lecture = lire(octets, SIECLE, aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert lecture.table.get_column("nom").to_list() == [nom for nom, *_ in ENFANTS]
    zoe = lecture.table.row(0, named=True)
    assert zoe["id"] == "1001"
    assert zoe["prenoms"] == "Zoé Anaïs"
    assert zoe["date_naissance"] == date(2015, 3, 14)
    assert zoe["sexe"] == "F"
    assert zoe["ine"] == "0000000001Y"
    assert zoe["uai"] == "0599999X"
    assert zoe["mode"] == "ecole"


def test_un_eleve_sorti_est_compte_a_part_mais_pas_un_eleve_qui_sortira() -> None:
    eleves = eleves_siecle()
    eleves[0]["DATE_SORTIE"] = "05/07/2025"
    eleves[1]["DATE_SORTIE"] = "30/06/2026"

    rapport = lire(siecle_xml(eleves), SIECLE, aujourd_hui=AUJOURD_HUI)

    assert rapport.rapport.sortis == 1
    assert (rapport.rapport.lignes, rapport.rapport.valides, rapport.rapport.rejetees) == (4, 3, 0)
    assert "LEFEBVRE" not in rapport.table.get_column("nom").to_list()
    assert "DUBOIS" in rapport.table.get_column("nom").to_list()


def test_un_ancien_export_avec_l_element_nom_est_lu() -> None:
    eleves = eleves_siecle()
    for eleve in eleves:
        eleve["NOM"] = eleve.pop("NOM_DE_FAMILLE")
    lecture = lire(siecle_xml(eleves), SIECLE, aujourd_hui=AUJOURD_HUI)
    assert lecture.table.get_column("nom").to_list() == [nom for nom, *_ in ENFANTS]


def test_un_eleve_au_sexe_illisible_est_rejete_avec_son_rang() -> None:
    eleves = [{**eleve, "@ELEVE_ID": str(rang)} for rang, eleve in enumerate(eleves_siecle() * 3)]
    eleves[5]["CODE_SEXE"] = "9"
    lecture = lire(siecle_xml(eleves), SIECLE, aujourd_hui=AUJOURD_HUI)
    assert [(e.ligne, e.champ) for e in lecture.rapport.erreurs] == [(6, "CODE_SEXE")]


XML_DANGEREUX = {
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES [<!ENTITY a "rire">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<BEE_ELEVES>&c;</BEE_ELEVES>"
    ),
    "entité externe (XXE)": (
        b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES [<!ENTITY vol SYSTEM "file:///etc/passwd">]>'
        b"<BEE_ELEVES><DONNEES><ELEVES><ELEVE><NOM_DE_FAMILLE>&vol;</NOM_DE_FAMILLE></ELEVE>"
        b"</ELEVES></DONNEES></BEE_ELEVES>"
    ),
    "DTD externe": (
        b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES SYSTEM "http://exemple.invalid/siecle.dtd"><BEE_ELEVES/>'
    ),
    "entité paramètre": (
        b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES [<!ENTITY % p SYSTEM "http://exemple.invalid/p">%p;]>'
        b"<BEE_ELEVES/>"
    ),
}


@pytest.mark.parametrize("attaque", list(XML_DANGEREUX))
def test_un_xml_avec_dtd_ou_entites_est_refuse_clairement(attaque: str) -> None:
    lecture = lire(XML_DANGEREUX[attaque], SIECLE, aujourd_hui=AUJOURD_HUI)

    assert not lecture.accepte
    assert "interdites par sécurité" in (lecture.rapport.refus or "")
    assert lecture.table.height == 0


@pytest.mark.parametrize(
    ("octets", "indice"),
    [
        (b"", "vide"),
        (b"<BEE_ELEVES><DONNEES>", "pas un XML lisible"),
        ("Nom;Prénom\nA;B\n".encode(), "pas un XML lisible"),
        (b'<?xml version="1.0"?><AUTRE_EXPORT/>', "BEE_ELEVES"),
        (b'<?xml version="1.0" encoding="KLINGON-42"?><BEE_ELEVES/>', "encodage"),
        (b"PK\x03\x04" + b"\x00" * 50, "archive ZIP"),
        (siecle_xml([]), "aucun élève"),
    ],
)
def test_un_fichier_qui_n_est_pas_un_export_siecle_est_refuse_sans_planter(
    octets: bytes, indice: str
) -> None:
    lecture = lire(octets, SIECLE, aujourd_hui=AUJOURD_HUI)
    assert indice in (lecture.rapport.refus or "")
