"""Convention de partage de données : l'accord signé qui autorise une source pour des communes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conventions.erreurs import ConventionInvalide, ProfilInconnu, UsageRefuse
from conventions.integres import profil_integre
from conventions.profil import CHAMPS_TECHNIQUES, COLONNES, Mode, Profil, lire_toml, traduire

Source = Literal["caf", "msa", "onde", "siecle", "ief", "cned", "hors_contrat", "medico_social"]

SOURCES_FAMILLES: frozenset[str] = frozenset({"caf", "msa"})

_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _jour(valeur: date) -> str:
    return valeur.strftime("%d/%m/%Y")


class Convention(BaseModel):
    """Une convention signée ; sérialisable en JSON (``model_dump_json``) pour le travailleur.

    ``profil`` s'écrit en TOML soit comme le nom d'un profil intégré (``profil = "caf"``), soit
    comme une table complète, soit comme une table ``base = "caf"`` dont les clés remplacent
    celles du profil intégré.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    identifiant: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    titre: str = Field(min_length=1)
    partenaire: str = Field(min_length=1)
    source: Source
    communes: tuple[str, ...] = Field(min_length=1)
    date_signature: date
    debut: date
    fin: date
    signataires: tuple[str, ...] = Field(min_length=1)
    finalite: str = Field(min_length=1)
    conservation: str = Field(min_length=1)
    champs_autorises: tuple[str, ...] = Field(min_length=1)
    profil: Profil
    archive_non_chiffree_autorisee: bool = False
    # Une archive chiffrée sans « Chiffrer les noms de fichiers » (7z -mhe=off) laisse lire ses noms.
    noms_de_fichiers_en_clair_autorises: bool = False

    @field_validator("communes")
    @classmethod
    def _codes_insee(cls, valeur: tuple[str, ...]) -> tuple[str, ...]:
        mauvais = [code for code in valeur if not _CODE_INSEE.match(code)]
        if mauvais:
            raise ValueError(
                f"codes INSEE invalides : {', '.join(mauvais)} (5 caractères, par exemple « 59350 »)"
            )
        return valeur

    @field_validator("profil", mode="before")
    @classmethod
    def _profil_nomme_ou_decrit(cls, valeur: Any) -> Any:
        try:
            if isinstance(valeur, str):
                return profil_integre(valeur)
            if isinstance(valeur, dict) and "base" in valeur:
                surcharges = {cle: val for cle, val in valeur.items() if cle != "base"}
                return {**profil_integre(str(valeur["base"])).model_dump(), **surcharges}
        except ProfilInconnu as erreur:
            raise ValueError(str(erreur)) from None
        return valeur

    @model_validator(mode="after")
    def _coherente(self) -> Convention:
        if self.debut > self.fin:
            raise ValueError("la date de début de validité est après la date de fin")
        if self.date_signature > self.fin:
            raise ValueError("la convention est signée après la fin de sa validité")
        table_attendue = "familles" if self.source in SOURCES_FAMILLES else "inscrits"
        if self.profil.table != table_attendue:
            raise ValueError(
                f"une source « {self.source} » se lit en table {table_attendue}, "
                f"or le profil « {self.profil.nom} » produit la table {self.profil.table}"
            )
        canoniques = COLONNES[self.profil.table]
        inconnus = [champ for champ in self.champs_autorises if champ not in canoniques]
        if inconnus:
            raise ValueError(
                f"champs_autorises inconnus : {', '.join(inconnus)} "
                f"(champs possibles : {', '.join(canoniques)})"
            )
        exiges = [
            champ
            for champ in self.profil.obligatoires
            if champ not in self.champs_autorises and champ not in CHAMPS_TECHNIQUES
        ]
        if exiges:
            raise ValueError(
                f"le profil exige les champs {', '.join(exiges)} que champs_autorises ne permet pas"
            )
        return self

    @property
    def mode(self) -> Mode | None:
        """Le mode d'instruction des inscrits de cette source (``None`` pour CAF et MSA)."""
        if self.source in SOURCES_FAMILLES:
            return None
        if self.source in ("onde", "siecle"):
            return "ecole"
        return self.source  # type: ignore[return-value]

    def verifier_usage(self, commune: str, jour: date) -> None:
        """Lève ``UsageRefuse`` si la convention ne couvre pas ``commune`` le ``jour`` donné."""
        if commune not in self.communes:
            raise UsageRefuse(
                f"La convention « {self.identifiant} » ne couvre pas la commune {commune} "
                f"(elle couvre : {', '.join(self.communes)}). Déposez ce fichier sous la convention "
                "signée pour cette commune, ou faites étendre celle-ci par avenant."
            )
        self.verifier_validite(jour)

    def verifier_validite(self, jour: date) -> None:
        """Lève ``UsageRefuse`` si ``jour`` est hors des dates de validité de la convention."""
        if jour < self.debut:
            raise UsageRefuse(
                f"La convention « {self.identifiant} » ne prend effet que le {_jour(self.debut)} : "
                "attendez cette date pour déposer le fichier, ou vérifiez la convention choisie."
            )
        if jour > self.fin:
            raise UsageRefuse(
                f"La convention « {self.identifiant} » a pris fin le {_jour(self.fin)} : elle "
                "n'autorise plus ce dépôt. Faites renouveler la convention avant de déposer le fichier."
            )


def charger_convention(texte_toml: str) -> Convention:
    """Une convention décrite en TOML ; lève ``ConventionInvalide`` avec un message français."""
    donnees = lire_toml(texte_toml, "convention")
    try:
        return Convention.model_validate(donnees)
    except ValidationError as erreur:
        raise ConventionInvalide(
            f"La convention est invalide :\n{traduire(erreur)}\n"
            "Corrigez ces points dans le fichier puis vérifiez-le à nouveau "
            "(cellule conventions verifier FICHIER.toml)."
        ) from None
