"""Modèle probabiliste de Fellegi–Sunter : pour chaque champ et chaque niveau d'accord, m et u.

m = probabilité du niveau quand les deux fiches sont le même enfant ; u = quand ce sont deux
enfants différents. Le poids d'un niveau est log2(m / u) : positif, il pousse vers « même enfant ».
u s'estime sur des paires tirées au hasard, m par l'algorithme EM sur les paires candidates de
chaque règle de blocage (sans les champs que la règle impose), comme le fait Splink. Le modèle
est une donnée simple, sans aucune identité : il s'enregistre et se relit en JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from appariement.blocage import REGLES
from appariement.comparaisons import CHAMPS, NIVEAUX

VERSION = 1
_PLANCHER = 1e-6

# Pour chaque estimation EM : les paires de quelles règles de blocage, et les champs que ces règles
# imposent (EM ne les estime pas là). Le sexe suit le prénom : deux homonymes de prénom ont presque
# toujours le même sexe, ce qui fausserait l'estimation ; il est donc écarté avec lui. Les deux
# règles « nom et prénom » sont réunies pour que la date voie tous ses niveaux d'accord.
ESTIMATIONS: dict[str, tuple[int, tuple[str, ...]]] = {
    "nom_date": (REGLES["nom_date"], ("nom", "date_naissance")),
    "prenom_date": (REGLES["prenom_date"], ("prenom", "sexe", "date_naissance")),
    "noms": (REGLES["noms_annee"] | REGLES["noms_jour"], ("nom", "prenom", "sexe")),
}


class ModeleInvalide(ValueError):
    """Le modèle relu n'a pas la forme attendue."""


@dataclass
class Parametres:
    """m et u d'un champ, un couple par niveau d'accord (dans l'ordre de ``NIVEAUX``)."""

    m: list[float]
    u: list[float]

    def poids(self) -> list[float]:
        """log2(m/u) par niveau ; aucun niveau ne pèse plus que l'accord parfait (niveau 0)."""
        bruts = [
            math.log2(max(m, _PLANCHER) / max(u, _PLANCHER)) for m, u in zip(self.m, self.u, strict=True)
        ]
        return [bruts[0], *(min(p, bruts[0]) for p in bruts[1:])]


