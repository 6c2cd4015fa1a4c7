"""Le DSFR vendorisé : un sous-ensemble épinglé de ``@gouvfr/dsfr`` (registre npm), vérifié par empreintes.

``python -m service.web.dsfr rafraichir [--version 1.15.3]`` télécharge l'archive du paquet, vérifie son
intégrité (``dist.integrity``, sha512, donnée par le registre), en extrait le sous-ensemble servi par
cellule dans ``service/web/statique/dsfr/`` et écrit le manifeste (version, sha256 de chaque fichier).
``python -m service.web.dsfr verifier`` relit les fichiers contre le manifeste, sans réseau.
Rien de tout cela ne tourne au démarrage ni dans les tests : les fichiers sont dans le dépôt.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

DOSSIER = Path(__file__).resolve().parent / "statique" / "dsfr"
MANIFESTE = "MANIFESTE.json"
REGISTRE = "https://registry.npmjs.org/@gouvfr/dsfr"
SERIE = "1.15."
# Ce que les pages chargent ; les icônes appelées par ces feuilles de style sont ajoutées d'office.
FICHIERS = (
    "dsfr.min.css",
    "utility/utility.min.css",
    "dsfr.module.min.js",
    "dsfr.nomodule.min.js",
    "favicon/favicon.svg",
    "favicon/favicon.ico",
    "favicon/apple-touch-icon.png",
    "fonts/Marianne-Light.woff2",
    "fonts/Marianne-Light_Italic.woff2",
    "fonts/Marianne-Regular.woff2",
    "fonts/Marianne-Regular_Italic.woff2",
    "fonts/Marianne-Medium.woff2",
    "fonts/Marianne-Medium_Italic.woff2",
    "fonts/Marianne-Bold.woff2",
    "fonts/Marianne-Bold_Italic.woff2",
    "fonts/Spectral-Regular.woff2",
    "fonts/Spectral-ExtraBold.woff2",
)
# Icônes des classes utilitaires (fr-icon-…) que les gabarits de cellule emploient.
ICONES_DES_GABARITS = (
    "icons/system/logout-box-r-line.svg",
    "icons/user/account-circle-line.svg",
    "icons/system/lock-line.svg",
    "icons/business/calendar-line.svg",
    "icons/document/file-text-line.svg",
    "icons/system/timer-line.svg",
)
NOTE_LICENCE = """\
Système de design de l'État (DSFR), paquet npm @gouvfr/dsfr, version {version}.
Code sous Licence Ouverte 2.0 (Etalab) : voir LICENSE.md, copié du paquet.

La police Marianne, le logo Marianne et le bloc-marque « République française » sont réservés aux
services de l'État (administrations centrales, services déconcentrés comme les DSDEN, rectorats et
préfectures, opérateurs de l'État). Un opérateur de cellule qui n'est pas un service de l'État règle
CELLULE_MARQUE_ETAT=false : les pages prennent alors un thème neutre, sans Marianne, sans bloc-marque
et en polices du système (les fichiers de police ci-dessous ne sont alors jamais chargés).

Ces fichiers sont un sous-ensemble épinglé de dist/ ; MANIFESTE.json donne leur empreinte sha256.
Rafraîchir : python -m service.web.dsfr rafraichir [--version 1.15.x]
Vérifier :   python -m service.web.dsfr verifier
"""


class ErreurDsfr(Exception):
    """Un rafraîchissement refusé (version introuvable, intégrité fausse, fichier absent du paquet)."""


def _lire(adresse: str) -> bytes:
    if not adresse.startswith("https://registry.npmjs.org/"):
        raise ErreurDsfr(f"adresse hors du registre npm refusée : {adresse}")
    with urllib.request.urlopen(adresse, timeout=60) as reponse:  # noqa: S310 (https vérifié ci-dessus)
        octets: bytes = reponse.read()
    return octets


def _version_la_plus_recente(versions: list[str]) -> str:
    serie = [v for v in versions if v.startswith(SERIE) and re.fullmatch(r"\d+\.\d+\.\d+", v)]
    if not serie:
        raise ErreurDsfr(f"aucune version {SERIE}x au registre")
    return max(serie, key=lambda v: tuple(int(x) for x in v.split(".")))


def verifier_integrite(octets: bytes, integrite: str) -> None:
    """Refuse une archive dont l'empreinte sha512 diffère de celle annoncée par le registre."""
    algorithme, _, attendu = integrite.partition("-")
    if algorithme != "sha512":
        raise ErreurDsfr(f"intégrité {algorithme} non prise en charge (sha512 attendu)")
    obtenu = base64.b64encode(hashlib.sha512(octets).digest()).decode("ascii")
    if obtenu != attendu:
        raise ErreurDsfr("l'archive téléchargée ne correspond pas à l'empreinte du registre")


