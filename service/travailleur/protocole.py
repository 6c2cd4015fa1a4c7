"""Le format des messages échangés avec l'enfant par ses tubes : versionné, en trames binaires.

Un message = une signature de 16 octets (demande ou réponse), la version (2 octets), le nombre de
trames (4 octets), puis chaque trame précédée de sa longueur (8 octets), tout en gros-boutiste.
La trame 0 est un document JSON ; les trames suivantes portent des octets bruts (archives, mots de
passe scellés, clé privée du travailleur, cas suivis en table Arrow IPC) que le JSON désigne par leur
numéro : pas de base64, pas de copie inutile des archives.

Demande : ``DemandeEnfant`` (JSON) + trames. Réponse : une seule trame, ``ReponseEnfant`` (JSON).
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

VERSION: Final = 1
SIGNATURE_DEMANDE = b"CELLULE-DEMANDE\x00"
SIGNATURE_REPONSE = b"CELLULE-REPONSE\x00"
_ENTETE = struct.Struct(">16sHI")
_LONGUEUR = struct.Struct(">Q")
_TRAMES_MAX = 10_000

#: Un identifiant de source : pseudonyme, sans « : » (séparateur des identifiants préfixés).
MOTIF_IDENTIFIANT = r"^[A-Za-z0-9_.-]{1,64}$"
#: Retours de revue au plus dans une demande : autant qu'une commune en garde (``registre.revue``).
RETOURS_MAX: Final = 5_000


class MessageInvalide(ValueError):
    """Message mal formé : mauvaise signature, version inconnue, longueurs incohérentes."""


def ecrire_message(signature: bytes, trames: list[bytes]) -> bytes:
    """Assemble un message : en-tête versionné puis trames préfixées par leur longueur."""
    morceaux = [_ENTETE.pack(signature, VERSION, len(trames))]
    for trame in trames:
        morceaux.append(_LONGUEUR.pack(len(trame)))
        morceaux.append(trame)
    return b"".join(morceaux)


def lire_message(signature: bytes, octets: bytes) -> list[bytes]:
    """Découpe un message en trames ; lève ``MessageInvalide`` (message français) s'il est mal formé."""
    if len(octets) < _ENTETE.size:
        raise MessageInvalide("message tronqué : en-tête incomplet")
    lue, version, nombre = _ENTETE.unpack_from(octets)
    if lue != signature:
        raise MessageInvalide("message d'un autre type ou corrompu (signature inattendue)")
    if version != VERSION:
        raise MessageInvalide(f"version de message {version} inconnue (attendue : {VERSION})")
    if nombre > _TRAMES_MAX:
        raise MessageInvalide("message corrompu : nombre de trames invraisemblable")
    vue = memoryview(octets)
    position = _ENTETE.size
    trames: list[bytes] = []
    for _ in range(nombre):
        if position + _LONGUEUR.size > len(octets):
            raise MessageInvalide("message tronqué : longueur de trame manquante")
        (longueur,) = _LONGUEUR.unpack_from(octets, position)
        position += _LONGUEUR.size
        if position + longueur > len(octets):
            raise MessageInvalide("message tronqué : trame incomplète")
        trames.append(bytes(vue[position : position + longueur]))
        position += longueur
    if position != len(octets):
        raise MessageInvalide("message corrompu : octets en trop après la dernière trame")
    return trames


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Demande --------------------------------------------------------------------------------------


class LimitesArchive(_Strict):
    """Les champs de ``chiffrement.Limites``, transportés tels quels."""

    taille_archive_max: int = Field(gt=0)
    entrees_max: int = Field(gt=0)
    taille_entree_max: int = Field(gt=0)
    taille_totale_max: int = Field(gt=0)
    taux_max: int = Field(gt=0)


class SourceDemande(_Strict):
    identifiant: str = Field(pattern=MOTIF_IDENTIFIANT)
    convention: dict[str, object]
    archive: int = Field(ge=1, description="numéro de la trame qui porte l'archive")
    mot_de_passe_scelle: int | None = Field(ge=1, description="numéro de trame, ou rien si non chiffrée")


def _niveaux_permis() -> dict[str, frozenset[str]]:
    """Pour chaque clé d'un retour, les valeurs permises : les niveaux du moteur, ou « manquant »."""
    # Importés à l'usage : l'enfant lit ce module avant de se confiner, le moteur seulement après.
    from appariement.comparaisons.niveaux import NIVEAUX

    permis = {champ: frozenset({*niveaux, "manquant"}) for champ, niveaux in NIVEAUX.items()}
    return {**permis, "inversion": frozenset({"oui", "non"})}


