"""seccomp par libseccomp : les appels système que l'enfant ne peut plus faire, pour tous ses fils.

Bibliothèque standard seulement (voir ``confinement``) ; appliqué en dernier, car il interdit aussi
``unshare`` et la hausse des limites.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

_CLONE_THREAD = 0x00010000
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
