"""Les profils intégrés, stockés en TOML dans ``conventions/profils/``."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from conventions.erreurs import ConventionInvalide, ProfilInconnu
from conventions.profil import Profil, charger_profil

PROFILS_INTEGRES: tuple[str, ...] = (
    "pivot-familles",
    "pivot-inscrits",
    "caf",
    "msa",
    "onde",
    "siecle",
    "declarations",
)


@cache
def profil_integre(nom: str) -> Profil:
    """Le profil intégré ``nom`` ; lève ``ProfilInconnu`` si ce nom n'existe pas."""
    if nom not in PROFILS_INTEGRES:
        raise ProfilInconnu(
            f"Profil « {nom} » inconnu. Profils intégrés : {', '.join(PROFILS_INTEGRES)} ; "
            "ou donnez le chemin d'un fichier de convention (.toml)."
        )
    texte = files("conventions").joinpath("profils", f"{nom}.toml").read_text(encoding="utf-8")
    try:
        return charger_profil(texte)
    except ConventionInvalide as erreur:  # pragma: no cover - profils livrés vérifiés par les tests
        raise ConventionInvalide(f"Profil intégré « {nom} » abîmé : {erreur}") from None
