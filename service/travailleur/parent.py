"""Côté service : lancer un enfant confiné par travail, lui parler par ses tubes, juger sa réponse.

Le parent ne déchiffre rien : il transmet les archives telles que reçues, les mots de passe scellés,
la clé privée du travailleur et, s'il y en a, les cas suivis en table canonique, puis lit la
réponse. Il impose une durée réelle maximale, borne la taille de ce qu'il lit, et transforme tout
plantage, mise à mort ou réponse malformée en ``EchecTravail`` (message français, sans donnée).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TypeVar

import polars as pl
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel, ValidationError

from appariement.apprentissage import Retour
from chiffrement import Limites
from service.parametres import ReglagesService, parametres
from service.travailleur.confinement import PROTECTIONS
from service.travailleur.protocole import (
    RETOURS_MAX,
    SIGNATURE_DEMANDE,
    SIGNATURE_REPONSE,
    DemandeEnfant,
    LimitesArchive,
    MessageInvalide,
    RapportSonde,
    ReponseEnfant,
    RetourDemande,
    SourceDemande,
    ecrire_message,
    lire_message,
)

MODULE_ENFANT = "service.travailleur.enfant"
MODULE_SONDE = "service.travailleur.sonde"
_MIO = 1024 * 1024
_BLOC = 64 * 1024
_FILS_MAX = 8

Modele = TypeVar("Modele", bound=BaseModel)


class EchecTravail(Exception):
    """Le travail n'a pas abouti ; le message, en français et sans donnée, dit pourquoi et quoi faire."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SourceTravail:
    """Une liste déposée pour la campagne, telle que stockée par le service.

    ``identifiant`` : pseudonyme de la source (lettres, chiffres, ``_ . -``), repris dans la réponse.
    ``convention`` : la convention sous laquelle elle est transmise (``Convention.model_dump_json()``).
    ``mot_de_passe_scelle`` : le mot de passe scellé pour le travailleur (``chiffrement.sceller``),
    ou ``None`` pour une archive non chiffrée que sa convention autorise.
    """

    identifiant: str
    archive: bytes
    mot_de_passe_scelle: bytes | None
    convention: str


@dataclass(frozen=True)
class DemandeTravail:
    """Tout ce qu'il faut pour une campagne : les sources, la commune, la date de référence.

    ``cle_privee`` : la clé privée X25519 du travailleur, seule capable de desceller les mots de
    passe ; elle voyage brute (32 octets) dans une trame de la demande. ``jour`` : date d'usage
    vérifiée contre les conventions (aujourd'hui par défaut). ``suivis`` : les cas déjà suivis à
    rechercher parmi les inscrits reçus (passe de contrôle), en table canonique des familles dont
    l'``id`` est celui du cas ; la réponse dit lesquels restent signalés (``controle``).
    ``examen`` : au dépôt, ouvrir et lire chaque source sans apparier ; la réponse dit, par source,
    si elle est acceptée (comptes, lignes illisibles dans ``erreurs``) ou refusée (``refus``,
    ``code_refus``). ``retours`` : les paires tranchées par les agents de la commune (niveaux
    d'accord et décision, rien d'autre), que l'appariement prend en compte.
    """

    commune: str
    date_reference: dt.date
    sources: Sequence[SourceTravail]
    cle_privee: X25519PrivateKey
    jour: dt.date | None = None
    suivis: pl.DataFrame | None = None
    examen: bool = False
    retours: Sequence[Retour] = ()


@dataclass(frozen=True)
class ReglagesTravailleur:
    """Réglages d'exploitation de l'enfant (voir ``service.parametres`` et docs/travailleur.md)."""

    memoire: int = 3072 * _MIO
    cpu: int = 300
    duree: float = 600.0
    fichiers: int = 64
    protections_obligatoires: frozenset[str] = frozenset(PROTECTIONS)
    sortie_max: int = 512 * _MIO
    limites_archive: Limites = field(default_factory=Limites)

    def __post_init__(self) -> None:
        inconnues = sorted(set(self.protections_obligatoires) - set(PROTECTIONS))
        if inconnues:
            raise ValueError(
                f"protection inconnue : {', '.join(inconnues)} (connues : {', '.join(PROTECTIONS)})"
            )

    @classmethod
    def depuis_parametres(cls, reglages: ReglagesService | None = None) -> ReglagesTravailleur:
        """Les réglages ``CELLULE_TRAVAILLEUR_*`` du déploiement."""
        p = reglages or parametres()
        return cls(
            memoire=p.travailleur_memoire_mio * _MIO,
            cpu=p.travailleur_cpu_secondes,
            duree=p.travailleur_duree_secondes,
            fichiers=p.travailleur_fichiers,
            protections_obligatoires=frozenset(p.travailleur_protections_obligatoires),
            limites_archive=p.limites_archive(),
        )

    def arguments(self) -> list[str]:
        """Limites passées à l'enfant sur sa ligne de commande : appliquées avant toute lecture."""
        return [
            f"--memoire={self.memoire}",
            f"--cpu={self.cpu}",
            f"--fichiers={self.fichiers}",
            f"--obligatoires={','.join(sorted(self.protections_obligatoires))}",
        ]


