"""Niveaux d'accord de chaque champ, et ce que vaut une comparaison manquante."""

from __future__ import annotations

NIVEAUX: dict[str, tuple[str, ...]] = {
    "nom": ("exact", "compose", "famille", "proche", "ressemblant", "different"),
    "prenom": ("exact", "premier_commun", "autre_prenom", "proche", "ressemblant", "different"),
    "date_naissance": (
        "exacte",
        "jour_mois_inverses",
        "annee_voisine",
        "un_chiffre",
        "quelques_jours",
        "jour_ou_mois",
        "annee_chiffre",
        "differente",
    ),
    "sexe": ("egal", "different"),
    "adresse": ("egale", "meme_commune", "differente"),
}
"""Niveaux d'accord de chaque champ, du plus fort au plus faible."""

CHAMPS: tuple[str, ...] = tuple(NIVEAUX)


def niveau(champ: str, nom: str) -> int:
    """Rang du niveau ``nom`` du champ ``champ`` dans ``NIVEAUX`` (0 = le plus fort).

    Les règles nomment les niveaux plutôt que d'écrire leur rang : ajouter un niveau ne décale
    alors aucune règle en silence, et un nom mal écrit s'arrête au chargement du module."""
    niveaux = NIVEAUX.get(champ)
    if niveaux is None or nom not in niveaux:
        connus = ", ".join(niveaux) if niveaux else f"aucun (champs : {', '.join(NIVEAUX)})"
        raise ValueError(f"niveau inconnu : {champ} « {nom} » ; niveaux connus : {connus}")
    return niveaux.index(nom)


# Une comparaison manque (null) quand l'un des deux côtés n'a pas la donnée. Avant de la confronter à
# un niveau, une règle dit ce que vaut ce manque :
ABSENT_COMPTE_COMME_ACCORD = 0
"""Le manque ne contredit rien : il passe pour le niveau le plus fort (``fill_null``)."""
ABSENT_NE_CONFIRME_PAS = 1
"""Le manque ne confirme pas : il passe pour un niveau sous le plus fort (adresse non « egale »)."""
ABSENT_JAMAIS_RETENU = 99
"""Le manque ne remplit jamais une condition « au moins tel niveau » : il passe sous tous les niveaux."""
