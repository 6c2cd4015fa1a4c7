"""La réponse au droit d'accès en PDF (fpdf2, sans paquet système) : le même texte que la page.

Les polices de base du PDF (Helvetica) ne connaissent que le latin-1 : l'apostrophe typographique et
les quelques signes hors de cet alphabet sont remplacés par leur équivalent le plus proche plutôt
que de faire échouer l'impression ; une lettre sans équivalent garde sa forme sans accent.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from service.web.reponse_droit_acces import Ligne, Reponse

_REMPLACEMENTS = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "\u202f": " ",
    }
)
MARGE = 18
INTERLIGNE = 5.5


def latin1(texte: str) -> str:
    """``texte`` écrit dans l'alphabet des polices de base du PDF."""
    texte = texte.translate(_REMPLACEMENTS)
    try:
        texte.encode("latin-1")
        return texte
    except UnicodeEncodeError:
        return "".join(
            c
            if ord(c) < 256
            else unicodedata.normalize("NFKD", c).encode("latin-1", "ignore").decode("latin-1") or "?"
            for c in texte
        )


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()} sur {{nb}}", align="C")


def _titre(pdf: FPDF, texte: str, taille: int) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", taille)
    pdf.multi_cell(0, taille * 0.5, latin1(texte), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font("Helvetica", size=10)


def _paragraphe(pdf: FPDF, texte: str) -> None:
    pdf.multi_cell(0, INTERLIGNE, latin1(texte), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _lignes(pdf: FPDF, lignes: list[Ligne], entetes: tuple[str, str]) -> None:
    with pdf.table(
        col_widths=(35, 65), text_align="LEFT", line_height=INTERLIGNE, first_row_as_headings=True
    ) as tableau:
        tableau.row([latin1(entete) for entete in entetes])
        for ligne in lignes:
            tableau.row([latin1(ligne.libelle), latin1(ligne.valeur)])
    pdf.ln(2)


def en_pdf(reponse: Reponse) -> bytes:
    """Le PDF de ``reponse`` : titres, paragraphes et tableaux de la page, dans le même ordre."""
    pdf = _Document(format="A4")
    pdf.set_margins(MARGE, MARGE, MARGE)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(latin1("Réponse à votre demande de droit d'accès"))
    pdf.set_lang("fr")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    _titre(pdf, "Réponse à votre demande de droit d'accès", 16)
    _paragraphe(pdf, f"Enfant concerné : {reponse.enfant}")
    _paragraphe(pdf, f"Réponse établie le {reponse.date_reponse.strftime('%d/%m/%Y')}.")
    for texte in reponse.introduction:
        _paragraphe(pdf, texte)
    for situation in reponse.situations:
        _titre(pdf, situation.titre, 13)
        for texte in situation.resume:
            _paragraphe(pdf, texte)
        _titre(pdf, "Les informations conservées", 11)
        _lignes(pdf, situation.identite, ("Information", "Valeur reçue"))
        if situation.comparaison:
            _titre(pdf, "La comparaison avec les listes d'élèves", 11)
            _lignes(pdf, situation.comparaison, ("Information", "Valeur reçue et résultat"))
        _titre(pdf, "Ce qui a été fait", 11)
        _lignes(pdf, situation.etapes, ("Date", "Étape"))
        _paragraphe(pdf, situation.conservation)
    _titre(pdf, "Vos droits", 13)
    for texte in reponse.droits:
        _paragraphe(pdf, texte)
    return bytes(pdf.output())
