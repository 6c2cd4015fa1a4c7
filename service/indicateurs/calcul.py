"""Calcul des indicateurs mensuels à partir des seuls événements de cas (aucune donnée personnelle).

Un événement dit qu'un cas d'une commune est passé d'une étape (``de``) à une autre (``etape``) à
une date, avec parfois un motif (motif de classement, type d'enquête, suite donnée). Les indicateurs d'un mois
comptent les étapes atteintes ce mois-là ; « ouverts en fin de mois » regarde l'étape où en est
chaque cas au dernier jour du mois.

Les événements arrivent **dans l'ordre où ils ont été enregistrés**, et c'est cet ordre qui dit
quelle étape suit quelle autre : la date d'effet place une étape dans un mois, jamais avant celle
qui l'a précédée (une rescolarisation datée du 5 décembre, saisie après une transmission du 7, est
bien la dernière étape du cas).
"""

from __future__ import annotations

import calendar
import re
import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from service.registre import procedure

# Étapes après lesquelles un cas n'est plus ouvert.
ETAPES_CLOSES = procedure.STATUTS_CLOS | {procedure.PURGE}

MOTIFS_CLASSEMENT = procedure.MOTIFS_CLASSEMENT

SCHEMA_EVENEMENTS = {
    "cas": pl.Utf8,
    "commune": pl.Utf8,
    "date": pl.Date,
    "de": pl.Utf8,
    "etape": pl.Utf8,
    "motif": pl.Utf8,
}


@dataclass(frozen=True)
class Indicateur:
    cle: str
    libelle: str
    delai: bool = False


INDICATEURS: tuple[Indicateur, ...] = (
    Indicateur("reperes", "Situations repérées"),
    Indicateur("verifiees", "Situations vérifiées"),
    Indicateur("classees", "Situations classées"),
    *(Indicateur(f"classees_{m}", f"dont classées : {libelle}") for m, libelle in MOTIFS_CLASSEMENT.items()),
    Indicateur("transmissions", "Déscolarisations constatées (transmises à la DASEN)"),
    Indicateur("controles", "Contrôles de l'instruction dans la famille"),
    Indicateur("mises_en_demeure", "Mises en demeure"),
    Indicateur("rescolarisations", "Rescolarisations suite à mise en demeure"),
    Indicateur("signalements", "Signalements au procureur"),
    Indicateur("enquetes_police", "Enquêtes de police suite aux signalements"),
    Indicateur("enquetes_sociales", "Enquêtes sociales suite aux signalements"),
    Indicateur("stages_parentalite", "Stages de parentalité ordonnés"),
    Indicateur("ouverts_fin_de_mois", "Cas ouverts en fin de mois"),
    Indicateur("delai_transmission", "Délai médian repérage → transmission (jours)", delai=True),
    Indicateur("delai_rescolarisation", "Délai médian mise en demeure → rescolarisation (jours)", delai=True),
)


MASQUE_SECONDAIRE = "masqué"


class MoisInvalide(ValueError):
    """Le mois demandé n'est pas de la forme AAAA-MM."""


@dataclass(frozen=True)
class Mois:
    annee: int
    numero: int

    @classmethod
    def lire(cls, texte: str) -> Mois:
        trouve = re.fullmatch(r"(\d{4})-(\d{2})", texte.strip())
        if not trouve or not 1 <= int(trouve.group(2)) <= 12:
            raise MoisInvalide(f"Mois « {texte} » invalide : écrivez-le AAAA-MM, par exemple 2026-10.")
        return cls(int(trouve.group(1)), int(trouve.group(2)))

    @classmethod
    def precedent(cls, jour: date) -> Mois:
        if jour.month == 1:
            return cls(jour.year - 1, 12)
        return cls(jour.year, jour.month - 1)

    @property
    def debut(self) -> date:
        return date(self.annee, self.numero, 1)

    @property
    def fin(self) -> date:
        return date(self.annee, self.numero, calendar.monthrange(self.annee, self.numero)[1])

    def __str__(self) -> str:
        return f"{self.annee:04d}-{self.numero:02d}"


@dataclass(frozen=True)
class Commune:
    insee: str
    nom: str
    departement: str


@dataclass
class Ligne:
    """Les indicateurs d'une commune, ou le total d'un département (``commune`` vide)."""

    departement: str
    commune: Commune | None
    valeurs: dict[str, int | float | None]
    # Nombre de cas sur lesquels porte chaque délai médian (pour le masquage).
    effectifs_delais: dict[str, int] = field(default_factory=dict)
    # Effectifs masqués, bien qu'au-dessus du seuil, pour qu'un petit ne se déduise pas d'un total.
    masques_secondaires: set[str] = field(default_factory=set)

    @property
    def libelle(self) -> str:
        if self.commune is None:
            return f"Total département {self.departement}"
        return f"{self.commune.nom} ({self.commune.insee})"


