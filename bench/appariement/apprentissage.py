"""Banc de l'apprentissage : deux campagnes successives d'une même commune, avec et sans les retours.

    .venv/bin/python -m bench.appariement.apprentissage --jeux independant synthetique febrl4 \\
        --tailles 20000 200000 --graines 1

Campagne 1 : le moteur décide ; des personnes tranchent chacun de ses cas ``a_verifier`` avec la
vérité (le banc la connaît) : pour chaque candidat listé, un ``Retour`` construit par
``comparer_fiches`` (niveaux d'accord, et « même enfant » si c'est la fiche de l'enfant), comme le
service le fera. Campagne 2 : la même population un an plus tard (date de référence + 1 an ; mêmes
enfants, foyers et adresses), de nouvelles listes (nouvelles erreurs de saisie, autres absents,
autres déménagements). Le moteur décide la campagne 2 sans les retours, puis avec ; le tableau
compare les deux. FEBRL4 (lignes sans nom gardées) est coupé en deux moitiés de personnes
(numéros 0 à 2 499, puis 2 500 à 4 999) : mêmes erreurs, autres personnes.

Les jeux de réglage et de vérification sont ceux du banc (``bench/RESULTS.md``) ; les options
``--retours-…`` changent les réglages de l'apprentissage (``appariement.Reglages``) pour les régler
sur les jeux de réglage seulement.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from appariement import Reglages, Retour, apparier, comparer_lots_de_fiches
from appariement.apprentissage import CONFIRME, DEMENTI, avis_par_motif
from bench.appariement.jeux import jeu_febrl4
from bench.appariement.mesures import Qualite, evaluer
from fictif import generer


@dataclass(frozen=True)
class Campagne:
    familles: pl.DataFrame
    inscrits: pl.DataFrame
    verite: pl.DataFrame
    date_reference: date


@dataclass(frozen=True)
class DeuxCampagnes:
    nom: str
    role: str
    premiere: Campagne
    seconde: Campagne


def un_an_plus_tard(jour: date) -> date:
    return jour.replace(year=jour.year + 1, day=28 if (jour.month, jour.day) == (2, 29) else jour.day)


def campagnes_independant(taille: int, graine: int, jour: date) -> DeuxCampagnes:
    from bench.appariement.independant import generer_independant

    premiere = generer_independant(taille, graine=graine, date_reference=jour)
    suivant = un_an_plus_tard(jour)
    seconde = generer_independant(
        taille, graine=graine, date_reference=suivant, saisie=1, date_population=jour
    )
    role = "réglage" if graine == 0 else "vérification"
    return DeuxCampagnes(
        f"indépendant {taille:_}, graine {graine}".replace("_", " "),
        role,
        Campagne(premiere.familles, premiere.inscrits, premiere.verite, jour),
        Campagne(seconde.familles, seconde.inscrits, seconde.verite, suivant),
    )


def _synthetique(taille: int, graine: int, jour_population: date, jour: date, saisie: int) -> Campagne:
    """``fictif.generer`` : ``saisie`` > 0 donne la même population, d'autres écritures et d'autres
    erreurs (``saisie`` = 0 : le jeu habituel)."""
    jeu = generer(taille, graine=graine, date_reference=jour, saisie=saisie, date_population=jour_population)
    return Campagne(jeu.familles, jeu.inscrits, jeu.verite, jour)


def campagnes_synthetique(taille: int, graine: int, jour: date) -> DeuxCampagnes:
    suivant = un_an_plus_tard(jour)
    role = "réglage" if graine in (0, 1) else "vérification"
    return DeuxCampagnes(
        f"synthétique {taille:_}, graine {graine}".replace("_", " "),
        role,
        _synthetique(taille, graine, jour, jour, 0),
        _synthetique(taille, graine, jour, suivant, 1),
    )


def _lire(chemin: Path) -> pl.DataFrame:
    table = pl.read_csv(chemin, separator=";", infer_schema=False)
    return table.with_columns(pl.col("date_naissance").str.to_date("%Y-%m-%d", strict=False))


def campagnes_febrl4(jour: date, graine: int) -> DeuxCampagnes:
    """FEBRL4 (lignes sans nom gardées, −10 % de B) coupé en deux moitiés de personnes."""
    with tempfile.TemporaryDirectory(prefix="febrl4-") as dossier:
        jeu = jeu_febrl4(Path(dossier), jour, graine, sans_nom=True)
        familles, inscrits = _lire(jeu.familles), _lire(jeu.inscrits)
    numero = pl.col("id").str.extract(r"^rec-(\d+)-").cast(pl.Int64)

    def moitie(premiere: bool) -> Campagne:
        garde = (numero < 2500) if premiere else (numero >= 2500)
        f = familles.filter(garde)
        return Campagne(
            f, inscrits.filter(garde), jeu.verite.filter(pl.col("id_famille").is_in(f["id"].implode())), jour
        )

    return DeuxCampagnes("FEBRL4 en deux moitiés", "vérification", moitie(True), moitie(False))


def retours_de_revue(campagne: Campagne, decisions: pl.DataFrame) -> list[Retour]:
    """Les réponses de personnes qui connaissent la vérité, à chaque cas ``a_verifier`` : un retour
    par candidat listé, « même enfant » si c'est la fiche de l'enfant. Les niveaux sont ceux de
    ``comparer_fiches`` (calculés par lots : ``comparer_lots_de_fiches``, mêmes résultats)."""
    familles = {ligne["id"]: ligne for ligne in campagne.familles.iter_rows(named=True)}
    inscrits = {ligne["id"]: ligne for ligne in campagne.inscrits.iter_rows(named=True)}
    vraie_fiche = dict(campagne.verite.select("id_famille", "id_inscrit").iter_rows())
    cas = [
        (ligne["id_famille"], candidat["id_inscrit"])
        for ligne in decisions.filter(pl.col("statut") == "a_verifier").iter_rows(named=True)
        for candidat in ligne["candidats"]
    ]
    niveaux = comparer_lots_de_fiches([(familles[f], inscrits[i]) for f, i in cas])
    return [Retour(n, vraie_fiche.get(f) == i) for n, (f, i) in zip(niveaux, cas, strict=True)]


@dataclass(frozen=True)
class Mesure:
    jeux: DeuxCampagnes
    nb_cas: int
    nb_retours: int
    nb_meme: int
    confirmes: int
    dementis: int
    sans: Qualite
    avec: Qualite
    secondes_sans: float
    secondes_avec: float
    retours: list[Retour]


def _decider(campagne: Campagne, reglages: Reglages, retours: list[Retour]) -> tuple[pl.DataFrame, float]:
    debut = time.perf_counter()
    resultat = apparier(
        campagne.familles, campagne.inscrits, campagne.date_reference, reglages=reglages, retours=retours
    )
    return resultat.decisions, time.perf_counter() - debut


def mesurer(jeux: DeuxCampagnes, reglages: Reglages) -> Mesure:
    premieres, _ = _decider(jeux.premiere, reglages, [])
    retours = retours_de_revue(jeux.premiere, premieres)
    avis = list(avis_par_motif(retours, reglages).values())
    sans, secondes_sans = _decider(jeux.seconde, reglages, [])
    avec, secondes_avec = _decider(jeux.seconde, reglages, retours)
    colonnes = ["id_famille", "statut", "id_inscrit"]
    return Mesure(
        jeux,
        int((premieres["statut"] == "a_verifier").sum()),
        len(retours),
        sum(r.meme_enfant for r in retours),
        avis.count(CONFIRME),
        avis.count(DEMENTI),
        evaluer(sans.select(colonnes), jeux.seconde.verite),
        evaluer(avec.select(colonnes), jeux.seconde.verite),
        secondes_sans,
        secondes_avec,
        retours,
    )


def detail_motifs(retours: list[Retour], nombre: int = 25) -> str:
    """Les motifs les plus revus : combien de « même enfant » et de « pas le même »."""
    comptes: Counter[tuple[tuple[str, str], ...]] = Counter()
    oui: Counter[tuple[tuple[str, str], ...]] = Counter()
    for retour in retours:
        cle = tuple(sorted(retour.niveaux.items()))
        comptes[cle] += 1
        oui[cle] += retour.meme_enfant
    lignes = ["  même / revus  motif"]
    for cle, n in comptes.most_common(nombre):
        motif = ", ".join(f"{champ}={valeur}" for champ, valeur in cle if valeur not in ("manquant", "non"))
        lignes.append(f"  {oui[cle]:>4} / {n:<5}  {motif}")
    return "\n".join(lignes)


def _pourcent(valeur: float) -> str:
    return f"{100 * valeur:.2f} %".replace(".", ",")


def tableau(mesures: list[Mesure]) -> str:
    lignes = [
        "| Jeu (campagne 2) | Rôle | Cas revus en campagne 1 (retours, dont même enfant) "
        "| Motifs confirmés / démentis | Apprentissage | Fausses alertes | En revue | Rappel des absents "
        "| Absents liés | Mauvais liens | Temps |",
        "|" + "---|" * 11,
    ]
    for m in mesures:
        taille = f"{m.jeux.seconde.familles.height:_} × {m.jeux.seconde.inscrits.height:_}".replace("_", " ")
        for nom, q, secondes in (("sans", m.sans, m.secondes_sans), ("avec", m.avec, m.secondes_avec)):
            tete = (
                f"| {m.jeux.nom} ({taille}) | {m.jeux.role} | {m.nb_cas} ({m.nb_retours}, {m.nb_meme}) "
                f"| {m.confirmes} / {m.dementis} "
                if nom == "sans"
                else "| | | | "
            )
            lignes.append(
                f"{tete}| {nom} | {_pourcent(q.fausses_alertes)} | {_pourcent(q.revue)} "
                f"| {_pourcent(q.rappel_absents)} (sur {q.absents}) | {q.absents_lies} | {q.mauvais_liens} "
                f"| {secondes:.1f} s |".replace(".", ",")
            )
    return "\n".join(lignes)


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description="Deux campagnes d'une commune, avec et sans apprentissage.")
    analyse.add_argument(
        "--jeux", nargs="+", choices=["independant", "synthetique", "febrl4"], default=["independant"]
    )
    analyse.add_argument("--tailles", type=int, nargs="+", default=[20_000])
    analyse.add_argument("--graines", type=int, nargs="+", default=[1])
    analyse.add_argument("--date-reference", type=date.fromisoformat, default=date(2026, 11, 15))
    analyse.add_argument("--motifs", action="store_true", help="motifs les plus revus (jeux de réglage)")
    defaut = Reglages()
    analyse.add_argument("--retours-min", type=int, default=defaut.retours_min)
    analyse.add_argument("--retours-a-priori", type=float, nargs=2, default=list(defaut.retours_a_priori))
    analyse.add_argument("--retours-confiance", type=float, default=defaut.retours_confiance)
    analyse.add_argument("--retours-p-meme", type=float, default=defaut.retours_p_meme)
    analyse.add_argument("--retours-p-pas-meme", type=float, default=defaut.retours_p_pas_meme)
    options = analyse.parse_args(arguments)
    reglages = dataclasses.replace(
        defaut,
        retours_min=options.retours_min,
        retours_a_priori=(options.retours_a_priori[0], options.retours_a_priori[1]),
        retours_confiance=options.retours_confiance,
        retours_p_meme=options.retours_p_meme,
        retours_p_pas_meme=options.retours_p_pas_meme,
    )
    mesures = []
    demandes = [
        (sorte, taille, graine)
        for sorte in options.jeux
        for graine in (options.graines[:1] if sorte == "febrl4" else options.graines)
        for taille in ([0] if sorte == "febrl4" else options.tailles)
    ]
    for sorte, taille, graine in demandes:
        if sorte == "febrl4":
            jeux = campagnes_febrl4(options.date_reference, graine)
        else:
            fabrique = campagnes_independant if sorte == "independant" else campagnes_synthetique
            jeux = fabrique(taille, graine, options.date_reference)
        print(f"{jeux.nom}…", file=sys.stderr)
        mesures.append(mesurer(jeux, reglages))
        print(tableau(mesures[-1:]), file=sys.stderr)
        # Le détail par motif n'est montré que sur les jeux de réglage (protocole de bench/RESULTS.md).
        if options.motifs and jeux.role == "réglage":
            print(detail_motifs(mesures[-1].retours), file=sys.stderr)
    print(tableau(mesures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
