"""L'examen d'un dépôt, dans l'enfant confiné : ouvrir et lire chaque archive, sans apparier.

Au dépôt, le service veut savoir tout de suite si l'archive sera lisible au lancement : mot de
passe, structure de l'archive, profil de la convention, nature du fichier (« ce fichier ressemble
à un export ONDE, pas à une liste CAF »). L'enfant fait la même lecture que pour un passage et rend,
par source, ses comptes et ses lignes illisibles (ligne, champ, motif), ou son refus avec un motif
codé pour le journal d'audit. Rien de ce qui est lu n'est rendu ni gardé : le passage relira
l'archive.
"""

from __future__ import annotations

import hashlib
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError

from chiffrement import ArchiveIllisible, ErreurArchive, Limites, ScelleInvalide, desceller, ouvrir_archive
from conventions import Convention, lire
from conventions.erreurs import ErreurConvention
from conventions.nature import ATTENDUS, nature_reconnue, porte_une_donnee_interdite
from service.travailleur.confinement import EtatProtections
from service.travailleur.protocole import (
    Comptes,
    CompteSource,
    DemandeEnfant,
    ErreurTravail,
    ReponseEnfant,
    SourceDemande,
)

#: Les motifs codés d'un refus, tels qu'écrits au journal d'audit (jamais de contenu du fichier).
CODES_REFUS: dict[str, str] = {
    "convention": "convention illisible, ou qui ne couvre pas la commune à cette date",
    "mot_de_passe": "mot de passe incorrect ou archive corrompue",
    "archive_refusee": "archive refusée (pas chiffrée, trop grosse une fois ouverte, entrée dangereuse…)",
    "archive_vide": "l'archive ne contient aucun fichier",
    "donnee_interdite": "une colonne nomme une donnée interdite (NIR, nationalité…)",
    "nature": "le fichier ressemble à une autre source que celle de la convention",
    "fichier_refuse": "fichier illisible ou non conforme au profil de la convention",
}
#: Lignes écartées détaillées par source (les suivantes sont seulement comptées).
MOTIFS_PAR_SOURCE = 200
_COMPTES = ("lignes", "valides", "rejetees", "illisibles", "incompletes", "doublons")


