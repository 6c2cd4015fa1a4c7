"""Fabrication d'archives avec le vrai 7-Zip (``7zz``), pour les tests du chiffrement."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

CODECS = ("lzma", "lzma2", "ppmd", "bzip2", "deflate", "copy")
MOT_DE_PASSE = "Cellule-Essai-2026!"

# Identités fictives : aucun enfant réel.
CSV_FAMILLES = (
    "id;nom;prenoms;date_naissance;sexe\n"
    "F-001;ESSAI-DURAND;Zoé Anaïs;2015-03-02;F\n"
    "F-002;FICTIF-N'GUYEN;Théo;2012-11-30;M\n"
).encode()


def sept_zip() -> str:
    """Le chemin de ``7zz`` ; saute le test s'il n'est pas installé."""
    chemin = shutil.which("7zz")
    if chemin is None:
        pytest.skip(
            "7zz (paquet Debian « 7zip ») n'est pas installé : archives réelles impossibles à fabriquer"
        )
    return chemin


def fabriquer(
    dossier: Path,
    fichiers: dict[str, bytes],
    *,
    mot_de_passe: str | None = MOT_DE_PASSE,
    codec: str = "lzma2",
    entetes_chiffres: bool = True,
    options: Iterable[str] = (),
    chemins_en_plus: Iterable[str] = (),
) -> bytes:
    """Écrit ``fichiers`` dans ``dossier/source`` puis les archive avec 7zz (avec ``chemins_en_plus``,
    déjà présents) ; ``options`` sont des commutateurs de 7zz. Rend les octets de l'archive."""
    source = dossier / "source"
    source.mkdir(parents=True, exist_ok=True)
    for nom, contenu in fichiers.items():
        (source / nom).parent.mkdir(parents=True, exist_ok=True)
        (source / nom).write_bytes(contenu)
    archive = dossier / "archive.7z"
    archive.unlink(missing_ok=True)
    commande = [sept_zip(), "a", "-t7z", f"-m0={codec}", "-bso0", "-bsp0"]
    if mot_de_passe is not None:
        commande += [f"-p{mot_de_passe}", f"-mhe={'on' if entetes_chiffres else 'off'}"]
    commande += [*options, str(archive), *fichiers, *chemins_en_plus]
    subprocess.run(commande, cwd=source, check=True)
    return archive.read_bytes()


def renommer_dans_entete(archive: bytes, ancien: str, nouveau: str) -> bytes:
    """Remplace un nom dans un en-tête 7z en clair (archive faite avec ``-mhc=off`` sans ``-mhe``) :
    fabrique une archive « valide » au nom dangereux."""
    assert len(ancien) == len(nouveau)
    ancien_utf16, nouveau_utf16 = ancien.encode("utf-16-le"), nouveau.encode("utf-16-le")

    def renommer(entete: bytearray) -> None:
        position = entete.find(ancien_utf16)
        assert position >= 0, "nom introuvable : l'en-tête est-il bien en clair ?"
        entete[position : position + len(ancien_utf16)] = nouveau_utf16

    return _modifier_entete(archive, renommer)


def changer_cout_de_derivation(archive: bytes, cycles: int) -> bytes:
    """Change le nombre de tours (2**cycles) de la dérivation de clé 7zAES annoncé dans l'en-tête
    lisible (en-tête codé de ``-mhe=on``, ou en-tête en clair de ``-mhc=off``)."""

    def changer(entete: bytearray) -> None:
        position = entete.find(b"\x24\x06\xf1\x07\x01")
        assert position >= 0, "pas de chiffrement AES décrit dans l'en-tête lisible"
        entete[position + 6] = (entete[position + 6] & 0xC0) | cycles

    return _modifier_entete(archive, changer)


def _modifier_entete(archive: bytes, modification: Callable[[bytearray], None]) -> bytes:
    octets = bytearray(archive)
    decalage, taille, _ = struct.unpack("<QQI", octets[12:32])
    debut = 32 + decalage
    entete = bytearray(octets[debut : debut + taille])
    modification(entete)
    octets[debut : debut + taille] = entete
    octets[28:32] = struct.pack("<I", zlib.crc32(entete))
    octets[8:12] = struct.pack("<I", zlib.crc32(bytes(octets[12:32])))
    return bytes(octets)
