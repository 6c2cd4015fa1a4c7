"""Droits des fichiers du service : dossier des données, base SQLite et clés réservés au compte du service.

Au démarrage, chaque commande (``cellule serveur``, ``cellule travailleur`` et les autres) restreint son
masque de création (``umask 077`` : ce qu'elle crée n'est lisible que par son compte) puis refuse de
travailler si un de ces fichiers est déjà lisible ou modifiable par d'autres comptes de la machine, en
donnant les ``chmod`` à faire.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.parametres import ReglagesService

# Ce que le compte du service crée : lisible par lui seul.
MASQUE_CREATION = 0o077


class DroitsTropOuverts(Exception):
    """Un dossier ou un fichier du service est ouvert à d'autres comptes ; le message dit quoi faire."""


def restreindre_creations() -> None:
    """Ce que le processus crée désormais (fichiers 0600, dossiers 0700) n'est qu'à son compte."""
    os.umask(MASQUE_CREATION)


def fichiers_sqlite(url: str) -> list[Path]:
    """La base SQLite de ``url`` et ses fichiers de journal (WAL) ; rien pour PostgreSQL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        adresse = make_url(url)
    except ArgumentError:
        return []  # URL mal formée : la connexion à la base le dira, avec son propre message
    if adresse.get_backend_name() != "sqlite" or not adresse.database or adresse.database == ":memory:":
        return []
    base = Path(adresse.database)
    return [base, base.with_name(base.name + "-wal"), base.with_name(base.name + "-shm")]


def _a_verifier(reglages: ReglagesService) -> list[tuple[Path, str]]:
    """(chemin, mode attendu) de tout ce qui doit rester au seul compte du service."""
    # Importés ici : ``cellule apparier``, qui ne touche à aucune clé, ne paie pas leur chargement.
    from chiffrement.trousseau import FICHIER_CLE_PRIVEE_TRAVAILLEUR, FICHIER_TROUSSEAU
    from service.cles import FICHIER_CLE_APPARIEMENT, FICHIER_CLE_COMPTES

    trousseau = reglages.chemin_trousseau()
    dossiers = [(reglages.donnees, "700"), (trousseau, "700")]
    cles = [
        trousseau / FICHIER_TROUSSEAU,
        trousseau / FICHIER_CLE_PRIVEE_TRAVAILLEUR,
        trousseau / FICHIER_CLE_APPARIEMENT,
        trousseau / FICHIER_CLE_COMPTES,
    ]
    if reglages.cle_maitresse is None:
        cles.append(reglages.chemin_cle_maitresse())
    fichiers = [(chemin, "600") for chemin in [*cles, *fichiers_sqlite(reglages.base)]]
    return dossiers + fichiers


def verifier_droits(reglages: ReglagesService) -> None:
    """Lève ``DroitsTropOuverts`` si un dossier ou fichier du service est ouvert à d'autres comptes.

    Ce qui n'existe pas encore est ignoré (il sera créé fermé) ; seul le mode est lu, pas le contenu :
    un fichier réservé à un autre compte du service (la clé privée du travailleur, quand le travailleur
    tourne sous son propre compte) ne gêne pas.
    """
    corrections = []
    for chemin, mode in _a_verifier(reglages):
        try:
            actuel = stat.S_IMODE(os.stat(chemin).st_mode)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            # Absent, ou dans un dossier d'un autre compte du service (fermé, donc) : rien à corriger.
            continue
        if actuel & MASQUE_CREATION:
            corrections.append(f"  chmod {mode} {chemin}    (actuellement {actuel:o})")
    if corrections:
        raise DroitsTropOuverts(
            "d'autres comptes de cette machine peuvent lire ou modifier les données du service "
            "(identités des enfants, clés). Réservez-les au compte du service, puis relancez :\n"
            + "\n".join(corrections)
        )
