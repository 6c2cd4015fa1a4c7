"""Banc du travailleur isolé : une commune entière, des archives chiffrées à la réponse.

Lancer depuis la racine du dépôt : ``.venv/bin/python -m bench.bench_travailleur`` (options
``--enfants``, ``--passages``, ``--graine``). Le jeu est synthétique (``fictif.generer``,
identités fictives) : la liste CAF, les élèves répartis entre une liste ONDE et une liste SIECLE,
et une liste par mode d'instruction déclarée ; chaque liste est archivée par le vrai 7-Zip
(``7zz``, LZMA2, AES-256, noms chiffrés), son mot de passe scellé pour le travailleur.

On mesure ``service.travailleur.executer`` de bout en bout (lancement de l'enfant, confinement,
descellement, déchiffrement, lecture, appariement, réponse, validation par le parent), médiane de
``--passages``, avec le détail des étapes rapporté par l'enfant ; pour comparaison, le moteur seul
(``appariement.apparier`` dans le processus courant) et le coût fixe d'un enfant (sonde).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import polars as pl

from appariement import apparier
from chiffrement import generer_paire_travailleur, sceller
from conventions import Convention
from fictif import generer
from service.travailleur import DemandeTravail, ReglagesTravailleur, SourceTravail, executer, sonder

COMMUNE = "59350"
DATE_REFERENCE = dt.date(2026, 1, 15)
MOT_DE_PASSE = "Banc-Travailleur-Isole-2026!"


def convention(source: str, table: str) -> str:
    if table == "familles":
        profil = "pivot-familles"
        champs = ["nom", "prenoms", "date_naissance", "sexe", "nom_allocataire", "prenom_allocataire"]
        champs += ["adresse", "code_postal", "commune"]
    else:
        profil = "pivot-inscrits"
        champs = ["nom", "nom_usage", "prenoms", "date_naissance", "sexe", "ine", "uai", "adresse"]
        champs += ["code_postal", "commune", "mode"]
    return Convention.model_validate(
        {
            "identifiant": f"banc-{source}",
            "titre": f"Convention fictive {source} (banc d'essai)",
            "partenaire": "Partenaire fictif",
            "source": source,
            "communes": [COMMUNE],
            "date_signature": dt.date(2025, 6, 1),
            "debut": dt.date(2025, 9, 1),
            "fin": dt.date(2026, 8, 31),
            "signataires": ["Signataire fictif"],
            "finalite": "Banc d'essai",
            "conservation": "Non conservé",
            "champs_autorises": champs,
            "profil": profil,
        }
    ).model_dump_json()


def archive_7z(contenu: bytes) -> bytes:
    programme = shutil.which("7zz")
    if programme is None:
        raise SystemExit("7zz (paquet Debian 7zip) est nécessaire pour ce banc")
    with tempfile.TemporaryDirectory(prefix="cellule-banc-") as dossier:
        chemin = Path(dossier) / "liste.7z"
        subprocess.run(
            [
                programme,
                "a",
                "-t7z",
                "-m0=LZMA2",
                f"-p{MOT_DE_PASSE}",
                "-mhe=on",
                "-siliste.csv",
                str(chemin),
            ],
            input=contenu,
            check=True,
            capture_output=True,
        )
        return chemin.read_bytes()


def listes(familles: pl.DataFrame, inscrits: pl.DataFrame) -> dict[str, tuple[str, pl.DataFrame]]:
    ecole = inscrits.filter(pl.col("mode") == "ecole")
    moitie = ecole.height // 2
    resultat = {
        "caf-1": ("caf", familles),
        "onde-1": ("onde", ecole.head(moitie)),
        "siecle-1": ("siecle", ecole.tail(ecole.height - moitie)),
    }
    for mode in ("ief", "cned", "hors_contrat", "medico_social"):
        table = inscrits.filter(pl.col("mode") == mode)
        if table.height:
            resultat[f"{mode}-1"] = (mode, table)
    return resultat


def main() -> None:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--enfants", type=int, default=20_000)
    analyseur.add_argument("--passages", type=int, default=3)
    analyseur.add_argument("--graine", type=int, default=1)
    options = analyseur.parse_args()

    jeu = generer(options.enfants, graine=options.graine, date_reference=DATE_REFERENCE)
    paire = generer_paire_travailleur()
    sources = []
    taille = 0
    for identifiant, (source, table) in listes(jeu.familles, jeu.inscrits).items():
        csv = table.write_csv(separator=";", date_format="%Y-%m-%d").encode()
        archive = archive_7z(csv)
        taille += len(archive)
        sources.append(
            SourceTravail(
                identifiant=identifiant,
                archive=archive,
                mot_de_passe_scelle=sceller(MOT_DE_PASSE.encode(), paire.cle_publique),
                convention=convention(source, "familles" if source == "caf" else "inscrits"),
            )
        )
    demande = DemandeTravail(
        commune=COMMUNE,
        date_reference=DATE_REFERENCE,
        sources=sources,
        cle_privee=paire.cle_privee,
        jour=DATE_REFERENCE,
    )
    reglages = ReglagesTravailleur.depuis_parametres()

    totaux: list[float] = []
    etapes: dict[str, list[float]] = {}
    reponse = None
    for _ in range(options.passages):
        debut = time.perf_counter()
        reponse = executer(demande, reglages=reglages)
        totaux.append(time.perf_counter() - debut)
        for nom, secondes in reponse.durees.items():
            etapes.setdefault(nom, []).append(secondes)
    assert reponse is not None

    debut = time.perf_counter()
    sonder("essais", reglages=reglages)
    fixe = time.perf_counter() - debut

    debut = time.perf_counter()
    apparier(jeu.familles, jeu.inscrits, DATE_REFERENCE)
    moteur = time.perf_counter() - debut

    print(
        f"Commune synthétique : {options.enfants} enfants CAF, {jeu.inscrits.height} inscrits, "
        f"{len(sources)} archives ({taille / 1e6:.2f} Mo chiffrés) ; {platform.machine()}"
    )
    actives = ", ".join(nom for nom, active in reponse.protections.items() if active)
    print(f"Protections actives : {actives}")
    print(f"Pic de mémoire virtuelle de l'enfant : {reponse.memoire_crete_mio} Mio")
    t = reponse.total
    print(
        f"Décisions : {t.apparies} appariés, {t.instruction_declaree} instruction déclarée, "
        f"{t.hors_obligation} hors obligation, {t.a_verifier} à vérifier, {t.non_apparies} non appariés "
        f"({len(reponse.signales)} enfants signalés)"
    )
    print()
    entete = f"étape (médiane de {options.passages})"
    print(f"| {entete:<41} | secondes |")
    print("|-------------------------------------------|----------|")
    for nom, valeurs in etapes.items():
        print(f"| enfant : {nom:<32} | {statistics.median(valeurs):8.2f} |")
    print(f"| **de bout en bout (executer)**            | {statistics.median(totaux):8.2f} |")
    print(f"| coût fixe d'un enfant (sonde)             | {fixe:8.2f} |")
    print(f"| moteur seul, dans le processus courant    | {moteur:8.2f} |")


if __name__ == "__main__":
    main()