@dataclass
class Modele:
    """Paramètres m/u de chaque champ, et comment ils ont été obtenus."""

    champs: dict[str, Parametres]
    origine: str = "defaut"
    estimations: dict[str, float] = field(default_factory=dict)

    def vers_json(self) -> str:
        return json.dumps(
            {
                "version": VERSION,
                "origine": self.origine,
                "estimations": self.estimations,
                "champs": {
                    nom: {"niveaux": list(NIVEAUX[nom]), "m": p.m, "u": p.u} for nom, p in self.champs.items()
                },
            },
            ensure_ascii=False,
            indent=2,
        )

    @classmethod
    def depuis_json(cls, texte: str) -> Modele:
        try:
            donnees = json.loads(texte)
            if donnees.get("version") != VERSION:
                raise ModeleInvalide(f"version de modèle inconnue (attendu {VERSION})")
            champs: dict[str, Parametres] = {}
            for nom in CHAMPS:
                bloc = donnees["champs"][nom]
                if list(bloc["niveaux"]) != list(NIVEAUX[nom]):
                    raise ModeleInvalide(f"les niveaux du champ {nom} ne correspondent pas à ce moteur")
                champs[nom] = Parametres(m=[float(x) for x in bloc["m"]], u=[float(x) for x in bloc["u"]])
            return cls(
                champs=champs,
                origine=str(donnees.get("origine", "fichier")),
                estimations={str(k): float(v) for k, v in donnees.get("estimations", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as erreur:
            if isinstance(erreur, ModeleInvalide):
                raise
            raise ModeleInvalide(f"modèle illisible : {erreur}") from erreur

    def table_poids(self) -> dict[str, list[float]]:
        return {nom: p.poids() for nom, p in self.champs.items()}


def modele_par_defaut() -> Modele:
    """Valeurs raisonnables, utilisées quand les données sont trop petites pour estimer."""
    return Modele(
        champs={
            "nom": Parametres(
                m=[0.88, 0.04, 0.02, 0.04, 0.01, 0.01], u=[0.002, 0.0005, 0.0003, 0.003, 0.02, 0.9742]
            ),
            "prenom": Parametres(
                m=[0.86, 0.02, 0.06, 0.04, 0.01, 0.01], u=[0.008, 0.002, 0.003, 0.01, 0.05, 0.927]
            ),
            "date_naissance": Parametres(
                m=[0.89, 0.02, 0.02, 0.03, 0.02, 0.01, 0.005, 0.005],
                u=[2.1e-4, 8e-5, 4e-4, 3e-3, 3e-3, 8e-3, 2e-4, 0.9851],
            ),
            "sexe": Parametres(m=[0.98, 0.02], u=[0.5, 0.5]),
            "adresse": Parametres(m=[0.85, 0.10, 0.05], u=[1e-4, 0.05, 0.9499]),
        }
    )


def estimer_u(niveaux: pl.DataFrame) -> dict[str, list[float]]:
    """u de chaque niveau : fréquence parmi des paires tirées au hasard (lissée, jamais nulle)."""
    resultat: dict[str, list[float]] = {}
    for nom in CHAMPS:
        nb = len(NIVEAUX[nom])
        valeurs = niveaux[nom].drop_nulls().to_numpy()
        comptes = np.bincount(valeurs.astype(np.int64), minlength=nb)[:nb].astype(np.float64)
        lisses = (comptes + 0.5) / (comptes.sum() + 0.5 * nb)
        resultat[nom] = [float(x) for x in lisses]
    return resultat


def _em(
    motifs: np.ndarray, effectifs: np.ndarray, champs: list[str], m: dict[str, np.ndarray],
    u: dict[str, np.ndarray], iterations: int, liens: np.ndarray, part_liens: float,
) -> tuple[dict[str, np.ndarray], float]:  # fmt: skip
    """EM sur les motifs distincts de niveaux (−1 = manquant), u fixé.

    ``liens`` : niveaux (mêmes colonnes) de paires qu'une personne a dites « même enfant », dont la
    probabilité a posteriori est fixée à 1 ; leur poids total reste au plus ``part_liens`` fois le
    nombre de liens estimés (voir ``estimer``). Elles n'entrent pas dans la part de vrais liens :
    elles ne sont pas tirées des paires candidates. Renvoie m et la part de vrais liens parmi les paires.
    """
    part = 0.1
    for _ in range(iterations):
        log_m = np.zeros(len(motifs))
        log_u = np.zeros(len(motifs))
        for k, nom in enumerate(champs):
            niveau = motifs[:, k]
            present = niveau >= 0
            log_m[present] += np.log(m[nom][niveau[present]])
            log_u[present] += np.log(u[nom][niveau[present]])
        a = np.log(part) + log_m
        b = np.log1p(-part) + log_u
        posterieur = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))
        poids = posterieur * effectifs
        part = float(np.clip(poids.sum() / effectifs.sum(), 1e-9, 1 - 1e-9))
        poids_lien = min(1.0, part_liens * poids.sum() / len(liens)) if len(liens) else 0.0
        for k, nom in enumerate(champs):
            niveau = motifs[:, k]
            present = niveau >= 0
            sommes = np.bincount(niveau[present], weights=poids[present], minlength=len(m[nom]))
            if poids_lien:
                observes = liens[:, k][liens[:, k] >= 0]
                sommes = sommes + poids_lien * np.bincount(observes, minlength=len(m[nom]))
            plancher = np.maximum(sommes / max(sommes.sum(), 1e-12), _PLANCHER)
            m[nom] = plancher / plancher.sum()
    return m, part


def estimer(
    niveaux_candidats: pl.DataFrame,
    niveaux_hasard: pl.DataFrame,
    depart: Modele,
    *,
    iterations: int = 25,
    liens_confirmes: pl.DataFrame | None = None,
    part_liens: float = 0.0,
) -> Modele:
    """Estime u sur les paires au hasard, puis m par EM règle par règle sur les paires candidates.

    ``niveaux_candidats`` a une colonne Int8 par champ et la colonne ``regles`` (masque de bits de
    ``blocage.REGLES``). Un champ jamais estimé garde les valeurs de ``depart``.

    ``liens_confirmes`` (mêmes colonnes de niveaux, sans ``regles``) : paires qu'une personne a dites
    « même enfant » à une campagne précédente (``apprentissage``), EM semi-supervisé. Ce sont des
    paires revues, donc ambiguës : elles surreprésentent les niveaux faibles. Elles ne pèsent donc
    jamais plus que ``part_liens`` des liens estimés de chaque règle ; elles corrigent m là où l'EM
    voit peu de vrais liens (les niveaux rares), sans dicter la forme de m.
    """
    u = {nom: np.array(v) for nom, v in estimer_u(niveaux_hasard).items()}
    estimations: dict[str, list[tuple[float, np.ndarray]]] = {nom: [] for nom in CHAMPS}
    parts: dict[str, float] = {}
    for regle, (masque, bloques) in ESTIMATIONS.items():
        champs = [nom for nom in CHAMPS if nom not in bloques]
        sous_ensemble = niveaux_candidats.filter((pl.col("regles") & masque) > 0)
        if sous_ensemble.height == 0:
            continue
        motifs_table = sous_ensemble.group_by(
            [pl.col(n).fill_null(-1) for n in champs], maintain_order=True
        ).len()
        motifs = motifs_table.select(champs).to_numpy().astype(np.int64)
        effectifs = motifs_table["len"].to_numpy().astype(np.float64)
        m = {nom: np.array(depart.champs[nom].m, dtype=np.float64) for nom in champs}
        liens = (
            liens_confirmes.select(pl.col(n).fill_null(-1) for n in champs).to_numpy().astype(np.int64)
            if liens_confirmes is not None
            else np.zeros((0, len(champs)), dtype=np.int64)
        )
        m, part = _em(motifs, effectifs, champs, m, u, iterations, liens, part_liens)
        parts[regle] = part
        for nom in champs:
            estimations[nom].append((part * effectifs.sum(), m[nom]))
    champs_estimes: dict[str, Parametres] = {}
    for nom in CHAMPS:
        if estimations[nom]:
            total = sum(p for p, _ in estimations[nom])
            m_moyen = np.sum([p * valeurs for p, valeurs in estimations[nom]], axis=0) / max(total, 1e-12)
            m_liste = [float(x) for x in m_moyen]
        else:
            m_liste = list(depart.champs[nom].m)
        champs_estimes[nom] = Parametres(m=m_liste, u=[float(x) for x in u[nom]])
    return Modele(
        champs=champs_estimes,
        origine="em" if liens_confirmes is None or liens_confirmes.is_empty() else "em+retours",
        estimations={f"part_liens_{regle}": part for regle, part in parts.items()},
    )
