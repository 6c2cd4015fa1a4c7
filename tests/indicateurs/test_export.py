"""Chaque format d'export, relu comme le ferait un tableur."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from odf.text import P

from service.indicateurs import INDICATEURS, Commune, Mois, calculer, exporter, vers_json
from service.indicateurs.export import cellule_sure
from tests.indicateurs.test_calcul import COMMUNES, evenements

LIBELLES = [i.libelle for i in INDICATEURS]


def tableau(seuil: int | None = None, communes: list[Commune] = COMMUNES):  # type: ignore[no-untyped-def]
    return calculer(evenements(), Mois.lire("2026-10"), communes, seuil_masquage=seuil)


def rangee(valeurs: list[object], libelle: str) -> dict[str, object]:
    for ligne in valeurs:
        assert isinstance(ligne, list)
        if len(ligne) > 1 and ligne[1] == libelle:
            return dict(zip(["Département", "Commune", *LIBELLES], ligne, strict=True))
    raise AssertionError(f"ligne {libelle} absente")


def lire_csv(octets: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(octets.decode("utf-8-sig")), delimiter=";"))


def test_le_csv_s_ouvre_dans_un_tableur_francais() -> None:
    octets = exporter(tableau(), "csv")
    assert octets.startswith(b"\xef\xbb\xbf")
    lignes = lire_csv(octets)
    assert lignes[0] == ["Mois", "2026-10"]
    assert lignes[1] == ["Département", "Commune", *LIBELLES]
    aubreville = rangee(lignes, "Aubreville (59001)")
    assert aubreville["Situations repérées"] == "3"
    assert aubreville["Mises en demeure"] == "1"
    total = rangee(lignes, "Total département 59")
    assert total["Délai médian repérage → transmission (jours)"] == "15,0"
    assert (
        rangee(lignes, "Bérancourt (59002)")["Délai médian mise en demeure → rescolarisation (jours)"] == ""
    )


def test_le_xlsx_est_mis_en_page_et_porte_les_chiffres() -> None:
    classeur = openpyxl.load_workbook(io.BytesIO(exporter(tableau(), "xlsx")))
    feuille = classeur["2026-10"]
    valeurs = [list(r) for r in feuille.iter_rows(values_only=True)]
    assert valeurs[0][0].startswith("Indicateurs de la cellule")
    assert valeurs[1][0] == "Période : 01/10/2026 au 31/10/2026"
    assert valeurs[3] == ["Département", "Commune", *LIBELLES]
    assert rangee(valeurs, "Aubreville (59001)")["Situations repérées"] == 3
    assert rangee(valeurs, "Total département 59")["Cas ouverts en fin de mois"] == 3
    assert rangee(valeurs, "Cordelle (62001)")["Enquêtes sociales suite aux signalements"] == 1
    assert feuille.freeze_panes == "C5"


def _cellules_ods(octets: bytes) -> list[list[object]]:
    document = load(io.BytesIO(octets))
    rangees = []
    for ligne in document.spreadsheet.getElementsByType(Table)[0].getElementsByType(TableRow):
        cellules: list[object] = []
        for cellule in ligne.getElementsByType(TableCell):
            if cellule.getAttribute("valuetype") == "float":
                cellules.append(float(cellule.getAttribute("value")))
            else:
                cellules.append("".join(str(p) for p in cellule.getElementsByType(P)) or None)
        rangees.append(cellules)
    return rangees


def test_l_ods_est_lisible_et_porte_les_chiffres() -> None:
    octets = exporter(tableau(), "ods")
    assert (
        zipfile.ZipFile(io.BytesIO(octets)).read("mimetype")
        == b"application/vnd.oasis.opendocument.spreadsheet"
    )
    rangees = _cellules_ods(octets)
    assert str(rangees[0][0]).startswith("Indicateurs de la cellule")
    assert rangees[3] == ["Département", "Commune", *LIBELLES]
    assert rangee(rangees, "Bérancourt (59002)")["Situations vérifiées"] == 3.0
    assert rangee(rangees, "Total département 62")["Signalements au procureur"] == 1.0


def test_le_masquage_se_voit_dans_les_fichiers() -> None:
    lignes = list(
        csv.reader(io.StringIO(exporter(tableau(seuil=3), "csv").decode("utf-8-sig")), delimiter=";")
    )
    total = rangee(lignes, "Total département 59")
    assert total["Situations repérées"] == "5"
    assert total["Mises en demeure"] == "< 3"
    assert lignes[-1] == ["Les effectifs inférieurs à 3 sont masqués."]


def test_aucune_cellule_ne_commence_par_un_signe_de_formule() -> None:
    piegee = Commune("59003", '=HYPERLINK("http://exemple.invalid")', "59")
    t = tableau(communes=[piegee])
    lignes = list(csv.reader(io.StringIO(exporter(t, "csv").decode("utf-8-sig")), delimiter=";"))
    xlsx = [
        list(r)
        for r in openpyxl.load_workbook(io.BytesIO(exporter(t, "xlsx"))).active.iter_rows(values_only=True)
    ]
    ods = _cellules_ods(exporter(t, "ods"))
    for rangees in (lignes, xlsx, ods):
        for ligne in rangees:
            for valeur in ligne:
                assert not (isinstance(valeur, str) and valeur.startswith(("=", "+", "-", "@"))), valeur
    assert rangee(lignes, '\'=HYPERLINK("http://exemple.invalid") (59003)')["Situations repérées"] == "0"
    assert cellule_sure("-1") == "'-1"
    assert cellule_sure(-1) == -1


def test_le_json_de_l_api() -> None:
    donnees = vers_json(tableau())
    assert donnees["mois"] == "2026-10"
    premiere = donnees["lignes"][0]
    assert premiere["commune"] == "59001"
    assert premiere["valeurs"]["reperes"] == 3
    assert [ligne["total_departement"] for ligne in donnees["lignes"]] == [False, False, True, False, True]
