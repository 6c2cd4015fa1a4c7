"""Les protections que le processus enfant s'applique à lui-même, avant de toucher une archive.

Ce module n'importe que la bibliothèque standard : il est chargé par l'enfant avant tout module
lourd (polars crée des fils d'exécution dès son import, et Landlock ne s'applique qu'au fil
appelant). Chaque protection est tentée séparément ; ``confiner`` rapporte lesquelles sont actives
et, pour chacune de celles qui manquent, la raison (sans aucune donnée).

Ordre imposé par le noyau :
1. ``PR_SET_PDEATHSIG`` (mort avec le parent) puis ``PR_SET_DUMPABLE`` à 0 (mémoire fermée aux
   autres processus du même compte, aucun vidage), tout de suite : ce sont les fenêtres les plus
   courtes qui comptent ;
2. ``PR_SET_NO_NEW_PRIVS`` (préalable à seccomp et Landlock sans privilège) ;
3. espaces de noms utilisateur + réseau (``unshare`` exige un processus à un seul fil) ;
4. limites de ressources (mémoire virtuelle, CPU, descripteurs, taille des fichiers écrits) ;
5. Landlock (aucune écriture, lecture limitée au code Python et aux bibliothèques système) ;
6. seccomp (pas de socket, d'exécution de programme, de ptrace…), en dernier car il interdit
   aussi ``unshare`` et la hausse des limites.
Les deux premiers réglages sont relus à la fin : un changement d'identité les annulerait en silence.
Landlock est dans ``landlock.py``, seccomp dans ``seccomp.py`` ; ce module les applique dans cet ordre.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections.abc import Iterable
from dataclasses import dataclass

from service.travailleur.landlock import restreindre_fichiers
from service.travailleur.noyau import erreur_systeme, libc
from service.travailleur.seccomp import charger_libseccomp, filtrer_appels_systeme

MORT_AVEC_PARENT = "mort_avec_parent"
MEMOIRE_PROTEGEE = "memoire_protegee"
LIMITES = "limites"
SANS_NOUVEAUX_PRIVILEGES = "sans_nouveaux_privileges"
ESPACES_DE_NOMS = "espaces_de_noms"
LANDLOCK = "landlock"
SECCOMP = "seccomp"

#: Toutes les protections connues, dans l'ordre où elles sont appliquées.
PROTECTIONS: tuple[str, ...] = (
    MORT_AVEC_PARENT,
    MEMOIRE_PROTEGEE,
    LIMITES,
    SANS_NOUVEAUX_PRIVILEGES,
    ESPACES_DE_NOMS,
    LANDLOCK,
    SECCOMP,
)

#: Code de sortie de l'enfant dont le parent est mort avant qu'il ne soit lié à lui.
CODE_ORPHELIN = 70

_PR_SET_PDEATHSIG = 1
_PR_GET_PDEATHSIG = 2
_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class LimitesProcessus:
    """Limites de ressources de l'enfant (octets, secondes de calcul, descripteurs ouverts)."""

    memoire: int
    cpu: int
    fichiers: int


@dataclass
class EtatProtections:
    """Protections actives, et raison de chaque absence (texte français, sans donnée)."""

    actives: dict[str, bool]
    raisons: dict[str, str]

    def manquantes(self, obligatoires: Iterable[str]) -> list[str]:
        """Les protections obligatoires qui ne sont pas actives."""
        return [nom for nom in obligatoires if not self.actives.get(nom, False)]


def lier_au_parent(parent: int | None) -> str | None:
    """``PR_SET_PDEATHSIG`` : le noyau tue l'enfant (SIGKILL) dès que son parent disparaît.

    Sans cela, un service arrêté brutalement laisserait tourner un enfant qui garde des listes en
    clair dans sa mémoire. ``parent`` : le numéro du processus qui l'a lancé ; s'il est déjà mort
    avant ce réglage (le signal ne viendrait jamais), l'enfant s'arrête aussitôt.
    """
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return f"prctl(PR_SET_PDEATHSIG) refusé : {erreur_systeme()}"
    if parent is not None and os.getppid() != parent:
        os._exit(CODE_ORPHELIN)
    return None


def fermer_memoire() -> str | None:
    """``PR_SET_DUMPABLE`` à 0 : ni vidage mémoire, ni ``ptrace`` ni lecture de ``/proc/<pid>/mem``
    par un autre processus du même compte (le service web, par exemple)."""
    if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        return f"prctl(PR_SET_DUMPABLE) refusé : {erreur_systeme()}"
    return None