class RetourDemande(_Strict):
    """Une paire tranchée par un agent (``appariement.apprentissage.Retour``) : pour chaque champ
    comparé, le nom de son niveau d'accord, et si c'était le même enfant. Rien d'autre n'est permis :
    ni autre clé, ni valeur hors des noms de niveaux connus."""

    niveaux: dict[str, str]
    meme_enfant: bool

    @field_validator("niveaux")
    @classmethod
    def _niveaux_connus(cls, niveaux: dict[str, str]) -> dict[str, str]:
        permis = _niveaux_permis()
        if set(niveaux) != set(permis):
            raise ValueError(f"un retour porte exactement les clés {', '.join(permis)}")
        inconnus = sorted(champ for champ, nom in niveaux.items() if nom not in permis[champ])
        if inconnus:
            raise ValueError(f"niveau inconnu pour : {', '.join(inconnus)}")
        return niveaux


class DemandeEnfant(_Strict):
    version: Literal[1] = VERSION
    commune: str = Field(min_length=1, max_length=16)
    date_reference: dt.date
    jour: dt.date
    cle_privee: int = Field(ge=1, description="numéro de la trame qui porte la clé privée X25519")
    limites_archive: LimitesArchive
    sources: list[SourceDemande] = Field(min_length=1)
    suivis: int | None = Field(
        default=None,
        ge=1,
        description="numéro de la trame qui porte les cas suivis à rechercher parmi les inscrits : "
        "table canonique des familles (identifiant du cas, nom, prénoms, date de naissance, sexe), "
        "en Arrow IPC",
    )
    examen: bool = Field(
        default=False,
        description="examen d'un dépôt : chaque source est ouverte et lue, sans appariement ; la réponse "
        "dit, par source, si elle est acceptée (comptes, lignes illisibles) ou refusée (motif codé)",
    )
    retours: list[RetourDemande] = Field(
        default_factory=list,
        max_length=RETOURS_MAX,
        description="les paires tranchées par les agents de la commune, que l'appariement prend en compte",
    )


# --- Réponse --------------------------------------------------------------------------------------


class Comptes(_Strict):
    """Comptes d'une source ou du total ; les statuts sont ceux des enfants des listes CAF/MSA.

    Pour une liste d'inscrits, ``apparies`` et ``instruction_declaree`` comptent les enfants
    rattachés à une ligne de cette liste. ``rejetees`` = ``illisibles`` (lignes qui ne désignent
    personne) + ``doublons`` ; ``incompletes`` : lignes gardées avec un champ manquant ou impossible.
    Pour une liste CAF/MSA, ``lignes`` − ``doublons`` = apparies + instruction_declaree + a_verifier
    + non_apparies + hors_obligation + illisibles : chaque enfant listé est compté une fois.
    """

    lignes: int = Field(default=0, ge=0)
    valides: int = Field(default=0, ge=0)
    rejetees: int = Field(default=0, ge=0)
    illisibles: int = Field(default=0, ge=0)
    incompletes: int = Field(default=0, ge=0)
    doublons: int = Field(default=0, ge=0)
    hors_obligation: int = Field(default=0, ge=0)
    apparies: int = Field(default=0, ge=0)
    instruction_declaree: int = Field(default=0, ge=0)
    a_verifier: int = Field(default=0, ge=0)
    non_apparies: int = Field(default=0, ge=0)


class ErreurTravail(_Strict):
    """Une erreur en français, sans valeur personnelle : où (source, fichier, ligne, champ) et quoi."""

    source: str | None = None
    fichier: int | None = None
    ligne: int | None = None
    champ: str | None = None
    motif: str
    a_demander: str | None = Field(default=None, description="ce qu'il faut demander au partenaire")


class LigneIllisible(_Strict):
    """Une ligne qu'on n'a pas pu lire comme un enfant : où, pourquoi, quoi demander — jamais sa valeur."""

    fichier: int = Field(ge=1, description="rang du fichier dans l'archive")
    ligne: int = Field(ge=1)
    motif: str
    a_demander: str | None = None


