"""Les tables du service.

Aucune donnée d'identité n'y est en clair : l'identité des enfants signalés et leurs candidats
sont chiffrés (``chiffrement``), et les événements de cas ne portent que des identifiants
pseudonymes, des dates, des actions et des motifs — c'est d'eux que se calculent les indicateurs.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.base.connexion import maintenant
from service.campagnes.etats import ETAT_INITIAL


def nouvel_identifiant() -> str:
    """Identifiant pseudonyme, opaque, sans rapport avec la personne."""
    return uuid.uuid4().hex


def _json() -> Any:
    return Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))


class Commune(SQLModel, table=True):
    insee: str = Field(primary_key=True, max_length=5)
    nom: str
    departement: str = Field(index=True, max_length=3)


class Utilisateur(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    identifiant: str = Field(unique=True, index=True, max_length=80)
    nom_affiche: str = ""
    role: str = Field(max_length=20)
    departement: str | None = Field(default=None, max_length=3)
    mot_de_passe_hache: str
    # Chiffré par la clé des comptes (hors base) : une copie de la base ne donne pas les codes.
    totp_secret: str
    totp_confirme_le: datetime | None = None
    dernier_pas_totp: int | None = None
    actif: bool = True
    echecs: int = 0
    verrouille_jusqu_a: datetime | None = None
    cree_le: datetime = Field(default_factory=maintenant)
    desactive_le: datetime | None = None
    # Séparation des tâches : un compte ne sert qu'approuvé par une autre personne que celle qui l'a
    # demandé (création, nouveau secret TOTP). ``demande_par`` et ``approuve_par`` vides : ligne de
    # commande du serveur (comptes d'installation) ou comptes antérieurs à l'approbation.
    demande_par: int | None = Field(default=None, foreign_key="utilisateur.id")
    approuve_le: datetime | None = None
    approuve_par: int | None = Field(default=None, foreign_key="utilisateur.id")
    # Mot de passe fixé par quelqu'un d'autre (création) : rien d'autre ne sert avant de le changer.
    mot_de_passe_a_changer: bool = False
    # Connexion ProConnect : le courriel professionnel (en minuscules) et le SIRET de l'organisation,
    # fixés par l'administrateur ; ``proconnect_sub`` est l'identifiant que donne ProConnect, lié à la
    # première connexion puis exigé identique.
    courriel: str | None = Field(default=None, unique=True, max_length=254)
    siret: str | None = Field(default=None, max_length=14)
    proconnect_sub: str | None = Field(default=None, unique=True, max_length=255)


class UtilisateurCommune(SQLModel, table=True):
    __tablename__ = "utilisateur_commune"

    utilisateur_id: int = Field(foreign_key="utilisateur.id", primary_key=True, ondelete="CASCADE")
    commune: str = Field(foreign_key="commune.insee", primary_key=True)


class SessionWeb(SQLModel, table=True):
    __tablename__ = "session_web"

    id: int | None = Field(default=None, primary_key=True)
    jeton_hache: str = Field(unique=True, index=True, max_length=64)
    csrf_hache: str = Field(max_length=64)
    utilisateur_id: int = Field(foreign_key="utilisateur.id", index=True, ondelete="CASCADE")
    creee_le: datetime = Field(default_factory=maintenant)
    derniere_activite: datetime = Field(default_factory=maintenant)
    expire_le: datetime
    fermee_le: datetime | None = None
    # L'adresse vue à la connexion, que l'utilisateur retrouve dans la liste de ses sessions.
    adresse_client: str | None = Field(default=None, max_length=64)
    # Session ouverte par ProConnect : le jeton d'identité, à rendre à ProConnect à la déconnexion.
    proconnect_id_token: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class ConventionEnregistree(SQLModel, table=True):
    __tablename__ = "convention"

    identifiant: str = Field(primary_key=True, max_length=120)
    source: str = Field(max_length=20)
    texte_toml: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    convention: dict[str, Any] = _json()
    enregistree_le: datetime = Field(default_factory=maintenant)
    enregistree_par: int | None = Field(default=None, foreign_key="utilisateur.id")


class Campagne(SQLModel, table=True):
    id: str = Field(default_factory=nouvel_identifiant, primary_key=True, max_length=32)
    commune: str = Field(foreign_key="commune.insee", index=True)
    date_reference: date
    libelle: str
    etat: str = Field(default=ETAT_INITIAL["campagne"], max_length=12)
    etape: str = ""
    pourcentage: int = 0
    comptes: dict[str, Any] = _json()
    erreurs: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    # Chaque ligne illisible d'une liste reçue : source, fichier, ligne, motif, quoi demander.
    lignes_illisibles: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False, server_default="[]")
    )
    protections: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    creee_par: int | None = Field(default=None, foreign_key="utilisateur.id")
    creee_le: datetime = Field(default_factory=maintenant)
    lancee_le: datetime | None = None
    terminee_le: datetime | None = None


class Source(SQLModel, table=True):
    id: str = Field(default_factory=nouvel_identifiant, primary_key=True, max_length=32)
    campagne_id: str = Field(foreign_key="campagne.id", index=True, ondelete="CASCADE")
    convention: str = Field(foreign_key="convention.identifiant")
    nom_fichier: str
    sha256: str = Field(index=True, max_length=64)
    taille: int
    # L'archive telle que reçue (7z chiffré) et son mot de passe scellé pour le travailleur ;
    # tous deux supprimés après le passage.
    archive: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    mot_de_passe_scelle: bytes | None = Field(
        default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True)
    )
    comptes: dict[str, Any] = _json()
    # Le résumé de l'examen au dépôt (lignes lues, valides, illisibles et leurs motifs, sans aucune
    # valeur lue) ; vide pour une source déposée avant que les dépôts soient examinés.
    examen: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    deposee_par: int | None = Field(default=None, foreign_key="utilisateur.id")
    deposee_le: datetime = Field(default_factory=maintenant)
    effacee_le: datetime | None = None


class Travail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campagne_id: str = Field(foreign_key="campagne.id", index=True, ondelete="CASCADE")
    etat: str = Field(default=ETAT_INITIAL["travail"], index=True, max_length=12)
    reclame_par: str | None = None
    reclame_le: datetime | None = None
    signe_de_vie: datetime | None = None
    tentatives: int = 0
    cree_le: datetime = Field(default_factory=maintenant)
    fini_le: datetime | None = None


class Cas(SQLModel, table=True):
    id: str = Field(default_factory=nouvel_identifiant, primary_key=True, max_length=32)
    commune: str = Field(foreign_key="commune.insee", index=True)
    campagne_origine: str = Field(foreign_key="campagne.id")
    campagne_derniere: str = Field(foreign_key="campagne.id")
    # Résultat d'appariement qui a fait repérer l'enfant : a_verifier ou non_apparie.
    resultat: str = Field(max_length=12)
    statut: str = Field(default="repere", index=True, max_length=24)
    motif: str | None = Field(default=None, max_length=32)
    # HMAC de l'identité normalisée : retrouve le même enfant d'une campagne à l'autre sans la stocker.
    cle_appariement: str = Field(index=True, max_length=64)
    # Cohorte de rétention (année du 31 août qui clôt la conservation) et version de sa clé.
    cohorte: int = Field(index=True)
    cle_version: int
    # Identité (enfant + allocataire) et candidats, chiffrés ; chaque clé de donnée est enveloppée à
    # part : l'oublier efface l'enregistrement.
    identite: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    identite_cle: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    candidats: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    candidats_cle: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    explication: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    score: float | None = None
    cree_le: datetime = Field(default_factory=maintenant)
    mis_a_jour_le: datetime = Field(default_factory=maintenant)
    transmis_le: datetime | None = None
    notification_le: date | None = None
    echeance: date | None = None
    clos_le: datetime | None = None
    # Le référent DSDEN nommé qui suit le cas (None : personne en particulier).
    attribue_a: int | None = Field(default=None, foreign_key="utilisateur.id")


class EvenementCas(SQLModel, table=True):
    """Une transition datée d'un cas. Sans donnée personnelle ; survit à l'effacement du cas."""

    __tablename__ = "evenement_cas"

    id: int | None = Field(default=None, primary_key=True)
    cas_id: str = Field(index=True, max_length=32)
    commune: str = Field(index=True, max_length=5)
    departement: str = Field(index=True, max_length=3)
    campagne_id: str | None = Field(default=None, max_length=32)
    survenu_le: datetime = Field(default_factory=maintenant, index=True)
    action: str = Field(max_length=32)
    de_statut: str | None = Field(default=None, max_length=24)
    vers_statut: str = Field(max_length=24)
    motif: str | None = Field(default=None, max_length=32)
    date_effet: date | None = None
    donnees: dict[str, Any] = _json()
    acteur_id: int | None = None
    acteur_role: str = Field(max_length=20)


class CommentaireCas(SQLModel, table=True):
    """Un commentaire d'un cas, chiffré dans sa cohorte ; effacé avec lui, jamais écrit au journal."""

    __tablename__ = "commentaire_cas"

    id: int | None = Field(default=None, primary_key=True)
    cas_id: str = Field(foreign_key="cas.id", index=True, max_length=32)
    auteur_id: int | None = Field(default=None, foreign_key="utilisateur.id")
    auteur_role: str = Field(max_length=20)
    ecrit_le: datetime = Field(default_factory=maintenant)
    cle_version: int
    texte: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    texte_cle: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))