class _Refus(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def examiner(
    demande: DemandeEnfant,
    trames: list[bytes],
    cle: X25519PrivateKey,
    limites: Limites,
    etat: EtatProtections,
) -> ReponseEnfant:
    """Examine chaque source de la demande ; l'appariement n'a jamais lieu."""
    debut = time.perf_counter()
    sources: list[CompteSource] = []
    erreurs: list[ErreurTravail] = []
    for source in demande.sources:
        compte, lignes = _examiner_source(demande, source, trames, cle, limites)
        sources.append(compte)
        erreurs.extend(lignes)
    return ReponseEnfant(
        statut="termine",
        protections=etat.actives,
        raisons_protections=etat.raisons,
        sources=sources,
        erreurs=erreurs,
        durees={"examen": round(time.perf_counter() - debut, 4)},
    )


def _examiner_source(
    demande: DemandeEnfant,
    source: SourceDemande,
    trames: list[bytes],
    cle: X25519PrivateKey,
    limites: Limites,
) -> tuple[CompteSource, list[ErreurTravail]]:
    archive = trames[source.archive]
    empreinte = hashlib.sha256(archive).hexdigest()
    comptes = Comptes()
    erreurs: list[ErreurTravail] = []
    nom_source, fichiers = "inconnue", 0
    try:
        convention = _convention(demande, source)
        nom_source = convention.source
        contenus = _ouvrir(archive, source, trames, cle, limites, convention)
        fichiers = len(contenus)
        for numero, octets in enumerate(contenus, start=1):
            rapport = lire(octets, convention, aujourd_hui=demande.jour, commune=demande.commune).rapport
            if rapport.refus:
                raise _refus_du_fichier(numero, octets, rapport.refus, convention)
            comptes = comptes.model_copy(
                update={champ: getattr(comptes, champ) + getattr(rapport, champ) for champ in _COMPTES}
            )
            # Les lignes écartées (illisibles ou répétées) ; une ligne gardée incomplète est seulement
            # comptée : sa remarque cite la valeur lue, elle ne sort pas de l'examen.
            place = max(MOTIFS_PAR_SOURCE - len(erreurs), 0)
            erreurs.extend(
                ErreurTravail(
                    source=source.identifiant,
                    fichier=numero,
                    ligne=e.ligne,
                    champ=e.champ,
                    motif=e.motif,
                    a_demander=e.a_demander,
                )
                for e in [e for e in rapport.erreurs if not e.gardee][:place]
            )
    except _Refus as refus:
        return (
            CompteSource(
                identifiant=source.identifiant,
                source=nom_source,
                sha256=empreinte,
                fichiers=fichiers,
                comptes=Comptes(),
                refus=refus.message,
                code_refus=refus.code,
            ),
            [],
        )
    compte = CompteSource(
        identifiant=source.identifiant,
        source=nom_source,
        sha256=empreinte,
        fichiers=fichiers,
        comptes=comptes,
    )
    return compte, erreurs


def _convention(demande: DemandeEnfant, source: SourceDemande) -> Convention:
    try:
        convention = Convention.model_validate(source.convention)
        convention.verifier_usage(demande.commune, demande.jour)
    except ValidationError:
        raise _Refus(
            "convention", "Convention illisible ou incomplète : enregistrez-la de nouveau."
        ) from None
    except ErreurConvention as erreur:
        raise _Refus("convention", erreur.message) from None
    return convention


def _ouvrir(
    archive: bytes,
    source: SourceDemande,
    trames: list[bytes],
    cle: X25519PrivateKey,
    limites: Limites,
    convention: Convention,
) -> list[bytes]:
    mot_de_passe = None
    try:
        if source.mot_de_passe_scelle is not None:
            mot_de_passe = desceller(trames[source.mot_de_passe_scelle], cle).decode("utf-8")
        fichiers = ouvrir_archive(
            archive,
            mot_de_passe,
            limites,
            chiffrement_obligatoire=not convention.archive_non_chiffree_autorisee,
            noms_en_clair_autorises=convention.noms_de_fichiers_en_clair_autorises,
        )
    except (ScelleInvalide, UnicodeDecodeError):
        raise _Refus(
            "mot_de_passe", "Mot de passe illisible : saisissez-le de nouveau en déposant l'archive."
        ) from None
    except ArchiveIllisible as erreur:
        raise _Refus("mot_de_passe", _phrase(erreur.message)) from None
    except ErreurArchive as erreur:
        raise _Refus("archive_refusee", _phrase(erreur.message)) from None
    if not fichiers:
        raise _Refus(
            "archive_vide", "L'archive ne contient aucun fichier : demandez au partenaire de la refaire."
        )
    return [fichier.octets for fichier in fichiers]


def _refus_du_fichier(numero: int, octets: bytes, refus: str, convention: Convention) -> _Refus:
    """Le refus d'un fichier, dit au plus juste : donnée interdite, puis mauvaise nature, puis le reste."""
    lieu = f"Fichier n° {numero} de l'archive refusé : "
    if porte_une_donnee_interdite(octets, convention.profil):
        return _Refus("donnee_interdite", lieu + refus)
    nature = nature_reconnue(octets, convention.profil)
    if nature is not None:
        attendu = ATTENDUS.get(convention.source, f"une liste « {convention.source} »")
        return _Refus(
            "nature",
            f"{lieu}ce fichier ressemble à {nature}, pas à {attendu} (convention « "
            f"{convention.identifiant} »). Déposez-le sous la convention qui lui correspond, ou "
            "demandez au partenaire le bon fichier.",
        )
    return _Refus("fichier_refuse", lieu + refus)


def _phrase(message: str) -> str:
    return message[:1].upper() + message[1:] + "."
