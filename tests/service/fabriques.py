"""Fabriques de données de test : communes, conventions, comptes (TOTP calculé avec pyotp), cas, sources.

Toutes les identités sont fictives.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pyotp
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from audit.tables import journal
from chiffrement import fabriquer_archive
from conventions import profil_integre
from fictif import JeuSynthetique, generer
from fictif.fichiers import CHAMPS_CAF, CHAMPS_ONDE
from service.acteur import SYSTEME, Acteur
from service.api.application import creer_application
from service.base.connexion import creer_bdd, session_base
from service.cles import cle_appariement, preparer_cles, trousseau
from service.comptes.roles import Role
from service.comptes.sessions import acteur_de
from service.comptes.utilisateurs import (
    ROLES_D_INSTALLATION,
    approuver_utilisateur,
    creer_compte_d_installation,
    creer_utilisateur,
)
from service.modeles import Campagne, Cas, EvenementCas, Utilisateur
from service.parametres import ReglagesService
from service.referentiel import ajouter_commune, enregistrer_convention
from service.registre.coffre import Coffre
from service.registre.registre import Signalement, enregistrer_signalements

A, B, C = "59001", "59002", "62001"
MOT_DE_PASSE = "Une phrase assez longue 42"
DATE_REFERENCE = date(2026, 10, 1)


COMPTES: dict[str, tuple[Role, list[str], str | None]] = {
    "agent.a": (Role.AGENT_COMMUNE, [A], None),
    "agent.b": (Role.AGENT_COMMUNE, [B], None),
    "referent.59": (Role.REFERENT_DSDEN, [], "59"),
    "referent.62": (Role.REFERENT_DSDEN, [], "62"),
    "dpo.test": (Role.DPO, [], None),
    "admin.test": (Role.ADMINISTRATEUR, [], None),
    "pilote.test": (Role.PILOTE, [], None),
}


def convention_toml(identifiant: str, source: str, profil: str, communes: list[str]) -> str:
    # Le profil sait s'il lit une liste des familles ou des inscrits.
    champs = CHAMPS_CAF if profil_integre(profil).table == "familles" else CHAMPS_ONDE
    return f"""
identifiant = "{identifiant}"
titre = "Convention de test"
partenaire = "Partenaire fictif"
source = "{source}"
communes = {communes!r}
date_signature = 2025-06-15
debut = 2025-09-01
fin = 2030-08-31
signataires = ["Le maire (fictif)"]
finalite = "Tests"
conservation = "Tests"
champs_autorises = {champs!r}
profil = "{profil}"
""".replace("'", '"')


def code_totp(secret: str, decalage: int = 0) -> str:
    """Le code TOTP d'un secret, éventuellement pour le pas de temps suivant (``decalage`` = 1)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * decalage)


def pivot(table: pl.DataFrame) -> bytes:
    tampon = io.StringIO()
    table.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d")).write_csv(tampon, separator=";")
    return tampon.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Archive:
    octets: bytes
    mot_de_passe: str
    convention: str


def archives(familles: pl.DataFrame, inscrits: pl.DataFrame) -> tuple[Archive, Archive]:
    """Une liste CAF et des effectifs, en format pivot, dans des 7z chiffrés AES."""
    return (
        Archive(
            fabriquer_archive({"caf.csv": pivot(familles)}, "Mot-de-passe-CAF-1"),
            "Mot-de-passe-CAF-1",
            "caf-test",
        ),
        Archive(
            fabriquer_archive({"onde.csv": pivot(inscrits)}, "Mot-de-passe-ONDE-1"),
            "Mot-de-passe-ONDE-1",
            "onde-test",
        ),
    )


def jeu(nb: int = 40, graine: int = 5) -> JeuSynthetique:
    return generer(nb, graine=graine, date_reference=DATE_REFERENCE)


def identite(nom: str, prenoms: str, naissance: date | None, **autres: Any) -> dict[str, Any]:
    base = {
        "nom": nom,
        "prenoms": prenoms,
        "date_naissance": naissance.isoformat() if naissance else None,
        "sexe": "F",
        "nom_allocataire": nom,
        "prenom_allocataire": "CLAUDE",
        "adresse": "1 rue Imaginaire",
        "code_postal": "59000",
        "commune": "Commune fictive",
    }
    return {**base, **autres}


