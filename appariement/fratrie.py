"""Frère, sœur ou jumeau ? La fiche d'un élève ressemble-t-elle à l'enfant, ou à un enfant de son foyer ?

Le score de Fellegi–Sunter oppose « même enfant » à « deux enfants pris au hasard ». Or la fiche la plus
trompeuse n'est pas prise au hasard : c'est celle d'un frère, d'une sœur ou d'un jumeau, qui partage le
nom et l'adresse de l'enfant. Contre cette hypothèse-là, le nom et l'adresse ne prouvent rien ; seuls le
prénom, la date de naissance et le sexe départagent. D'où un second score, en bits :

    log2(a priori) + somme, sur le prénom, la date et le sexe, de log2(m / u_fratrie)

- ``u_fratrie`` : la répartition des niveaux d'accord entre deux enfants d'un même foyer, estimée sur la
  liste CAF/MSA elle-même (enfants à la même adresse), lissée vers des valeurs par défaut ;
- l'a priori : l'enfant est inscrit (``part_inscrits``) contre « un enfant de son foyer est inscrit sans
  être sur la liste CAF » (sinon cet enfant-là disputerait la fiche, ce que ``doutes`` voit). Son taux
  vient des données : enfants du même foyer par enfant de la liste, fois la part des fiches d'élèves
  que la liste CAF n'explique pas, chacun lissé vers une valeur française ordinaire.

Une paire n'est liée sans revue que si ce score dit le frère ou la sœur improbable (``risque_fratrie``).
Ce qui était une liste de désaccords écrits à la main (prénom sans rapport, sexe différent, date sans
rapport…) découle ainsi des probabilités de la commune : là où les foyers de la liste ont des enfants
nés le même jour (jumeaux) ou des prénoms voisins, la protection est forte ; dans une liste sans
aucun foyer de plusieurs enfants, elle s'efface devant la preuve.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from appariement.comparaisons import NIVEAUX, niveau_sexe
from appariement.comparaisons.dates import niveau_date
from appariement.comparaisons.outils import colonnes_des_paires
from appariement.comparaisons.prenoms import niveau_prenom
from appariement.modele import Modele
from appariement.reglages import Reglages

CHAMPS_FRATRIE: tuple[str, ...] = ("prenom", "date_naissance", "sexe")
"""Les seuls champs qui distinguent deux enfants d'un même foyer (le nom et l'adresse, ils les partagent)."""

U_FRATRIE_DEFAUT: dict[str, list[float]] = {
    # Deux enfants d'un foyer : presque jamais le même prénom, parfois des prénoms voisins (MAELYS, MAELLE).
    "prenom": [0.005, 0.01, 0.02, 0.02, 0.05, 0.895],
    # Jumeaux (même date), naissances à un an d'écart au même jour, même mois ou même jour…
    "date_naissance": [0.03, 0.001, 0.01, 0.02, 0.002, 0.12, 0.05, 0.767],
    "sexe": [0.5, 0.5],
}
"""u entre deux enfants d'un même foyer, avant d'avoir vu la liste (ordre de ``NIVEAUX``)."""

# Poids, en paires, de ``U_FRATRIE_DEFAUT`` face aux paires de foyers de la liste.
PAIRES_A_PRIORI = 200
# Poids, en enfants, des taux français ordinaires face aux comptes de la liste : faible, car la part
# des enfants qui vivent avec un frère ou une sœur varie beaucoup d'une commune à l'autre, et une liste
# de quelques centaines d'enfants en dit déjà assez.
ENFANTS_A_PRIORI = 20
FRATRIE_PAR_ENFANT = 1.0
"""Enfants d'un même foyer par enfant de la liste, en France (familles de deux enfants en moyenne)."""
PART_FICHES_INEXPLIQUEES = 0.05
"""Part des fiches d'élèves qu'aucun enfant de la liste n'explique, à défaut de mesure."""
TAILLE_MAX_FOYER = 8
"""Au-delà, une « adresse » réunit plusieurs familles (foyer, résidence sans numéro) : ignorée."""
PAIRES_MAX = 50_000
"""Paires de foyers comparées pour estimer ``u_fratrie`` (un échantillon suffit)."""