def signal_mort_parent() -> int:
    """Le signal que le noyau enverra à la mort du parent (0 : aucun)."""
    valeur = ctypes.c_int(0)
    libc.prctl(_PR_GET_PDEATHSIG, ctypes.byref(valeur), 0, 0, 0)
    return valeur.value


def vidable() -> int:
    """L'état ``PR_GET_DUMPABLE`` du processus (0 : mémoire fermée)."""
    return int(libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))


def interdire_nouveaux_privileges() -> str | None:
    """``PR_SET_NO_NEW_PRIVS`` : ni setuid ni capacités de fichier ne peuvent plus rien accorder."""
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(PR_SET_NO_NEW_PRIVS) refusé : {erreur_systeme()}"
    return None


def isoler_espaces_de_noms() -> str | None:
    """Nouvel espace de noms utilisateur et réseau : aucune interface réseau, aucun privilège hôte."""
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        return f"unshare(utilisateur, réseau) refusé par le noyau : {erreur_systeme()}"
    return None


def limiter_ressources(limites: LimitesProcessus) -> None:
    """Mémoire virtuelle, temps CPU, descripteurs bornés ; aucun fichier écrit (taille 0), aucun vidage.

    La mémoire virtuelle compte aussi ce que polars réserve à son import (environ 1 Go sur deux cœurs).
    La limite dure du CPU dépasse d'une seconde la limite souple : SIGXCPU d'abord, puis SIGKILL.
    Une limite dure déjà plus basse (héritée du service) est gardée : on ne peut que resserrer.
    """
    _limiter(resource.RLIMIT_AS, limites.memoire, limites.memoire)
    _limiter(resource.RLIMIT_CORE, 0, 0)
    _limiter(resource.RLIMIT_FSIZE, 0, 0)
    _limiter(resource.RLIMIT_NOFILE, limites.fichiers, limites.fichiers)
    _limiter(resource.RLIMIT_CPU, limites.cpu, limites.cpu + 1)


def _limiter(ressource: int, souple: int, dure: int) -> None:
    actuelle = resource.getrlimit(ressource)[1]
    if actuelle != resource.RLIM_INFINITY:
        souple, dure = min(souple, actuelle), min(dure, actuelle)
    resource.setrlimit(ressource, (souple, dure))


def memoire_crete() -> int | None:
    """Pic de mémoire virtuelle du processus (VmPeak, en octets), celui que RLIMIT_AS plafonne."""
    try:
        with open("/proc/self/status", "rb") as statut:
            for ligne in statut:
                if ligne.startswith(b"VmPeak:"):
                    return int(ligne.split()[1]) * 1024
    except OSError:
        return None
    return None


def confiner(limites: LimitesProcessus, parent: int | None = None) -> EtatProtections:
    """Applique toutes les protections possibles, dans l'ordre requis, et rapporte le résultat.

    À appeler en tout premier dans l'enfant, quand il n'a encore qu'un fil d'exécution ;
    ``parent`` : le numéro du processus qui l'a lancé (voir ``lier_au_parent``).
    """
    raisons: dict[str, str] = {}
    for nom, etape in (
        (MORT_AVEC_PARENT, lambda: lier_au_parent(parent)),
        (MEMOIRE_PROTEGEE, fermer_memoire),
    ):
        raison = etape()
        if raison:
            raisons[nom] = raison
    libseccomp = charger_libseccomp()
    etapes = (
        (SANS_NOUVEAUX_PRIVILEGES, interdire_nouveaux_privileges),
        (ESPACES_DE_NOMS, isoler_espaces_de_noms),
        (LIMITES, lambda: limiter_ressources(limites)),
        (LANDLOCK, restreindre_fichiers),
        (SECCOMP, lambda: filtrer_appels_systeme(libseccomp)),
    )
    for nom, etape in etapes:
        try:
            raison = etape()
        except OSError as erreur:
            raison = f"{type(erreur).__name__} : {erreur.strerror}"
        if raison:
            raisons[nom] = raison
    if MORT_AVEC_PARENT not in raisons and signal_mort_parent() != signal.SIGKILL:
        raisons[MORT_AVEC_PARENT] = "signal de mort du parent annulé pendant le confinement"
    if MEMOIRE_PROTEGEE not in raisons and vidable() != 0:
        raisons[MEMOIRE_PROTEGEE] = "mémoire redevenue accessible pendant le confinement"
    return EtatProtections(actives={nom: nom not in raisons for nom in PROTECTIONS}, raisons=raisons)
