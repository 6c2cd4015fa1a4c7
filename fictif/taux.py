"""Les proportions d'un jeu synthétique : population, puis fréquence de chaque écart CAF / école."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Taux:
    """Proportions du jeu : population, puis fréquence de chaque type d'écart CAF / école."""

    absents: float = 0.015
    hors_caf: float = 0.15
    instruction_declaree: float = 0.01
    jumeaux: float = 0.017
    non_scolarises_16_18: float = 0.10
    ecarts: dict[str, float] = field(
        default_factory=lambda: {
            "tiret_espace": 0.30,  # parmi les noms ou prénoms composés
            "particule": 0.25,  # parmi les noms à particule
            "nom_compose_ordre": 0.15,  # parmi les doubles noms
            "nom_compose_partiel": 0.25,  # parmi les doubles noms
            "nom_usage": 0.02,
            "prenom_usuel": 0.01,
            "inversion": 0.004,
            "translitteration": 0.30,  # parmi les prénoms et noms qui ont des variantes
            "frappe": 0.02,
            "date_inversee": 0.004,
            "date_chiffre": 0.005,
            "date_jours": 0.004,
            "date_annee": 0.003,
            "date_manquante": 0.001,
            "sexe_manquant": 0.01,
            "sexe_faux": 0.002,
            "adresse_autre": 0.08,
        }
    )
