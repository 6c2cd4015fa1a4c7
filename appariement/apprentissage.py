"""Ce que le moteur apprend des personnes qui tranchent les cas « à vérifier ».

Quand un agent dit « c'est cet élève » ou « aucun n'est l'enfant », chaque paire qu'il a regardée
(l'enfant et une fiche candidate) devient un ``Retour`` : les seuls niveaux d'accord de chaque champ
(les noms de ``comparaisons.NIVEAUX``, « manquant » si un côté n'a pas la donnée, tels que les rend
``comparer_fiches``) et la décision. Aucune identité, aucun identifiant, aucune date : un retour ne
désigne personne. Ils se gardent par commune et servent à la campagne suivante, de deux façons :

- **m** : les paires dites « même enfant » sont des exemples de vrais liens ; elles entrent dans
  l'estimation de m (``modele.estimer``, ou ``mettre_a_jour_m`` quand le modèle n'est pas estimé) ;
- **les règles de revue** : pour chaque *motif* (les niveaux de tous les champs et l'inversion, tels
  quels), la probabilité que ce soit le même enfant suit une loi bêta (a priori, puis les retours).
  Un motif presque toujours dit « même enfant » (``CONFIRME``) lève les règles qui envoient en revue
  quel que soit le score ; un motif presque toujours dit « pas le même » (``DEMENTI``) n'est plus
  lié. Jamais le contrôle des concurrents ni la preuve faible : voir ``decisions`` et ``moteur``.

Règle de sûreté : une réponse « pas le même » ne rend jamais un lien plus facile. Elle n'entre pas
dans m (une paire qui n'est pas un vrai lien ne dit rien de m), elle abaisse la borne basse de son
motif (jamais confirmé grâce à elle) et ne peut que le faire démentir (plus de lien).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from appariement.comparaisons import CHAMPS, NIVEAUX, niveau
from appariement.modele import Modele, Parametres
from appariement.reglages import Reglages

MANQUANT = "manquant"
AVIS = "avis_retours"
"""Colonne des paires : ``CONFIRME``, ``DEMENTI`` ou null (pas de retours assez nombreux, ou aucun)."""
CONFIRME = 1
DEMENTI = -1


@dataclass(frozen=True)
class Retour:
    """Une paire tranchée par une personne : niveaux d'accord par champ, et si c'est le même enfant.

    ``niveaux`` : pour chaque champ de ``comparaisons.CHAMPS``, le nom du niveau ou « manquant » ;
    la clé ``inversion`` vaut « oui » ou « non » (nom et prénom échangés)."""

    niveaux: Mapping[str, str]
    meme_enfant: bool


class RetourInvalide(ValueError):
    """Un retour dont un niveau n'est pas un niveau de ce moteur."""


# Le motif d'une paire en un entier : chaque champ en base (nombre de niveaux + 1), 0 pour manquant,
# puis l'inversion. Le calcul se fait sur les colonnes Int8 des paires, sans chaîne ni jointure.
_BASES = [len(NIVEAUX[champ]) + 1 for champ in CHAMPS]


def _code(rangs: Sequence[int | None], inversion: bool) -> int:
    code = 0
    for rang, base in zip(rangs, _BASES, strict=True):
        code = code * base + (0 if rang is None else rang + 1)
    return code * 2 + int(inversion)


def cle_motif() -> pl.Expr:
    """Le code du motif de chaque paire (colonnes de niveaux des paires et ``inversion``)."""
    code: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for champ, base in zip(CHAMPS, _BASES, strict=True):
        code = code * base + (pl.col(champ).cast(pl.Int64) + 1).fill_null(0)
    return code * 2 + pl.col("inversion").fill_null(False).cast(pl.Int64)


def rangs(retour: Retour) -> tuple[list[int | None], bool]:
    """Le rang de chaque niveau du retour (None : manquant) et l'inversion ; refuse un nom inconnu."""
    resultat: list[int | None] = []
    for champ in CHAMPS:
        nom = retour.niveaux.get(champ, MANQUANT)
        if nom == MANQUANT:
            resultat.append(None)
        elif nom in NIVEAUX[champ]:
            resultat.append(niveau(champ, nom))
        else:
            raise RetourInvalide(f"niveau inconnu dans un retour : {champ} « {nom} »")
    inversion = retour.niveaux.get("inversion", "non")
    if inversion not in ("oui", "non"):
        raise RetourInvalide(f"inversion inconnue dans un retour : « {inversion} »")
    return resultat, inversion == "oui"


def _quantile_beta(a: float, b: float, q: float) -> float:
    """Quantile q de la loi bêta(a, b), lu sur sa densité intégrée sur une grille fine."""
    x = np.linspace(0.0, 1.0, 20_001)[1:-1]
    log_densite = (a - 1) * np.log(x) + (b - 1) * np.log1p(-x)
    densite = np.exp(log_densite - log_densite.max())
    cumul = np.cumsum(densite)
    return float(x[min(int(np.searchsorted(cumul, q * cumul[-1])), len(x) - 1)])


