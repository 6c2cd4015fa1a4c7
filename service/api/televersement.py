"""Lecture en flux du formulaire de dépôt d'une source : rien d'un envoi n'est écrit sur disque.

Le lecteur de formulaires de Starlette (``request.form()``) range sur disque, en clair, toute partie
de plus d'un Mio. Ici le corps est lu morceau par morceau avec l'analyseur de python-multipart :
l'archive est vérifiée sur ses 32 premiers octets (signature et CRC de l'en-tête de départ 7z) et
refusée aussitôt sinon, comptée à mesure qu'elle arrive, refusée dès qu'elle dépasse la place
permise, et gardée en mémoire seulement.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from chiffrement import TAILLE_DEBUT_7Z, ArchiveRefusee, taille_annoncee_7z
from service.campagnes.ouverture import phrase

CHAMP_ARCHIVE = "archive"
# Champs texte du formulaire et leur longueur maximale, en caractères.
CHAMPS_TEXTE = {"convention": 120, "mot_de_passe": 1024}
# Un caractère UTF-8 tient en quatre octets au plus.
OCTETS_PAR_CARACTERE = 4
# Enveloppe multipart, champs texte et champs inconnus (ignorés) : tout ce qui n'est pas l'archive.
HORS_ARCHIVE_MAX = 64 * 1024

SCHEMA_FORMULAIRE = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [CHAMP_ARCHIVE, "convention"],
                "properties": {
                    CHAMP_ARCHIVE: {
                        "type": "string",
                        "format": "binary",
                        "description": "L'archive 7z telle que reçue du partenaire",
                    },
                    "convention": {"type": "string", "maxLength": CHAMPS_TEXTE["convention"]},
                    "mot_de_passe": {"type": "string", "maxLength": CHAMPS_TEXTE["mot_de_passe"]},
                },
            }
        }
    },
}


class EnvoisEnCours:
    """Les octets d'archives en cours de réception, par compte, dans ce processus.

    Les envois simultanés d'un compte se partagent ce qui reste de sa place
    (``CELLULE_COMPTE_TAILLE_MAX_MIO``) : ils ne peuvent pas, ensemble, tenir plus de mémoire.
    """

    def __init__(self) -> None:
        self._verrou = threading.Lock()
        self._par_compte: dict[int, int] = {}

    def octets(self, compte: int) -> int:
        with self._verrou:
            return self._par_compte.get(compte, 0)

    @contextmanager
    def reservations(
        self, compte: int | None, reste_du_compte: int | None
    ) -> Iterator[Callable[[int], bool]]:
        """Rend ``reserver(octets)``, vrai si la place du compte le permet ; tout est rendu à la sortie."""
        reserves = 0

        def reserver(octets: int) -> bool:
            nonlocal reserves
            if compte is None or reste_du_compte is None:
                return True
            with self._verrou:
                deja = self._par_compte.get(compte, 0)
                if deja + octets > reste_du_compte:
                    return False
                self._par_compte[compte] = deja + octets
            reserves += octets
            return True

        try:
            yield reserver
        finally:
            if compte is not None and reserves:
                with self._verrou:
                    reste = self._par_compte.pop(compte, 0) - reserves
                    if reste > 0:
                        self._par_compte[compte] = reste


ENVOIS_EN_COURS = EnvoisEnCours()

REFUS_ENVOIS_EN_COURS = (
    "Vos autres envois en cours et vos archives en attente occupent déjà la place de votre compte "
    "(CELLULE_COMPTE_TAILLE_MAX_MIO) : attendez la fin de vos autres dépôts, puis recommencez."
)


class FormulaireRefuse(Exception):
    """Le formulaire de dépôt est refusé ; ``statut`` est le code HTTP, le message dit quoi faire."""

    def __init__(self, statut: int, message: str) -> None:
        super().__init__(message)
        self.statut = statut
        self.message = message


@dataclass(frozen=True)
class FormulaireDepot:
    archive: bytes
    nom_fichier: str
    convention: str
    mot_de_passe: str | None
    autres: dict[str, str] = field(default_factory=dict)


def _invalide(message: str) -> FormulaireRefuse:
    return FormulaireRefuse(422, message)


class _Lecteur:
    """Les rappels de l'analyseur multipart : un état par partie, des refus dès qu'ils se voient."""

    def __init__(
        self,
        place: int,
        refus_place: str,
        reserver: Callable[[int], bool],
        champs_texte: Mapping[str, int],
        avant_archive: Callable[[dict[str, str]], None] | None,
    ) -> None:
        self.place = place
        self.refus_place = refus_place
        self.reserver = reserver
        self.champs_texte = champs_texte
        self.avant_archive = avant_archive
        self.fini = False
        self.hors_archive = 0
        self.vus: set[str] = set()
        self.textes: dict[str, str] = {}
        self.archive = bytearray()
        self.nom_fichier = ""
        self.annoncee: int | None = None
        self._champ: str | None = None
        self._entetes: dict[str, bytes] = {}
        self._nom_entete = bytearray()
        self._valeur_entete = bytearray()
        self._texte = bytearray()

    def rappels(self) -> dict[str, object]:
        return {
            "on_part_begin": self._debut_partie,
            "on_header_field": lambda d, a, b: self._nom_entete.extend(d[a:b]),
            "on_header_value": lambda d, a, b: self._valeur_entete.extend(d[a:b]),
            "on_header_end": self._fin_entete,
            "on_headers_finished": self._fin_entetes,
            "on_part_data": self._donnees,
            "on_part_end": self._fin_partie,
            "on_end": self._fin,
        }

    def _compter_hors_archive(self, octets: int) -> None:
        self.hors_archive += octets
        if self.hors_archive > HORS_ARCHIVE_MAX:
            raise FormulaireRefuse(
                413, "Formulaire trop gros hors archive : n'envoyez que archive, convention et mot_de_passe."
            )

    def _debut_partie(self) -> None:
        self._champ = None
        self._entetes = {}
        self._texte = bytearray()

    def _fin_entete(self) -> None:
        nom = bytes(self._nom_entete).decode("latin-1").strip().lower()
        self._entetes[nom] = bytes(self._valeur_entete)
        self._compter_hors_archive(len(self._nom_entete) + len(self._valeur_entete))
        self._nom_entete.clear()
        self._valeur_entete.clear()

    def _fin_entetes(self) -> None:
        disposition, options = parse_options_header(self._entetes.get("content-disposition"))
        nom = options.get(b"name", b"").decode("utf-8", "replace")
        if disposition != b"form-data" or not nom:
            raise FormulaireRefuse(
                400,
                "Formulaire mal formé : chaque partie doit porter "
                "« Content-Disposition: form-data; name=… ».",
            )
        if nom in self.vus:
            raise _invalide(f"Le champ « {nom} » est envoyé deux fois : envoyez-le une seule fois.")
        self.vus.add(nom)
        self._champ = nom
        if nom == CHAMP_ARCHIVE:
            self.nom_fichier = options.get(b"filename", b"").decode("utf-8", "replace")
            if self.avant_archive is not None:
                self.avant_archive(self.textes)

    def _donnees(self, donnees: bytes, debut: int, fin: int) -> None:
        morceau = donnees[debut:fin]
        if self._champ == CHAMP_ARCHIVE:
            self._morceau_archive(morceau)
            return
        self._compter_hors_archive(len(morceau))
        if self._champ is not None and self._champ in self.champs_texte:
            self._texte.extend(morceau)
            if len(self._texte) > self.champs_texte[self._champ] * OCTETS_PAR_CARACTERE:
                raise self._trop_long(self._champ)

    def _morceau_archive(self, morceau: bytes) -> None:
        self.archive.extend(morceau)
        if self.annoncee is None and len(self.archive) >= TAILLE_DEBUT_7Z:
            self._verifier_debut()
        if len(self.archive) > self.place:
            raise FormulaireRefuse(413, self.refus_place)
        if self.annoncee is not None and len(self.archive) > self.annoncee:
            raise _invalide(
                "L'archive reçue est plus longue que ce qu'annonce son en-tête : elle a été altérée ; "
                "demandez au partenaire de la renvoyer."
            )

    def _verifier_debut(self) -> None:
        """Refuse dès les 32 premiers octets ce qui n'est pas un 7z, ou ce qui ne tiendra pas."""
        try:
            self.annoncee = taille_annoncee_7z(bytes(self.archive[:TAILLE_DEBUT_7Z]))
        except ArchiveRefusee as erreur:
            raise _invalide(phrase(erreur.message)) from None
        if self.annoncee > self.place:
            raise FormulaireRefuse(413, self.refus_place)
        if not self.reserver(self.annoncee):
            raise FormulaireRefuse(413, REFUS_ENVOIS_EN_COURS)

    def _fin_partie(self) -> None:
        if self._champ == CHAMP_ARCHIVE:
            if not self.archive:
                raise _invalide(
                    "Le fichier reçu est vide : déposez l'archive 7z transmise par le partenaire."
                )
            if self.annoncee is None:
                self._verifier_debut()
            if len(self.archive) != self.annoncee:
                raise _invalide(
                    "Archive incomplète (son en-tête annonce plus d'octets que reçus) : déposez-la de "
                    "nouveau, ou demandez au partenaire de la renvoyer."
                )
        elif self._champ is not None and self._champ in self.champs_texte:
            try:
                texte = bytes(self._texte).decode("utf-8")
            except UnicodeDecodeError:
                raise _invalide(f"Le champ « {self._champ} » n'est pas du texte UTF-8.") from None
            if len(texte) > self.champs_texte[self._champ]:
                raise self._trop_long(self._champ)
            self.textes[self._champ] = texte
        self._champ = None

    def _fin(self) -> None:
        self.fini = True

    def _trop_long(self, champ: str) -> FormulaireRefuse:
        return _invalide(f"Le champ « {champ} » dépasse {self.champs_texte[champ]} caractères.")


