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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import resource
import signal
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass

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
_CLONE_THREAD = 0x00010000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


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


def _erreur_systeme() -> str:
    code = ctypes.get_errno()
    return f"{errno.errorcode.get(code, str(code))} ({os.strerror(code)})"


def lier_au_parent(parent: int | None) -> str | None:
    """``PR_SET_PDEATHSIG`` : le noyau tue l'enfant (SIGKILL) dès que son parent disparaît.

    Sans cela, un service arrêté brutalement laisserait tourner un enfant qui garde des listes en
    clair dans sa mémoire. ``parent`` : le numéro du processus qui l'a lancé ; s'il est déjà mort
    avant ce réglage (le signal ne viendrait jamais), l'enfant s'arrête aussitôt.
    """
    if _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return f"prctl(PR_SET_PDEATHSIG) refusé : {_erreur_systeme()}"
    if parent is not None and os.getppid() != parent:
        os._exit(CODE_ORPHELIN)
    return None


def fermer_memoire() -> str | None:
    """``PR_SET_DUMPABLE`` à 0 : ni vidage mémoire, ni ``ptrace`` ni lecture de ``/proc/<pid>/mem``
    par un autre processus du même compte (le service web, par exemple)."""
    if _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        return f"prctl(PR_SET_DUMPABLE) refusé : {_erreur_systeme()}"
    return None


def signal_mort_parent() -> int:
    """Le signal que le noyau enverra à la mort du parent (0 : aucun)."""
    valeur = ctypes.c_int(0)
    _libc.prctl(_PR_GET_PDEATHSIG, ctypes.byref(valeur), 0, 0, 0)
    return valeur.value


def vidable() -> int:
    """L'état ``PR_GET_DUMPABLE`` du processus (0 : mémoire fermée)."""
    return int(_libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))


def interdire_nouveaux_privileges() -> str | None:
    """``PR_SET_NO_NEW_PRIVS`` : ni setuid ni capacités de fichier ne peuvent plus rien accorder."""
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(PR_SET_NO_NEW_PRIVS) refusé : {_erreur_systeme()}"
    return None


def isoler_espaces_de_noms() -> str | None:
    """Nouvel espace de noms utilisateur et réseau : aucune interface réseau, aucun privilège hôte."""
    if _libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        return f"unshare(utilisateur, réseau) refusé par le noyau : {_erreur_systeme()}"
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


# --- Landlock -------------------------------------------------------------------------------------

_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1

_FS_EXECUTE = 1 << 0
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
# Droits gérés selon la version de l'ABI : tout ce qui n'est pas accordé est interdit.
_FS_ABI1 = (1 << 13) - 1  # exécuter, écrire, lire, lister, supprimer, créer (fichiers, dossiers, liens…)
_FS_REFER = 1 << 13  # ABI 2 : renommer ou lier d'un dossier à l'autre
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_NET_TCP = (1 << 0) | (1 << 1)  # ABI 4 : bind et connect TCP
_SCOPE_TOUT = (1 << 0) | (1 << 1)  # ABI 6 : sockets Unix abstraites et signaux hors du domaine


class _AttributsRegles(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _SousArborescence(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def version_landlock() -> int:
    """Version de l'ABI Landlock du noyau (0 si absent ou désactivé)."""
    version = _libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET,
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION),
    )
    return max(int(version), 0)


