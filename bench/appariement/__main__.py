"""Banc d'essai de l'appariement : ``.venv/bin/python -m bench.appariement --tailles 20000 200000 1000000``.

Pour chaque jeu (synthétiques aux tailles demandées, puis FEBRL4 privé de 10 % de ses
enregistrements B), écrit les fichiers pivot, lance ``cellule apparier`` et Splink dans des
processus enfants sur les mêmes fichiers, et affiche un tableau : rappel des absents, absents liés,
fausses alertes, mauvais liens, part en revue, temps réel, pic de mémoire résidente.

``--graines 0 1 2 3`` répète les jeux synthétiques sur plusieurs tirages : les graines 0 et 1 ont
servi à régler le moteur, les autres disent s'il tient sur des données qu'il n'a jamais vues.

``--jeux`` choisit les familles de jeux : ``synthetique`` (le générateur du projet,
``fictif.generer``), ``independant`` (autres identités, autres erreurs :
``bench.appariement.independant``), ``febrl4`` (sans les lignes sans nom, comme la commande les
accepte), ``febrl4_complet`` (lignes sans nom gardées), ``febrl1``, ``febrl2``, ``febrl3`` (jeux de
dédoublonnage tournés en deux listes), ou ``febrl`` pour les quatre derniers. Le protocole de
réglage et de vérification est écrit dans bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from bench.appariement.jeux import (
    JeuEcrit,
    jeu_febrl4,
    jeu_febrl_dedoublonnage,
    jeu_independant,
    jeu_synthetique,
)
from bench.appariement.mesures import (
    LIES,
    SIGNALES,
    Execution,
    Qualite,
    arguments_pivot,
    evaluer,
    executer,
    lire_decisions,
)

GRAVITE = {"absent lié": 0, "mauvais lien": 1, "absent non signalé": 2, "fausse alerte": 3}


@dataclass(frozen=True)
class Ligne:
    jeu: JeuEcrit
    outil: str
    execution: Execution
    qualite: Qualite | None


def commande(outil: str, jeu: JeuEcrit, sortie: Path) -> list[str]:
    fichiers = arguments_pivot(jeu.familles, jeu.inscrits, jeu.date_reference, sortie)
    if outil == "cellule" and jeu.direct:
        return [sys.executable, "-m", "bench.appariement.cellule_direct", *fichiers]
    if outil == "cellule":
        return [str(Path(sys.executable).with_name("cellule")), "apparier", *fichiers]
    return [sys.executable, "-m", "bench.appariement.splink_apparier", *fichiers]


def lancer(outil: str, jeu: JeuEcrit, limite: float) -> Ligne:
    sortie = jeu.familles.with_name(f"decisions_{outil}.csv")
    sortie.unlink(missing_ok=True)
    execution = executer(commande(outil, jeu, sortie), limite)
    qualite = None
    if execution.code == 0 and sortie.exists():
        qualite = evaluer(lire_decisions(sortie), jeu.verite)
    else:
        fin = execution.erreurs.strip().splitlines()[-3:]
        raison = "temps limite dépassé" if execution.depasse else " | ".join(fin)
        print(f"  {outil} a échoué (code {execution.code}) : {raison}", file=sys.stderr)
    return Ligne(jeu, outil, execution, qualite)


def duree_annoncee(execution: Execution) -> str:
    """La durée que l'outil affiche lui-même (lecture, appariement, écriture, sans le démarrage)."""
    trouve = re.search(r"(?:Durée|temps)\s*:\s*([\d.,]+)\s*s", execution.erreurs)
    return f"{trouve.group(1).replace('.', ',')} s" if trouve else "?"


def _pourcent(valeur: float) -> str:
    return f"{100 * valeur:.2f} %".replace(".", ",")


