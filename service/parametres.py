"""Réglages du service, lus dans les variables d'environnement préfixées ``CELLULE_``."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from audit import (
    INTERVALLE_POINTS,
    NOM_CLE,
    RETENTION_MAX_MOIS,
    RETENTION_MIN_MOIS,
    RETENTION_PAR_DEFAUT_MOIS,
)
from chiffrement.archives import MIO, Limites

# Les niveaux d'authentification (acr) de ProConnect. Ceux qui attestent un second facteur
# dispensent du code TOTP de cellule ; les autres sont acceptés, puis cellule demande son code.
_ASSURANCE = "https://proconnect.gouv.fr/assurance/"
ACR_DEUX_FACTEURS = frozenset(
    {"eidas2", "eidas3", f"{_ASSURANCE}self-asserted-2fa", f"{_ASSURANCE}consistency-checked-2fa"}
)
ACR_PAR_DEFAUT = (
    "eidas1",
    "eidas2",
    "eidas3",
    f"{_ASSURANCE}self-asserted",
    f"{_ASSURANCE}self-asserted-2fa",
    f"{_ASSURANCE}consistency-checked",
    f"{_ASSURANCE}consistency-checked-2fa",
)
HOTES_LOCAUX = frozenset({"127.0.0.1", "localhost", "::1"})


def adresse_permise(url: str) -> bool:
    """Vrai pour une adresse https, ou http sur la machine même (tests, développement)."""
    decoupee = urlsplit(url)
    if not decoupee.hostname or decoupee.username or decoupee.password:
        return False
    if decoupee.scheme == "https":
        return True
    return decoupee.scheme == "http" and decoupee.hostname.lower() in HOTES_LOCAUX


class ReglagesService(BaseSettings):
    """Tout ce qu'un administrateur règle au déploiement.

    Chaque champ se règle par une variable ``CELLULE_<NOM>`` (``CELLULE_DONNEES``, ``CELLULE_BASE``…).
    """

    model_config = SettingsConfigDict(env_prefix="CELLULE_", extra="ignore")

    donnees: Path = Field(
        default=Path("donnees"),
        description="Dossier des données : base SQLite, trousseau de clés, exports.",
    )
    base: str = Field(
        default="",
        description="URL de la base (SQLAlchemy). Vide : SQLite dans le dossier des données.",
    )
    environnement: Literal["developpement", "production"] = Field(
        default="developpement",
        description="« production » : journaux en lignes JSON ; « developpement » : lisibles.",
    )
    niveau_journal: str = Field(default="INFO", description="Niveau des journaux techniques.")
    trousseau: Path | None = Field(
        default=None,
        description="Dossier du trousseau de clés, hors sauvegardes de la base (défaut : <donnees>/cles).",
    )
    cle_maitresse_fichier: Path | None = Field(
        default=None,
        description="Fichier (mode 0600) de la clé maîtresse (défaut : <donnees>/cle_maitresse).",
    )
    cle_maitresse: SecretStr | None = Field(
        default=None,
        description="La clé maîtresse elle-même (base64) ; si définie, le fichier n'est pas lu.",
    )
    archive_taille_max_mio: int = Field(
        default=Limites().taille_archive_max // MIO, ge=1, description="Taille maximale d'une archive reçue."
    )
    campagne_taille_max_mio: int = Field(
        default=256, ge=1, description="Total des archives gardées dans une campagne, en attente du passage."
    )
    compte_taille_max_mio: int = Field(
        default=512,
        ge=1,
        description="Total des archives déposées par un compte et pas encore traitées, toutes campagnes.",
    )
    archive_entrees_max: int = Field(
        default=Limites().entrees_max, ge=1, description="Nombre maximal d'entrées dans une archive."
    )
    archive_entree_max_mio: int = Field(
        default=Limites().taille_entree_max // MIO,
        ge=1,
        description="Taille décompressée maximale d'un fichier.",
    )
    archive_totale_max_mio: int = Field(
        default=Limites().taille_totale_max // MIO,
        ge=1,
        description="Taille décompressée maximale d'une archive.",
    )
    archive_taux_max: int = Field(
        default=Limites().taux_max, ge=1, description="Taux de compression maximal (bombe de décompression)."
    )
    session_inactivite_minutes: int = Field(
        default=30, ge=1, description="Une session sans requête pendant ce temps est fermée."
    )
    session_duree_max_heures: int = Field(
        default=10, ge=1, description="Durée de vie maximale d'une session, même active."
    )
    sessions_par_compte: int = Field(
        default=3,
        ge=1,
        description="Sessions ouvertes à la fois par compte ; au-delà, une connexion ferme la plus ancienne.",
    )
    echecs_avant_verrouillage: int = Field(
        default=5, ge=1, description="Échecs de connexion successifs avant verrouillage du compte."
    )
    verrouillage_minutes: int = Field(default=15, ge=1, description="Durée du verrouillage temporaire.")
    connexions_par_minute: int = Field(
        default=20, ge=1, description="Tentatives de connexion permises par adresse et par minute."
    )
    cookie_securise: bool = Field(
        default=False,
        description="Cookie de session réservé à HTTPS (à activer derrière TLS ; par défaut en production).",
    )
    proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Mandataires inverses (adresses IP ou réseaux CIDR, séparés par des virgules) dont "
        "l'en-tête X-Forwarded-For est cru ; vide : aucun, l'adresse vue est celle du pair direct.",
    )
    argon2_leger: bool = Field(
        default=False,
        description="Paramètres Argon2 allégés pour les tests ; refusé en production.",
    )
    travailleurs: int = Field(
        default=1, ge=0, description="Travailleurs intégrés à « cellule serveur » (0 : aucun)."
    )
    travail_delai_abandon_secondes: int = Field(
        default=120,
        ge=5,
        description="Un travail en cours sans signe de vie depuis ce délai est repris par un autre.",
    )
    travailleur_memoire_mio: int = Field(
        default=3072,
        ge=1024,
        description="Mémoire virtuelle maximale de l'enfant (RLIMIT_AS), réserves de polars comprises.",
    )
    travailleur_cpu_secondes: int = Field(
        default=300, ge=1, description="Temps de calcul maximal de l'enfant (RLIMIT_CPU)."
    )
    travailleur_duree_secondes: float = Field(
        default=600, gt=0, description="Durée réelle maximale d'un travail ; au-delà l'enfant est tué."
    )
    travailleur_fichiers: int = Field(
        default=64, ge=16, description="Descripteurs ouverts au plus par l'enfant (RLIMIT_NOFILE)."
    )
    travailleur_protections_obligatoires: list[
        Literal[
            "mort_avec_parent",
            "memoire_protegee",
            "limites",
            "sans_nouveaux_privileges",
            "espaces_de_noms",
            "landlock",
            "seccomp",
        ]
    ] = Field(
        default=[
            "mort_avec_parent",
            "memoire_protegee",
            "limites",
            "sans_nouveaux_privileges",
            "espaces_de_noms",
            "landlock",
            "seccomp",
        ],
        description="Protections sans lesquelles un travail est refusé (liste JSON, docs/travailleur.md).",
    )
    marque_etat: bool = Field(
        default=True,
        description="Pages à la marque de l'État (Marianne, bloc-marque « République française ») : "
        "réservé aux services de l'État (DSDEN, rectorat, préfecture). Faux : thème neutre, polices du "
        "système.",
    )
    operateur: str = Field(
        default="",
        max_length=120,
        description="Nom de l'opérateur du service, affiché en en-tête et dans les mentions légales "
        "(par exemple « DSDEN du Nord »).",
    )
    proconnect_url: str = Field(
        default="",
        description="Émetteur ProConnect (https://<domaine>/api/v2), dont la découverte est à "
        "<url>/.well-known/openid-configuration ; vide : pas de connexion ProConnect.",
    )
    proconnect_client_id: str = Field(default="", description="Identifiant du service chez ProConnect.")
    proconnect_client_secret: SecretStr | None = Field(
        default=None, description="Secret du service chez ProConnect (jamais journalisé)."
    )
    proconnect_acr: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(ACR_PAR_DEFAUT),
        description="Niveaux d'authentification ProConnect acceptés (acr), séparés par des espaces.",
    )
    url_publique: str = Field(
        default="",
        description="Adresse publique du service (https://cellule.exemple.fr), d'où se déduisent les "
        "adresses de retour déclarées à ProConnect.",
    )
    audit_retention_mois: int = Field(
        default=RETENTION_PAR_DEFAUT_MOIS,
        ge=RETENTION_MIN_MOIS,
        le=RETENTION_MAX_MOIS,
        description="Conservation du journal d'audit, en mois (6 à 36, CNIL).",
    )
    audit_points_intervalle: int = Field(
        default=INTERVALLE_POINTS,
        ge=1,
        description="Un point de contrôle signé du journal d'audit toutes les N entrées.",
    )
    audit_cle: Path | None = Field(
        default=None,
        description="Clé Ed25519 (0600) des points de contrôle (défaut : <donnees>/cles/audit-ed25519.pem).",
    )

    def chemin_trousseau(self) -> Path:
        """Le dossier du trousseau de clés."""
        return self.trousseau if self.trousseau is not None else self.donnees / "cles"

    def chemin_cle_maitresse(self) -> Path:
        """Le fichier de la clé maîtresse (lu seulement si ``CELLULE_CLE_MAITRESSE`` n'est pas défini)."""
        return (
            self.cle_maitresse_fichier
            if self.cle_maitresse_fichier is not None
            else self.donnees / "cle_maitresse"
        )

    def chemin_cle_audit(self) -> Path:
        """Le fichier de la clé qui signe les points de contrôle du journal d'audit."""
        return self.audit_cle if self.audit_cle is not None else self.donnees / "cles" / NOM_CLE

    def limites_archive(self) -> Limites:
        """Les limites appliquées à l'ouverture de chaque archive."""
        return Limites(
            taille_archive_max=self.archive_taille_max_mio * MIO,
            entrees_max=self.archive_entrees_max,
            taille_entree_max=self.archive_entree_max_mio * MIO,
            taille_totale_max=self.archive_totale_max_mio * MIO,
            taux_max=self.archive_taux_max,
        )

    @field_validator("proxies", mode="before")
    @classmethod
    def _proxies_separes(cls, valeur: object) -> object:
        if isinstance(valeur, str):
            return [morceau.strip() for morceau in valeur.split(",") if morceau.strip()]
        return valeur

    @field_validator("proxies")
    @classmethod
    def _proxies_valides(cls, valeur: list[str]) -> list[str]:
        reseaux = []
        for texte in valeur:
            try:
                reseaux.append(str(ipaddress.ip_network(texte, strict=False)))
            except ValueError:
                raise ValueError(
                    f"CELLULE_PROXIES : « {texte} » n'est ni une adresse IP ni un réseau ; donnez par "
                    "exemple 10.0.0.5 ou 10.0.0.0/24, séparés par des virgules."
                ) from None
        return reseaux

    @field_validator("proconnect_acr", mode="before")
    @classmethod
    def _acr_separes(cls, valeur: object) -> object:
        if isinstance(valeur, str):
            return valeur.split()
        return valeur

    def proconnect_configure(self) -> bool:
        """Vrai quand les réglages de ProConnect sont donnés : le bouton s'affiche."""
        return bool(self.proconnect_url)

    def _verifier_proconnect(self) -> None:
        donnes = {
            "CELLULE_PROCONNECT_URL": bool(self.proconnect_url),
            "CELLULE_PROCONNECT_CLIENT_ID": bool(self.proconnect_client_id),
            "CELLULE_PROCONNECT_CLIENT_SECRET": bool(
                self.proconnect_client_secret and self.proconnect_client_secret.get_secret_value()
            ),
            "CELLULE_URL_PUBLIQUE": bool(self.url_publique),
        }
        if not donnes["CELLULE_PROCONNECT_URL"]:
            return
        manquants = [nom for nom, donne in donnes.items() if not donne]
        if manquants:
            raise ValueError(
                f"ProConnect est à moitié réglé : donnez aussi {', '.join(manquants)}, ou retirez "
                "CELLULE_PROCONNECT_URL pour s'en passer."
            )
        for nom, url in (
            ("CELLULE_PROCONNECT_URL", self.proconnect_url),
            ("CELLULE_URL_PUBLIQUE", self.url_publique),
        ):
            if not adresse_permise(url):
                raise ValueError(
                    f"{nom} doit commencer par https:// (http:// n'est permis que sur 127.0.0.1 ou "
                    "localhost, pour les tests)."
                )
        if not self.proconnect_acr:
            raise ValueError(
                "CELLULE_PROCONNECT_ACR est vide : donnez les niveaux acceptés, séparés par des "
                "espaces (par exemple eidas1), ou retirez la variable pour garder ceux par défaut."
            )

    @model_validator(mode="after")
    def _base_par_defaut(self) -> ReglagesService:
        if not self.base:
            self.base = f"sqlite:///{(self.donnees / 'cellule.sqlite').resolve()}"
        if self.environnement == "production" and "cookie_securise" not in self.model_fields_set:
            # En production, le service est derrière TLS : un cookie de session en clair serait une faute.
            self.cookie_securise = True
        if self.argon2_leger and self.environnement == "production":
            raise ValueError("CELLULE_ARGON2_LEGER est réservé aux tests : retirez-le en production.")
        self._verifier_proconnect()
        return self


@lru_cache(maxsize=1)
def parametres() -> ReglagesService:
    """Les réglages du processus, lus une fois."""
    return ReglagesService()
