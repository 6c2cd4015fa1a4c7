"""Simule un noyau (ou un conteneur) qui refuse les espaces de noms et n'a pas Landlock.

Lancé comme ``python -m tests.travailleur.noyau_restreint MODE`` (``obligatoires``, ``facultatives``
ou ``sonde``) : ce processus s'impose d'abord un
filtre seccomp (``unshare`` → EPERM, comme le profil par défaut de Docker ; ``landlock_*`` → ENOSYS,
comme un noyau sans Landlock), dont héritent ses enfants, puis lance le vrai travailleur et écrit
le résultat en JSON sur sa sortie.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import sys

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

_PR_SET_NO_NEW_PRIVS = 38
_SCMP_ACT_ALLOW = 0x7FFF0000


def _erreur(code: int) -> int:
    return 0x00050000 | code


def restreindre_noyau() -> None:
    libc = ctypes.CDLL(None)
    assert libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp"))
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_rule_add.argtypes = (ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint)
    lib.seccomp_load.argtypes = (ctypes.c_void_p,)
    contexte = lib.seccomp_init(_SCMP_ACT_ALLOW)
    for nom, code in (
        (b"unshare", errno.EPERM),
        (b"landlock_create_ruleset", errno.ENOSYS),
        (b"landlock_add_rule", errno.ENOSYS),
        (b"landlock_restrict_self", errno.ENOSYS),
    ):
        assert lib.seccomp_rule_add(contexte, _erreur(code), lib.seccomp_syscall_resolve_name(nom), 0) == 0
    assert lib.seccomp_load(contexte) == 0


def main() -> None:
    restreindre_noyau()
    from service.travailleur import (
        DemandeTravail,
        EchecTravail,
        ReglagesTravailleur,
        SourceTravail,
        executer,
        sonder,
    )

    mode = sys.argv[1]
    if mode == "sonde":
        rapport = sonder("essais", reglages=ReglagesTravailleur(protections_obligatoires=frozenset()))
        print(json.dumps({"protections": rapport.protections, "essais": rapport.essais}))
        return
    obligatoires = (
        frozenset({"limites", "sans_nouveaux_privileges", "seccomp"})
        if mode == "facultatives"
        else frozenset({"limites", "sans_nouveaux_privileges", "espaces_de_noms", "landlock", "seccomp"})
    )
    # La source est volontairement inutilisable : seul compte ce que l'enfant fait avant de l'ouvrir.
    demande = DemandeTravail(
        commune="59350",
        date_reference=__import__("datetime").date(2026, 1, 15),
        sources=[
            SourceTravail(identifiant="caf-1", archive=b"7z?", mot_de_passe_scelle=None, convention="{}")
        ],
        cle_privee=X25519PrivateKey.generate(),
    )
    try:
        reponse = executer(demande, reglages=ReglagesTravailleur(protections_obligatoires=obligatoires))
    except EchecTravail as echec:
        print(json.dumps({"echec": echec.message}))
        return
    print(json.dumps({"protections": reponse.protections, "raisons": reponse.raisons_protections}))


if __name__ == "__main__":
    main()