def paires_du_foyer(familles: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Toutes les paires ordonnées (``fi``, ``ii``) de deux enfants distincts de la liste à la même adresse
    (adresse et code postal normalisés), foyers de plus de ``TAILLE_MAX_FOYER`` enfants exclus ; et le
    nombre d'enfants dont on voit ainsi le foyer (une adresse, pas une grande résidence sans numéro).
    Sans adresse, on ne sait rien des frères et sœurs d'un enfant : il ne compte pas."""
    lieux = familles.select(
        "idx", pl.col("adresse").to_physical().alias("a"), pl.col("code_postal").to_physical().alias("cp")
    ).drop_nulls()
    lieux = lieux.filter(pl.len().over("a", "cp") <= TAILLE_MAX_FOYER)
    paires = (
        lieux.join(lieux, on=["a", "cp"], suffix="_i")
        .filter(pl.col("idx") != pl.col("idx_i"))
        .select(pl.col("idx").alias("fi"), pl.col("idx_i").alias("ii"))
    )
    return paires, lieux.height


def _niveaux(familles: pl.DataFrame, paires: pl.DataFrame) -> pl.DataFrame:
    """Niveaux d'accord du prénom, de la date et du sexe entre deux enfants de la liste."""
    fi, ii = paires["fi"], paires["ii"]
    return pl.DataFrame(
        {
            "prenom": niveau_prenom(familles, familles, fi, ii),
            "date_naissance": niveau_date(
                colonnes_des_paires(familles, familles, fi, ii, ("date",), ("date",))
            ),
            "sexe": niveau_sexe(colonnes_des_paires(familles, familles, fi, ii, ("sexe",), ("sexe",))),
        }
    )


def _u_fratrie(familles: pl.DataFrame, paires: pl.DataFrame, graine: int) -> dict[str, list[float]]:
    if paires.height > PAIRES_MAX:
        paires = paires.sample(PAIRES_MAX, seed=graine)
    niveaux = _niveaux(familles, paires) if paires.height else None
    resultat: dict[str, list[float]] = {}
    for champ in CHAMPS_FRATRIE:
        defaut = np.array(U_FRATRIE_DEFAUT[champ])
        comptes = np.zeros(len(NIVEAUX[champ]))
        if niveaux is not None:
            valeurs = niveaux[champ].drop_nulls().to_numpy().astype(np.int64)
            comptes = np.bincount(valeurs, minlength=len(defaut))[: len(defaut)].astype(np.float64)
        lisses = (comptes + PAIRES_A_PRIORI * defaut) / (comptes.sum() + PAIRES_A_PRIORI)
        resultat[champ] = [float(x) for x in lisses]
    return resultat


def taux_fratrie(nb_observes: int, nb_paires_foyer: int, nb_inscrits: int, nb_fiches_liees: int) -> float:
    """Nombre attendu, par enfant, de frères et sœurs inscrits sans être sur la liste CAF/MSA.

    ``nb_observes`` : enfants de la liste dont on voit le foyer (``paires_du_foyer``)."""
    fratrie = (nb_paires_foyer + ENFANTS_A_PRIORI * FRATRIE_PAR_ENFANT) / (nb_observes + ENFANTS_A_PRIORI)
    inexpliquees = (max(nb_inscrits - nb_fiches_liees, 0) + ENFANTS_A_PRIORI * PART_FICHES_INEXPLIQUEES) / (
        nb_inscrits + ENFANTS_A_PRIORI
    )
    return fratrie * inexpliquees


def score_fratrie(
    familles: pl.DataFrame, nb_inscrits: int, nb_fiches_liees: int, modele: Modele, reglages: Reglages
) -> pl.Expr:
    """Expression du score « même enfant » contre « un enfant de son foyer », en bits, lue sur les
    niveaux d'accord d'une paire (colonnes ``prenom``, ``date_naissance``, ``sexe``)."""
    paires, observes = paires_du_foyer(familles)
    u = _u_fratrie(familles, paires, reglages.graine)
    taux = taux_fratrie(observes, paires.height, nb_inscrits, nb_fiches_liees)
    a_priori = math.log2(reglages.part_inscrits / taux)
    termes = []
    for champ in CHAMPS_FRATRIE:
        m = modele.champs[champ].m
        poids = [math.log2(max(mi, 1e-6) / max(ui, 1e-6)) for mi, ui in zip(m, u[champ], strict=True)]
        termes.append(
            pl.col(champ)
            .replace_strict(list(range(len(poids))), poids, return_dtype=pl.Float64)
            .fill_null(0.0)
        )
    return pl.lit(a_priori) + pl.sum_horizontal(termes)


def seuil_fratrie(reglages: Reglages) -> float:
    """Le score sous lequel le frère ou la sœur reste trop probable pour lier sans revue."""
    return math.log2((1 - reglages.risque_fratrie) / reglages.risque_fratrie)
