"""Trousseau de clés sur disque, hors de la base, et chiffrement au repos par enveloppe.

Trois étages :
- chaque enregistrement est chiffré (AES-256-GCM) par une clé de donnée neuve ;
- cette clé est enveloppée (RFC 3394) par la clé de la *cohorte de rétention* de l'enregistrement
  (l'année dont le 31 août clôt sa conservation) et rangée avec lui dans la base ;
- les clés de cohorte, enveloppées par la clé maîtresse, vivent dans le trousseau, hors de la base.

Détruire une clé de cohorte rend illisibles tous les enregistrements de la cohorte, y compris dans
les anciennes sauvegardes de la base ; oublier la clé de donnée d'un enregistrement l'efface seul.
Changer de clé maîtresse ré-enveloppe les clés de cohorte sans toucher aux données.

Le trousseau est un fichier JSON réécrit en entier à chaque modification (fichier temporaire, fsync,
renommage), sous verrou ``flock`` : plusieurs processus peuvent l'ouvrir ensemble.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap

from chiffrement import hazmat
from chiffrement.erreurs import DonneeEffacee, DonneeIllisible, ErreurChiffrement, TrousseauInvalide

FICHIER_TROUSSEAU = "trousseau.json"
FICHIER_VERROU = ".verrou"
FICHIER_CLE_PRIVEE_TRAVAILLEUR = "travailleur.cle"
FICHIER_CLE_PUBLIQUE_TRAVAILLEUR = "travailleur.pub"

_FORMAT = 1
_USAGE_MAITRESSE = b"maitresse"

T = TypeVar("T")


class CohorteDetruite(ErreurChiffrement):
    """On tente d'enregistrer une donnée dans une cohorte dont la clé a déjà été détruite."""


@dataclass(frozen=True)
class Chiffre:
    """Ce que la base conserve d'un enregistrement chiffré.

    ``cle_enveloppee`` se range à part (sa propre colonne) : la mettre à ``None`` efface
    l'enregistrement pour de bon, même si le reste de la ligne subsiste.
    """

    cohorte: int
    version: int
    cle_enveloppee: bytes | None
    donnee: bytes

    def sans_cle(self) -> Chiffre:
        """Le même enregistrement, clé de donnée oubliée : définitivement illisible."""
        return replace(self, cle_enveloppee=None)


@dataclass(frozen=True)
class EtatCohorte:
    cohorte: int
    versions: int
    creee_le: str


@dataclass(frozen=True)
class EtatTrousseau:
    """Ce qu'un administrateur peut voir du trousseau, sans aucune clé."""

    dossier: Path
    empreinte_cle_maitresse: str
    cohortes: list[EtatCohorte]
    detruites: dict[int, str]


# ---------------------------------------------------------------------------------------------
# Clé maîtresse


def generer_cle_maitresse() -> str:
    """Une clé maîtresse neuve, en base64 (pour un fichier ou une variable d'environnement)."""
    return base64.urlsafe_b64encode(hazmat.nouvelle_cle()).decode("ascii")