@dataclass
class Monde:
    reglages: ReglagesService
    bdd: sa.Engine
    client: TestClient
    secrets: dict[str, str]
    jetons: dict[str, str] = field(default_factory=dict)

    def fermer(self) -> None:
        self.client.close()
        self.bdd.dispose()

    def connecter(self, identifiant: str) -> dict[str, Any]:
        """La réponse de connexion (jeton, csrf…), une fois par compte et par test."""
        reponse = self.client.post(
            "/api/v1/session",
            json={
                "identifiant": identifiant,
                "mot_de_passe": MOT_DE_PASSE,
                "code_totp": code_totp(self.secrets[identifiant]),
            },
        )
        assert reponse.status_code == 200, reponse.text
        corps: dict[str, Any] = reponse.json()
        self.jetons[identifiant] = corps["jeton"]
        # Le client ne garde pas de cookie : chaque appel choisit explicitement son mode.
        self.client.cookies.clear()
        return corps

    def entetes(self, identifiant: str) -> dict[str, str]:
        if identifiant not in self.jetons:
            self.connecter(identifiant)
        return {"Authorization": f"Bearer {self.jetons[identifiant]}"}

    def acteur(self, identifiant: str) -> Acteur:
        with session_base(self.bdd) as session:
            utilisateur = session.exec(
                select(Utilisateur).where(Utilisateur.identifiant == identifiant)
            ).one()
            return acteur_de(session, utilisateur)

    def approuver(self, identifiant: str, par: str = "dpo.test") -> None:
        """Approuve un compte créé par l'API (par défaut par le DPO) et garde le secret TOTP remis."""
        with session_base(self.bdd) as session:
            nouveau = approuver_utilisateur(session, identifiant, par=self.acteur(par))
        self.secrets[identifiant] = nouveau.totp_secret

    def coffre(self) -> Coffre:
        return Coffre(trousseau(self.reglages))

    def campagne(self, commune: str) -> Campagne:
        with session_base(self.bdd) as session:
            campagne = Campagne(commune=commune, date_reference=DATE_REFERENCE, libelle="semée")
            session.add(campagne)
        return campagne

    def semer_cas(
        self,
        commune: str,
        identites: list[dict[str, Any]],
        resultat: str = "non_apparie",
        candidats: list[dict[str, Any]] | None = None,
    ) -> list[str]:
        """Des cas créés comme par un passage (identité chiffrée), sans lancer le travailleur."""
        campagne = self.campagne(commune)
        with session_base(self.bdd) as session:
            enregistrer_signalements(
                session,
                campagne,
                # Chaque identité semée vient d'une liste à elle : deux identités qui s'accordent
                # sont un même enfant vu sur deux listes (CAF et MSA).
                [
                    Signalement(resultat, i, '{"score": 0.1}', 0.1, candidats or [], liste=f"semis/{n}")
                    for n, i in enumerate(identites)
                ],
                coffre=self.coffre(),
                cle_hmac=cle_appariement(self.reglages),
            )
        with session_base(self.bdd) as session:
            return list(session.exec(select(Cas.id).where(Cas.campagne_origine == campagne.id)))

    def antidater(self, cas_id: str, jour: date) -> None:
        """Fait comme si le cas avait été repéré le ``jour`` : ses instants et ceux de ses étapes reculent
        d'autant, dans le même ordre. Pour saisir ensuite des étapes datées d'avant aujourd'hui."""
        with session_base(self.bdd) as session:
            cas = session.get(Cas, cas_id)
            assert cas is not None
            recul = _en_utc(cas.cree_le) - datetime.combine(jour, datetime.min.time(), UTC)
            for champ in ("cree_le", "mis_a_jour_le", "transmis_le", "clos_le"):
                if (instant := getattr(cas, champ)) is not None:
                    setattr(cas, champ, _en_utc(instant) - recul)
            session.add(cas)
            for etape in session.exec(select(EvenementCas).where(EvenementCas.cas_id == cas_id)):
                etape.survenu_le = _en_utc(etape.survenu_le) - recul
                session.add(etape)


def _en_utc(instant: datetime) -> datetime:
    """SQLite rend les instants sans fuseau : ils sont en UTC."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def construire_monde(reglages: ReglagesService) -> Monde:
    preparer_cles(reglages)
    bdd = creer_bdd(reglages.base)
    application = creer_application(bdd)
    secrets: dict[str, str] = {}
    with session_base(bdd) as session:
        ajouter_commune(session, insee=A, nom="Ablainville-Fictive", departement="59", par=SYSTEME)
        ajouter_commune(session, insee=B, nom="Bourg-Imaginaire", departement="59", par=SYSTEME)
        ajouter_commune(session, insee=C, nom="Calonne-Inventee", departement="62", par=SYSTEME)
        enregistrer_convention(
            session, convention_toml("caf-test", "caf", "pivot-familles", [A, B, C]), par=SYSTEME
        )
        enregistrer_convention(
            session, convention_toml("onde-test", "onde", "pivot-inscrits", [A, B, C]), par=SYSTEME
        )
        # Comme une vraie installation : administrateur et DPO par la voie d'installation, puis
        # chaque autre compte créé par l'administrateur et approuvé par le DPO.
        for identifiant, (role, _, _) in COMPTES.items():
            if role in ROLES_D_INSTALLATION:
                secrets[identifiant] = creer_compte_d_installation(
                    session, identifiant=identifiant, role=role, mot_de_passe=MOT_DE_PASSE, par=SYSTEME
                ).totp_secret
        session.flush()
        admin, dpo = (
            acteur_de(session, session.exec(select(Utilisateur).where(Utilisateur.identifiant == i)).one())
            for i in ("admin.test", "dpo.test")
        )
        for identifiant, (role, communes, departement) in COMPTES.items():
            if role not in ROLES_D_INSTALLATION:
                creer_utilisateur(
                    session,
                    identifiant=identifiant,
                    role=role,
                    mot_de_passe=MOT_DE_PASSE,
                    par=admin,
                    communes=communes,
                    departement=departement,
                )
                secrets[identifiant] = approuver_utilisateur(session, identifiant, par=dpo).totp_secret
        # Chaque personne a déjà remplacé son mot de passe initial.
        for utilisateur in session.exec(select(Utilisateur)):
            utilisateur.mot_de_passe_a_changer = False
    return Monde(reglages, bdd, TestClient(application), secrets)


def entrees_audit(bdd: sa.Engine, action: str) -> list[sa.Row[Any]]:
    with bdd.connect() as connexion:
        return list(connexion.execute(sa.select(journal).where(journal.c.action == action)).all())
