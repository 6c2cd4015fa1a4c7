"""Lire un formulaire de page : les mêmes refus que l'API, une erreur par champ, en français."""

from __future__ import annotations

from dataclasses import dataclass

from service.api.textes import TexteRefuse, verifier
from service.web.pages import Erreurs


@dataclass(frozen=True)
class Champ:
    """Un champ attendu : son nom (celui de l'API), son libellé, sa longueur maximale, s'il est requis."""

    nom: str
    libelle: str
    longueur_max: int = 200
    requis: bool = True
    message_si_vide: str = ""
    # Zone de texte : seuls les sauts de ligne y sont admis (normalisés en « \n »).
    plusieurs_lignes: bool = False


def lire(champs: dict[str, str], attendus: list[Champ]) -> tuple[dict[str, str], Erreurs]:
    """Les valeurs des champs ``attendus`` (vides s'ils manquent) et les erreurs trouvées, par champ."""
    valeurs: dict[str, str] = {}
    erreurs = Erreurs()
    for champ in attendus:
        valeur = champs.get(champ.nom, "")
        if champ.plusieurs_lignes:
            valeur = valeur.replace("\r\n", "\n").replace("\r", "\n")
        valeurs[champ.nom] = valeur
        try:
            verifier(valeur.replace("\n", " ") if champ.plusieurs_lignes else valeur, champ.nom)
        except TexteRefuse as refus:
            erreurs.ajouter(champ.nom, str(refus))
            continue
        if len(valeur) > champ.longueur_max:
            erreurs.ajouter(champ.nom, f"{champ.longueur_max} caractères au plus.")
        elif champ.requis and not valeur.strip():
            erreurs.ajouter(champ.nom, champ.message_si_vide or f"Remplissez le champ « {champ.libelle} ».")
    return valeurs, erreurs


def libelles(attendus: list[Champ]) -> dict[str, str]:
    """Les libellés des champs, pour le résumé des erreurs en haut du formulaire."""
    return {champ.nom: champ.libelle for champ in attendus}