def dossiers_lisibles() -> list[str]:
    """Ce que l'enfant peut encore lire : le code Python chargé ou chargeable, les bibliothèques système.

    Le dossier des données (base, trousseau) n'y figure pas : il n'est pas sous ces racines dans un
    déploiement normal (voir docs/travailleur.md).
    """
    racines = {
        sysconfig.get_path("stdlib"),
        sysconfig.get_path("platstdlib"),
        sysconfig.get_path("purelib"),
        sysconfig.get_path("platlib"),
        "/usr/lib",
        "/usr/lib64",
        "/lib",
        "/lib64",
        "/usr/local/lib",
        "/proc/self",
        "/proc/meminfo",
        "/proc/cpuinfo",
        "/sys/devices/system/cpu",
        "/sys/fs/cgroup",
        "/dev/urandom",
        "/dev/null",
        "/usr/share/zoneinfo",
        "/etc/localtime",
        os.path.dirname(os.path.realpath(sys.executable)),
    }
    # Paquets installés en mode éditable (le dépôt du projet) : leur seul dossier, pas leur parent.
    for module in list(sys.modules.values()):
        chemin = getattr(module, "__file__", None)
        if chemin and not any(os.path.realpath(chemin).startswith(r + os.sep) for r in racines if r):
            racines.add(os.path.dirname(os.path.realpath(chemin)))
    for nom in ("service", "audit", "appariement", "conventions", "chiffrement"):
        chemin = _dossier_paquet(nom)
        if chemin:
            racines.add(chemin)
    return sorted(r for r in racines if r and os.path.exists(r))


def _dossier_paquet(nom: str) -> str | None:
    import importlib.util

    spec = importlib.util.find_spec(nom)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(next(iter(spec.submodule_search_locations)))


def restreindre_fichiers() -> str | None:
    """Landlock : aucune écriture ni création nulle part, lecture seule de ``dossiers_lisibles()``."""
    version = version_landlock()
    if version < 1:
        return "Landlock absent ou désactivé dans ce noyau"
    if len(os.listdir("/proc/self/task")) > 1:
        # Landlock ne s'applique qu'au fil appelant : des fils déjà lancés y échapperaient.
        return "processus déjà multi-fils : Landlock ne couvrirait pas tous les fils"
    geres = _FS_ABI1
    taille = ctypes.sizeof(ctypes.c_uint64)
    attributs = _AttributsRegles(handled_access_fs=0, handled_access_net=0, scoped=0)
    if version >= 2:
        geres |= _FS_REFER
    if version >= 3:
        geres |= _FS_TRUNCATE
    if version >= 4:
        attributs.handled_access_net = _NET_TCP
        taille = 2 * ctypes.sizeof(ctypes.c_uint64)
    if version >= 5:
        geres |= _FS_IOCTL_DEV
    if version >= 6:
        attributs.scoped = _SCOPE_TOUT
        taille = 3 * ctypes.sizeof(ctypes.c_uint64)
    attributs.handled_access_fs = geres
    fd = _libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attributs), ctypes.c_size_t(taille), ctypes.c_uint32(0)
    )
    if fd < 0:
        return f"landlock_create_ruleset refusé : {_erreur_systeme()}"
    try:
        for chemin in dossiers_lisibles():
            droits = _FS_READ_FILE | (_FS_READ_DIR if os.path.isdir(chemin) else 0)
            cible = os.open(chemin, os.O_PATH | os.O_CLOEXEC)
            try:
                regle = _SousArborescence(allowed_access=droits, parent_fd=cible)
                if (
                    _libc.syscall(
                        _SYS_LANDLOCK_ADD_RULE,
                        ctypes.c_int(fd),
                        ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                        ctypes.byref(regle),
                        ctypes.c_uint32(0),
                    )
                    != 0
                ):
                    return f"landlock_add_rule refusé : {_erreur_systeme()}"
            finally:
                os.close(cible)
        if _libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            return f"landlock_restrict_self refusé : {_erreur_systeme()}"
    finally:
        os.close(fd)
    return None


# --- seccomp (libseccomp) -------------------------------------------------------------------------

_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_FLTATR_CTL_TSYNC = 4
_SCMP_CMP_NE = 1
_SCMP_CMP_MASKED_EQ = 7

#: Appels système refusés (EPERM) : réseau, exécution, débogage d'autres processus, changement
#: d'espace de noms ou de limites, modules et clés du noyau, io_uring (qui contournerait le filtre),
#: et les changements de droits, de propriétaire, d'attributs ou de dates d'un fichier, que Landlock
#: ne compte pas comme des écritures (l'enfant garde l'identité du service sur l'hôte).
APPELS_INTERDITS: tuple[str, ...] = (
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "execve",
    "execveat",
    "fork",
    "vfork",
    "ptrace",
    "tkill",
    "pidfd_send_signal",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "setrlimit",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "mknod",
    "mknodat",
    "name_to_handle_at",
    "open_by_handle_at",
)


