"""Fabriquer en mémoire une archive 7z chiffrée (AES-256, noms de fichiers chiffrés aussi)."""

from __future__ import annotations

import io

import py7zr


def fabriquer_archive(fichiers: dict[str, bytes], mot_de_passe: str) -> bytes:
    tampon = io.BytesIO()
    filtres = [{"id": py7zr.FILTER_LZMA2, "preset": 5}, {"id": py7zr.FILTER_CRYPTO_AES256_SHA256}]
    with py7zr.SevenZipFile(
        tampon, "w", password=mot_de_passe, header_encryption=True, filters=filtres
    ) as archive:
        for nom, octets in fichiers.items():
            archive.writestr(octets, nom)
    return tampon.getvalue()
