"""Lecteur CSV : décode les octets, trouve le séparateur et lit toutes les cellules en texte."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator

import polars as pl

from conventions.brut import FICHIER_VIDE, LIGNE, Brut, colonne, refuser_si_vide_ou_binaire
from conventions.erreurs import FichierRefuse
from conventions.profil import SEPARATEURS, Profil

_BOM_UTF8 = codecs.BOM_UTF8
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROLES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Caractères rares dans des noms français : leur présence trahit un mauvais encodage à un octet
# (« œ » ISO-8859-15 lu en Windows-1252 donne « ½ »).
_SUSPECTS = re.compile(r"[\x80-\x9f¤¦¨´¸¼½¾]")
_LIGNES_VIDES_EN_TETE = re.compile(r"(?:[ \t]*\r?\n)+")
_FIN_DE_LIGNE = re.compile(r"\r\n|\r|\n")
_ECHANTILLON = 65_536
# Quelques caractères de contrôle égarés ne font pas un binaire.
_CONTROLES_TOLERES = 8
_PART_CONTROLES_MAX = 0.01

_PAS_UN_TEXTE = (
    "Ce fichier n'est pas un fichier texte (CSV) : il contient des données binaires. "
    "Vérifiez que vous avez choisi le bon fichier ; un classeur doit être enregistré au format CSV."
)
_MAL_FORME = (
    "Le fichier n'a pas pu être lu comme un tableau CSV (guillemet non refermé ou ligne mal formée). "
    "Ouvrez-le dans un tableur, enregistrez-le au format CSV, puis déposez-le à nouveau."
)


def _decoder(octets: bytes, encodages: tuple[str, ...]) -> tuple[str, bytes | None]:
    """Le texte du fichier, dans le premier encodage du profil qui le lit proprement.

    Lu en UTF-8, le texte vient avec ses octets (ceux du fichier, sans BOM) : ils n'ont pas à
    être recodés pour polars.
    """
    if octets.startswith(_BOMS_UTF16):
        try:
            return octets.decode("utf-16"), None
        except UnicodeDecodeError:
            raise FichierRefuse(_PAS_UN_TEXTE) from None
    if b"\x00" in octets:
        raise FichierRefuse(_PAS_UN_TEXTE)
    if octets.startswith(_BOM_UTF8):
        octets = octets[len(_BOM_UTF8) :]
    candidats: list[tuple[int, int, str]] = []
    for rang, encodage in enumerate(encodages):
        try:
            texte = octets.decode(encodage)
        except UnicodeDecodeError:
            continue
        if codecs.lookup(encodage).name == "utf-8":
            return texte, octets
        suspects = len(_SUSPECTS.findall(texte))
        if not suspects:
            return texte, None
        candidats.append((suspects, rang, texte))
    if not candidats:
        raise FichierRefuse(
            f"L'encodage du fichier n'est pas reconnu (essayés : {', '.join(encodages)}). "
            "Enregistrez-le en UTF-8 depuis votre tableur, puis déposez-le à nouveau."
        )
    return min(candidats)[2], None


def _refuser_si_binaire(texte: str) -> None:
    echantillon = texte[:_ECHANTILLON]
    controles = len(_CONTROLES.findall(echantillon))
    if controles > max(_CONTROLES_TOLERES, _PART_CONTROLES_MAX * len(echantillon)):
        raise FichierRefuse(_PAS_UN_TEXTE)


def _separateur(entete: str, impose: str | None) -> str:
    if impose is not None:
        return impose
    comptes = {separateur: entete.count(separateur) for separateur in SEPARATEURS}
    meilleur = max(SEPARATEURS, key=lambda separateur: comptes[separateur])
    return meilleur if comptes[meilleur] else SEPARATEURS[0]


def _lignes(texte: str) -> Iterator[str]:
    """Les lignes du texte, fins comprises, comme ``io.StringIO(texte, newline="")`` les donne.

    Sans recopier le texte entier : seules les premières sont découpées quand on n'en lit que
    quelques-unes (l'en-tête).
    """
    debut = 0
    for fin in _FIN_DE_LIGNE.finditer(texte):
        yield texte[debut : fin.end()]
        debut = fin.end()
    if debut < len(texte):
        yield texte[debut:]


def _cellules_polars(octets: bytes, separateur: str, largeur: int, ligne_entete: int) -> pl.DataFrame:
    """Lecture vectorisée (octets UTF-8) ; une colonne de plus que l'en-tête reçoit les champs en trop."""
    return pl.read_csv(
        octets,
        has_header=False,
        separator=separateur,
        schema={colonne(position): pl.Utf8 for position in range(largeur + 1)},
        missing_columns="insert",
        truncate_ragged_lines=True,
        infer_schema=False,
        empty_string_is_null=False,
        row_index_name=LIGNE,
        row_index_offset=ligne_entete,
    ).slice(1)


def _cellules_tolerantes(texte: str, separateur: str, largeur: int, ligne_entete: int) -> pl.DataFrame:
    """Repli quand polars refuse le fichier (un guillemet isolé au milieu d'un champ, par exemple).

    Le module ``csv`` prend ce guillemet pour un caractère ordinaire ; un guillemet jamais refermé,
    lui, avalerait la suite du fichier : il est refusé.
    """
    colonnes: list[list[str | None]] = [[] for _ in range(largeur + 1)]
    try:
        enregistrements = list(csv.reader(io.StringIO(texte, newline=""), delimiter=separateur, strict=True))
    except csv.Error:
        raise FichierRefuse(_MAL_FORME) from None
    for champs in enregistrements[1:]:
        for position in range(largeur):
            colonnes[position].append(champs[position] if position < len(champs) else "")
        colonnes[largeur].append(separateur.join(champs[largeur:]) if len(champs) > largeur else None)
    return pl.DataFrame(
        {
            LIGNE: pl.int_range(ligne_entete + 1, ligne_entete + len(enregistrements), eager=True),
            **{
                colonne(position): pl.Series(valeurs, dtype=pl.Utf8)
                for position, valeurs in enumerate(colonnes)
            },
        }
    )


def extraire_csv(octets: bytes, profil: Profil) -> Brut:
    """Les cellules d'un CSV, en texte ; lève ``FichierRefuse`` si ce n'est pas un CSV lisible."""
    refuser_si_vide_ou_binaire(octets, "fichier CSV")
    # Le texte n'est pas recopié en entier sans nécessité (un fichier fait jusqu'à 100 Mo) ; les
    # octets UTF-8 vont tels quels à polars. Ce qu'on ôte du texte (Ctrl-Z, lignes vides) est en
    # ASCII : autant d'octets que de caractères, ôtés aussi des octets.
    texte, utf8 = _decoder(octets, profil.encodages)
    # Le Ctrl-Z final des vieux exports DOS marque la fin du fichier ; il n'est pas une ligne.
    sans_ctrl_z = texte.rstrip("\x1a")
    if utf8 is not None:
        utf8 = utf8[: len(utf8) - (len(texte) - len(sans_ctrl_z))]
    texte = sans_ctrl_z
    if not texte or texte.isspace():
        raise FichierRefuse(FICHIER_VIDE)
    # Des lignes vides avant l'en-tête sont sautées, sans fausser les numéros de ligne.
    ligne_entete = 1
    sautees = _LIGNES_VIDES_EN_TETE.match(texte)
    if sautees:
        ligne_entete += sautees.group().count("\n")
        texte = texte[sautees.end() :]
        utf8 = utf8[sautees.end() :] if utf8 is not None else None
    _refuser_si_binaire(texte)
    fin_premiere_ligne = texte.find("\n")
    premiere_ligne = texte[:fin_premiere_ligne] if fin_premiere_ligne >= 0 else texte
    separateur = _separateur(premiere_ligne.rstrip("\r"), profil.separateur)
    try:
        entetes = next(csv.reader(_lignes(texte), delimiter=separateur, strict=True))
    except csv.Error:
        raise FichierRefuse(_MAL_FORME) from None
    largeur = len(entetes)
    try:
        cellules = _cellules_polars(
            utf8 if utf8 is not None else texte.encode("utf-8"), separateur, largeur, ligne_entete
        )
    except pl.exceptions.PolarsError:
        cellules = _cellules_tolerantes(texte, separateur, largeur, ligne_entete)
    cellules = cellules.with_columns(pl.col(LIGNE).cast(pl.Int64))
    # Les champs absents d'une ligne courte sont lus vides, comme des cellules vides.
    vides = [
        pl.col(colonne(position)).str.strip_chars().fill_null("") == "" for position in range(largeur + 1)
    ]
    # Une ligne vide l'est dès sa première cellule : sans première cellule vide, rien à ôter.
    if cellules.select(vides[0].any()).item():
        cellules = cellules.filter(~pl.all_horizontal(vides))
    trop_de_champs = (~vides[largeur], "toute la ligne", "plus de champs que la ligne d'en-tête")
    return Brut(donnees=cellules, entetes=entetes, anomalies=[trop_de_champs])