class LettreCas(SQLModel, table=True):
    """Une lettre de mise en demeure générée pour un cas (document ODT chiffré dans sa cohorte)."""

    __tablename__ = "lettre_cas"

    id: str = Field(default_factory=nouvel_identifiant, primary_key=True, max_length=32)
    cas_id: str = Field(foreign_key="cas.id", index=True, max_length=32)
    generee_par: int | None = Field(default=None, foreign_key="utilisateur.id")
    generee_le: datetime = Field(default_factory=maintenant)
    cle_version: int
    document: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    document_cle: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))


class ModeleLettre(SQLModel, table=True):
    """Le modèle de lettre de mise en demeure d'une DSDEN : textes qu'elle modifie, sans identité."""

    __tablename__ = "modele_lettre"

    departement: str = Field(primary_key=True, max_length=3)
    entete: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    corps: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    signataire: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    modifie_par: int | None = Field(default=None, foreign_key="utilisateur.id")
    modifie_le: datetime = Field(default_factory=maintenant)


class RetourRevue(SQLModel, table=True):
    """Une paire tranchée par un agent (l'enfant d'un cas « à vérifier » face à une fiche candidate) :
    les niveaux d'accord de chaque champ et la décision, gardés pour sa commune.

    Rien qui désigne quelqu'un : ni identité, ni identifiant de cas ou d'élève, ni date ni heure ;
    l'année scolaire seule, pour la conservation. L'identifiant est tiré au hasard : il ne dit pas
    l'ordre d'écriture (voir ``registre.revue``).
    """

    __tablename__ = "retour_revue"
    __table_args__ = (sa.Index("ix_retour_revue_commune_annee", "commune", "annee_scolaire"),)

    id: str = Field(default_factory=nouvel_identifiant, primary_key=True, max_length=32)
    commune: str = Field(foreign_key="commune.insee", max_length=5)
    # L'année du 31 août qui clôt l'année scolaire de la décision (2027 pour 2026-2027).
    annee_scolaire: int
    # Par champ comparé, le nom du niveau d'accord (« manquant » si un côté n'a pas la donnée), et
    # ``inversion`` (« oui » ou « non ») : ce que rend ``appariement.comparer_fiches``.
    niveaux: dict[str, str] = _json()
    meme_enfant: bool
