"""Les archives 7z, entièrement en mémoire : leur ouverture sous limites, et leur fabrication.

Une archive reçue vient de l'extérieur : tout y est suspect (noms, tailles annoncées, taux de
compression). On refuse avant de décompresser tout ce qui se voit dans l'en-tête, puis on décompresse
dans des tampons qui lèvent une erreur au-delà de leur limite au lieu de tronquer en silence.
Aucune donnée n'est écrite sur disque, aucun nom de fichier n'est journalisé.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zlib
from dataclasses import dataclass

import py7zr
import py7zr.compressor
from py7zr.archiveinfo import HeaderStreamsInfo
from py7zr.compressor import SupportedMethods
from py7zr.exceptions import DecompressionBombError, PasswordRequired, UnsupportedCompressionMethodError
from py7zr.io import Py7zIO, WriterFactory

from chiffrement import hazmat

MIO = 1024 * 1024

# En dessous de cette taille décompressée, le taux de compression ne dit rien d'un danger :
# un petit CSV très répétitif se compresse fort sans menacer la mémoire.
_TAUX_IGNORE_EN_DESSOUS = 8 * MIO

MESSAGE_ILLISIBLE = (
    "mot de passe incorrect ou archive corrompue : vérifiez le mot de passe reçu par un autre canal "
    "(téléphone, SMS) ; s'il est juste, demandez au partenaire de renvoyer l'archive"
)

# Les 6 premiers octets de toute archive 7z ; `conventions` s'en sert pour refuser une archive
# déposée à la place d'un fichier.
SIGNATURE_7Z = b"7z\xbc\xaf\x27\x1c"
# L'en-tête de départ d'une archive 7z : signature (6), version (2), CRC (4) des 20 octets suivants,
# position (8) et taille (8) de l'en-tête de fin, CRC (4) de celui-ci.
TAILLE_DEBUT_7Z = 32

# 7zAES dérive sa clé par 2**n tours de SHA-256, n lu dans l'archive : au-delà de ce que 7-Zip
# accepte lui-même (2**24), l'ouverture deviendrait un déni de service.
_METHODE_AES = b"\x06\xf1\x07\x01"
_CYCLES_AES_MAX = 24

# Formats reconnus à leurs premiers octets, pour dire quoi faire au lieu de « format inconnu ».
_FORMATS_ARCHIVE: tuple[tuple[bytes, str], ...] = (
    (SIGNATURE_7Z, "une archive 7z"),
    (b"PK\x03\x04", "une archive ZIP"),
    (b"PK\x05\x06", "une archive ZIP (vide)"),
    (b"Rar!\x1a\x07", "une archive RAR"),
    (b"\x1f\x8b", "un fichier gzip"),
    (b"BZh", "un fichier bzip2"),
    (b"\xfd7zXZ\x00", "un fichier xz"),
)
_AUTRES_FORMATS: tuple[tuple[bytes, str], ...] = (
    *_FORMATS_ARCHIVE[1:],
    (b"%PDF", "un document PDF"),
    (b"\xd0\xcf\x11\xe0", "un document Office ancien (xls, doc)"),
)

_QUOI_FAIRE = (
    "demandez au partenaire une archive 7z (7-Zip, chiffrement AES-256, "
    "« chiffrer les noms de fichiers » coché), le mot de passe étant transmis par un autre canal"
)


_derivations: dict[tuple[bytes, int, bytes], bytes] = {}
_calculate_key_py7zr = py7zr.compressor.calculate_key


def _cle_7zaes(password: bytes, cycles: int, salt: bytes, digest: str) -> bytes:
    """Remplace la dérivation de py7zr, en Python pur (≈ 1 s par clé sur la machine de référence) et
    refaite pour l'en-tête puis pour chaque bloc : la même clé n'est dérivée qu'une fois par archive."""
    if digest != "sha256" or cycles == 0x3F:
        return _calculate_key_py7zr(password, cycles, salt, digest)
    cle = _derivations.get((password, cycles, salt))
    if cle is None:
        cle = _derivations[password, cycles, salt] = hazmat.cle_7zaes(password, cycles, salt)
    return cle


py7zr.compressor.calculate_key = _cle_7zaes