#: Appels qui envoient un signal au processus désigné par leur premier argument : permis seulement
#: vers l'enfant lui-même (``abort`` passe par ``tgkill``), ni vers 0 (son groupe) ni vers -1.
_SIGNAUX_A_SOI: tuple[str, ...] = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


class _ComparaisonArgument(ctypes.Structure):
    _fields_ = (
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    )


def _action_erreur(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


def charger_libseccomp() -> ctypes.CDLL | None:
    """libseccomp, chargée avant Landlock (qui interdit ensuite de lire /etc/ld.so.cache)."""
    for nom in ("libseccomp.so.2", ctypes.util.find_library("seccomp")):
        if nom:
            try:
                return ctypes.CDLL(nom, use_errno=True)
            except OSError:
                continue
    return None


def filtrer_appels_systeme(lib: ctypes.CDLL | None) -> str | None:
    """seccomp par libseccomp : refuse ``APPELS_INTERDITS`` pour tous les fils du processus.

    En plus : ``clone`` seulement pour créer des fils (pas de nouveau processus), ``clone3`` répond
    ENOSYS (la glibc se rabat alors sur ``clone``, dont les drapeaux sont vérifiables),
    ``prlimit64`` ne sert plus qu'à lire les limites, et un signal ne vise que l'enfant lui-même :
    il a la même identité que le service, et Landlock ne l'en empêche qu'à partir de son ABI 6.
    """
    if lib is None:
        return "bibliothèque libseccomp introuvable (paquet Debian libseccomp2)"
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)
    lib.seccomp_load.argtypes = (ctypes.c_void_p,)
    lib.seccomp_attr_set.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32)
    lib.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    lib.seccomp_rule_add_array.argtypes = (
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ComparaisonArgument),
    )
    contexte = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not contexte:
        return "seccomp_init a échoué"
    try:
        if lib.seccomp_attr_set(contexte, _SCMP_FLTATR_CTL_TSYNC, 1) != 0:
            return "seccomp : synchronisation des fils impossible"

        def regle(nom: str, action: int, *comparaisons: _ComparaisonArgument) -> str | None:
            numero = lib.seccomp_syscall_resolve_name(nom.encode())
            if numero < 0:
                return None  # appel inexistant sur cette architecture : rien à refuser
            tableau = (_ComparaisonArgument * max(len(comparaisons), 1))(*comparaisons)
            if lib.seccomp_rule_add_array(contexte, action, numero, len(comparaisons), tableau) != 0:
                return f"seccomp : règle pour {nom} refusée"
            return None

        erreurs = [regle(nom, _action_erreur(errno.EPERM)) for nom in APPELS_INTERDITS]
        erreurs.append(regle("clone3", _action_erreur(errno.ENOSYS)))
        erreurs.append(
            regle(
                "clone",
                _action_erreur(errno.EPERM),
                _ComparaisonArgument(0, _SCMP_CMP_MASKED_EQ, _CLONE_THREAD, 0),
            )
        )
        erreurs.append(
            regle("prlimit64", _action_erreur(errno.EPERM), _ComparaisonArgument(2, _SCMP_CMP_NE, 0, 0))
        )
        soi = os.getpid()
        for nom in _SIGNAUX_A_SOI:
            erreurs.append(
                regle(nom, _action_erreur(errno.EPERM), _ComparaisonArgument(0, _SCMP_CMP_NE, soi, 0))
            )
        premiere = next((e for e in erreurs if e), None)
        if premiere:
            return premiere
        code = lib.seccomp_load(contexte)
        if code != 0:
            return f"seccomp_load refusé : {os.strerror(-code)}"
    finally:
        lib.seccomp_release(contexte)
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
