"""Mode de test explicite du travailleur : une sonde confinée exactement comme l'enfant.

``python -I -m service.travailleur.sonde --action=ACTION [--dossier=D] [--fichier=F]`` suivi des
mêmes limites que l'enfant (``--memoire``, ``--cpu``, ``--fichiers``). La sonde ne lit aucune
archive : elle se confine avec ``enfant.se_confiner`` puis tente ce que le confinement doit empêcher,
et rapporte ce qui a été refusé (``RapportSonde``), ainsi que l'état relu de
``PR_GET_DUMPABLE`` et ``PR_GET_PDEATHSIG``. Elle sert aux tests et au diagnostic d'un
administrateur (``python -m service.travailleur``), jamais au traitement d'une campagne.

Actions :
- ``essais`` : ouvrir une socket (IP, Unix), écrire et créer un dossier dans ``--dossier``, lire
  ``--fichier`` et changer ses droits ou ses dates, créer un processus, relever une limite, se
  faire tracer, signaler le parent, exécuter un programme ;
- ``memoire`` : allouer jusqu'au refus, rapporter la quantité atteinte ;
- ``cpu`` : calculer sans fin (la limite de temps CPU doit l'arrêter) ;
- ``attente`` : dormir sans fin (la durée réelle imposée par le parent doit l'arrêter) ;
- ``plantage`` : provoquer une erreur de segmentation ;
- ``sortie_malformee`` / ``sortie_enorme`` : répondre n'importe quoi, ou sans fin.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import socket
import sys
import time
from collections.abc import Callable
from typing import BinaryIO

from service.travailleur.confinement import signal_mort_parent, vidable
from service.travailleur.enfant import analyser_arguments, proteger_sortie, se_confiner
from service.travailleur.protocole import SIGNATURE_REPONSE, RapportSonde, ecrire_message

ACTIONS = ("essais", "memoire", "cpu", "attente", "plantage", "sortie_malformee", "sortie_enorme")
_PTRACE_TRACEME = 0


def _essayer(action: Callable[[], object]) -> str:
    try:
        action()
    except OSError as erreur:
        return f"refusé : {os.strerror(erreur.errno) if erreur.errno else type(erreur).__name__}"
    except ValueError as erreur:  # resource.setrlimit traduit EPERM en ValueError
        return f"refusé : {erreur}"
    return "permis"


def _ptrace() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(_PTRACE_TRACEME, 0, None, None) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _processus() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _ecrire(dossier: str) -> None:
    with open(os.path.join(dossier, "sonde-ecriture.txt"), "w") as fichier:
        fichier.write("texte clair")


def _lire(fichier: str) -> None:
    with open(fichier, "rb") as flux:
        flux.read(1)


def essais(arguments: argparse.Namespace) -> dict[str, str]:
    """Tente chaque action interdite ; l'exécution d'un programme en dernier (elle remplacerait la sonde)."""
    cpu = resource.getrlimit(resource.RLIMIT_CPU)
    tentatives: dict[str, Callable[[], object]] = {
        "socket_ip": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(),
        "socket_unix": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close(),
        "connexion": lambda: socket.create_connection(("127.0.0.1", 5432), timeout=1).close(),
        "processus": _processus,
        "limite": lambda: resource.setrlimit(resource.RLIMIT_CPU, cpu),
        "ptrace": _ptrace,
        # Signal 0 : vérifie seulement le droit d'envoyer un signal au parent.
        "signal": lambda: os.kill(os.getppid(), 0),
    }
    if arguments.dossier:
        tentatives["ecriture"] = lambda: _ecrire(arguments.dossier)
        tentatives["creation_dossier"] = lambda: os.mkdir(os.path.join(arguments.dossier, "sonde-dossier"))
    if arguments.fichier:
        tentatives["lecture"] = lambda: _lire(arguments.fichier)
        # Changer les droits ou les dates d'un fichier n'est pas une écriture pour Landlock :
        # rendre la clé maîtresse lisible par tous doit quand même être refusé.
        tentatives["permissions"] = lambda: os.chmod(arguments.fichier, os.stat(arguments.fichier).st_mode)
        tentatives["horodatage"] = lambda: os.utime(arguments.fichier)
    tentatives["execution"] = lambda: os.execv("/bin/true", ["/bin/true"])  # noqa: S606
    return {nom: _essayer(action) for nom, action in tentatives.items()}


def _memoire() -> int:
    blocs: list[bytearray] = []
    try:
        while True:
            blocs.append(bytearray(16 * 1024 * 1024))
    except MemoryError:
        return len(blocs) * 16


def _repondre(sortie: BinaryIO, rapport: RapportSonde) -> None:
    sortie.write(ecrire_message(SIGNATURE_REPONSE, [rapport.model_dump_json().encode()]))
    sortie.flush()


def main() -> int:
    analyseur = argparse.ArgumentParser(add_help=False)
    analyseur.add_argument("--action", choices=ACTIONS, required=True)
    analyseur.add_argument("--dossier")
    analyseur.add_argument("--fichier")
    propres, reste = analyseur.parse_known_args(sys.argv[1:])
    limites = analyser_arguments(reste)
    sortie = proteger_sortie()
    etat, _ = se_confiner(limites)
    rapport = RapportSonde(
        protections=etat.actives,
        raisons_protections=etat.raisons,
        espace_reseau=_lien("/proc/self/ns/net"),
        espace_utilisateur=_lien("/proc/self/ns/user"),
        vidable=vidable(),
        signal_mort_parent=signal_mort_parent(),
    )
    if propres.action == "essais":
        rapport = rapport.model_copy(update={"essais": essais(propres)})
    elif propres.action == "memoire":
        rapport = rapport.model_copy(update={"memoire_atteinte_mio": _memoire()})
    elif propres.action == "cpu":
        while True:
            pass
    elif propres.action == "attente":
        time.sleep(3600)
    elif propres.action == "plantage":
        ctypes.string_at(0)
    elif propres.action == "sortie_malformee":
        sortie.write(b"ceci n'est pas une reponse du travailleur")
        return 0
    elif propres.action == "sortie_enorme":
        while True:
            sortie.write(b"x" * 65536)
    _repondre(sortie, rapport)
    return 0


def _lien(chemin: str) -> str | None:
    try:
        return os.readlink(chemin)
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
