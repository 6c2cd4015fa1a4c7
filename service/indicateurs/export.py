"""Mise en forme des indicateurs : JSON pour l'API, CSV pour Excel et LibreOffice, XLSX et ODS mis en page.

Aucune cellule ne commence par ``=``, ``+``, ``-`` ou ``@`` : un texte qui commencerait ainsi est
précédé d'une apostrophe, pour qu'un tableur ne l'exécute jamais comme une formule.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import ParagraphProperties, Style, TableColumnProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import P

from service.indicateurs.calcul import INDICATEURS, Tableau

FORMATS = ("json", "csv", "xlsx", "ods")
TYPES_MIME = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def cellule_sure(valeur: Any) -> Any:
    """Neutralise un texte qu'un tableur prendrait pour une formule ; laisse les nombres tels quels."""
    if isinstance(valeur, str) and valeur.startswith(_DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur


def _titre(tableau: Tableau) -> str:
    return f"Indicateurs de la cellule de prévention de l'évitement scolaire — {tableau.mois}"


def _entetes() -> list[str]:
    return ["Département", "Commune", *(i.libelle for i in INDICATEURS)]


def _rangees(tableau: Tableau) -> list[list[Any]]:
    rangees = []
    for ligne in tableau.lignes:
        valeurs = [tableau.valeur_affichee(ligne, i) for i in INDICATEURS]
        rangees.append([cellule_sure(v) for v in (ligne.departement, ligne.libelle, *valeurs)])
    return rangees


def _note(tableau: Tableau) -> str | None:
    if tableau.seuil_masquage is None:
        return None
    return f"Les effectifs inférieurs à {tableau.seuil_masquage} sont masqués."


def vers_json(tableau: Tableau) -> dict[str, Any]:
    return {
        "mois": str(tableau.mois),
        "seuil_masquage": tableau.seuil_masquage,
        "indicateurs": [{"cle": i.cle, "libelle": i.libelle} for i in INDICATEURS],
        "lignes": [
            {
                "departement": ligne.departement,
                "commune": ligne.commune.insee if ligne.commune else None,
                "libelle": ligne.libelle,
                "total_departement": ligne.commune is None,
                "valeurs": {i.cle: tableau.valeur_affichee(ligne, i) for i in INDICATEURS},
            }
            for ligne in tableau.lignes
        ],
    }


def _texte_csv(valeur: Any) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, float):
        return f"{valeur:.1f}".replace(".", ",")
    return str(valeur)


def vers_csv(tableau: Tableau) -> bytes:
    """CSV en UTF-8 avec BOM et « ; » : s'ouvre tel quel dans Excel et LibreOffice en français."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(["Mois", str(tableau.mois)])
    ecrivain.writerow(_entetes())
    for rangee in _rangees(tableau):
        ecrivain.writerow([_texte_csv(v) for v in rangee])
    if note := _note(tableau):
        ecrivain.writerow([note])
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def vers_xlsx(tableau: Tableau) -> bytes:
    tampon = io.BytesIO()
    classeur = xlsxwriter.Workbook(tampon, {"in_memory": True, "strings_to_formulas": False})
    feuille = classeur.add_worksheet(str(tableau.mois))
    titre = classeur.add_format({"bold": True, "font_size": 14})
    entete = classeur.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    total = classeur.add_format({"bold": True, "top": 1})
    feuille.write_string(0, 0, _titre(tableau), titre)
    feuille.write_string(1, 0, f"Période : {tableau.mois.debut:%d/%m/%Y} au {tableau.mois.fin:%d/%m/%Y}")
    ligne_entete = 3
    for colonne, texte in enumerate(_entetes()):
        feuille.write_string(ligne_entete, colonne, texte, entete)
    for decalage, (rangee, ligne) in enumerate(zip(_rangees(tableau), tableau.lignes, strict=True), 1):
        style = total if ligne.commune is None else None
        for colonne, valeur in enumerate(rangee):
            if valeur is None:
                feuille.write_blank(ligne_entete + decalage, colonne, None, style)
            elif isinstance(valeur, int | float):
                feuille.write_number(ligne_entete + decalage, colonne, valeur, style)
            else:
                feuille.write_string(ligne_entete + decalage, colonne, valeur, style)
    if note := _note(tableau):
        feuille.write_string(ligne_entete + len(tableau.lignes) + 2, 0, note)
    feuille.set_row(ligne_entete, 60)
    feuille.set_column(0, 0, 12)
    feuille.set_column(1, 1, 30)
    feuille.set_column(2, len(INDICATEURS) + 1, 16)
    feuille.freeze_panes(ligne_entete + 1, 2)
    classeur.close()
    return tampon.getvalue()


def _cellule_ods(valeur: Any, style: Style | None = None) -> TableCell:
    options: dict[str, Any] = {"stylename": style} if style is not None else {}
    if valeur is None:
        return TableCell(**options)
    if isinstance(valeur, int | float):
        cellule = TableCell(valuetype="float", value=valeur, **options)
    else:
        cellule = TableCell(valuetype="string", **options)
    cellule.addElement(P(text=str(valeur)))
    return cellule


def vers_ods(tableau: Tableau) -> bytes:
    document = OpenDocumentSpreadsheet()
    gras = Style(name="gras", family="table-cell")
    gras.addElement(TextProperties(fontweight="bold"))
    titre = Style(name="titre", family="table-cell")
    titre.addElement(TextProperties(fontweight="bold", fontsize="14pt"))
    entete = Style(name="entete", family="table-cell")
    entete.addElement(TextProperties(fontweight="bold"))
    entete.addElement(ParagraphProperties(textalign="center"))
    large = Style(name="large", family="table-column")
    large.addElement(TableColumnProperties(columnwidth="6cm"))
    for style in (gras, titre, entete):
        document.automaticstyles.addElement(style)
    document.automaticstyles.addElement(large)
    feuille = Table(name=str(tableau.mois))
    feuille.addElement(TableColumn())
    feuille.addElement(TableColumn(stylename=large))
    feuille.addElement(TableColumn(numbercolumnsrepeated=len(INDICATEURS)))

    def rangee(cellules: list[TableCell]) -> None:
        ligne = TableRow()
        for cellule in cellules:
            ligne.addElement(cellule)
        feuille.addElement(ligne)

    rangee([_cellule_ods(_titre(tableau), titre)])
    rangee([_cellule_ods(f"Période : {tableau.mois.debut:%d/%m/%Y} au {tableau.mois.fin:%d/%m/%Y}")])
    rangee([])
    rangee([_cellule_ods(t, entete) for t in _entetes()])
    for valeurs, ligne in zip(_rangees(tableau), tableau.lignes, strict=True):
        style = gras if ligne.commune is None else None
        rangee([_cellule_ods(v, style) for v in valeurs])
    if note := _note(tableau):
        rangee([])
        rangee([_cellule_ods(note)])
    document.spreadsheet.addElement(feuille)
    tampon = io.BytesIO()
    document.write(tampon)
    return tampon.getvalue()


def exporter(tableau: Tableau, format: str) -> bytes:
    """Les octets du fichier d'export dans ce format (csv, xlsx, ods)."""
    if format == "csv":
        return vers_csv(tableau)
    if format == "xlsx":
        return vers_xlsx(tableau)
    if format == "ods":
        return vers_ods(tableau)
    raise ValueError(f"Format « {format} » inconnu : choisissez csv, xlsx ou ods.")
