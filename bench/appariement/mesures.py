"""Lancer un outil dans un processus enfant (temps réel, pic mémoire) et noter ses décisions."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

TIME = "/usr/bin/time"  # GNU time
SIGNALES = ("a_verifier", "non_apparie")
LIES = ("apparie", "instruction_declaree")


@dataclass(frozen=True)
class Execution:
    secondes: float
    pic_octets: int
    code: int
    depasse: bool
    erreurs: str
    cpu_secondes: float = 0.0
    """Temps de calcul de l'outil, utilisateur et système (deux cœurs : jusqu'à deux fois le temps réel)."""


def arguments_pivot(familles: Path, inscrits: Path, date_reference: date, sortie: Path) -> list[str]:
    """Les options communes à ``cellule apparier`` et à ``splink_apparier``."""
    return [
        "--familles", str(familles), "--inscrits", str(inscrits),
        "--date-reference", date_reference.isoformat(), "--sortie", str(sortie),
    ]  # fmt: skip


def executer(commande: list[str], limite_secondes: float) -> Execution:
    """Lance ``commande`` et mesure son temps réel, son temps de calcul et le pic de mémoire
    résidente (RSS) de l'outil.

    Le pic est lu par GNU time, placé entre ce processus et l'outil : sous Linux, un enfant direct
    hérite au moment de l'exec du pic de mémoire de son parent, et le banc, qui vient de générer
    un million d'enfants, fausserait la mesure.
    """
    with tempfile.NamedTemporaryFile(prefix="pic-", suffix=".txt") as rapport:
        execution = _executer([TIME, "-f", "%U %S %M", "-o", rapport.name, *commande], limite_secondes)
        lignes = Path(rapport.name).read_text().strip().splitlines()
    champs = lignes[-1].split() if lignes else []
    pic, cpu = 0, 0.0
    if len(champs) == 3 and champs[2].isdigit():
        pic, cpu = int(champs[2]) * 1024, float(champs[0]) + float(champs[1])
    return Execution(execution.secondes, pic, execution.code, execution.depasse, execution.erreurs, cpu)


def _executer(commande: list[str], limite_secondes: float) -> Execution:
    debut = time.perf_counter()
    processus = subprocess.Popen(
        commande, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    depasse = threading.Event()

    def arreter() -> None:
        depasse.set()
        os.killpg(processus.pid, signal.SIGKILL)

    minuterie = threading.Timer(limite_secondes, arreter)
    minuterie.start()
    assert processus.stderr is not None
    erreurs: list[bytes] = []
    lecteur = threading.Thread(target=lambda: erreurs.append(processus.stderr.read()))  # type: ignore[union-attr]
    lecteur.start()
    processus.wait()
    secondes = time.perf_counter() - debut
    minuterie.cancel()
    lecteur.join()
    sortie = b"".join(erreurs).decode("utf-8", "replace")
    return Execution(secondes, 0, processus.returncode, depasse.is_set(), sortie)


@dataclass(frozen=True)
class Qualite:
    absents: int
    rappel_absents: float
    absents_lies: int
    inscrits: int
    fausses_alertes: float
    mauvais_liens: int
    revue: float
    lignes_manquantes: int


def lire_decisions(chemin: Path) -> pl.DataFrame:
    return pl.read_csv(
        chemin, separator=";", infer_schema=False, columns=["id_famille", "statut", "id_inscrit"]
    )


def evaluer(decisions: pl.DataFrame, verite: pl.DataFrame) -> Qualite:
    """Compare les décisions à la vérité, ligne de familles par ligne de familles.

    - absents : enfants soumis, sur aucune liste ; rappel = part signalée (a_verifier ou non_apparie) ;
    - absents liés : absents rattachés à une ligne (apparie ou instruction_declaree) ;
    - fausses alertes : part des enfants inscrits (scolarisés ou en instruction déclarée) signalés ;
    - mauvais liens : enfants inscrits rattachés à une autre ligne que la leur ;
    - revue : part des lignes de familles en a_verifier.
    """
    jointes = verite.join(
        decisions.rename({"statut": "decision", "id_inscrit": "lien"}), on="id_famille", how="left"
    )
    absents = jointes.filter(pl.col("statut") == "non_apparie")
    inscrits = jointes.filter(pl.col("statut").is_in(LIES))
    nb_absents, nb_inscrits = absents.height, inscrits.height
    return Qualite(
        absents=nb_absents,
        rappel_absents=int(absents["decision"].is_in(SIGNALES).sum()) / max(1, nb_absents),
        absents_lies=int(absents["decision"].is_in(LIES).sum()),
        inscrits=nb_inscrits,
        fausses_alertes=int(inscrits["decision"].is_in(SIGNALES).sum()) / max(1, nb_inscrits),
        mauvais_liens=inscrits.filter(
            pl.col("decision").is_in(LIES) & (pl.col("lien") != pl.col("id_inscrit"))
        ).height,
        revue=int((jointes["decision"] == "a_verifier").sum()) / max(1, jointes.height),
        lignes_manquantes=int(jointes["decision"].is_null().sum()),
    )
