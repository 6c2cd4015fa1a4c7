"""Landlock : aucune écriture ni création nulle part, lecture seule du code et des bibliothèques.

Bibliothèque standard seulement (voir ``confinement``). Landlock ne s'applique qu'au fil appelant :
``restreindre_fichiers`` refuse d'agir dans un processus qui a déjà plusieurs fils.
"""

from __future__ import annotations

import ctypes
import os
import sys
import sysconfig

from service.travailleur.noyau import erreur_systeme, libc

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
    version = libc.syscall(
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
    fd = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attributs), ctypes.c_size_t(taille), ctypes.c_uint32(0)
    )
    if fd < 0:
        return f"landlock_create_ruleset refusé : {erreur_systeme()}"
    try:
        for chemin in dossiers_lisibles():
            droits = _FS_READ_FILE | (_FS_READ_DIR if os.path.isdir(chemin) else 0)
            cible = os.open(chemin, os.O_PATH | os.O_CLOEXEC)
            try:
                regle = _SousArborescence(allowed_access=droits, parent_fd=cible)
                if (
                    libc.syscall(
                        _SYS_LANDLOCK_ADD_RULE,
                        ctypes.c_int(fd),
                        ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                        ctypes.byref(regle),
                        ctypes.c_uint32(0),
                    )
                    != 0
                ):
                    return f"landlock_add_rule refusé : {erreur_systeme()}"
            finally:
                os.close(cible)
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            return f"landlock_restrict_self refusé : {erreur_systeme()}"
    finally:
        os.close(fd)
    return None
