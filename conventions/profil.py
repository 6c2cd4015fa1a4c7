"""Profil de fichier : comment lire un format de source pour en tirer une table canonique."""

from __future__ import annotations

import codecs
import tomllib
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conventions.erreurs import ConventionInvalide
from conventions.texte import normaliser

Table = Literal["familles", "inscrits"]
Format = Literal["csv", "siecle"]
Mode = Literal["ecole", "ief", "cned", "hors_contrat", "medico_social"]
Inconnues = Literal["refuser", "ignorer"]

_IDENTITE: dict[str, pl.DataType] = {
    "id": pl.Utf8(),
    "nom": pl.Utf8(),
    "prenoms": pl.Utf8(),
    "date_naissance": pl.Date(),
    "sexe": pl.Utf8(),
}
_ADRESSE: dict[str, pl.DataType] = {"adresse": pl.Utf8(), "code_postal": pl.Utf8(), "commune": pl.Utf8()}

#: Colonnes des tables canoniques, dans leur ordre, avec leur type (voir FORMATS.md).
COLONNES: dict[Table, dict[str, pl.DataType]] = {
    "familles": {
        **_IDENTITE,
        "nom_allocataire": pl.Utf8(),
        "prenom_allocataire": pl.Utf8(),
        **_ADRESSE,
    },
    "inscrits": {
        "id": pl.Utf8(),
        "nom": pl.Utf8(),
        "nom_usage": pl.Utf8(),
        "prenoms": pl.Utf8(),
        "date_naissance": pl.Date(),
        "sexe": pl.Utf8(),
        "ine": pl.Utf8(),
        "uai": pl.Utf8(),
        **_ADRESSE,
        "mode": pl.Utf8(),
    },
}

#: Colonnes facultatives d'une table canonique, hors ``COLONNES`` : l'année et le mois encore lisibles
#: d'une date de naissance impossible (un 29/02/2011 garde 2011 et 2), laissée vide dans
#: ``date_naissance``. Le moteur les compare quand la date manque (voir ``Lecture.remarques``).
NAISSANCE_PARTIELLE: dict[str, pl.DataType] = {"annee_naissance": pl.Int32(), "mois_naissance": pl.Int8()}

#: Colonnes sans lesquelles une table canonique ne s'apparie pas (le moteur ajoute les autres, vides).
INDISPENSABLES: tuple[str, ...] = ("id", "nom", "prenoms", "date_naissance")

#: Colonnes qu'un fichier doit porter (une cellule peut rester vide pour la date et le sexe).
OBLIGATOIRES: tuple[str, ...] = (*INDISPENSABLES, "sexe")

#: Champs techniques, sans donnée d'identité : toujours permis, même hors ``champs_autorises``.
CHAMPS_TECHNIQUES: frozenset[str] = frozenset({"id", "uai", "mode"})

SEXE_DEFAUT: dict[str, str] = {
    "M": "M",
    "F": "F",
    "1": "M",
    "2": "F",
    "G": "M",
    "H": "M",
    "MASCULIN": "M",
    "FEMININ": "F",
    "GARCON": "M",
    "FILLE": "F",
}

MODES_DEFAUT: dict[str, str] = {
    "ecole": "ecole",
    "ief": "ief",
    "instruction dans la famille": "ief",
    "famille": "ief",
    "cned": "cned",
    "cned reglemente": "cned",
    "hors contrat": "hors_contrat",
    "ecole hors contrat": "hors_contrat",
    "medico social": "medico_social",
    "etablissement medico social": "medico_social",
    "ime": "medico_social",
}

SEPARATEURS: tuple[str, ...] = (";", ",", "\t")