#: La réponse de l'enfant, validée : comptes, enfants signalés, erreurs, protections actives.
ReponseTravail = ReponseEnfant


def executer(demande: DemandeTravail, *, reglages: ReglagesTravailleur | None = None) -> ReponseTravail:
    """Fait tourner la chaîne d'une campagne dans un enfant confiné et rend sa réponse validée.

    Lève ``EchecTravail`` si l'enfant plante, est tué (durée, CPU, mémoire), répond de façon
    malformée, ou refuse parce qu'une protection obligatoire manque. Une source refusée (mot de
    passe faux, convention échue…) n'est pas un échec : elle figure dans ``sources[].refus`` et
    ``appariement_effectue`` vaut ``False``.
    """
    reglages = reglages or ReglagesTravailleur.depuis_parametres()
    message = _message_demande(demande, reglages.limites_archive)
    sortie = lancer(MODULE_ENFANT, reglages.arguments(), message, reglages)
    reponse = decoder_reponse(sortie, ReponseEnfant)
    if reponse.statut == "refuse":
        raise EchecTravail(reponse.motif or "le travailleur a refusé le travail")
    if reponse.statut == "echec":
        raise EchecTravail(_message_echec(reponse.motif, reglages))
    manquantes = [
        nom for nom in sorted(reglages.protections_obligatoires) if not reponse.protections.get(nom)
    ]
    if manquantes:
        raise EchecTravail(
            f"le travailleur a répondu sans les protections obligatoires : {', '.join(manquantes)}"
        )
    attendues = {s.identifiant: hashlib.sha256(s.archive).hexdigest() for s in demande.sources}
    recues = {s.identifiant: s.sha256 for s in reponse.sources}
    if recues != attendues:
        raise EchecTravail(
            "réponse du travailleur incohérente : les empreintes des archives ne correspondent pas"
        )
    return reponse


def sonder(
    action: str,
    *,
    reglages: ReglagesTravailleur | None = None,
    dossier: str | None = None,
    fichier: str | None = None,
) -> RapportSonde:
    """Lance la sonde (mode de test, voir ``service.travailleur.sonde``) sous les mêmes protections.

    ``dossier`` : où la sonde tente d'écrire ; ``fichier`` : ce qu'elle tente de lire.
    Lève ``EchecTravail`` comme ``executer`` si la sonde plante, est tuée ou répond mal.
    """
    reglages = reglages or ReglagesTravailleur.depuis_parametres()
    arguments = [f"--action={action}", *reglages.arguments()]
    if dossier:
        arguments.append(f"--dossier={dossier}")
    if fichier:
        arguments.append(f"--fichier={fichier}")
    return decoder_reponse(lancer(MODULE_SONDE, arguments, b"", reglages), RapportSonde)


