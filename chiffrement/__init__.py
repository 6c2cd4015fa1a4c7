"""Archives 7z en mémoire, chiffrement au repos par enveloppe, trousseau de clés, scellement.

La façade se limite à ce qu'un appelant doit connaître ; les primitives (nonces, enveloppement de
clés, HPKE) restent dans ``chiffrement.hazmat``.
"""

from chiffrement.archives import (
    MESSAGE_ILLISIBLE,
    SIGNATURE_7Z,
    TAILLE_DEBUT_7Z,
    ArchiveIllisible,
    ArchiveRefusee,
    ErreurArchive,
    FichierArchive,
    Limites,
    fabriquer_archive,
    ouvrir_archive,
    taille_annoncee_7z,
)
from chiffrement.erreurs import (
    DonneeEffacee,
    DonneeIllisible,
    ErreurChiffrement,
    ScelleInvalide,
    TrousseauInvalide,
)
from chiffrement.scellement import PaireTravailleur, desceller, generer_paire_travailleur, sceller
from chiffrement.trousseau import (
    Chiffre,
    CohorteDetruite,
    EtatTrousseau,
    Trousseau,
    creer_fichier_cle_maitresse,
    creer_paire_travailleur,
    decoder_cle_maitresse,
    generer_cle_maitresse,
    lire_cle_maitresse,
    lire_cle_privee_travailleur,
    lire_cle_publique_travailleur,
    lire_fichier_secret,
)

__all__ = [
    "MESSAGE_ILLISIBLE",
    "SIGNATURE_7Z",
    "TAILLE_DEBUT_7Z",
    "ArchiveIllisible",
    "ArchiveRefusee",
    "Chiffre",
    "CohorteDetruite",
    "DonneeEffacee",
    "DonneeIllisible",
    "ErreurArchive",
    "ErreurChiffrement",
    "EtatTrousseau",
    "FichierArchive",
    "Limites",
    "PaireTravailleur",
    "ScelleInvalide",
    "Trousseau",
    "TrousseauInvalide",
    "creer_fichier_cle_maitresse",
    "creer_paire_travailleur",
    "decoder_cle_maitresse",
    "desceller",
    "fabriquer_archive",
    "generer_cle_maitresse",
    "generer_paire_travailleur",
    "lire_cle_maitresse",
    "lire_cle_privee_travailleur",
    "lire_cle_publique_travailleur",
    "lire_fichier_secret",
    "ouvrir_archive",
    "sceller",
    "taille_annoncee_7z",
]
