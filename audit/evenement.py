"""Ce que le journal trace : le catalogue des actions et le modèle d'un événement.

Un événement ne porte que des identifiants pseudonymes (compte, cas, campagne). Les détails
sont des entiers, des textes, des booléens, des listes ou des objets : jamais de nombre à
virgule (la sérialisation canonique doit être exacte) ni de clé qui nomme une donnée d'identité.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from audit.erreurs import EvenementRefuse


class Action(StrEnum):
    """Le catalogue des actions tracées (issue « Journal d'audit inviolable »)."""

    CONNEXION = "connexion"
    DECONNEXION = "deconnexion"
    SECOND_FACTEUR = "second_facteur"
    COMPTE_CREE = "compte_cree"
    COMPTE_APPROUVE = "compte_approuve"
    COMPTE_MODIFIE = "compte_modifie"
    COMPTE_DESACTIVE = "compte_desactive"
    SESSIONS_LISTEES = "sessions_listees"
    SESSION_FERMEE = "session_fermee"
    ROLE_MODIFIE = "role_modifie"
    CONVENTION_AJOUTEE = "convention_ajoutee"
    CONVENTION_MODIFIEE = "convention_modifiee"
    CONVENTION_RETIREE = "convention_retiree"
    CAMPAGNE_CREEE = "campagne_creee"
    DEPOT = "depot"
    TRAVAIL_DEBUT = "travail_debut"
    TRAVAIL_FIN = "travail_fin"
    CONSULTATION = "consultation"
    RECHERCHE = "recherche"
    TRANSITION = "transition"
    ATTRIBUTION = "attribution"
    COMMENTAIRE = "commentaire"
    LETTRE_GENEREE = "lettre_generee"
    MODELE_LETTRE_MODIFIE = "modele_lettre_modifie"
    EXPORT_INDICATEURS = "export_indicateurs"
    EXPORT_DROIT_ACCES = "export_droit_acces"
    CONSULTATION_JOURNAL = "consultation_journal"
    EXPORT_JOURNAL = "export_journal"
    PURGE = "purge"
    PURGE_JOURNAL = "purge_journal"
    OPERATION_CLE = "operation_cle"
    AUTORISATION_REFUSEE = "autorisation_refusee"


class Aboutissement(StrEnum):
    """Comment l'action tracée a abouti (champ ``resultat`` d'un événement) : succès, échec, refus."""

    SUCCES = "succes"
    ECHEC = "echec"
    REFUS = "refus"


ACTIONS_AVEC_MOTIF: frozenset[Action] = frozenset(
    {Action.CONSULTATION, Action.EXPORT_DROIT_ACCES, Action.PURGE, Action.PURGE_JOURNAL}
)
"""Actions dont la finalité doit être écrite (afficher une identité, exporter, effacer)."""

CLES_IDENTITE: frozenset[str] = frozenset(
    {
        "nom",
        "noms",
        "nom_usage",
        "nom_naissance",
        "prenom",
        "prenoms",
        "date_naissance",
        "naissance",
        "ddn",
        "adresse",
        "code_postal",
        "nom_allocataire",
        "prenom_allocataire",
        "ine",
        "nir",
        "identite",
        "sexe",
        "telephone",
        "courriel",
        "email",
        "mail",
        "mot_de_passe",
        "password",
        "secret",
        "code_totp",
        "totp_secret",
    }
)
"""Clés refusées dans les détails, seules ou comme mot d'une clé composée (``nom_enfant``)."""

_MOTS_IDENTITE: frozenset[str] = frozenset(cle for cle in CLES_IDENTITE if "_" not in cle)

IDENTIFIANT = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""Un identifiant pseudonyme : pas d'espace, pas d'arobase (ni nom complet ni courriel)."""
_JETON = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CLE_DETAIL = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TEXTE_MAX = 2000
_PROFONDEUR_MAX = 4


def _normaliser(cle: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", cle).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", sans_accents.lower()).strip("_")


def est_cle_identite(cle: str) -> bool:
    """Vrai si la clé désigne (ou contient le mot d') une donnée d'identité."""
    normale = _normaliser(cle)
    return normale in CLES_IDENTITE or any(mot in _MOTS_IDENTITE for mot in normale.split("_"))


def controler_details(valeur: Any, chemin: str = "details", profondeur: int = 0) -> None:
    """Lève ``EvenementRefuse`` si les détails portent une identité, un flottant ou un type inconnu."""
    if profondeur > _PROFONDEUR_MAX:
        raise EvenementRefuse(f"{chemin} : détails trop imbriqués (au plus {_PROFONDEUR_MAX} niveaux).")
    if isinstance(valeur, Mapping):
        for cle, sous_valeur in valeur.items():
            if not isinstance(cle, str) or not _CLE_DETAIL.fullmatch(cle):
                raise EvenementRefuse(
                    f"{chemin} : clé « {cle} » invalide ; utilisez des minuscules, chiffres et « _ »."
                )
            if est_cle_identite(cle):
                raise EvenementRefuse(
                    f"{chemin}.{cle} : le journal d'audit n'accepte aucune donnée d'identité ; "
                    "ne tracez que des identifiants pseudonymes (id de cas, de campagne, de compte)."
                )
            controler_details(sous_valeur, f"{chemin}.{cle}", profondeur + 1)
    elif isinstance(valeur, list | tuple):
        for rang, element in enumerate(valeur):
            controler_details(element, f"{chemin}[{rang}]", profondeur + 1)
    elif isinstance(valeur, float):
        raise EvenementRefuse(
            f"{chemin} : nombre à virgule refusé (sérialisation non exacte) ; "
            "passez un entier (par exemple en millièmes) ou un texte."
        )
    elif isinstance(valeur, str):
        if len(valeur) > _TEXTE_MAX:
            raise EvenementRefuse(f"{chemin} : texte trop long (au plus {_TEXTE_MAX} caractères).")
    elif valeur is not None and not isinstance(valeur, bool | int):
        raise EvenementRefuse(
            f"{chemin} : type {type(valeur).__name__} refusé ; "
            "utilisez texte, entier, booléen, liste ou objet."
        )


def _controler_identifiant(valeur: str | None, champ: str) -> str | None:
    if valeur is not None and not IDENTIFIANT.fullmatch(valeur):
        # La valeur refusée n'est pas citée : c'est souvent un nom ou un courriel.
        raise EvenementRefuse(
            f"{champ} refusé : un identifiant pseudonyme est attendu "
            "(lettres, chiffres, « . _ : - », sans espace, 128 caractères au plus)."
        )
    return valeur


class Cible(BaseModel):
    """L'objet visé par l'action, désigné par son type et son identifiant pseudonyme."""

    model_config = ConfigDict(frozen=True)

    type: str = Field(description="Type d'objet : cas, campagne, compte, convention, travail…")
    id: str = Field(description="Identifiant pseudonyme de l'objet.")

    @field_validator("type")
    @classmethod
    def _type_valide(cls, valeur: str) -> str:
        if not _JETON.fullmatch(valeur):
            raise EvenementRefuse("type de cible invalide (minuscules, chiffres et « _ »).")
        return valeur

    @field_validator("id")
    @classmethod
    def _id_valide(cls, valeur: str) -> str:
        _controler_identifiant(valeur, "identifiant de cible")
        return valeur


class Evenement(BaseModel):
    """Une action à tracer. L'heure et le numéro d'ordre sont posés à l'écriture."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    acteur: str = Field(description="Identifiant pseudonyme du compte, ou « systeme ».")
    role: str = Field(description="Rôle de l'acteur au moment de l'action (ou « systeme », « anonyme »).")
    resultat: Aboutissement = Aboutissement.SUCCES
    cible: Cible | None = None
    motif: str | None = Field(default=None, description="Finalité ou motif, requis pour certaines actions.")
    requete: str | None = Field(default=None, description="Identifiant de la requête HTTP ou du travail.")
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("acteur")
    @classmethod
    def _acteur_valide(cls, valeur: str) -> str:
        _controler_identifiant(valeur, "acteur")
        return valeur

    @field_validator("requete")
    @classmethod
    def _requete_valide(cls, valeur: str | None) -> str | None:
        return _controler_identifiant(valeur, "identifiant de requête")

    @field_validator("role")
    @classmethod
    def _role_valide(cls, valeur: str) -> str:
        if not _JETON.fullmatch(valeur):
            raise EvenementRefuse("rôle invalide (minuscules, chiffres et « _ »).")
        return valeur

    @field_validator("motif")
    @classmethod
    def _motif_valide(cls, valeur: str | None) -> str | None:
        if valeur is None:
            return None
        valeur = valeur.strip()
        if not valeur or len(valeur) > 500:
            raise EvenementRefuse("motif : un texte court est attendu (1 à 500 caractères).")
        return valeur

    @field_validator("details")
    @classmethod
    def _details_valides(cls, valeur: dict[str, Any]) -> dict[str, Any]:
        controler_details(valeur)
        return valeur

    @model_validator(mode="after")
    def _motif_si_requis(self) -> Evenement:
        if self.action in ACTIONS_AVEC_MOTIF and self.motif is None:
            raise EvenementRefuse(f"l'action « {self.action} » doit être motivée : renseignez « motif ».")
        return self


class Entree(BaseModel):
    """Une entrée telle qu'elle est enregistrée : l'événement, son numéro, son heure, son empreinte."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    heure: datetime
    acteur: str
    role: str
    action: str
    resultat: str
    cible: Cible | None
    motif: str | None
    requete: str | None
    details: dict[str, Any]
    hachage: str