def decoder_cle_maitresse(texte: str) -> bytes:
    """La clé maîtresse (32 octets) écrite en base64 ; lève ``TrousseauInvalide`` sinon."""
    try:
        cle = base64.urlsafe_b64decode(texte.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        cle = b""
    if len(cle) != hazmat.TAILLE_CLE:
        raise TrousseauInvalide(
            "clé maîtresse mal formée : elle doit faire 32 octets écrits en base64 "
            "(générez-la avec « cellule cles init »)"
        )
    return cle


def creer_fichier_cle_maitresse(fichier: Path) -> bool:
    """Crée le fichier de clé maîtresse (mode 0600) s'il n'existe pas ; ne l'écrase jamais."""
    return _creer_fichier_secret(fichier, (generer_cle_maitresse() + "\n").encode("ascii"))


def lire_cle_maitresse(fichier: Path) -> bytes:
    """Lit la clé maîtresse dans son fichier, qui ne doit être lisible que par son propriétaire."""
    return decoder_cle_maitresse(lire_fichier_secret(fichier, "la clé maîtresse").decode("ascii", "replace"))


# ---------------------------------------------------------------------------------------------
# Paire du travailleur isolé


def creer_paire_travailleur(dossier: Path) -> bool:
    """Crée la paire X25519 du travailleur dans le dossier du trousseau, si elle n'existe pas.

    Rend ``True`` si une paire a été créée. Ne remplace jamais une clé privée existante : les mots de
    passe déjà scellés deviendraient illisibles.
    """
    privee_chemin = dossier / FICHIER_CLE_PRIVEE_TRAVAILLEUR
    publique_chemin = dossier / FICHIER_CLE_PUBLIQUE_TRAVAILLEUR
    _creer_dossier(dossier)
    if privee_chemin.exists():
        if not publique_chemin.exists():
            _ecrire_public(publique_chemin, lire_cle_privee_travailleur(dossier).public_key())
        return False
    if publique_chemin.exists():
        raise TrousseauInvalide(
            f"la clé publique du travailleur existe sans sa clé privée ({privee_chemin}) : restaurez la clé "
            "privée, ou supprimez la clé publique puis relancez « cellule cles init » (les mots de passe "
            "déjà scellés devront être redonnés)"
        )
    privee = X25519PrivateKey.generate()
    _creer_fichier_secret(privee_chemin, _b64(privee.private_bytes_raw()) + b"\n")
    _ecrire_public(publique_chemin, privee.public_key())
    return True


def lire_cle_publique_travailleur(dossier: Path) -> X25519PublicKey:
    """La clé publique du travailleur, avec laquelle le service web scelle les mots de passe."""
    chemin = dossier / FICHIER_CLE_PUBLIQUE_TRAVAILLEUR
    try:
        brut = base64.urlsafe_b64decode(chemin.read_bytes().strip())
        return X25519PublicKey.from_public_bytes(brut)
    except FileNotFoundError:
        raise TrousseauInvalide(
            f"clé publique du travailleur introuvable ({chemin}) : lancez « cellule cles init »"
        ) from None
    except (binascii.Error, ValueError):
        raise TrousseauInvalide(f"clé publique du travailleur abîmée ({chemin})") from None


def lire_cle_privee_travailleur(dossier: Path) -> X25519PrivateKey:
    """La clé privée du travailleur ; son fichier ne doit être lisible que par son propriétaire."""
    chemin = dossier / FICHIER_CLE_PRIVEE_TRAVAILLEUR
    contenu = lire_fichier_secret(chemin, "la clé privée du travailleur")
    try:
        return X25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(contenu.strip()))
    except (binascii.Error, ValueError):
        raise TrousseauInvalide(f"clé privée du travailleur abîmée ({chemin})") from None


def empreinte_cle_publique(cle: X25519PublicKey) -> str:
    """Empreinte courte d'une clé publique, pour la comparer d'un coup d'œil."""
    return hazmat.empreinte(cle.public_bytes_raw(), b"travailleur")[:16]


# ---------------------------------------------------------------------------------------------
# Trousseau