class ErreurArchive(Exception):
    """Une archive n'a pas pu être ouverte ; le message, en français, dit quoi faire."""

    def __init__(self, message: str, *, cause_interne: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Nom du type de l'exception de la bibliothèque, pour le diagnostic, sans son texte
        # (qui peut contenir un nom de fichier).
        self.cause_interne = cause_interne


class ArchiveIllisible(ErreurArchive):
    """Mot de passe incorrect, manquant, ou archive corrompue."""


class ArchiveRefusee(ErreurArchive):
    """Archive refusée : limites, entrée dangereuse, pas un 7z, pas chiffrée."""


@dataclass(frozen=True)
class Limites:
    """Bornes appliquées à chaque archive ; les valeurs par défaut suffisent aux listes d'une commune."""

    # Une liste CAF de grande ville pèse quelques Mo une fois compressée.
    taille_archive_max: int = 64 * MIO
    entrees_max: int = 64
    taille_entree_max: int = 512 * MIO
    taille_totale_max: int = 1024 * MIO
    taux_max: int = 200

    def __post_init__(self) -> None:
        for nom in (
            "taille_archive_max",
            "entrees_max",
            "taille_entree_max",
            "taille_totale_max",
            "taux_max",
        ):
            if getattr(self, nom) <= 0:
                raise ValueError(f"la limite {nom} doit être un entier positif")


@dataclass(frozen=True)
class FichierArchive:
    """Un fichier extrait d'une archive : son nom dans l'archive et son contenu."""

    nom: str
    octets: bytes


def ouvrir_archive(
    octets: bytes,
    mot_de_passe: str | None,
    limites: Limites = Limites(),
    *,
    chiffrement_obligatoire: bool = True,
    noms_en_clair_autorises: bool = False,
) -> list[FichierArchive]:
    """Déchiffre et décompresse en mémoire une archive 7z ; rend ses fichiers dans l'ordre de l'archive.

    Lève ``ArchiveIllisible`` si le mot de passe est faux ou l'archive abîmée, ``ArchiveRefusee`` si
    l'archive dépasse une limite, contient une entrée dangereuse, n'est pas un 7z, n'est pas chiffrée
    (sauf ``chiffrement_obligatoire=False``, quand la convention l'autorise) ou laisse lisibles les noms
    de ses fichiers, faite sans ``-mhe=on`` (sauf ``noms_en_clair_autorises=True``, ou archive non
    chiffrée permise).

    À n'appeler que dans un processus jetable (le travailleur isolé) : certaines archives PPMd
    abîmées font planter le décodeur C de pyppmd (erreur de segmentation), ce qu'aucune exception
    Python ne rattrape ; l'appelant traite alors la mort du processus comme une archive corrompue.
    """
    if len(octets) > limites.taille_archive_max:
        raise ArchiveRefusee(
            f"archive trop grande ({_taille(len(octets))}, au plus {_taille(limites.taille_archive_max)}) : "
            "découpez l'envoi en plusieurs archives"
        )
    _verifier_format(octets)
    _verifier_derivation_entete(octets)
    try:
        return _ouvrir(
            octets,
            mot_de_passe,
            limites,
            chiffrement_obligatoire,
            noms_chiffres_obligatoires=chiffrement_obligatoire and not noms_en_clair_autorises,
        )
    finally:
        # Les clés dérivées ne survivent pas à l'ouverture.
        _derivations.clear()


def fabriquer_archive(fichiers: dict[str, bytes], mot_de_passe: str) -> bytes:
    """Une archive 7z chiffrée (AES-256, noms de fichiers chiffrés aussi), fabriquée en mémoire."""
    tampon = io.BytesIO()
    filtres = [{"id": py7zr.FILTER_LZMA2, "preset": 5}, {"id": py7zr.FILTER_CRYPTO_AES256_SHA256}]
    with py7zr.SevenZipFile(
        tampon, "w", password=mot_de_passe, header_encryption=True, filters=filtres
    ) as archive:
        for nom, octets in fichiers.items():
            archive.writestr(octets, nom)
    return tampon.getvalue()


def taille_annoncee_7z(debut: bytes) -> int:
    """Vérifie les 32 premiers octets d'une archive 7z et rend la taille totale qu'ils annoncent.

    Sert à refuser un envoi dès ses premiers octets : signature 7z, puis CRC de l'en-tête de départ
    (un fichier qui commence seulement comme un 7z n'a pas ce CRC juste). Lève ``ArchiveRefusee``
    sinon, avec le même message que ``ouvrir_archive`` pour un fichier d'un autre format.
    """
    _verifier_format(debut)
    if len(debut) < TAILLE_DEBUT_7Z:
        raise ArchiveRefusee(
            "archive 7z tronquée (son en-tête est incomplet) : demandez au partenaire de la renvoyer"
        )
    if zlib.crc32(debut[12:TAILLE_DEBUT_7Z]) != int.from_bytes(debut[8:12], "little"):
        raise ArchiveRefusee(
            "en-tête de l'archive 7z abîmé (somme de contrôle fausse) : l'archive a été altérée ou mal "
            "copiée ; demandez au partenaire de la renvoyer"
        )
    return TAILLE_DEBUT_7Z + int.from_bytes(debut[12:20], "little") + int.from_bytes(debut[20:28], "little")


def _ouvrir(
    octets: bytes,
    mot_de_passe: str | None,
    limites: Limites,
    chiffrement_obligatoire: bool,
    noms_chiffres_obligatoires: bool,
) -> list[FichierArchive]:
    try:
        with py7zr.SevenZipFile(
            io.BytesIO(octets), mode="r", password=mot_de_passe, max_extract_size=limites.taille_totale_max
        ) as archive:
            entrees = _verifier_entete(archive, len(octets), limites, chiffrement_obligatoire)
            if noms_chiffres_obligatoires and not _noms_chiffres(octets):
                raise ArchiveRefusee(
                    "les noms des fichiers de cette archive se lisent sans le mot de passe (archive faite "
                    "sans « Chiffrer les noms de fichiers », -mhe=on) et sa convention ne le permet pas : "
                    + _QUOI_FAIRE
                )
            fabrique = _FabriqueBornee(limites)
            archive.extract(factory=fabrique)
    except ErreurArchive:
        raise
    except DecompressionBombError:
        raise ArchiveRefusee(
            _message_trop_decompresse(limites), cause_interne="DecompressionBombError"
        ) from None
    except UnsupportedCompressionMethodError:
        raise ArchiveRefusee(
            "méthode de compression non prise en charge (BCJ2, ARM64…) : demandez une archive 7z "
            "compressée en LZMA2, le réglage par défaut de 7-Zip",
            cause_interne="UnsupportedCompressionMethodError",
        ) from None
    except PasswordRequired:
        if mot_de_passe is None:
            raise ArchiveIllisible(
                "cette archive est chiffrée : donnez son mot de passe", cause_interne="PasswordRequired"
            ) from None
        raise ArchiveIllisible(MESSAGE_ILLISIBLE, cause_interne="PasswordRequired") from None
    except MemoryError:
        raise ArchiveRefusee(
            "l'ouverture de cette archive demande trop de mémoire : demandez une archive plus petite",
            cause_interne="MemoryError",
        ) from None
    except Exception as erreur:
        # Un mauvais mot de passe se manifeste par n'importe quelle erreur du décodeur
        # (LZMAError, CrcError, SystemError de PPMd, zlib.error, EOFError…) : une seule réponse.
        raise ArchiveIllisible(MESSAGE_ILLISIBLE, cause_interne=type(erreur).__name__) from None
    fichiers = [FichierArchive(nom=nom, octets=fabrique.contenu(nom)) for nom in entrees]
    _refuser_archives_imbriquees(fichiers)
    return fichiers


def _verifier_format(octets: bytes) -> None:
    if octets.startswith(SIGNATURE_7Z):
        return
    for signature, nature in _AUTRES_FORMATS:
        if octets.startswith(signature):
            raise ArchiveRefusee(f"ce fichier est {nature}, pas une archive 7z : {_QUOI_FAIRE}")
    if _ressemble_a_du_texte(octets[:4096]):
        raise ArchiveRefusee(
            "ce fichier est un texte en clair (CSV ?), pas une archive 7z : une liste nominative ne doit "
            f"jamais circuler en clair ; {_QUOI_FAIRE}"
        )
    raise ArchiveRefusee(f"ce fichier n'est pas une archive 7z : {_QUOI_FAIRE}")


def _verifier_derivation_entete(octets: bytes) -> None:
    """Avant que py7zr ne déchiffre un en-tête chiffré (``-mhe=on``), lit le coût de dérivation
    annoncé dans le petit en-tête codé qui le décrit (en clair, juste avant la fin de l'archive)."""
    decalage = 32 + int.from_bytes(octets[12:20], "little")
    taille = int.from_bytes(octets[20:28], "little")
    entete = octets[decalage : decalage + min(taille, 4096)]
    if not entete.startswith(b"\x17"):  # pas d'en-tête codé : rien n'est déchiffré à l'ouverture
        return
    position = entete.find(b"\x24" + _METHODE_AES)
    if position >= 0 and position + 6 < len(entete):
        _verifier_cycles(entete[position + 6])


def _noms_chiffres(octets: bytes) -> bool:
    """Vrai si l'en-tête de fin, qui porte les noms des fichiers, est chiffré (``7z -mhe=on``).

    Sans ``-mhe=on``, cet en-tête est en clair (code 0x01) ou seulement compressé (en-tête codé 0x17
    sans AES) : les noms se lisent sans le mot de passe.
    """
    decalage = TAILLE_DEBUT_7Z + int.from_bytes(octets[12:20], "little")
    entete = octets[decalage : decalage + int.from_bytes(octets[20:28], "little")]
    if not entete.startswith(b"\x17"):
        return False
    try:
        flux = HeaderStreamsInfo.retrieve(io.BytesIO(entete[1:]))
    except Exception as erreur:
        raise ArchiveIllisible(MESSAGE_ILLISIBLE, cause_interne=type(erreur).__name__) from None
    blocs = flux.unpackinfo.folders
    return bool(blocs) and all(SupportedMethods.needs_password(bloc.coders) for bloc in blocs)


def _verifier_derivation_donnees(archive: py7zr.SevenZipFile) -> None:
    flux = getattr(archive.header, "main_streams", None)
    for bloc in flux.unpackinfo.folders if flux is not None else []:
        for codeur in bloc.coders:
            if codeur.get("method") == _METHODE_AES and codeur.get("properties"):
                _verifier_cycles(codeur["properties"][0])


def _verifier_cycles(octet_proprietes: int) -> None:
    if octet_proprietes & 0x3F > _CYCLES_AES_MAX:
        raise ArchiveRefusee(
            "paramètres de chiffrement anormaux (dérivation de clé démesurée) : cette archive ne vient "
            "pas de 7-Zip tel quel ; demandez au partenaire de la refaire"
        )


def _ressemble_a_du_texte(debut: bytes) -> bool:
    if not debut or b"\x00" in debut:
        return False
    for codage in ("utf-8", "cp1252"):
        try:
            texte = debut.decode(codage)
        except UnicodeDecodeError:
            continue
        return all(c.isprintable() or c in "\r\n\t" for c in texte)
    return False


def _verifier_entete(
    archive: py7zr.SevenZipFile, taille_archive: int, limites: Limites, chiffrement_obligatoire: bool
) -> list[str]:
    """Refuse d'après l'en-tête seul ; rend les noms des fichiers à extraire."""
    _verifier_derivation_donnees(archive)
    membres = list(archive.files)
    if len(membres) > limites.entrees_max:
        raise ArchiveRefusee(
            f"l'archive contient {len(membres)} entrées, au plus {limites.entrees_max} sont acceptées : "
            "n'y mettez que les listes prévues par la convention"
        )
    if chiffrement_obligatoire and getattr(archive.header, "main_streams", None) is None:
        raise ArchiveRefusee(
            "l'archive ne contient aucune donnée (seulement des dossiers ou des fichiers vides) : "
            "vérifiez l'envoi avec le partenaire"
        )
    if chiffrement_obligatoire and not _donnees_chiffrees(archive):
        raise ArchiveRefusee(
            "archive non chiffrée : sa convention exige le chiffrement AES-256 ; " + _QUOI_FAIRE
        )
    noms: list[str] = []
    vus: set[str] = set()
    total = 0
    for numero, membre in enumerate(membres, start=1):
        nom = membre.filename
        _verifier_nom(nom, numero)
        if membre.is_symlink or membre.is_junction or membre.is_socket:
            raise ArchiveRefusee(
                f"l'entrée n° {numero} est un lien ou un fichier spécial : l'archive ne doit contenir "
                "que des fichiers ordinaires"
            )
        if membre.is_directory:
            continue
        if nom in vus:
            raise ArchiveRefusee(f"deux entrées portent le même nom (entrée n° {numero}) : renommez-les")
        vus.add(nom)
        taille = membre.uncompressed or 0
        if taille > limites.taille_entree_max:
            raise ArchiveRefusee(
                f"l'entrée n° {numero} fait {_taille(taille)} une fois décompressée, au plus "
                f"{_taille(limites.taille_entree_max)} par fichier : découpez l'envoi"
            )
        total += taille
        noms.append(nom)
    if total > limites.taille_totale_max:
        raise ArchiveRefusee(_message_trop_decompresse(limites))
    if total > _TAUX_IGNORE_EN_DESSOUS and total > limites.taux_max * taille_archive:
        raise ArchiveRefusee(
            f"taux de compression anormal ({total // max(taille_archive, 1)} pour 1, au plus "
            f"{limites.taux_max}) : cette archive ressemble à une bombe de décompression et n'est pas ouverte"
        )
    return noms


def _donnees_chiffrees(archive: py7zr.SevenZipFile) -> bool:
    """Vrai si chaque bloc de données est chiffré (``needs_password()`` répond vrai dès qu'un mot de
    passe est fourni, même pour une archive en clair : on lit donc les méthodes des blocs)."""
    flux = getattr(archive.header, "main_streams", None)
    if flux is None:
        return False
    blocs = flux.unpackinfo.folders
    return bool(blocs) and all(SupportedMethods.needs_password(bloc.coders) for bloc in blocs)


def _verifier_nom(nom: str, numero: int) -> None:
    # Un nom « simple » est aussi celui sous lequel py7zr range le fichier extrait.
    morceaux = nom.split("/")
    dangereux = (
        any(morceau in ("", ".", "..") for morceau in morceaux)
        or "\\" in nom
        or re.match(r"^[A-Za-z]:", nom) is not None
        or any(unicodedata.category(c) == "Cc" for c in nom)
    )
    if dangereux:
        raise ArchiveRefusee(
            f"l'entrée n° {numero} a un chemin dangereux ou ambigu (absolu, « .. », « \\ », "
            "caractère de contrôle) : l'archive doit contenir des fichiers aux noms simples"
        )


def _refuser_archives_imbriquees(fichiers: list[FichierArchive]) -> None:
    for numero, fichier in enumerate(fichiers, start=1):
        debut = fichier.octets[:8]
        if any(debut.startswith(signature) for signature, _ in _FORMATS_ARCHIVE):
            raise ArchiveRefusee(
                f"le fichier n° {numero} de l'archive est lui-même une archive : les archives imbriquées "
                "ne sont pas ouvertes ; mettez directement les listes dans une seule archive 7z"
            )


def _message_trop_decompresse(limites: Limites) -> str:
    return (
        f"l'archive décompressée dépasse {_taille(limites.taille_totale_max)} : "
        "découpez l'envoi en plusieurs archives"
    )


def _taille(octets: int) -> str:
    if octets >= MIO:
        return f"{octets / MIO:.0f} Mio"
    if octets >= 1024:
        return f"{octets / 1024:.0f} Kio"
    return f"{octets} octets"


class _TamponBorne(Py7zIO):
    """Reçoit un fichier décompressé ; lève ``ArchiveRefusee`` au lieu de dépasser sa limite."""

    def __init__(self, fabrique: _FabriqueBornee) -> None:
        self._fabrique = fabrique
        self._octets = bytearray()

    def write(self, s: bytes | bytearray) -> int:
        self._fabrique.compter(len(self._octets) + len(s), len(s))
        self._octets += s
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return bytes(self._octets if size is None else self._octets[:size])

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return len(self._octets)

    def vider(self) -> bytes:
        """Rend le contenu et libère le tampon : au pic, une seule copie de chaque fichier en double."""
        contenu = bytes(self._octets)
        self._octets = bytearray()
        return contenu


class _FabriqueBornee(WriterFactory):
    """Crée un tampon par fichier et tient le compte total décompressé."""

    def __init__(self, limites: Limites) -> None:
        self._limites = limites
        self._total = 0
        self._tampons: dict[str, _TamponBorne] = {}

    def create(self, filename: str) -> Py7zIO:
        tampon = _TamponBorne(self)
        self._tampons[filename] = tampon
        return tampon

    def compter(self, taille_entree: int, ajout: int) -> None:
        self._total += ajout
        if taille_entree > self._limites.taille_entree_max or self._total > self._limites.taille_totale_max:
            # L'en-tête annonçait moins : il mentait, on s'arrête avant d'accumuler davantage.
            raise ArchiveRefusee(_message_trop_decompresse(self._limites))

    def contenu(self, nom: str) -> bytes:
        tampon = self._tampons.pop(nom, None)
        if tampon is None:
            raise ArchiveIllisible(MESSAGE_ILLISIBLE, cause_interne="EntreeManquante")
        return tampon.vider()