def icones_appelees(css: str) -> set[str]:
    """Les icônes (``icons/…svg``) que cite une feuille de style du paquet, chemin depuis ``dist/``."""
    return {m.removeprefix("../") for m in re.findall(r"url\(([^)\"'#]*icons/[^)\"']+\.svg)\)", css)}


def extraire(archive: bytes) -> dict[str, bytes]:
    """Le sous-ensemble servi, lu dans l'archive npm (chemins relatifs à ``dist/``), et la licence."""
    contenu: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:

        def lire(nom: str) -> bytes:
            try:
                membre = tar.getmember(f"package/{nom}")
            except KeyError:
                raise ErreurDsfr(f"{nom} manque dans le paquet") from None
            fichier = tar.extractfile(membre) if membre.isfile() else None
            if fichier is None:
                raise ErreurDsfr(f"{nom} n'est pas un fichier ordinaire")
            return fichier.read()

        for nom in FICHIERS:
            contenu[nom] = lire(f"dist/{nom}")
        appelees = icones_appelees(contenu["dsfr.min.css"].decode("utf-8"))
        for nom in sorted(appelees | set(ICONES_DES_GABARITS)):
            contenu[nom] = lire(f"dist/{nom}")
        contenu["LICENSE.md"] = lire("LICENSE.md")
    return contenu


def ecrire(contenu: dict[str, bytes], version: str, integrite: str, dossier: Path = DOSSIER) -> None:
    """Remplace le dossier vendorisé par ``contenu``, sa note de licence et son manifeste."""
    if dossier.exists():
        shutil.rmtree(dossier)
    contenu = {**contenu, "LICENCE-CELLULE.txt": NOTE_LICENCE.format(version=version).encode("utf-8")}
    for nom, octets in contenu.items():
        chemin = dossier / nom
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_bytes(octets)
    manifeste = {
        "paquet": "@gouvfr/dsfr",
        "version": version,
        "integrite_npm": integrite,
        "fichiers": {nom: hashlib.sha256(octets).hexdigest() for nom, octets in sorted(contenu.items())},
    }
    (dossier / MANIFESTE).write_text(json.dumps(manifeste, indent=2, ensure_ascii=False) + "\n", "utf-8")


def ecarts(dossier: Path = DOSSIER) -> list[str]:
    """Ce qui ne correspond pas au manifeste : fichier manquant, modifié ou en trop. Vide si tout va."""
    manifeste = json.loads((dossier / MANIFESTE).read_text("utf-8"))
    attendus: dict[str, str] = manifeste["fichiers"]
    trouves = {str(chemin.relative_to(dossier)) for chemin in dossier.rglob("*") if chemin.is_file()} - {
        MANIFESTE
    }
    problemes = [f"en trop : {nom}" for nom in sorted(trouves - set(attendus))]
    for nom, empreinte in sorted(attendus.items()):
        chemin = dossier / nom
        if not chemin.is_file():
            problemes.append(f"manquant : {nom}")
        elif hashlib.sha256(chemin.read_bytes()).hexdigest() != empreinte:
            problemes.append(f"modifié : {nom}")
    return problemes


def version_vendorisee(dossier: Path = DOSSIER) -> str:
    version: str = json.loads((dossier / MANIFESTE).read_text("utf-8"))["version"]
    return version


def rafraichir(version: str | None = None) -> str:
    """Télécharge, vérifie et vendorise ``version`` (par défaut la dernière 1.15.x) ; rend la version."""
    fiche = json.loads(_lire(REGISTRE))
    version = version or _version_la_plus_recente(list(fiche["versions"]))
    if version not in fiche["versions"]:
        raise ErreurDsfr(f"version {version} inconnue du registre")
    distribution = fiche["versions"][version]["dist"]
    archive = _lire(distribution["tarball"])
    verifier_integrite(archive, distribution["integrity"])
    ecrire(extraire(archive), version, distribution["integrity"])
    return version


def main(arguments: list[str] | None = None) -> int:
    lecteur = argparse.ArgumentParser(prog="python -m service.web.dsfr", description=__doc__)
    commandes = lecteur.add_subparsers(dest="commande", required=True)
    commande_rafraichir = commandes.add_parser("rafraichir", help="télécharger et vendoriser le DSFR")
    commande_rafraichir.add_argument("--version", help=f"version exacte (défaut : dernière {SERIE}x)")
    commandes.add_parser("verifier", help="comparer les fichiers vendorisés au manifeste")
    lus = lecteur.parse_args(arguments)
    try:
        if lus.commande == "rafraichir":
            print(f"DSFR {rafraichir(lus.version)} vendorisé dans {DOSSIER}")
            return 0
        problemes = ecarts()
    except (ErreurDsfr, OSError) as erreur:
        print(f"Refusé : {erreur}", file=sys.stderr)
        return 1
    for probleme in problemes:
        print(probleme, file=sys.stderr)
    print("Conforme au manifeste." if not problemes else f"{len(problemes)} écart(s) au manifeste.")
    return 1 if problemes else 0


if __name__ == "__main__":
    sys.exit(main())