def _message_demande(demande: DemandeTravail, limites: Limites) -> bytes:
    trames: list[bytes] = [b"", demande.cle_privee.private_bytes_raw()]
    sources: list[SourceDemande] = []
    for source in demande.sources:
        trames.append(source.archive)
        numero_archive = len(trames) - 1
        numero_scelle = None
        if source.mot_de_passe_scelle is not None:
            trames.append(source.mot_de_passe_scelle)
            numero_scelle = len(trames) - 1
        try:
            convention = json.loads(source.convention)
        except json.JSONDecodeError:
            raise EchecTravail(
                f"convention de la source {source.identifiant} illisible (JSON attendu)"
            ) from None
        try:
            sources.append(
                SourceDemande(
                    identifiant=source.identifiant,
                    convention=convention,
                    archive=numero_archive,
                    mot_de_passe_scelle=numero_scelle,
                )
            )
        except ValidationError:
            raise EchecTravail(
                "identifiant de source invalide : lettres, chiffres, « _ », « . » ou « - », "
                "64 caractères au plus"
            ) from None
    if len({s.identifiant for s in sources}) != len(sources):
        raise EchecTravail("deux sources portent le même identifiant")
    numero_suivis = None
    if demande.suivis is not None:
        tampon = io.BytesIO()
        demande.suivis.write_ipc(tampon)
        trames.append(tampon.getvalue())
        numero_suivis = len(trames) - 1
    if len(demande.retours) > RETOURS_MAX:
        raise EchecTravail(f"trop de retours de revue ({len(demande.retours)}) : {RETOURS_MAX} au plus")
    try:
        retours = [RetourDemande(niveaux=dict(r.niveaux), meme_enfant=r.meme_enfant) for r in demande.retours]
    except ValidationError:
        raise EchecTravail(
            "retours de revue non conformes : seuls les niveaux d'accord connus sont permis"
        ) from None
    try:
        entete = DemandeEnfant(
            commune=demande.commune,
            date_reference=demande.date_reference,
            jour=demande.jour or dt.date.today(),
            cle_privee=1,
            limites_archive=LimitesArchive(**asdict(limites)),
            sources=sources,
            suivis=numero_suivis,
            examen=demande.examen,
            retours=retours,
        )
    except ValidationError:
        raise EchecTravail("demande incomplète : il faut une commune et au moins une source") from None
    trames[0] = entete.model_dump_json().encode()
    return ecrire_message(SIGNATURE_DEMANDE, trames)


def _message_echec(motif: str | None, reglages: ReglagesTravailleur) -> str:
    if motif == "memoire":
        return (
            f"le travailleur a manqué de mémoire (limite : {reglages.memoire // _MIO} Mio) : "
            "augmentez CELLULE_TRAVAILLEUR_MEMOIRE_MIO ou découpez la campagne"
        )
    return f"le travail a échoué : {motif or 'raison inconnue'}"


def decoder_reponse(sortie: bytes, modele: type[Modele]) -> Modele:
    """Valide la réponse de l'enfant (signature, version, schéma) ou lève ``EchecTravail``."""
    try:
        trames = lire_message(SIGNATURE_REPONSE, sortie)
        if len(trames) != 1:
            raise MessageInvalide("une seule trame attendue")
        return modele.model_validate_json(trames[0])
    except MessageInvalide as erreur:
        raise EchecTravail(
            f"réponse du travailleur malformée ({erreur}) : le travail est abandonné"
        ) from None
    except ValidationError:
        raise EchecTravail(
            "réponse du travailleur malformée (contenu non conforme au format attendu) : "
            "le travail est abandonné"
        ) from None


def _environnement() -> dict[str, str]:
    """Environnement minimal de l'enfant : rien n'hérite des secrets ou réglages du parent."""
    return {
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # Moins de réserves de mémoire virtuelle par fil : RLIMIT_AS reste un vrai plafond.
        "MALLOC_ARENA_MAX": "2",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        # Chaque fil de polars réserve sa pile : le plafond mémoire garde son sens sur une grosse machine.
        "POLARS_MAX_THREADS": str(min(os.cpu_count() or 1, _FILS_MAX)),
    }


