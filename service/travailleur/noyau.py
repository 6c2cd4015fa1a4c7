"""La libc du processus, pour les appels au noyau que Python n'expose pas (prctl, unshare, syscall).

Bibliothèque standard seulement, comme tout ce que l'enfant charge avant de se confiner.
"""

from __future__ import annotations

import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def erreur_systeme() -> str:
    """La dernière erreur de la libc en clair (code et message du système), pour dire pourquoi une
    protection manque."""
    code = ctypes.get_errno()
    return f"{errno.errorcode.get(code, str(code))} ({os.strerror(code)})"