@dataclass
class Tableau:
    mois: Mois
    lignes: list[Ligne]
    seuil_masquage: int | None = None

    def valeur_affichee(self, ligne: Ligne, indicateur: Indicateur) -> int | float | str | None:
        """La valeur telle qu'elle doit paraître, masquée sous le seuil quand il est demandé."""
        valeur = ligne.valeurs[indicateur.cle]
        seuil = self.seuil_masquage
        if seuil is None or valeur is None:
            return valeur
        if indicateur.delai:
            return valeur if ligne.effectifs_delais.get(indicateur.cle, 0) >= seuil else f"< {seuil} cas"
        if _sous_le_seuil(valeur, seuil):
            return f"< {seuil}"
        if indicateur.cle in ligne.masques_secondaires:
            return MASQUE_SECONDAIRE
        return valeur


def _evenements(evenements: pl.DataFrame) -> pl.DataFrame:
    manquantes = set(SCHEMA_EVENEMENTS) - set(evenements.columns)
    if manquantes:
        raise ValueError(f"colonnes d'événements manquantes : {sorted(manquantes)}")
    return evenements.select(pl.col(c).cast(t) for c, t in SCHEMA_EVENEMENTS.items())


def _valeurs(ev: pl.DataFrame, mois: Mois) -> pl.DataFrame:
    """Une ligne par commune présente dans les événements, une colonne par indicateur."""
    dans_mois = pl.col("date").is_between(mois.debut, mois.fin)
    # L'ordre d'enregistrement, pas la date d'effet, dit quelle étape suit quelle autre.
    ev = ev.sort("cas", maintain_order=True)
    # Un cas rouvert (de nouveau repéré) commence un nouvel épisode : délais et « suite à mise en
    # demeure » se lisent dans l'épisode, depuis son repérage, jamais depuis un épisode ancien.
    ev = ev.with_columns(
        (pl.col("etape") == procedure.REPERE).cast(pl.Int32).cum_sum().over("cas").alias("episode")
    )

    def derniere_date(etape: str) -> pl.Expr:
        return pl.when(pl.col("etape") == etape).then(pl.col("date")).forward_fill().over("cas", "episode")

    ev = ev.with_columns(
        derniere_date(procedure.MISE_EN_DEMEURE).alias("date_med"),
        derniere_date(procedure.REPERE).alias("date_repere"),
    )

    def compte(condition: pl.Expr, nom: str) -> pl.Expr:
        return (condition & dans_mois).sum().cast(pl.Int64).alias(nom)

    etape = pl.col("etape")
    motif = pl.col("motif")
    transmission = etape == procedure.TRANSMIS
    rescolarisation = (etape == procedure.RESCOLARISE) & pl.col("date_med").is_not_null()
    agregats = [
        compte(etape == procedure.REPERE, "reperes"),
        # Une vérification est une décision ; l'effacement en fin de conservation n'en est pas une.
        compte(
            (pl.col("de") == procedure.REPERE) & ~etape.is_in([procedure.REPERE, procedure.PURGE]),
            "verifiees",
        ),
        compte(etape == procedure.CLASSE, "classees"),
        *(compte((etape == procedure.CLASSE) & (motif == m), f"classees_{m}") for m in MOTIFS_CLASSEMENT),
        compte(transmission, "transmissions"),
        compte(etape == procedure.CONTROLE, "controles"),
        compte(etape == procedure.MISE_EN_DEMEURE, "mises_en_demeure"),
        compte(rescolarisation, "rescolarisations"),
        compte(etape == procedure.SIGNALEMENT, "signalements"),
        compte((etape == procedure.ENQUETE) & (motif == procedure.ENQUETE_POLICE), "enquetes_police"),
        compte(
            (etape == procedure.ENQUETE) & (motif == procedure.ENQUETE_SERVICES_SOCIAUX), "enquetes_sociales"
        ),
        compte((etape == procedure.SUITES) & (motif == procedure.STAGE_PARENTALITE), "stages_parentalite"),
        (pl.col("date") - pl.col("date_repere"))
        .dt.total_days()
        .filter(transmission & dans_mois)
        .alias("_delais_transmission"),
        (pl.col("date") - pl.col("date_med"))
        .dt.total_days()
        .filter(rescolarisation & dans_mois)
        .alias("_delais_rescolarisation"),
    ]
    par_commune = ev.group_by("commune").agg(agregats)
    etat_fin = (
        ev.filter(pl.col("date") <= mois.fin)
        .group_by("cas", "commune")
        .agg(pl.col("etape").last())
        .group_by("commune")
        .agg((~pl.col("etape").is_in(list(ETAPES_CLOSES))).sum().cast(pl.Int64).alias("ouverts_fin_de_mois"))
    )
    return par_commune.join(etat_fin, on="commune", how="left").with_columns(
        pl.col("ouverts_fin_de_mois").fill_null(0)
    )