class Profil(BaseModel):
    """Un format de fichier : en-têtes reconnus, encodages, séparateur, dates, codes du sexe.

    ``colonnes`` associe un en-tête du fichier (comparé sans casse, accents ni espaces autour)
    à une colonne canonique. Plusieurs en-têtes peuvent viser la même colonne : pour ``prenoms``
    ils sont mis bout à bout dans l'ordre du profil, pour les autres la première valeur non vide
    l'emporte. Un en-tête commençant par ``@`` désigne un attribut XML (SIECLE : ``@ELEVE_ID``).

    ``colonnes_ignorees`` : en-têtes connus du format, jamais lus. ``colonnes_inconnues`` dit que
    faire d'un autre en-tête : ``refuser`` le fichier (listes CAF, MSA, pivot : la convention déclare
    tout), ou l'``ignorer`` en le signalant (exports officiels ONDE, SIECLE, qui évoluent). Un
    en-tête inconnu qui nomme une donnée interdite (NIR, santé…) refuse toujours le fichier.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    nom: str = Field(min_length=1)
    description: str = ""
    table: Table
    format: Format = "csv"
    encodages: tuple[str, ...] = ("utf-8", "windows-1252", "iso-8859-15")
    separateur: str | None = None
    colonnes: dict[str, str]
    colonnes_ignorees: tuple[str, ...] = ()
    colonnes_inconnues: Inconnues = "refuser"
    formats_date: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    sexe: dict[str, str] = Field(default_factory=lambda: dict(SEXE_DEFAUT), validate_default=True)
    modes: dict[str, str] = Field(default_factory=lambda: dict(MODES_DEFAUT), validate_default=True)
    mode: Mode | None = None
    id_par_ligne: bool = False
    colonne_sortie: str | None = None
    seuil_rejets: float = Field(default=0.1, ge=0.0, le=1.0)

    @field_validator("encodages")
    @classmethod
    def _encodages_connus(cls, valeur: tuple[str, ...]) -> tuple[str, ...]:
        if not valeur:
            raise ValueError("donnez au moins un encodage (par exemple « utf-8 »)")
        for encodage in valeur:
            try:
                codecs.lookup(encodage)
            except LookupError:
                raise ValueError(f"encodage inconnu : « {encodage} »") from None
        return valeur

    @field_validator("separateur")
    @classmethod
    def _separateur_permis(cls, valeur: str | None) -> str | None:
        if valeur is not None and valeur not in SEPARATEURS:
            raise ValueError("le séparateur doit être « ; », « , » ou une tabulation (« \\t »)")
        return valeur

    @field_validator("formats_date")
    @classmethod
    def _formats_date_complets(cls, valeur: tuple[str, ...]) -> tuple[str, ...]:
        for format_date in valeur:
            if not all(code in format_date for code in ("%d", "%m", "%Y")):
                raise ValueError(f"le format de date « {format_date} » doit contenir %d, %m et %Y")
        return valeur

    @field_validator("sexe")
    @classmethod
    def _sexe_vers_m_ou_f(cls, valeur: dict[str, str]) -> dict[str, str]:
        if any(code not in ("M", "F") for code in valeur.values()):
            raise ValueError("chaque code du sexe doit valoir « M » ou « F »")
        return {normaliser(cle).upper(): code for cle, code in valeur.items()}

    @field_validator("modes")
    @classmethod
    def _modes_connus(cls, valeur: dict[str, str]) -> dict[str, str]:
        permis = {"ecole", "ief", "cned", "hors_contrat", "medico_social"}
        if any(mode not in permis for mode in valeur.values()):
            raise ValueError(f"chaque mode doit être l'un de : {', '.join(sorted(permis))}")
        return {normaliser(cle): mode for cle, mode in valeur.items()}

    @model_validator(mode="after")
    def _coherent(self) -> Profil:
        vus: dict[str, str] = {}
        for entete in (*self.colonnes, *self.colonnes_ignorees):
            cle = normaliser(entete)
            if not cle:
                raise ValueError(
                    f"l'en-tête « {entete} » est vide une fois casse, accents et espaces retirés"
                )
            if cle in vus:
                raise ValueError(f"les en-têtes « {vus[cle]} » et « {entete} » se confondent")
            vus[cle] = entete
        canoniques = COLONNES[self.table]
        inconnues = sorted({cible for cible in self.colonnes.values() if cible not in canoniques})
        if inconnues:
            raise ValueError(
                f"colonnes canoniques inconnues pour la table {self.table} : {', '.join(inconnues)} "
                f"(permises : {', '.join(canoniques)})"
            )
        manquantes = [champ for champ in self.obligatoires if champ not in self.colonnes.values()]
        if manquantes:
            raise ValueError(f"aucun en-tête ne donne les colonnes obligatoires : {', '.join(manquantes)}")
        if self.mode is not None and self.table != "inscrits":
            raise ValueError("« mode » n'a de sens que pour une table d'inscrits")
        if self.colonne_sortie is not None and self.format != "siecle":
            raise ValueError("« colonne_sortie » ne sert qu'au format siecle")
        return self

    @property
    def obligatoires(self) -> tuple[str, ...]:
        """Colonnes canoniques que le fichier doit fournir."""
        if self.id_par_ligne:
            return tuple(champ for champ in OBLIGATOIRES if champ != "id")
        return OBLIGATOIRES


def traduire(erreur: ValidationError) -> str:
    """Les erreurs de validation pydantic, en phrases françaises (une par ligne)."""
    messages = {
        "missing": "champ obligatoire absent",
        "extra_forbidden": "champ inconnu (vérifiez l'orthographe)",
        "string_type": "texte attendu",
        "bool_type": "true ou false attendu",
        "bool_parsing": "true ou false attendu",
        "date_type": "date attendue (AAAA-MM-JJ)",
        "date_parsing": "date attendue (AAAA-MM-JJ)",
        "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
        "literal_error": "valeur non permise",
        "list_type": "liste attendue",
        "tuple_type": "liste attendue",
        "dict_type": "table attendue",
        "float_type": "nombre attendu",
        "float_parsing": "nombre attendu",
        "greater_than_equal": "nombre trop petit",
        "less_than_equal": "nombre trop grand",
        "too_short": "liste ou texte vide",
        "string_too_short": "texte vide",
        "string_pattern_mismatch": "forme non permise",
    }
    lignes = []
    for detail in erreur.errors():
        lieu = ".".join(str(partie) for partie in detail["loc"]) or "convention"
        if detail["type"] == "value_error":
            motif = str(detail.get("ctx", {}).get("error", detail["msg"]))
        elif detail["type"] == "literal_error":
            motif = f"valeur non permise (attendu : {detail.get('ctx', {}).get('expected', '')})"
        else:
            motif = messages.get(detail["type"], "valeur invalide")
        lignes.append(f"- {lieu} : {motif}")
    return "\n".join(lignes)


def lire_toml(texte: str, quoi: str) -> dict[str, object]:
    """Le contenu d'un TOML, ou ``ConventionInvalide`` qui dit où il est mal formé."""
    try:
        return tomllib.loads(texte)
    except tomllib.TOMLDecodeError as erreur:
        raise ConventionInvalide(
            f"Le fichier de {quoi} n'est pas un TOML valide ({erreur}). "
            "Corrigez la ligne indiquée (guillemets, crochets, signe =) puis recommencez."
        ) from None


def charger_profil(texte_toml: str) -> Profil:
    """Un profil décrit en TOML ; lève ``ConventionInvalide`` avec un message français."""
    donnees = lire_toml(texte_toml, "profil")
    try:
        return Profil.model_validate(donnees)
    except ValidationError as erreur:
        raise ConventionInvalide(f"Le profil est invalide :\n{traduire(erreur)}") from None