async def lire_formulaire_depot(
    type_contenu: str | None,
    flux: AsyncIterator[bytes],
    *,
    place: int,
    refus_place: str,
    reserver: Callable[[int], bool] = lambda _octets: True,
    autres_champs: Mapping[str, int] | None = None,
    avant_archive: Callable[[dict[str, str]], None] | None = None,
) -> FormulaireDepot:
    """Lit le formulaire de dépôt (champs ``archive``, ``convention``, ``mot_de_passe``) en flux.

    ``place`` borne la taille de l'archive (``refus_place`` est alors le message du 413) ; dès que
    l'en-tête de l'archive annonce sa taille, ``reserver`` doit l'accepter (place du compte partagée
    entre ses envois simultanés). Lève ``FormulaireRefuse`` au premier défaut, sans lire la suite.

    ``autres_champs`` : d'autres champs texte à garder (nom, longueur maximale), rendus dans
    ``FormulaireDepot.autres`` ; ``avant_archive`` reçoit les champs texte lus avant l'archive, au
    moment où elle commence, et peut tout refuser par une exception avant d'en lire un octet (le
    jeton CSRF du formulaire de la page).
    """
    genre, options = parse_options_header(type_contenu)
    if genre != b"multipart/form-data":
        raise FormulaireRefuse(
            415,
            "Envoyez un formulaire multipart/form-data avec les champs archive, convention et mot_de_passe.",
        )
    if not options.get(b"boundary"):
        raise FormulaireRefuse(400, "Formulaire mal formé : l'en-tête Content-Type n'a pas de « boundary ».")
    lecteur = _Lecteur(place, refus_place, reserver, {**CHAMPS_TEXTE, **(autres_champs or {})}, avant_archive)
    try:
        analyseur = MultipartParser(options[b"boundary"], lecteur.rappels())  # type: ignore[arg-type]
        async for morceau in flux:
            if morceau:
                analyseur.write(morceau)
            if lecteur.fini:
                break
    except FormParserError:
        raise FormulaireRefuse(
            400,
            "Formulaire multipart mal formé : renvoyez le dépôt depuis la page ou un client HTTP standard.",
        ) from None
    except ClientDisconnect:
        raise FormulaireRefuse(400, "Envoi interrompu avant la fin : déposez l'archive de nouveau.") from None
    if not lecteur.fini:
        raise FormulaireRefuse(400, "Formulaire incomplet (envoi tronqué) : déposez l'archive de nouveau.")
    manquants = [champ for champ in (CHAMP_ARCHIVE, "convention") if champ not in lecteur.vus]
    if manquants:
        raise _invalide("Requête invalide : vérifiez " + ", ".join(f"« {c} »" for c in manquants) + ".")
    return FormulaireDepot(
        archive=bytes(lecteur.archive),
        nom_fichier=lecteur.nom_fichier,
        convention=lecteur.textes.get("convention", ""),
        mot_de_passe=lecteur.textes.get("mot_de_passe") or None,
        autres={nom: lecteur.textes.get(nom, "") for nom in autres_champs or {}},
    )