def lancer(module: str, arguments: list[str], entree: bytes, reglages: ReglagesTravailleur) -> bytes:
    """Lance ``python -I -m module`` avec ``entree`` sur stdin ; rend sa sortie standard.

    Lève ``EchecTravail`` si la durée réelle est dépassée (l'enfant est tué), si la sortie dépasse
    ``reglages.sortie_max``, si l'enfant se termine par un signal ou un code non nul.
    """
    # L'enfant vérifie que ce processus est bien son parent au moment où il se lie à lui. Le noyau
    # le tue à la fin du fil qui l'a lancé, pas du processus : ce fil l'attend donc jusqu'au bout.
    arguments = [*arguments, f"--parent={os.getpid()}"]
    try:
        processus = subprocess.Popen(  # noqa: S603 - commande fixe, sans shell
            [sys.executable, "-I", "-m", module, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environnement(),
            cwd="/",
            close_fds=True,
        )
    except OSError as erreur:
        raise EchecTravail(f"impossible de lancer le travailleur ({erreur.strerror})") from None
    try:
        sortie = _echanger(processus, entree, time.monotonic() + reglages.duree, reglages)
    finally:
        if processus.poll() is None:
            processus.kill()
        processus.wait()
        for tube in (processus.stdin, processus.stdout, processus.stderr):
            if tube and not tube.closed:
                tube.close()
    code = processus.returncode
    if code < 0:
        raise EchecTravail(_message_signal(-code, reglages))
    if code != 0:
        raise EchecTravail(f"le travailleur s'est terminé en erreur (code {code}) : le travail est abandonné")
    return sortie


def _echanger(
    processus: subprocess.Popen[bytes], entree: bytes, echeance: float, reglages: ReglagesTravailleur
) -> bytes:
    """Écrit ``entree`` et lit stdout/stderr en même temps, sous échéance et sous plafond."""
    assert processus.stdin is not None
    assert processus.stdout is not None
    assert processus.stderr is not None
    selecteur = selectors.DefaultSelector()
    vue = memoryview(entree)
    ecrit = 0
    sortie: list[bytes] = []
    taille_sortie = 0
    os.set_blocking(processus.stdin.fileno(), False)
    if vue:
        selecteur.register(processus.stdin, selectors.EVENT_WRITE)
    else:
        processus.stdin.close()
    selecteur.register(processus.stdout, selectors.EVENT_READ)
    selecteur.register(processus.stderr, selectors.EVENT_READ)
    with selecteur:
        while selecteur.get_map():
            restant = echeance - time.monotonic()
            if restant <= 0:
                processus.kill()
                raise EchecTravail(
                    f"le travail a dépassé sa durée maximale ({reglages.duree:g} s) et a été interrompu : "
                    "augmentez CELLULE_TRAVAILLEUR_DUREE_SECONDES ou découpez la campagne"
                )
            for cle, _ in selecteur.select(restant):
                if cle.fileobj is processus.stdin:
                    try:
                        ecrit += os.write(processus.stdin.fileno(), vue[ecrit : ecrit + _BLOC])
                    except BrokenPipeError:
                        ecrit = len(vue)  # l'enfant a fermé son entrée : son code de sortie dira pourquoi
                    if ecrit >= len(vue):
                        selecteur.unregister(processus.stdin)
                        processus.stdin.close()
                    continue
                bloc = os.read(cle.fd, _BLOC)
                if not bloc:
                    selecteur.unregister(cle.fileobj)
                elif cle.fileobj is processus.stdout:
                    taille_sortie += len(bloc)
                    if taille_sortie > reglages.sortie_max:
                        processus.kill()
                        raise EchecTravail(
                            "réponse du travailleur trop volumineuse : le travail est abandonné"
                        )
                    sortie.append(bloc)
                # stderr est lu pour ne pas bloquer l'enfant, puis oublié : il pourrait contenir des données.
    try:
        processus.wait(max(echeance - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired:
        processus.kill()
        raise EchecTravail(
            f"le travail a dépassé sa durée maximale ({reglages.duree:g} s) et a été interrompu"
        ) from None
    return b"".join(sortie)


def _message_signal(numero: int, reglages: ReglagesTravailleur) -> str:
    if numero == signal.SIGXCPU:
        return (
            f"le travailleur a dépassé sa limite de temps de calcul ({reglages.cpu} s CPU) et a été arrêté : "
            "augmentez CELLULE_TRAVAILLEUR_CPU_SECONDES ou découpez la campagne"
        )
    if numero == signal.SIGXFSZ:
        return "le travailleur a tenté d'écrire un fichier, ce qui lui est interdit : il a été arrêté"
    if numero == signal.SIGSYS:
        return "le travailleur a fait un appel système interdit et a été arrêté"
    if numero == signal.SIGKILL:
        return (
            "le travailleur a été tué par le système (limite de calcul ou de mémoire atteinte, "
            "ou arrêt par un administrateur) : le travail est abandonné"
        )
    nom = signal.Signals(numero).name if numero in signal.valid_signals() else str(numero)
    return (
        f"le travailleur s'est arrêté brutalement (signal {nom}) ; causes fréquentes : une archive abîmée "
        "qui fait planter un décodeur (vérifiez chaque archive avec « cellule archive verifier »), ou "
        f"la mémoire (limite : {reglages.memoire // _MIO} Mio, réglage CELLULE_TRAVAILLEUR_MEMOIRE_MIO)"
    )
