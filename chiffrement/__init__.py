"""Archives 7z en mémoire, chiffrement au repos par enveloppe, trousseau de clés, scellement.

La façade se limite à ce qu'un appelant doit connaître ; les primitives (nonces, enveloppement de
clés, HPKE) restent dans ``chiffrement.hazmat``.
"""

from chiffrement.archives import (
    ArchiveIllisible,
    ArchiveRefusee,
    ErreurArchive,
    FichierArchive,
    Limites,
    ouvrir_archive,
)

__all__ = [
    "ArchiveIllisible",
    "ArchiveRefusee",
    "ErreurArchive",
    "FichierArchive",
    "Limites",
    "ouvrir_archive",
]