class Trousseau:
    """Les clés de cohorte, enveloppées par la clé maîtresse, dans ``dossier/trousseau.json``."""

    def __init__(self, dossier: Path, cle_maitresse: bytes) -> None:
        """Ouvre un trousseau existant ; lève ``TrousseauInvalide`` s'il manque ou ne va pas avec la clé."""
        self.dossier = dossier
        self._cle_maitresse = cle_maitresse
        if not self.existe(dossier):
            raise TrousseauInvalide(
                f"aucun trousseau dans {dossier} : lancez « cellule cles init » (ou réglez CELLULE_TROUSSEAU)"
            )
        self._lire()

    @staticmethod
    def existe(dossier: Path) -> bool:
        return (dossier / FICHIER_TROUSSEAU).exists()

    @classmethod
    def creer(cls, dossier: Path, cle_maitresse: bytes) -> Trousseau:
        """Crée un trousseau vide ; lève ``TrousseauInvalide`` s'il en existe déjà un."""
        _creer_dossier(dossier)
        with _verrou(dossier, exclusif=True):
            if cls.existe(dossier):
                raise TrousseauInvalide(f"un trousseau existe déjà dans {dossier} : il n'est jamais écrasé")
            _ecrire_atomique(dossier / FICHIER_TROUSSEAU, _vide(cle_maitresse))
        return cls(dossier, cle_maitresse)

    # -- chiffrement des enregistrements ----------------------------------------------------

    def chiffrer(self, donnee: bytes, *, cohorte: int, table: str, id_enregistrement: str) -> Chiffre:
        """Chiffre ``donnee`` avec une clé neuve, enveloppée par la clé (créée au besoin) de sa cohorte."""
        version, cle_cohorte = self._cle_cohorte_courante(cohorte)
        cle_donnee = hazmat.nouvelle_cle()
        aad = hazmat.aad(table, id_enregistrement, str(cohorte), str(version))
        return Chiffre(
            cohorte=cohorte,
            version=version,
            cle_enveloppee=hazmat.envelopper(cle_cohorte, cle_donnee),
            donnee=hazmat.chiffrer_aead(cle_donnee, donnee, aad),
        )

    def dechiffrer(self, chiffre: Chiffre, *, table: str, id_enregistrement: str) -> bytes:
        """Rend la donnée en clair ; ``DonneeEffacee`` si une clé a été détruite, ``DonneeIllisible`` si
        la donnée a été altérée ou ne correspond pas à cette table et cet enregistrement."""
        if chiffre.cle_enveloppee is None:
            raise DonneeEffacee("cet enregistrement a été effacé (sa clé a été détruite)")
        donnees = self._lire()
        cle_cohorte = self._cle_cohorte(donnees, chiffre.cohorte, chiffre.version)
        try:
            cle_donnee = hazmat.desenvelopper(cle_cohorte, chiffre.cle_enveloppee)
            aad = hazmat.aad(table, id_enregistrement, str(chiffre.cohorte), str(chiffre.version))
            return hazmat.dechiffrer_aead(cle_donnee, chiffre.donnee, aad)
        except (InvalidUnwrap, InvalidTag, ValueError):
            raise DonneeIllisible(
                "donnée chiffrée altérée, ou qui n'appartient pas à cet enregistrement : "
                "restaurez-la depuis une sauvegarde et signalez l'incident"
            ) from None

    # -- vie des clés ------------------------------------------------------------------------

    def detruire_cohorte(self, cohorte: int) -> bool:
        """Détruit toutes les versions de la clé d'une cohorte ; rend ``False`` si elle n'existait pas.

        La cohorte est notée détruite : on ne pourra plus y enregistrer de donnée.
        """

        def detruire(donnees: dict[str, Any]) -> bool:
            existait = donnees["cohortes"].pop(str(cohorte), None) is not None
            donnees["detruites"].setdefault(str(cohorte), _maintenant())
            return existait

        return self._modifier(detruire)

    def renouveler_cohorte(self, cohorte: int) -> int:
        """Ajoute une version neuve à la clé d'une cohorte ; les nouveaux enregistrements l'utiliseront,
        les anciens restent lisibles. Rend le numéro de la nouvelle version."""

        def renouveler(donnees: dict[str, Any]) -> int:
            entree = self._entree_cohorte(donnees, cohorte, creer=True)
            version = max(int(v) for v in entree["versions"]) + 1
            entree["versions"][str(version)] = _b64(
                hazmat.envelopper(self._cle_maitresse, hazmat.nouvelle_cle())
            ).decode("ascii")
            return version

        return self._modifier(renouveler)

    def rotation(self, nouvelle_cle_maitresse: bytes) -> None:
        """Ré-enveloppe les clés de cohorte par une nouvelle clé maîtresse, sans rechiffrer les données."""

        def reenvelopper(donnees: dict[str, Any]) -> None:
            for entree in donnees["cohortes"].values():
                for version, enveloppe in entree["versions"].items():
                    cle = self._desenvelopper_cohorte(enveloppe)
                    entree["versions"][version] = _b64(hazmat.envelopper(nouvelle_cle_maitresse, cle)).decode(
                        "ascii"
                    )
            donnees["empreinte_cle_maitresse"] = hazmat.empreinte(nouvelle_cle_maitresse, _USAGE_MAITRESSE)

        self._modifier(reenvelopper)
        self._cle_maitresse = nouvelle_cle_maitresse

    def etat(self) -> EtatTrousseau:
        donnees = self._lire()
        return EtatTrousseau(
            dossier=self.dossier,
            empreinte_cle_maitresse=donnees["empreinte_cle_maitresse"][:16],
            cohortes=[
                EtatCohorte(cohorte=int(c), versions=len(e["versions"]), creee_le=e["creee_le"])
                for c, e in sorted(donnees["cohortes"].items())
            ],
            detruites={int(c): date for c, date in sorted(donnees["detruites"].items())},
        )

    # -- intérieur ---------------------------------------------------------------------------

    def _cle_cohorte_courante(self, cohorte: int) -> tuple[int, bytes]:
        if isinstance(cohorte, bool) or not isinstance(cohorte, int) or cohorte <= 0:
            raise ValueError("la cohorte est une année (entier positif)")
        donnees = self._lire()
        if str(cohorte) not in donnees["cohortes"]:
            self._modifier(lambda d: self._entree_cohorte(d, cohorte, creer=True))
            donnees = self._lire()
        entree = self._entree_cohorte(donnees, cohorte, creer=False)
        version = max(int(v) for v in entree["versions"])
        return version, self._desenvelopper_cohorte(entree["versions"][str(version)])

    def _entree_cohorte(self, donnees: dict[str, Any], cohorte: int, *, creer: bool) -> dict[str, Any]:
        cle = str(cohorte)
        if cle in donnees["detruites"]:
            raise CohorteDetruite(
                f"la clé de la cohorte {cohorte} a été détruite le {donnees['detruites'][cle][:10]} "
                "(fin de conservation) : aucune donnée ne peut plus y être enregistrée"
            )
        if cle not in donnees["cohortes"] and creer:
            donnees["cohortes"][cle] = {
                "creee_le": _maintenant(),
                "versions": {
                    "1": _b64(hazmat.envelopper(self._cle_maitresse, hazmat.nouvelle_cle())).decode()
                },
            }
        entree: dict[str, Any] = donnees["cohortes"][cle]
        return entree

    def _cle_cohorte(self, donnees: dict[str, Any], cohorte: int, version: int) -> bytes:
        if str(cohorte) in donnees["detruites"]:
            raise DonneeEffacee(
                f"la clé de la cohorte {cohorte} a été détruite (fin de conservation) : "
                "cette donnée est définitivement effacée"
            )
        enveloppe = donnees["cohortes"].get(str(cohorte), {}).get("versions", {}).get(str(version))
        if enveloppe is None:
            raise DonneeIllisible(
                f"la clé de la cohorte {cohorte} (version {version}) est absente de ce trousseau : "
                "vérifiez que le service utilise le bon trousseau (CELLULE_TROUSSEAU)"
            )
        return self._desenvelopper_cohorte(enveloppe)

    def _desenvelopper_cohorte(self, enveloppe: str) -> bytes:
        try:
            return hazmat.desenvelopper(self._cle_maitresse, base64.urlsafe_b64decode(enveloppe))
        except (InvalidUnwrap, binascii.Error, ValueError):
            raise TrousseauInvalide(
                "une clé de cohorte du trousseau est abîmée : restaurez le trousseau depuis sa sauvegarde"
            ) from None

    def _lire(self) -> dict[str, Any]:
        chemin = self.dossier / FICHIER_TROUSSEAU
        with _verrou(self.dossier, exclusif=False):
            return self._lire_sous_verrou(chemin)

    def _lire_sous_verrou(self, chemin: Path) -> dict[str, Any]:
        # Relu à chaque usage (quelques Kio) : une cohorte détruite par un autre processus
        # ne reste jamais utilisable ici.
        try:
            donnees = json.loads(chemin.read_bytes())
            valide = (
                donnees.get("format") == _FORMAT
                and isinstance(donnees.get("cohortes"), dict)
                and isinstance(donnees.get("detruites"), dict)
                and isinstance(donnees.get("empreinte_cle_maitresse"), str)
            )
        except FileNotFoundError:
            raise TrousseauInvalide(f"trousseau introuvable ({chemin})") from None
        except (ValueError, AttributeError):
            valide = False
        if not valide:
            raise TrousseauInvalide(f"trousseau abîmé ({chemin}) : restaurez-le depuis sa sauvegarde")
        if donnees["empreinte_cle_maitresse"] != hazmat.empreinte(self._cle_maitresse, _USAGE_MAITRESSE):
            raise TrousseauInvalide(
                "la clé maîtresse fournie ne correspond pas à ce trousseau : vérifiez CELLULE_CLE_MAITRESSE "
                "ou le fichier de clé maîtresse (après une rotation, c'est la nouvelle clé qui vaut)"
            )
        return donnees

    def _modifier(self, modification: Callable[[dict[str, Any]], T]) -> T:
        chemin = self.dossier / FICHIER_TROUSSEAU
        with _verrou(self.dossier, exclusif=True):
            donnees = self._lire_sous_verrou(chemin)
            resultat = modification(donnees)
            _ecrire_atomique(chemin, donnees)
        return resultat


