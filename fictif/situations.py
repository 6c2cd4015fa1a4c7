"""Des situations douteuses mises en scène dans un jeu : ce qu'un agent doit savoir trancher.

Sur quelques centaines d'enfants tirés au hasard, le moteur retrouve presque tout le monde sans
hésiter : une démonstration ne montrerait jamais la revue. ``mettre_en_scene`` prend des enfants
retrouvés sans écart et leur donne, ou donne à leur entourage, une difficulté réelle :

- ``jumeaux`` : des jumeaux au prénom composé (Marie-Lou et Marie-Jade) ; l'école n'écrit que la
  première moitié du prénom (« Marie ») et l'un des deux n'est inscrit nulle part ;
- ``homonyme`` : un double nom que l'école n'écrit qu'à moitié, et un enfant d'une autre famille
  qui porte ce nom et le même prénom, né le même mois, inscrit nulle part ;
- ``sexe_et_frappe`` : le sexe mal saisi à l'école et une faute de frappe dans le prénom ;
- ``frappe_et_date`` : deux fautes de frappe dans le prénom et une date de naissance décalée de
  quelques jours, l'école ayant l'adresse de la famille.

Le générateur ne fait que créer ces écarts ; le moteur décide de chaque enfant. ``verite`` garde la
vraie situation : l'enfant mis en scène est bien inscrit (``apparie``), le jumeau et l'homonyme
ajoutés ne le sont pas (``non_apparie``) ; sa colonne ``ecarts`` porte le nom de la situation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from fictif.ecarts import _frappe
from fictif.jeu import JeuSynthetique
from fictif.listes import NOMS
from fictif.tirages import cle_caf

Ligne = dict[str, Any]

# Prénoms composés de jumeaux qui commencent pareil : l'école n'en écrit souvent que le début.
JUMEAUX_COMPOSES: tuple[tuple[str, str, str], ...] = (
    ("Emma", "Eva Emma", "F"),
    ("Inès", "Lina Inès", "F"),
    ("Louis", "Jules Louis", "M"),
    ("Adam", "Rayan Adam", "M"),
)


@dataclass
class _Scene:
    """Le jeu en lignes, que les situations modifient, et les enfants ajoutés après tel enfant."""

    familles: list[Ligne]
    inscrits: dict[str, Ligne]
    verite: list[Ligne]
    jour: date
    hasard: random.Random
    ajouts: dict[str, list[tuple[Ligne, Ligne]]] = field(default_factory=dict)
    pris: set[str] = field(default_factory=set)

    def ajouter_absent(self, apres: Ligne, enfant: Ligne, situation: str) -> None:
        """Un enfant de plus sur la liste CAF, juste après ``apres``, inscrit nulle part."""
        identifiant = f"F{len(self.familles) + sum(map(len, self.ajouts.values())) + 1:07d}"
        verite = {
            "id_famille": identifiant,
            "id_inscrit": None,
            "statut": "non_apparie",
            "jumeau": situation == "jumeaux",
            "ecarts": situation,
        }
        self.ajouts.setdefault(apres["id"], []).append(({**enfant, "id": identifiant}, verite))


def mettre_en_scene(
    jeu: JeuSynthetique, *, date_reference: date, graine: int, par_situation: int = 1
) -> JeuSynthetique:
    """Le jeu, avec ``par_situation`` enfants mis dans chacune des ``SITUATIONS``."""
    scene = _Scene(
        familles=jeu.familles.to_dicts(),
        inscrits={ligne["id"]: ligne for ligne in jeu.inscrits.to_dicts()},
        verite=jeu.verite.to_dicts(),
        jour=date_reference,
        hasard=random.Random(graine),
    )
    for situation, jouer in SITUATIONS.items():
        for _ in range(par_situation):
            rang = _choisir(scene, situation)
            famille, verite = scene.familles[rang], scene.verite[rang]
            verite["ecarts"] = situation
            jouer(scene, famille, scene.inscrits[verite["id_inscrit"]], verite)
    familles, verites = [], []
    for famille, verite in zip(scene.familles, scene.verite, strict=True):
        familles.append(famille)
        verites.append(verite)
        for ajout, sa_verite in scene.ajouts.get(famille["id"], []):
            familles.append(ajout)
            verites.append(sa_verite)
    return JeuSynthetique(
        familles=pl.DataFrame(familles, schema=jeu.familles.schema),
        inscrits=pl.DataFrame(list(scene.inscrits.values()), schema=jeu.inscrits.schema),
        verite=pl.DataFrame(verites, schema=jeu.verite.schema),
    )


def _choisir(scene: _Scene, situation: str) -> int:
    """Un enfant scolarisé retrouvé sans écart, de 5 à 14 ans (loin des bords de l'obligation, même
    avec une date décalée), né avant le 21 du mois, au premier prénom d'au moins 4 lettres (assez
    pour une faute de frappe), d'une famille et d'un nom pas encore pris."""
    possibles = [
        rang
        for rang, (famille, verite) in enumerate(zip(scene.familles, scene.verite, strict=True))
        if verite["statut"] == "apparie"
        and verite["ecarts"] is None
        and not verite["jumeau"]
        and famille["date_naissance"] is not None
        and famille["date_naissance"].day <= 20
        and 5 <= (scene.jour - famille["date_naissance"]).days / 365.25 <= 14
        and not {famille["nom"], famille["adresse"]} & scene.pris
        and scene.inscrits[verite["id_inscrit"]]["mode"] == "ecole"
        and len(scene.inscrits[verite["id_inscrit"]]["prenoms"].split(" ")[0]) >= 4
    ]
    if not possibles:
        raise ValueError(
            f"Aucun enfant ne peut recevoir la situation « {situation} » : le jeu est trop petit."
        )
    rang = scene.hasard.choice(possibles)
    scene.pris.update({scene.familles[rang]["nom"], scene.familles[rang]["adresse"]})
    return rang


def _sans_adresse(inscrit: Ligne) -> None:
    inscrit.update(adresse=None, code_postal=None, commune=None)


def _jumeaux(scene: _Scene, famille: Ligne, inscrit: Ligne, verite: Ligne) -> None:
    inscrit_prenom, absent_prenom, sexe = scene.hasard.choice(JUMEAUX_COMPOSES)
    famille.update(prenoms=cle_caf(inscrit_prenom), sexe=sexe)
    inscrit.update(prenoms=inscrit_prenom, sexe=sexe)
    verite["jumeau"] = True
    scene.ajouter_absent(famille, {**famille, "prenoms": cle_caf(absent_prenom)}, "jumeaux")


def _homonyme(scene: _Scene, famille: Ligne, inscrit: Ligne, verite: Ligne) -> None:
    nom = famille["nom"]
    second = scene.hasard.choice([n.split("|")[0] for n in NOMS["france"] if cle_caf(n) not in nom])
    famille["nom"] = f"{nom} {cle_caf(second)}"
    _sans_adresse(inscrit)
    # Une autre famille de la liste prête son adresse et son allocataire.
    voisine = scene.hasard.choice([f for f in scene.familles if f["adresse"] != famille["adresse"]])
    # Né le même mois, à plus d'une semaine d'écart : ni une faute de frappe, ni le même enfant.
    naissance, ecart = famille["date_naissance"], scene.hasard.randrange(8, 12)
    jour = naissance.day + ecart if naissance.day + ecart <= 28 else naissance.day - ecart
    homonyme = {
        **voisine,
        "nom": nom,
        "prenoms": famille["prenoms"],
        "sexe": famille["sexe"],
        "date_naissance": min(naissance.replace(day=jour), scene.jour),
        "nom_allocataire": nom,
    }
    scene.ajouter_absent(voisine, homonyme, "homonyme")


def _sexe_et_frappe(scene: _Scene, famille: Ligne, inscrit: Ligne, verite: Ligne) -> None:
    inscrit["sexe"] = {"M": "F", "F": "M"}.get(inscrit["sexe"])
    _frapper_prenom(inscrit, scene.hasard, fautes=1)
    _sans_adresse(inscrit)


def _frappe_et_date(scene: _Scene, famille: Ligne, inscrit: Ligne, verite: Ligne) -> None:
    _frapper_prenom(inscrit, scene.hasard, fautes=2)
    decalage = timedelta(days=scene.hasard.choice([-3, -2, 2, 3]))
    inscrit["date_naissance"] = min(inscrit["date_naissance"] + decalage, scene.jour)
    inscrit.update(adresse=famille["adresse"], code_postal=famille["code_postal"], commune=famille["commune"])


def _frapper_prenom(inscrit: Ligne, hasard: random.Random, *, fautes: int) -> None:
    """``fautes`` fautes de frappe dans le premier prénom ; deux fautes qui s'annulent sont refaites."""
    premier, _, suite = inscrit["prenoms"].partition(" ")
    frappe = premier
    while frappe == premier:
        for _ in range(fautes):
            frappe = _frappe(frappe, hasard)
    inscrit["prenoms"] = " ".join(filter(None, (frappe, suite)))


SITUATIONS: dict[str, Callable[[_Scene, Ligne, Ligne, Ligne], None]] = {
    "jumeaux": _jumeaux,
    "homonyme": _homonyme,
    "sexe_et_frappe": _sexe_et_frappe,
    "frappe_et_date": _frappe_et_date,
}
