"""``apparier`` : décide, pour chaque enfant des listes CAF/MSA, s'il est retrouvé sur une liste.

Étapes, chacune dans son module : contrôle des tables (``controles``), normalisation, paires
candidates (blocage), niveaux d'accord par champ et score de Fellegi–Sunter (``notation`` : poids
log2(m/u), ajustés à la fréquence des noms et prénoms), affectation un-à-un par meilleurs choix
mutuels (``affectation``), seconde passe par l'établissement fréquenté (``seconde_passe``), doutes
(``doutes``), motif et statut (``decisions``), explication (``explications``). Un lien n'est posé que
si son score est haut et qu'aucun concurrent (un frère, une sœur, un jumeau, une autre fiche) n'en
approche : sinon la décision revient à une personne, avec les meilleurs candidats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import polars as pl

from appariement.affectation import affecter, par_rang
from appariement.apprentissage import (
    Retour,
    avis_des_retours,
    avis_par_motif,
    dementi_par_les_retours,
    m_mis_a_jour,
    niveaux_des_liens,
)
from appariement.blocage import paires_candidates
from appariement.comparaisons import CHAMPS, NIVEAUX
from appariement.controles import COLONNES_FAMILLES, COLONNES_INSCRITS, DonneesInvalides, completer
from appariement.decisions import STATUTS, eligibilite, liable, motif, seuil, statut, veto_ecole
from appariement.doutes import reperer_doutes
from appariement.explications import expliquer
from appariement.fratrie import score_fratrie
from appariement.modele import Modele, estimer, modele_par_defaut
from appariement.normalisation import Contexte, preparer
from appariement.notation import comparer_paires, niveaux_au_hasard, noter
from appariement.reglages import Reglages
from appariement.seconde_passe import poids_ecole

__all__ = [
    "STATUTS",
    "DonneesInvalides",
    "Reglages",
    "Resultat",
    "apparier",
    "comparer_fiches",
    "comparer_lots_de_fiches",
]

SCHEMA_CANDIDATS = pl.List(pl.Struct({"id_inscrit": pl.String, "score": pl.Float64}))


@dataclass
class Resultat:
    """Décisions (une ligne par ligne de ``familles``, dans le même ordre) et modèle utilisé."""

    decisions: pl.DataFrame
    modele: Modele
    nb_paires_candidates: int

    def comptes(self) -> dict[str, int]:
        presents = dict(self.decisions.group_by("statut").len().iter_rows())
        return {statut: int(presents.get(statut, 0)) for statut in STATUTS}


def comparer_fiches(famille: Mapping[str, object], inscrit: Mapping[str, object]) -> dict[str, str]:
    """Niveau d'accord de chaque champ entre deux fiches isolées (pour expliquer ou vérifier un cas).

    Les clés absentes valent null ; la date est une ``datetime.date``. Rend, par champ, le nom du
    niveau (« manquant » si l'un des côtés n'a pas la donnée), et ``inversion`` (« oui »/« non »).
    """
    return comparer_lots_de_fiches([(famille, inscrit)])[0]


def comparer_lots_de_fiches(
    paires: Sequence[tuple[Mapping[str, object], Mapping[str, object]]],
) -> list[dict[str, str]]:
    """``comparer_fiches`` de chaque paire (enfant, fiche), mêmes niveaux, une préparation par lot.

    Chaque enfant reste isolé comme dans ``comparer_fiches`` : deux enfants d'un même foyer (même
    allocataire à la même adresse, tel que le moteur le reconnaît) ne sont jamais dans le même lot,
    sans quoi le niveau ``famille`` du nom lirait le nom de l'un pour l'autre.
    """

    def table(fiches: list[Mapping[str, object]], colonnes: tuple[str, ...], nom: str) -> pl.DataFrame:
        schema = {c: (pl.Date if c == "date_naissance" else pl.String) for c in colonnes}
        lignes = [{c: fiche.get(c) for c in colonnes} for fiche in fiches]
        return completer(pl.DataFrame(lignes, schema=schema), colonnes, nom)

    def cle(fiche: Mapping[str, object], colonnes: tuple[str, ...]) -> tuple[object, ...]:
        return tuple(fiche.get(c) for c in colonnes)

    enfants = list({cle(f, COLONNES_FAMILLES): f for f, _ in paires}.values())
    rang_enfant = {cle(f, COLONNES_FAMILLES): k for k, f in enumerate(enfants)}
    foyers = preparer(table(enfants, COLONNES_FAMILLES, "familles"), inscrits=False, contexte=Contexte())
    # Lot de chaque enfant : son rang parmi les enfants de son foyer (0 sans foyer reconnu).
    lots = foyers.select(pl.int_range(pl.len()).over("foyer").alias("lot"))["lot"].to_list()
    resultats: list[dict[str, str]] = [{} for _ in paires]
    for lot in sorted(set(lots)):
        rangs = [k for k, (f, _) in enumerate(paires) if lots[rang_enfant[cle(f, COLONNES_FAMILLES)]] == lot]
        familles = list({cle(paires[k][0], COLONNES_FAMILLES): paires[k][0] for k in rangs}.values())
        fiches = list({cle(paires[k][1], COLONNES_INSCRITS): paires[k][1] for k in rangs}.values())
        fi = {cle(f, COLONNES_FAMILLES): n for n, f in enumerate(familles)}
        ii = {cle(i, COLONNES_INSCRITS): n for n, i in enumerate(fiches)}
        contexte = Contexte()
        f = preparer(table(familles, COLONNES_FAMILLES, "familles"), inscrits=False, contexte=contexte)
        brute = table(fiches, COLONNES_INSCRITS, "inscrits")
        i = preparer(brute, inscrits=True, contexte=contexte)
        index = pl.DataFrame(
            {
                "fi": [fi[cle(paires[k][0], COLONNES_FAMILLES)] for k in rangs],
                "ii": [ii[cle(paires[k][1], COLONNES_INSCRITS)] for k in rangs],
            },
            schema={"fi": pl.UInt32, "ii": pl.UInt32},
        )
        compares = comparer_paires(f, i, brute, index, contexte).iter_rows(named=True)
        for k, niveaux in zip(rangs, compares, strict=True):
            resultat = {
                champ: "manquant" if niveaux[champ] is None else NIVEAUX[champ][niveaux[champ]]
                for champ in CHAMPS
            }
            resultat["inversion"] = "oui" if niveaux["inversion"] else "non"
            resultats[k] = resultat
    return resultats


def apparier(
    familles: pl.DataFrame,
    inscrits: pl.DataFrame,
    date_reference: date,
    *,
    modele: Modele | None = None,
    reglages: Reglages | None = None,
    retours: Sequence[Retour] = (),
) -> Resultat:
    """Décide, pour chaque enfant de ``familles``, s'il est retrouvé dans ``inscrits``.

    Les deux tables sont les tables canoniques (voir docs/appariement.md). Rien n'est lu ni écrit
    ailleurs, rien n'est journalisé. Sans ``modele``, m et u sont estimés sur les données (EM)
    quand elles sont assez grandes, sinon le modèle par défaut sert.

    ``retours`` : les paires tranchées par les personnes aux campagnes précédentes de la commune
    (``apprentissage.Retour``, niveaux d'accord et décision, rien qui désigne quelqu'un). Les liens
    confirmés entrent dans l'estimation de m (ou mettent à jour m du modèle par défaut) ; un motif de
    niveaux presque toujours dit « même enfant » n'est plus envoyé en revue par les règles qui le
    font quel que soit le score, un motif presque toujours dit « pas le même » n'est plus lié. Un
    ``modele`` fourni sert tel quel : les retours n'agissent alors que sur les règles de revue.
    Sans retours, les décisions sont celles d'avant.
    """
    reglages = reglages or Reglages()
    avis = avis_par_motif(retours, reglages)
    # Dictionnaire de valeurs propre à cet appel, libéré ensuite.
    contexte = Contexte()
    familles = completer(familles, COLONNES_FAMILLES, "familles")
    inscrits = completer(inscrits, COLONNES_INSCRITS, "inscrits")
    # Les deux tables se préparent en même temps : une bonne part du travail ne tient qu'un cœur.
    with ThreadPoolExecutor(max_workers=2) as fils:
        preparation_f = fils.submit(preparer, familles, inscrits=False, contexte=contexte)
        preparation_i = fils.submit(preparer, inscrits, inscrits=True, contexte=contexte)
        f, i = preparation_f.result(), preparation_i.result()

    estimation = (
        modele is None
        and f.height >= reglages.taille_min_estimation
        and i.height >= reglages.taille_min_estimation
    )
    with ThreadPoolExecutor(max_workers=1) as fil:
        # Les paires au hasard (qui donnent u) se comparent pendant le blocage et la comparaison des
        # paires candidates : les deux calculs laissent chacun une part du second cœur libre.
        hasard = fil.submit(niveaux_au_hasard, f, i, inscrits, contexte, reglages) if estimation else None
        index = paires_candidates(f, i)
        # Les colonnes des paires sont libérées au retour : les niveaux et les rangs (fi, ii) suffisent.
        niveaux = comparer_paires(f, i, inscrits, index, contexte).with_columns(
            index["fi"], index["ii"], index["regles"]
        )
        if modele is None:
            modele = modele_par_defaut()
            if hasard is not None:
                modele = estimer(
                    niveaux,
                    hasard.result(),
                    modele,
                    liens_confirmes=niveaux_des_liens(retours) if retours else None,
                    part_liens=reglages.retours_part_em,
                )
            elif retours:
                modele = m_mis_a_jour(modele, retours, reglages.retours_force_dirichlet)

    # Les liens, le veto d'établissement et les doutes se décident sans l'avis des retours (colonne
    # vide) : un avis ne retire jamais un concurrent, et un motif qui perd sa confirmation (une
    # réponse « pas le même » de plus) ne rend aucun autre lien plus facile.
    notes = noter(niveaux, f, i, modele, reglages).with_columns(
        pl.lit(i["mode"]).gather(pl.col("ii")), avis_des_retours({})
    )
    lien = par_rang(f.height, *affecter(notes, reglages.seuil_revue).select("fi", "ii"))
    # Second tour : l'établissement fréquenté, appris sur les liens sûrs du premier, départage les
    # fiches dont l'école ne confirme pas l'adresse.
    ecoles = inscrits["uai"].str.strip_chars().str.to_uppercase().cast(pl.Categorical(contexte.categories))
    notes = notes.with_columns(poids_ecole(notes, lien, f["code_postal"], ecoles, reglages)).with_columns(
        pl.col("score") + pl.col("poids_ecole").fill_null(0.0)
    )
    lien = par_rang(f.height, *affecter(notes, reglages.seuil_revue).select("fi", "ii"))
    # Les index de lignes (fi, ii) sont les rangs dans f et i : un identifiant, une date ou le lien
    # d'un enfant se lisent par simple indexation, sans jointure.
    notes = notes.with_columns(
        (pl.col("ii") == pl.lit(lien).gather(pl.col("fi"))).fill_null(False).alias("lie")
    )
    # Le frère ou la sœur : jugé avec les fiches que ce second tour a su lier.
    notes = notes.with_columns(
        score_fratrie(f, i.height, int(lien.is_not_null().sum()), modele, reglages).alias("score_fratrie")
    )
    veto = veto_ecole(notes, f.height, reglages)
    notes = notes.with_columns(liable(reglages, veto).alias("liable"))
    doutes = reperer_doutes(notes, f.height, i.height, reglages)
    if avis:
        # La paire démentie garde son rôle de concurrent (un jumeau absent la dispute encore à son
        # frère) mais n'est plus un lien : l'enfant ressort non retrouvé, avec ses candidats, et sa
        # fiche reste prise (aucun autre lien n'en devient plus facile).
        notes = notes.with_columns(avis_des_retours(avis)).with_columns(
            pl.col("lie") & ~dementi_par_les_retours()
        )

    ordre = (
        notes.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("k"), "fi", "ii", "score", "lie")
        .sort(["fi", "score", "ii"], descending=[False, True, False])
        .with_columns(pl.lit(i["id"]).gather(pl.col("ii")).alias("id_inscrit"))
    )
    meilleurs = ordre.group_by("fi", maintain_order=True).agg(
        pl.struct("id_inscrit", pl.col("score").cast(pl.Float64))
        .head(reglages.nb_candidats)
        .alias("candidats"),
        # La paire expliquée : le lien retenu, sinon le meilleur candidat.
        pl.coalesce(pl.col("k").filter(pl.col("lie")).first(), pl.col("k").first()).alias("k"),
    )
    retenue = notes[meilleurs["k"]].with_columns(
        pl.lit(i["id"]).gather(pl.col("ii")).alias("id_lie"),
        pl.lit(i["date"]).gather(pl.col("ii")).alias("date_lie"),
        meilleurs["candidats"],
    )
    table = (
        f.select(pl.col("idx").alias("fi"), pl.col("id").alias("id_famille"), "date")
        .join(retenue, on="fi", how="left", maintain_order="left")
        .join(doutes, on="fi", how="left", maintain_order="left")
        .join(eligibilite(f, date_reference), on="date", how="left", maintain_order="left")
        .join(
            eligibilite(i, date_reference).rename({"date": "date_lie", "soumis": "soumis_lie"}),
            on="date_lie",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("lie").fill_null(False), pl.col("concurrent").fill_null(False))
        .with_columns(
            pl.col("deja_prise").fill_null(False),
            (familles["nom"].is_null() | familles["prenoms"].is_null()).alias("identite_incomplete"),
        )
    )
    seuil_lien = seuil(reglages)
    table = table.with_columns(motif(reglages, veto, seuil_lien).alias("motif")).with_columns(
        statut().alias("statut")
    )
    decisions = (
        table.lazy()
        .select(
            "id_famille",
            "statut",
            pl.when(pl.col("statut").is_in(["apparie", "instruction_declaree"]))
            .then(pl.col("id_lie"))
            .otherwise(None)
            .alias("id_inscrit"),
            pl.col("score").cast(pl.Float64),
            expliquer(reglages, modele, seuil_lien, avec_retours=bool(avis)).alias("explication"),
            pl.col("candidats").fill_null(pl.lit([], dtype=SCHEMA_CANDIDATS)).cast(SCHEMA_CANDIDATS),
        )
        .collect(engine="streaming")
    )
    return Resultat(decisions=decisions, modele=modele, nb_paires_candidates=index.height)