def avis_par_motif(retours: Sequence[Retour], reglages: Reglages) -> dict[int, int]:
    """Pour chaque motif assez vu (``retours_min``), ``CONFIRME`` ou ``DEMENTI`` s'il l'est.

    La part de « même enfant » d'un motif suit bêta(a + oui, b + non), a et b étant l'a priori
    (``retours_a_priori``). Confirmé : sa borne basse (quantile ``1 − retours_confiance``) dépasse
    ``retours_p_meme`` ; démenti : sa borne haute reste sous ``retours_p_pas_meme``.

    Biais : les paires revues sont les paires ambiguës, pas un tirage de toutes les paires de ce
    motif. Le motif est pris *exact* (tous les niveaux et l'inversion), et l'avis ne s'applique qu'à
    des paires de même motif, que les règles envoyaient aussi en revue : la sélection ne dépend que
    du motif, la part apprise vaut donc pour les paires qui en relèvent. Le score, lui, varie dans un
    même motif (fréquence des noms, établissement) : c'est pourquoi la borne basse est exigeante.
    """
    oui: Counter[int] = Counter()
    non: Counter[int] = Counter()
    for retour in retours:
        code = _code(*rangs(retour))
        (oui if retour.meme_enfant else non)[code] += 1
    a, b = reglages.retours_a_priori
    avis: dict[int, int] = {}
    for code in oui.keys() | non.keys():
        n_oui, n_non = oui[code], non[code]
        if n_oui + n_non < reglages.retours_min:
            continue
        risque = 1.0 - reglages.retours_confiance
        if _quantile_beta(a + n_oui, b + n_non, risque) >= reglages.retours_p_meme:
            avis[code] = CONFIRME
        elif _quantile_beta(a + n_oui, b + n_non, 1.0 - risque) <= reglages.retours_p_pas_meme:
            avis[code] = DEMENTI
    return avis


def avis_des_retours(avis: Mapping[int, int]) -> pl.Expr:
    """La colonne ``AVIS`` des paires : l'avis de leur motif, null s'il n'y en a pas."""
    if not avis:
        return pl.lit(None, dtype=pl.Int8).alias(AVIS)
    return (
        cle_motif()
        .replace_strict(list(avis), list(avis.values()), default=None, return_dtype=pl.Int8)
        .alias(AVIS)
    )


def confirme_par_les_retours() -> pl.Expr:
    """Le motif de la paire a presque toujours été dit « même enfant » : les règles qui envoient en
    revue quel que soit le score (désaccord bloquant, suppléments de seuil, score intermédiaire) ne
    s'appliquent pas. Le contrôle des concurrents et la preuve faible, si."""
    return (pl.col(AVIS) == CONFIRME).fill_null(False)


def dementi_par_les_retours() -> pl.Expr:
    """Le motif de la paire a presque toujours été dit « pas le même enfant » : elle n'est pas liée."""
    return (pl.col(AVIS) == DEMENTI).fill_null(False)


def niveaux_des_liens(retours: Sequence[Retour]) -> pl.DataFrame:
    """Les paires dites « même enfant », en colonnes de niveaux (Int8, null : manquant) comme les
    paires du moteur. Les autres n'entrent pas dans m (voir la règle de sûreté en tête du module)."""
    lignes = [rangs(r)[0] for r in retours if r.meme_enfant]
    return pl.DataFrame(
        {champ: [ligne[k] for ligne in lignes] for k, champ in enumerate(CHAMPS)},
        schema={champ: pl.Int8 for champ in CHAMPS},
    )


def m_mis_a_jour(modele: Modele, retours: Sequence[Retour], force: float) -> Modele:
    """Le modèle dont m est mis à jour comme par un a priori de Dirichlet : pour chaque champ,
    ``force`` paires fictives réparties selon m, plus les niveaux des liens dits « même enfant ».

    Pour un modèle qui n'est pas estimé sur les données (listes trop petites). Les liens revus sont
    les liens ambigus : ils surreprésentent les niveaux faibles ; ``force`` borne leur effet (tant
    qu'ils sont moins nombreux qu'elle, ils déplacent m de moins de moitié). u ne change pas."""
    liens = niveaux_des_liens(retours)
    if liens.is_empty():
        return modele
    champs: dict[str, Parametres] = {}
    for champ, parametres in modele.champs.items():
        observes = liens[champ].drop_nulls().to_numpy().astype(np.int64)
        comptes = np.bincount(observes, minlength=len(parametres.m))
        total = force + comptes.sum()
        m = [(force * p + c) / total for p, c in zip(parametres.m, comptes, strict=True)]
        champs[champ] = Parametres(m=[float(x) for x in m], u=list(parametres.u))
    estimations = {**modele.estimations, "liens_confirmes": float(liens.height)}
    return Modele(champs=champs, origine=f"{modele.origine}+retours", estimations=estimations)