def _vide(cle_maitresse: bytes) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "empreinte_cle_maitresse": hazmat.empreinte(cle_maitresse, _USAGE_MAITRESSE),
        "cohortes": {},
        "detruites": {},
    }


# ---------------------------------------------------------------------------------------------
# Fichiers


@contextlib.contextmanager
def _verrou(dossier: Path, *, exclusif: bool) -> Iterator[None]:
    descripteur = os.open(dossier / FICHIER_VERROU, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descripteur, fcntl.LOCK_EX if exclusif else fcntl.LOCK_SH)
        yield
    finally:
        os.close(descripteur)


def _ecrire_atomique(chemin: Path, donnees: dict[str, Any]) -> None:
    temporaire = chemin.with_name(f".{chemin.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    contenu = json.dumps(donnees, indent=1, sort_keys=True).encode("utf-8")
    descripteur = os.open(temporaire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descripteur, "wb") as fichier:
            fichier.write(contenu)
            fichier.flush()
            os.fsync(fichier.fileno())
        os.replace(temporaire, chemin)
    except BaseException:
        temporaire.unlink(missing_ok=True)
        raise
    _fsync_dossier(chemin.parent)


def _fsync_dossier(dossier: Path) -> None:
    descripteur = os.open(dossier, os.O_RDONLY)
    try:
        os.fsync(descripteur)
    finally:
        os.close(descripteur)


def _creer_dossier(dossier: Path) -> None:
    dossier.mkdir(mode=0o700, parents=True, exist_ok=True)


def _creer_fichier_secret(chemin: Path, contenu: bytes) -> bool:
    """Crée un fichier 0600 avec ``O_EXCL`` : rend ``False`` sans rien toucher s'il existe."""
    chemin.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descripteur = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descripteur, "wb") as fichier:
        fichier.write(contenu)
        fichier.flush()
        os.fsync(fichier.fileno())
    _fsync_dossier(chemin.parent)
    return True


