"""Conventions de partage et profils de fichiers : octets en entrée, tables canoniques en sortie.

API publique :
- ``Profil``, ``profil_integre(nom)``, ``PROFILS_INTEGRES``, ``charger_profil(texte_toml)`` ;
- ``Convention``, ``charger_convention(texte_toml)``, ``Convention.verifier_usage(commune, jour)`` ;
- ``lire(octets, source, *, aujourd_hui, commune=None) -> Lecture`` (``table`` + ``rapport``) ;
- ``COLONNES`` : les colonnes et types des tables canoniques ``familles`` et ``inscrits``.
"""

from conventions.convention import SOURCES_FAMILLES, Convention, Source, charger_convention
from conventions.erreurs import ConventionInvalide, ErreurConvention, ProfilInconnu, UsageRefuse
from conventions.integres import PROFILS_INTEGRES, profil_integre
from conventions.lecture import lire
from conventions.profil import COLONNES, Mode, Profil, Table, charger_profil
from conventions.rapport import ErreurLigne, Lecture, Rapport

__all__ = [
    "COLONNES",
    "PROFILS_INTEGRES",
    "SOURCES_FAMILLES",
    "Convention",
    "ConventionInvalide",
    "ErreurConvention",
    "ErreurLigne",
    "Lecture",
    "Mode",
    "Profil",
    "ProfilInconnu",
    "Rapport",
    "Source",
    "Table",
    "UsageRefuse",
    "charger_convention",
    "charger_profil",
    "lire",
    "profil_integre",
]