def _mediane(delais: list[int]) -> float | None:
    return round(float(statistics.median(delais)), 1) if delais else None


def _ligne(departement: str, commune: Commune | None, rangs: list[dict[str, Any]]) -> Ligne:
    """Additionne les comptes des rangs ; les délais médians portent sur tous leurs cas réunis."""
    valeurs: dict[str, int | float | None] = {}
    effectifs: dict[str, int] = {}
    for indicateur in INDICATEURS:
        if indicateur.delai:
            cle_delais = "_delais_" + indicateur.cle.removeprefix("delai_")
            delais = [int(d) for rang in rangs for d in rang.get(cle_delais) or []]
            valeurs[indicateur.cle] = _mediane(delais)
            effectifs[indicateur.cle] = len(delais)
        else:
            valeurs[indicateur.cle] = sum(int(rang.get(indicateur.cle) or 0) for rang in rangs)
    return Ligne(departement, commune, valeurs, effectifs)


def _sous_le_seuil(valeur: int | float | None, seuil: int) -> bool:
    return valeur is not None and 0 < valeur < seuil


def _masquer_les_complements(lignes: list[Ligne], seuil: int) -> None:
    """Masquage secondaire : un effectif masqué ne doit pas se retrouver par soustraction.

    Deux égalités lient les chiffres publiés : le total d'un département est la somme de ses
    communes, et les classées sont la somme des classées par motif. Si un seul nombre d'une de ces
    sommes est masqué, on le retrouve en retranchant les autres : on masque alors aussi le plus
    petit nombre non nul de la somme, jusqu'à ce qu'aucune ne garde un seul nombre masqué.
    """
    comptes = [i.cle for i in INDICATEURS if not i.delai]
    masques = {
        (rang, cle)
        for rang, ligne in enumerate(lignes)
        for cle in comptes
        if _sous_le_seuil(ligne.valeurs[cle], seuil)
    }
    sommes: list[list[tuple[int, str]]] = []
    for departement in sorted({ligne.departement for ligne in lignes}):
        rangs = [rang for rang, ligne in enumerate(lignes) if ligne.departement == departement]
        sommes.extend([(rang, cle) for rang in rangs] for cle in comptes)
    for rang in range(len(lignes)):
        sommes.append([(rang, "classees"), *((rang, f"classees_{m}") for m in MOTIFS_CLASSEMENT)])

    def valeur(cellule: tuple[int, str]) -> float:
        return float(lignes[cellule[0]].valeurs[cellule[1]] or 0)

    change = True
    while change:
        change = False
        for somme in sommes:
            if sum(cellule in masques for cellule in somme) != 1:
                continue
            visibles = [c for c in somme if c not in masques and valeur(c) > 0]
            if visibles:
                choisie = min(visibles, key=lambda c: (valeur(c), c))
                masques.add(choisie)
                lignes[choisie[0]].masques_secondaires.add(choisie[1])
                change = True


def calculer(
    evenements: pl.DataFrame,
    mois: Mois,
    communes: list[Commune],
    *,
    seuil_masquage: int | None = None,
) -> Tableau:
    """Les indicateurs du mois pour ces communes, puis le total de chaque département.

    ``evenements`` est dans l'ordre où les étapes ont été enregistrées. Seuls les événements des
    communes données comptent : l'appelant y met la portée de l'utilisateur. Une commune sans
    événement figure avec des zéros.
    """
    codes = [c.insee for c in communes]
    ev = _evenements(evenements).filter(pl.col("commune").is_in(codes))
    rangs = {str(r["commune"]): r for r in _valeurs(ev, mois).iter_rows(named=True)}
    lignes: list[Ligne] = []
    for departement in sorted({c.departement for c in communes}):
        du_departement = sorted((c for c in communes if c.departement == departement), key=lambda c: c.nom)
        for commune in du_departement:
            lignes.append(_ligne(departement, commune, [rangs.get(commune.insee, {})]))
        lignes.append(_ligne(departement, None, [rangs.get(c.insee, {}) for c in du_departement]))
    if seuil_masquage is not None:
        _masquer_les_complements(lignes, seuil_masquage)
    return Tableau(mois, lignes, seuil_masquage)