def lire_fichier_secret(chemin: Path, quoi: str, *, si_absent: str = "lancez « cellule cles init »") -> bytes:
    """Le seul lecteur des fichiers de clés : refuse un fichier que d'autres comptes peuvent lire ou
    modifier (mode autre que 0600 ou 0400), en disant quel ``chmod`` faire.

    ``quoi`` nomme la clé dans les messages (« la clé maîtresse ») ; ``si_absent`` dit quoi faire
    quand le fichier manque.
    """
    try:
        descripteur = os.open(chemin, os.O_RDONLY)
    except FileNotFoundError:
        raise TrousseauInvalide(f"{quoi} est introuvable ({chemin}) : {si_absent}") from None
    except PermissionError:
        raise TrousseauInvalide(f"{quoi} n'est pas lisible par ce compte ({chemin})") from None
    with os.fdopen(descripteur, "rb") as fichier:
        if stat.S_IMODE(os.fstat(fichier.fileno()).st_mode) & 0o077:
            raise TrousseauInvalide(
                f"{quoi} est lisible par d'autres comptes ({chemin}) : faites « chmod 600 {chemin} »"
            )
        return fichier.read()


def _ecrire_public(chemin: Path, cle: X25519PublicKey) -> None:
    temporaire = chemin.with_name(f".{chemin.name}.{secrets.token_hex(4)}.tmp")
    temporaire.write_bytes(_b64(cle.public_bytes_raw()) + b"\n")
    temporaire.chmod(0o644)
    os.replace(temporaire, chemin)
    _fsync_dossier(chemin.parent)


def _b64(octets: bytes) -> bytes:
    return base64.urlsafe_b64encode(octets)


def _maintenant() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
