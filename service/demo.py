"""La démonstration : de quoi essayer le service en quelques minutes, avec des données fictives.

Dans ``CELLULE_DONNEES`` : base SQLite, clés, deux communes fictives d'un même département, leurs
conventions, un compte par rôle (deux agents, un par commune), et pour chaque commune une liste CAF
(archive 7z chiffrée AES-256), ses effectifs scolaires et sa liste d'instruction déclarée (archives
chiffrées), générés par ``fictif.generer`` puis ``fictif.situations.mettre_en_scene`` : chaque commune
a ses enfants à vérifier (jumeaux, homonyme, fautes de frappe, date décalée), ses enfants non
retrouvés, en instruction déclarée et hors d'âge. ``demo/comptes.json`` et ``demo/sources.json``
disent comment s'en servir. Relancée, la démonstration réutilise ce qui existe.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlmodel import select

from chiffrement import fabriquer_archive
from fictif import Taux, generer
from fictif.fichiers import (
    CHAMPS_CAF,
    CHAMPS_DECLARATIONS,
    CHAMPS_ONDE,
    csv_caf,
    csv_declarations,
    csv_onde,
)
from fictif.situations import mettre_en_scene
from service.acteur import Acteur
from service.base.connexion import maintenant, session_base
from service.cles import preparer_cles
from service.comptes.roles import Role
from service.comptes.sessions import acteur_de
from service.comptes.utilisateurs import (
    ROLES_D_INSTALLATION,
    approuver_utilisateur,
    creer_compte_d_installation,
    creer_utilisateur,
)
from service.modeles import Utilisateur
from service.parametres import ReglagesService
from service.referentiel import ajouter_commune, enregistrer_convention

DEPARTEMENT = "59"
ENFANTS_PAR_COMMUNE = 160
# Deux fois plus d'absents et trois fois plus d'instruction déclarée qu'en moyenne : sur 160 enfants,
# chaque commune en montre quelques-uns. Deux enfants (et leur entourage) par situation douteuse.
TAUX_DEMO = Taux(absents=0.03, instruction_declaree=0.03)
SITUATIONS_PAR_COMMUNE = 2
DEMO = Acteur(id=None, identifiant="demo", role=Role.ADMINISTRATEUR)


class DemoIncomplete(RuntimeError):
    """Le dossier de démonstration a été entamé à la main ; le message dit quoi faire."""


@dataclass(frozen=True)
class CommuneDemo:
    insee: str
    nom: str
    graine: int


# Codes INSEE inutilisés dans le Nord : ces communes n'existent pas.
COMMUNES = (CommuneDemo("59991", "Val-Fictif-sur-Lys", 11), CommuneDemo("59992", "Marais-Imaginaire", 22))


def _convention(identifiant: str, source: str, communes: list[str], profil: str, champs: list[str]) -> str:
    annee = maintenant().date().year
    return "\n".join(
        [
            "# Convention FICTIVE de démonstration.",
            f'identifiant = "{identifiant}"',
            f'titre = "Démonstration : transmission {source.upper()} (obligation d\'instruction)"',
            f'partenaire = "{"CAF du Nord (fictive)" if source == "caf" else "DSDEN du Nord (fictive)"}"',
            f'source = "{source}"',
            f"communes = {json.dumps(communes)}",
            f"date_signature = {annee - 1}-06-15",
            f"debut = {annee - 1}-09-01",
            f"fin = {annee + 1}-08-31",
            'signataires = ["Le maire (fictif)", "Le partenaire (fictif)"]',
            "finalite = \"Recenser les enfants soumis à l'obligation d'instruction (L131-6, R131-10-3)\"",
            "conservation = \"Jusqu'au 31 août de l'année scolaire des 16 ans ; effacé si déménagement\"",
            f"champs_autorises = {json.dumps(champs)}",
            f'profil = "{profil}"',
            "",
        ]
    )


# Les agents et les référents agissent pour une organisation (la mairie, la DSDEN) : son SIRET est
# écrit dans comptes.json, à côté du courriel (réservé aux essais : domaine en .test).
ORGANISATIONS_AVEC_SIRET = (Role.AGENT_COMMUNE, Role.REFERENT_DSDEN)


def cle_de_luhn(chiffres: str) -> str:
    """Le chiffre qui, ajouté à ``chiffres``, rend le tout valide pour la formule de Luhn."""
    somme = 0
    for rang, chiffre in enumerate(reversed(chiffres)):
        valeur = int(chiffre) * (2 if rang % 2 == 0 else 1)
        somme += valeur - 9 if valeur > 9 else valeur
    return str(-somme % 10)


def siret_de_demo(organisation: str) -> str:
    """Un SIRET fictif mais bien formé (SIREN et SIRET vérifiés par la formule de Luhn).

    Une mairie (``organisation`` = son code INSEE, inventé : 599xx) : 21, comme les SIREN des
    communes, puis ce code ; une DSDEN (« D59 ») : 99 puis le département. Numéros inventés, à ne
    jamais envoyer à un vrai service.
    """
    debut = f"21{organisation}" if organisation.isdigit() else f"99{organisation[1:]:0>5}"
    siren = debut + "9" + cle_de_luhn(debut + "9")
    etablissement = siren + "0001"
    return etablissement + cle_de_luhn(etablissement)


def _mot_de_passe() -> str:
    # 4 sortes de caractères, bien plus de 80 bits d'entropie (recommandation CNIL).
    return f"Demo-{secrets.token_urlsafe(15)}-7z!"


def _sources(dossier: Path, commune: CommuneDemo, jour: date) -> list[dict[str, str]]:
    jeu = mettre_en_scene(
        generer(ENFANTS_PAR_COMMUNE, graine=commune.graine, date_reference=jour, taux=TAUX_DEMO),
        date_reference=jour,
        graine=commune.graine,
        par_situation=SITUATIONS_PAR_COMMUNE,
    )
    fichiers = [
        ("caf", f"caf-{commune.insee}.7z", "liste_caf.csv", csv_caf(jeu.familles), "caf-demo"),
        (
            "onde",
            f"effectifs-{commune.insee}.7z",
            "extraction_onde.csv",
            csv_onde(jeu.inscrits),
            f"onde-demo-{commune.insee}",
        ),
    ]
    if jeu.inscrits.filter(pl.col("mode") != "ecole").height:
        fichiers.append(
            (
                "ief",
                f"instruction-declaree-{commune.insee}.7z",
                "instruction_declaree.csv",
                csv_declarations(jeu.inscrits),
                "ief-demo",
            )
        )
    decrites = []
    for _genre, archive, interne, octets, convention in fichiers:
        mot_de_passe = _mot_de_passe()
        (dossier / archive).write_bytes(fabriquer_archive({interne: octets}, mot_de_passe))
        decrites.append(
            {
                "commune": commune.insee,
                "fichier": archive,
                "mot_de_passe": mot_de_passe,
                "convention": convention,
            }
        )
    return decrites


def _comptes(bdd: sa.Engine, chemin: Path) -> None:
    """Crée un compte par rôle et écrit ``comptes.json`` avant de valider les comptes.

    Comme une vraie installation : l'administrateur et le DPO par la voie d'installation (approuvés
    d'office, tracé), puis chaque autre compte créé par l'administrateur et approuvé par le DPO.
    Une panne entre les deux laisse des comptes sans mot de passe connu : en écrivant d'abord le
    fichier, une démonstration interrompue se refait simplement à la relance.
    """
    definitions: list[tuple[str, Role, list[str], str | None]] = [
        ("admin.demo", Role.ADMINISTRATEUR, [], None),
        *((f"agent.{c.insee}", Role.AGENT_COMMUNE, [c.insee], None) for c in COMMUNES),
        ("referent.demo", Role.REFERENT_DSDEN, [], DEPARTEMENT),
        ("dpo.demo", Role.DPO, [], None),
        ("pilote.demo", Role.PILOTE, [], None),
    ]
    comptes = []
    with session_base(bdd) as session:
        approbateurs: dict[Role, Acteur] = {}
        # Les comptes d'installation d'abord : ce sont eux qui créent et approuvent les autres.
        for identifiant, role, communes, departement in sorted(
            definitions, key=lambda d: d[1] not in ROLES_D_INSTALLATION
        ):
            mot_de_passe = f"Demo-{secrets.token_urlsafe(12)}"
            nom_affiche = f"Compte de démonstration ({role.value})"
            # Le compte porte en base le courriel et le SIRET de comptes.json : un fournisseur ProConnect
            # de test qui les prouve ouvre ce compte.
            courriel = f"{identifiant}@cellule-demo.test"
            siret = (
                siret_de_demo(communes[0] if communes else f"D{departement}")
                if role in ORGANISATIONS_AVEC_SIRET
                else None
            )
            if role in ROLES_D_INSTALLATION:
                nouveau = creer_compte_d_installation(
                    session,
                    identifiant=identifiant,
                    role=role,
                    mot_de_passe=mot_de_passe,
                    par=DEMO,
                    nom_affiche=nom_affiche,
                    courriel=courriel,
                    siret=siret,
                )
                session.flush()
                approbateurs[role] = acteur_de(session, nouveau.utilisateur)
            else:
                creer_utilisateur(
                    session,
                    identifiant=identifiant,
                    role=role,
                    mot_de_passe=mot_de_passe,
                    par=approbateurs[Role.ADMINISTRATEUR],
                    communes=communes,
                    departement=departement,
                    nom_affiche=nom_affiche,
                    courriel=courriel,
                    siret=siret,
                )
                # Le secret TOTP est remis à l'approbateur, pas au demandeur.
                nouveau = approuver_utilisateur(session, identifiant, par=approbateurs[Role.DPO])
            # Comptes de démonstration, à mots de passe jetables : pas de changement imposé.
            nouveau.utilisateur.mot_de_passe_a_changer = False
            compte = {
                "identifiant": identifiant,
                "mot_de_passe": mot_de_passe,
                "totp_secret": nouveau.totp_secret,
                "role": role.value,
                "communes": communes,
                "courriel": courriel,
            }
            if siret is not None:
                compte["siret"] = siret
            comptes.append(compte)
        _ecrire_json(chemin, comptes)


def preparer_demo(bdd: sa.Engine, reglages: ReglagesService) -> Path:
    """Prépare (ou retrouve) la démonstration ; rend le dossier ``demo/``."""
    dossier = reglages.donnees / "demo"
    dossier.mkdir(parents=True, exist_ok=True)
    preparer_cles(reglages)
    with session_base(bdd) as session:
        deja = session.exec(select(Utilisateur).where(Utilisateur.identifiant == "admin.demo")).first()
    if deja is not None:
        if (dossier / "comptes.json").exists() and (dossier / "sources.json").exists():
            return dossier
        raise DemoIncomplete(
            f"La démonstration de {reglages.donnees} est incomplète (demo/comptes.json ou demo/sources.json "
            "manque) : supprimez ce dossier pour repartir de zéro, ou choisissez un autre CELLULE_DONNEES."
        )
    with session_base(bdd) as session:
        for commune in COMMUNES:
            ajouter_commune(session, insee=commune.insee, nom=commune.nom, departement=DEPARTEMENT, par=DEMO)
        codes = [c.insee for c in COMMUNES]
        enregistrer_convention(
            session,
            _convention("caf-demo", "caf", codes, "caf", CHAMPS_CAF),
            par=DEMO,
        )
        enregistrer_convention(
            session,
            _convention("ief-demo", "ief", codes, "declarations", CHAMPS_DECLARATIONS),
            par=DEMO,
        )
        for commune in COMMUNES:
            enregistrer_convention(
                session,
                _convention(f"onde-demo-{commune.insee}", "onde", [commune.insee], "onde", CHAMPS_ONDE),
                par=DEMO,
            )
    jour = maintenant().date()
    sources = [s for commune in COMMUNES for s in _sources(dossier, commune, jour)]
    _ecrire_json(dossier / "sources.json", sources)
    _comptes(bdd, dossier / "comptes.json")
    return dossier


def _ecrire_json(chemin: Path, contenu: object) -> None:
    provisoire = chemin.with_suffix(".tmp")
    provisoire.write_text(json.dumps(contenu, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    provisoire.chmod(0o600)
    provisoire.replace(chemin)
