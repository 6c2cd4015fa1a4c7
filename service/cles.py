"""Les clés du service, rangées hors de la base : trousseau, paire du travailleur, clé d'appariement.

La clé maîtresse vient de ``CELLULE_CLE_MAITRESSE`` ou de son fichier (mode 0600) ; le trousseau
et la paire du travailleur vivent dans ``CELLULE_TROUSSEAU`` (par défaut ``<donnees>/cles``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from chiffrement import (
    Trousseau,
    TrousseauInvalide,
    creer_fichier_cle_maitresse,
    creer_paire_travailleur,
    decoder_cle_maitresse,
    lire_cle_maitresse,
    lire_cle_privee_travailleur,
    lire_cle_publique_travailleur,
    lire_fichier_secret,
)
from service.parametres import ReglagesService

FICHIER_CLE_APPARIEMENT = "appariement.cle"
FICHIER_CLE_COMPTES = "comptes.cle"


def cle_maitresse(reglages: ReglagesService) -> bytes:
    if reglages.cle_maitresse is not None:
        return decoder_cle_maitresse(reglages.cle_maitresse.get_secret_value())
    return lire_cle_maitresse(reglages.chemin_cle_maitresse())


def trousseau(reglages: ReglagesService) -> Trousseau:
    return Trousseau(reglages.chemin_trousseau(), cle_maitresse(reglages))


def cle_publique_travailleur(reglages: ReglagesService) -> X25519PublicKey:
    return lire_cle_publique_travailleur(reglages.chemin_trousseau())


def cle_privee_travailleur(reglages: ReglagesService) -> X25519PrivateKey:
    """La clé privée du travailleur, transmise à l'enfant confiné (seul à desceller les mots de passe)."""
    return lire_cle_privee_travailleur(reglages.chemin_trousseau())


def cle_appariement(reglages: ReglagesService) -> bytes:
    """La clé HMAC qui reconnaît un même enfant d'une campagne à l'autre.

    Jamais renouvelée : la perdre ferait ouvrir un second cas pour un enfant déjà suivi.
    """
    return _lire_cle(reglages.chemin_trousseau(), FICHIER_CLE_APPARIEMENT, "d'appariement")


def cle_comptes(reglages: ReglagesService) -> bytes:
    """La clé qui chiffre les secrets TOTP des comptes hors de portée d'une copie de la base."""
    return _lire_cle(reglages.chemin_trousseau(), FICHIER_CLE_COMPTES, "des comptes")


def _lire_cle(dossier: Path, nom: str, role: str) -> bytes:
    """Une clé du trousseau ; jamais recréée en silence, car une nouvelle clé ne relirait rien."""
    contenu = lire_fichier_secret(
        dossier / nom,
        f"la clé {role}",
        si_absent="restaurez le dossier des clés depuis sa sauvegarde, ou lancez « cellule cles init » "
        "s'il s'agit d'une installation neuve",
    )
    try:
        return bytes.fromhex(contenu.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise TrousseauInvalide(
            f"la clé {role} est abîmée ({dossier / nom}) : restaurez-la depuis la sauvegarde du "
            "dossier des clés"
        ) from None


def _creer_cle(dossier: Path, nom: str) -> bool:
    """Une clé aléatoire de 32 octets dans un fichier 0600, jamais écrasée."""
    dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
    chemin = dossier / nom
    try:
        descripteur = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descripteur, "w", encoding="ascii") as fichier:
        fichier.write(secrets.token_hex(32) + "\n")
    return True


def preparer_cles(reglages: ReglagesService) -> list[str]:
    """Crée ce qui manque (jamais n'écrase) ; rend la liste de ce qui a été créé."""
    crees: list[str] = []
    dossier = reglages.chemin_trousseau()
    fichier = reglages.chemin_cle_maitresse()
    if reglages.cle_maitresse is None and not fichier.exists() and Trousseau.existe(dossier):
        raise TrousseauInvalide(
            f"le trousseau {dossier} existe mais sa clé maîtresse {fichier} est introuvable : "
            "restaurez-la depuis sa sauvegarde (une nouvelle clé ne pourrait pas l'ouvrir)"
        )
    if reglages.cle_maitresse is None and creer_fichier_cle_maitresse(fichier):
        crees.append(f"clé maîtresse ({fichier})")
    if not Trousseau.existe(dossier):
        Trousseau.creer(dossier, cle_maitresse(reglages))
        crees.append(f"trousseau ({dossier})")
    if creer_paire_travailleur(dossier):
        crees.append("paire de clés du travailleur")
    if _creer_cle(dossier, FICHIER_CLE_APPARIEMENT):
        crees.append("clé d'appariement")
    if _creer_cle(dossier, FICHIER_CLE_COMPTES):
        crees.append("clé des comptes")
    return crees
