"""Fichiers de partenaires fictifs (CAF, ONDE, SIECLE), mis en forme à partir des tables canoniques.

Les tables viennent de ``fictif.generer`` : identités entièrement fictives. Ces fichiers servent
à la démonstration et aux bancs d'essai ; ils imitent les exports réels (en-têtes, encodages, dates
JJ/MM/AAAA, codes de sexe) pour passer par les mêmes profils de lecture que les vrais.
"""

from __future__ import annotations

import io
import unicodedata
from xml.sax.saxutils import escape

import polars as pl

from conventions import COLONNES

EN_TETES_CAF = {
    "id": "Identifiant enfant",
    "nom": "Nom enfant",
    "prenoms": "Prénoms enfant",
    "date_naissance": "Date de naissance",
    "sexe": "Sexe",
    "nom_allocataire": "Nom allocataire",
    "prenom_allocataire": "Prénom allocataire",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
}
EN_TETES_ONDE = {
    "nom": "Nom élève",
    "nom_usage": "Nom d'usage élève",
    "prenom": "Prénom élève",
    "prenom2": "Deuxième prénom",
    "date_naissance": "Date naissance",
    "sexe": "Sexe",
    "ine": "INE",
    "uai": "UAI",
    "adresse": "Adresse1",
    "code_postal": "Cp1",
    "commune": "Commune1",
}
EN_TETES_DECLARATIONS = {
    "nom": "Nom",
    "nom_usage": "Nom d'usage",
    "prenoms": "Prénoms",
    "date_naissance": "Date de naissance",
    "sexe": "Sexe",
    "mode": "Mode",
}
# Les champs canoniques que portent ces fichiers (champs autorisés de leurs conventions).
CHAMPS_CAF = [c for c in EN_TETES_CAF if c != "id"]
CHAMPS_ONDE = [c for c in COLONNES["inscrits"] if c not in {"id", "mode"}]
CHAMPS_DECLARATIONS = list(EN_TETES_DECLARATIONS)


def _sans_accents(texte: str) -> str:
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")


def _csv(table: pl.DataFrame) -> str:
    tampon = io.StringIO()
    table.write_csv(tampon, separator=";", line_terminator="\r\n", null_value="")
    return tampon.getvalue()


def csv_caf(familles: pl.DataFrame, *, part_abimee: float = 0.0) -> bytes:
    """Une liste CAF type : Windows-1252, « ; », majuscules sans accents, dates JJ/MM/AAAA, sexe 1/2.

    ``part_abimee`` : part des lignes dont la date de naissance est impossible (31/02).
    """
    abimee = pl.Series(range(familles.height)) % 100 < round(part_abimee * 100)
    table = familles.select(
        "id",
        pl.col("nom", "prenoms", "nom_allocataire", "prenom_allocataire", "adresse", "commune")
        .fill_null("")
        .map_elements(_sans_accents, return_dtype=pl.Utf8)
        .str.to_uppercase(),
        pl.when(abimee)
        .then(pl.lit("31/02/2015"))
        .otherwise(pl.col("date_naissance").dt.strftime("%d/%m/%Y"))
        .alias("date_naissance"),
        pl.col("sexe").replace_strict({"M": "1", "F": "2"}, default=""),
        "code_postal",
    )
    return _csv(table.select(list(EN_TETES_CAF)).rename(EN_TETES_CAF)).encode("windows-1252")


def csv_onde(inscrits: pl.DataFrame) -> bytes:
    """Une extraction ONDE des élèves d'école : UTF-8 avec BOM, deux colonnes de prénom, MASCULIN/FEMININ."""
    prenoms = pl.col("prenoms").str.split(" ")
    table = inscrits.filter(pl.col("mode") == "ecole").select(
        "nom",
        "nom_usage",
        prenoms.list.get(0, null_on_oob=True).alias("prenom"),
        prenoms.list.get(1, null_on_oob=True).alias("prenom2"),
        pl.col("date_naissance").dt.strftime("%d/%m/%Y"),
        pl.col("sexe").replace_strict({"M": "MASCULIN", "F": "FEMININ"}, default=""),
        "ine",
        "uai",
        "adresse",
        "code_postal",
        "commune",
    )
    return ("\ufeff" + _csv(table.rename(EN_TETES_ONDE))).encode("utf-8")


def csv_declarations(inscrits: pl.DataFrame) -> bytes:
    """Une liste d'instruction déclarée (IEF, CNED, hors contrat, médico-social) : UTF-8, « ; »."""
    table = inscrits.filter(pl.col("mode") != "ecole").select(
        "nom", "nom_usage", "prenoms", pl.col("date_naissance").dt.strftime("%d/%m/%Y"), "sexe", "mode"
    )
    return _csv(table.rename(EN_TETES_DECLARATIONS)).encode("utf-8")


def xml_siecle(inscrits: pl.DataFrame) -> bytes:
    """Un export SIECLE ElevesSansAdresses.xml (ISO-8859-15) des élèves d'école, un sur vingt sorti."""
    corps = []
    for rang, eleve in enumerate(inscrits.filter(pl.col("mode") == "ecole").iter_rows(named=True)):
        prenoms = [_sans_accents(p) for p in (eleve["prenoms"] or "").split(" ")]
        sortie = "<DATE_SORTIE>05/07/2025</DATE_SORTIE>" if rang % 20 == 0 else ""
        deuxieme = f"<PRENOM2>{escape(prenoms[1])}</PRENOM2>" if len(prenoms) > 1 else ""
        naissance = f"{eleve['date_naissance']:%d/%m/%Y}" if eleve["date_naissance"] else ""
        sexe = {"M": "1", "F": "2"}.get(eleve["sexe"] or "", "")
        corps.append(
            f'<ELEVE ELEVE_ID="{rang}" ELENOET="{rang}"><ID_NATIONAL>{eleve["ine"] or ""}</ID_NATIONAL>'
            f"<NOM_DE_FAMILLE>{escape(_sans_accents(eleve['nom']))}</NOM_DE_FAMILLE>"
            f"<PRENOM>{escape(prenoms[0])}</PRENOM>{deuxieme}"
            f"<DATE_NAISS>{naissance}</DATE_NAISS><CODE_SEXE>{sexe}</CODE_SEXE>{sortie}</ELEVE>"
        )
    return (
        '<?xml version="1.0" encoding="ISO-8859-15"?><BEE_ELEVES VERSION="3.1"><PARAMETRES>'
        "<UAJ>0599999X</UAJ></PARAMETRES><DONNEES><ELEVES>"
        + "".join(corps)
        + "</ELEVES></DONNEES></BEE_ELEVES>"
    ).encode("iso-8859-15")