class CompteSource(_Strict):
    identifiant: str
    source: str = Field(description="caf, msa, onde, siecle, ief, cned, hors_contrat, medico_social")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    fichiers: int = Field(ge=0)
    comptes: Comptes
    refus: str | None = Field(default=None, description="raison du refus de toute la source")
    illisibles: list[LigneIllisible] = Field(
        default_factory=list, description="les lignes illisibles, dans la limite de LIGNES_ILLISIBLES_MAX"
    )
    code_refus: str | None = Field(
        default=None, description="le refus, codé pour le journal d'audit (voir service.travailleur.examen)"
    )


class IdentiteEnfant(_Strict):
    """L'enfant et son allocataire, tels que reçus de la CAF ou de la MSA.

    ``remarque`` : ce qui manque ou ne va pas dans la ligne reçue (« prénom absent de la liste
    CAF », « date de naissance impossible : 29/02/2011 ») ; elle cite la valeur lue, elle reste donc
    avec l'identité (chiffrée au registre), jamais dans un journal.
    """

    nom: str | None
    prenoms: str | None
    date_naissance: dt.date | None
    sexe: str | None
    nom_allocataire: str | None
    prenom_allocataire: str | None
    adresse: str | None
    code_postal: str | None
    commune: str | None
    remarque: str | None = None


class IdentiteInscrit(_Strict):
    nom: str | None
    nom_usage: str | None
    prenoms: str | None
    date_naissance: dt.date | None
    sexe: str | None
    ine: str | None
    uai: str | None
    adresse: str | None
    code_postal: str | None
    commune: str | None
    mode: str | None


class Candidat(_Strict):
    source: str
    fichier: int
    id_ligne: str
    score: float | None
    identite: IdentiteInscrit


class EnfantSignale(_Strict):
    """Un enfant de la liste CAF/MSA qui n'a pas été trouvé avec certitude sur une liste d'inscrits."""

    source: str
    fichier: int
    id_ligne: str
    statut: Literal["a_verifier", "non_apparie"]
    score: float | None
    explication: str
    identite: IdentiteEnfant
    candidats: list[Candidat]


class ControleSuivis(_Strict):
    """La passe de contrôle : les cas suivis comparés aux inscrits reçus, par le même appariement.

    ``encore_signales`` : identifiants des cas suivis toujours à vérifier ou non appariés. ``refus`` :
    pourquoi la comparaison n'a pas eu lieu (aucun cas ne doit alors être fermé).
    """

    lignes: int = Field(ge=0, description="cas suivis reçus")
    encore_signales: list[str] = Field(default_factory=list)
    refus: str | None = None


class ReponseEnfant(_Strict):
    """Ce que l'enfant écrit sur sa sortie standard, en une trame JSON.

    ``statut`` : ``termine`` (travail fait ; des sources peuvent avoir été refusées, voir
    ``appariement_effectue``), ``refuse`` (protection obligatoire absente : aucune archive ouverte),
    ``echec`` (demande illisible, mémoire épuisée, erreur interne : ``motif`` dit laquelle).
    """

    version: Literal[1] = VERSION
    statut: Literal["termine", "refuse", "echec"]
    motif: str | None = None
    protections: dict[str, bool]
    raisons_protections: dict[str, str] = Field(default_factory=dict)
    appariement_effectue: bool = False
    sources: list[CompteSource] = Field(default_factory=list)
    total: Comptes = Field(default_factory=Comptes)
    signales: list[EnfantSignale] = Field(default_factory=list)
    controle: ControleSuivis | None = Field(
        default=None,
        description="présent quand la demande porte des cas suivis et que l'appariement a eu lieu",
    )
    erreurs: list[ErreurTravail] = Field(default_factory=list)
    durees: dict[str, float] = Field(default_factory=dict, description="secondes par étape")
    memoire_crete_mio: int | None = Field(
        default=None, description="pic de mémoire virtuelle de l'enfant (VmPeak), pour régler la limite"
    )


class RapportSonde(_Strict):
    """Réponse de la sonde (``service.travailleur.sonde``) : protections actives et essais interdits.

    ``essais`` : pour chaque action tentée, ``"refusé : <code>"`` ou ``"permis"``.
    """

    version: Literal[1] = VERSION
    protections: dict[str, bool]
    raisons_protections: dict[str, str] = Field(default_factory=dict)
    essais: dict[str, str] = Field(default_factory=dict)
    espace_reseau: str | None = None
    espace_utilisateur: str | None = None
    vidable: int | None = Field(default=None, description="PR_GET_DUMPABLE relu après confinement")
    signal_mort_parent: int | None = Field(default=None, description="PR_GET_PDEATHSIG relu")
    memoire_atteinte_mio: int | None = None