def tableau(lignes: list[Ligne]) -> str:
    entete = (
        "| Jeu | Familles × inscrits | Outil | Rappel des absents | Absents liés | Fausses alertes "
        "| Mauvais liens | En revue | Temps réel (dont annoncé) | Pic mémoire |"
    )
    rangs = [entete, "|" + "---|" * 10]
    for ligne in lignes:
        jeu, execution, qualite = ligne.jeu, ligne.execution, ligne.qualite
        taille = f"{jeu.nb_familles:,} × {jeu.nb_inscrits:,}".replace(",", " ")
        temps = f"{execution.secondes:.1f} s".replace(".", ",") + f" ({duree_annoncee(execution)})"
        memoire = f"{execution.pic_octets / 1e9:.2f} Go".replace(".", ",")
        if qualite is None:
            etat = "arrêté (temps limite)" if execution.depasse else f"échec (code {execution.code})"
            rangs.append(f"| {jeu.nom} | {taille} | {ligne.outil} | {etat} | | | | | > {temps} | {memoire} |")
            continue
        rangs.append(
            f"| {jeu.nom} | {taille} | {ligne.outil} | {_pourcent(qualite.rappel_absents)} "
            f"(sur {qualite.absents}) | {qualite.absents_lies} | {_pourcent(qualite.fausses_alertes)} "
            f"| {qualite.mauvais_liens} | {_pourcent(qualite.revue)} | {temps} | {memoire} |"
        )
    return "\n".join(rangs)


def diagnostic(jeu: JeuEcrit, outil: str) -> str:
    """Les erreurs d'un outil, par type d'écart CAF / école introduit par le générateur."""
    sortie = jeu.familles.with_name(f"decisions_{outil}.csv")
    if not sortie.exists():
        return ""
    jointes = jeu.verite.join(
        lire_decisions(sortie).rename({"statut": "decision", "id_inscrit": "lien"}),
        on="id_famille",
        how="left",
    )
    inscrit = pl.col("statut").is_in(LIES)
    erreur = (
        pl.when(inscrit & pl.col("decision").is_in(SIGNALES))
        .then(pl.lit("fausse alerte"))
        .when(inscrit & pl.col("decision").is_in(LIES) & (pl.col("lien") != pl.col("id_inscrit")))
        .then(pl.lit("mauvais lien"))
        .when((pl.col("statut") == "non_apparie") & pl.col("decision").is_in(LIES))
        .then(pl.lit("absent lié"))
        .when((pl.col("statut") == "non_apparie") & ~pl.col("decision").is_in(SIGNALES))
        .then(pl.lit("absent non signalé"))
    )
    erreurs = jointes.with_columns(erreur.alias("erreur")).filter(pl.col("erreur").is_not_null())
    if erreurs.is_empty():
        return f"{outil} / {jeu.nom} : aucune erreur."
    compte = (
        erreurs.with_columns(
            pl.col("ecarts").fill_null("aucun écart"),
            pl.when(pl.col("jumeau")).then(pl.lit("jumeau")).otherwise(pl.lit("")).alias("jumeau"),
        )
        .group_by("erreur", "ecarts", "jumeau")
        .len()
        .with_columns(pl.col("erreur").replace_strict(GRAVITE, default=len(GRAVITE)).alias("gravite"))
        .sort(["gravite", "len"], descending=[False, True])
        .head(20)
    )
    lignes = [f"{outil} / {jeu.nom} : erreurs par type d'écart (les plus graves d'abord, 20 premières)"]
    lignes += [f"  {n:>6}  {e:<18} {ec} {j}" for e, ec, j, n, _ in compte.iter_rows()]
    if outil == "cellule":
        lignes += [
            "",
            f"{outil} / {jeu.nom} : fausses alertes par motif (celui que lit la personne en revue)",
        ]
        lignes += [f"  {n:>6}  {motif}" for motif, n in _motifs(sortie, erreurs).iter_rows()]
    return "\n".join(lignes)


def _motifs(sortie: Path, erreurs: pl.DataFrame) -> pl.DataFrame:
    """Motif de l'explication de cellule pour chaque fausse alerte, compté."""
    explications = pl.read_csv(
        sortie, separator=";", infer_schema=False, columns=["id_famille", "explication"]
    )
    return (
        erreurs.filter(pl.col("erreur") == "fausse alerte")
        .join(explications, on="id_famille", how="left")
        .group_by(pl.col("explication").str.json_path_match("$.motif").alias("motif"))
        .len()
        .sort("len", descending=True)
    )


JEUX: dict[str, Callable[[int, Path, date, int], JeuEcrit]] = {
    "synthetique": jeu_synthetique,
    "independant": jeu_independant,
    "febrl4": lambda _, dossier, jour, graine: jeu_febrl4(dossier, jour, graine),
    "febrl4_complet": lambda _, dossier, jour, graine: jeu_febrl4(dossier, jour, graine, sans_nom=True),
    "febrl1": lambda _, dossier, jour, graine: jeu_febrl_dedoublonnage(1, dossier, jour, graine),
    "febrl2": lambda _, dossier, jour, graine: jeu_febrl_dedoublonnage(2, dossier, jour, graine),
    "febrl3": lambda _, dossier, jour, graine: jeu_febrl_dedoublonnage(3, dossier, jour, graine),
}
FEBRL = ["febrl4_complet", "febrl1", "febrl2", "febrl3"]
GRAINES_REGLAGE_INDEPENDANT = (0,)
"""Graines du jeu indépendant dont on peut regarder les erreurs pour régler le moteur ; les autres
graines ne servent qu'à vérifier."""
FEBRL_REGLAGE = ("febrl1",)
"""Le seul jeu FEBRL dont on peut regarder les erreurs (depuis le 7 décembre 2026) ; FEBRL2, 3 et 4
ne servent qu'à vérifier."""


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description="Banc d'essai de l'appariement (cellule et Splink).")
    analyse.add_argument("--tailles", type=int, nargs="*", default=[20_000], help="nombres d'enfants CAF")
    analyse.add_argument("--sans-febrl", action="store_true", help="ne pas lancer FEBRL4")
    analyse.add_argument(
        "--jeux",
        nargs="+",
        choices=[*JEUX, "febrl"],
        default=["synthetique", "febrl4"],
        help="familles de jeux (febrl = les quatre jeux FEBRL, lignes sans nom gardées)",
    )
    analyse.add_argument("--outils", nargs="+", choices=["cellule", "splink"], default=["cellule", "splink"])
    analyse.add_argument("--dossier", type=Path, default=Path("/tmp/bench-appariement"))
    analyse.add_argument(
        "--graines",
        "--graine",
        type=int,
        nargs="+",
        default=[0],
        help="graines du jeu synthétique : 0 et 1 ont servi à régler le moteur, d'autres le vérifient",
    )
    analyse.add_argument("--date-reference", type=date.fromisoformat, default=date(2026, 11, 15))
    analyse.add_argument("--limite-cellule", type=float, default=900.0, help="secondes avant arrêt")
    analyse.add_argument("--limite-splink", type=float, default=1500.0, help="secondes avant arrêt")
    analyse.add_argument("--garder", action="store_true", help="garder les fichiers générés")
    options = analyse.parse_args(arguments)
    limites = {"cellule": options.limite_cellule, "splink": options.limite_splink}

    lignes: list[Ligne] = []
    diagnostics: list[str] = []
    demandes = [j for nom in options.jeux for j in (FEBRL if nom == "febrl" else [nom])]
    if options.sans_febrl:
        demandes = [j for j in demandes if not j.startswith("febrl")]
    jeux: list[tuple[str, int | None, int]] = []
    for sorte in dict.fromkeys(demandes):
        if sorte in ("synthetique", "independant"):
            jeux += [(sorte, n, graine) for graine in options.graines for n in options.tailles]
        else:
            jeux.append((sorte, None, options.graines[0]))
    for sorte, taille, graine in jeux:
        suffixe = f"_graine{graine}" if graine else ""
        dossier = options.dossier / (f"{sorte}_{taille}{suffixe}" if taille else sorte)
        print(f"Jeu {dossier.name} : génération…", file=sys.stderr)
        jeu = JEUX[sorte](taille or 0, dossier, options.date_reference, graine)
        for outil in options.outils:
            print(f"  {outil}…", file=sys.stderr)
            ligne = lancer(outil, jeu, limites[outil])
            lignes.append(ligne)
            print(tableau([ligne]).splitlines()[-1], file=sys.stderr)
            # Le détail des erreurs n'est montré que sur les jeux de réglage : les autres restent à
            # l'écart du réglage (voir le protocole dans bench/RESULTS.md).
            if (
                sorte == "synthetique"
                or sorte in FEBRL_REGLAGE
                or (sorte == "independant" and graine in GRAINES_REGLAGE_INDEPENDANT)
            ):
                diagnostics.append(diagnostic(jeu, outil))
        if not options.garder:
            shutil.rmtree(dossier)
    print(tableau(lignes))
    print()
    for jeu in {ligne.jeu.nom: ligne.jeu for ligne in lignes}.values():
        if jeu.secondes_generation is not None:
            secondes = f"{jeu.secondes_generation:.1f}".replace(".", ",")
            print(f"Génération du jeu {jeu.nom} : {secondes} s")
    print()
    print("\n\n".join(d for d in diagnostics if d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
