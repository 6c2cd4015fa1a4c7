"""Un passage : exécuter le travail d'une campagne dans le travailleur confiné, puis tout écrire d'un coup.

Le registre n'est touché qu'à la fin, en une seule transaction : nouveaux cas, cas suivis retrouvés
sur un effectif (fermés), comptes de la campagne, effacement des archives et des mots de passe
scellés, fin du travail et son événement d'audit. Une panne avant ou pendant cette transaction
laisse le registre exactement comme avant.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
import structlog
from sqlmodel import Session, col, select

from appariement.apprentissage import Retour
from conventions import Table
from service import referentiel
from service.acteur import SYSTEME
from service.base.connexion import maintenant, session_base
from service.campagnes import etats
from service.campagnes.controle import CONTROLE_INUTILISABLE, retrouves, table_des_suivis
from service.campagnes.file import detenir, marquer_echec, signe_de_vie
from service.cles import cle_appariement, cle_privee_travailleur, trousseau
from service.journal_audit import Action, auditer
from service.modeles import Campagne, Cas, Source, Travail
from service.parametres import ReglagesService
from service.registre import procedure, revue
from service.registre.coffre import Coffre
from service.registre.registre import Signalement, cas_ouverts_de, clore_retrouves, enregistrer_signalements
from service.travailleur.parent import DemandeTravail, EchecTravail, SourceTravail, executer
from service.travailleur.protocole import Candidat, EnfantSignale, ReponseEnfant

journal = structlog.get_logger("service.passage")


@dataclass(frozen=True)
class _Preparation:
    campagne_id: str
    commune: str
    date_reference: date
    sources: list[SourceTravail]
    noms: dict[str, str]
    genres: dict[str, Table]
    suivis: dict[str, dict[str, Any]]
    # Les paires tranchées par les agents de la commune : le travailleur en tient compte.
    retours: list[Retour]


def _avancer(bdd: sa.Engine, campagne_id: str, etape: str, pourcentage: int) -> None:
    with session_base(bdd) as session:
        campagne = session.get(Campagne, campagne_id)
        assert campagne is not None
        campagne.etat = etats.apres("campagne", "avancer", campagne.etat)
        campagne.etape, campagne.pourcentage = etape, pourcentage
        session.add(campagne)


def _preparer(bdd: sa.Engine, travail_id: int, coffre: Coffre) -> _Preparation:
    with session_base(bdd) as session:
        travail = session.get(Travail, travail_id)
        assert travail is not None
        campagne = session.get(Campagne, travail.campagne_id)
        assert campagne is not None
        sources: list[SourceTravail] = []
        noms: dict[str, str] = {}
        genres: dict[str, Table] = {}
        for source in session.exec(
            select(Source).where(Source.campagne_id == campagne.id, col(Source.archive).is_not(None))
        ):
            convention = referentiel.convention(session, source.convention)
            assert convention is not None
            assert source.archive is not None
            sources.append(
                SourceTravail(
                    identifiant=source.id,
                    archive=source.archive,
                    mot_de_passe_scelle=source.mot_de_passe_scelle,
                    convention=convention.model_dump_json(),
                )
            )
            noms[source.id] = source.nom_fichier
            genres[source.id] = convention.profil.table
        suivis = {cas.id: coffre.identite(cas) for cas in cas_ouverts_de(session, campagne.commune)}
        return _Preparation(
            campagne.id,
            campagne.commune,
            campagne.date_reference,
            sources,
            noms,
            genres,
            suivis,
            revue.retours_de(session, campagne.commune),
        )


def _identite(enfant: EnfantSignale) -> dict[str, Any]:
    return enfant.identite.model_dump(mode="json")


def _candidat(candidat: Candidat) -> dict[str, Any]:
    return {
        "id": f"{candidat.source}-{candidat.fichier}-{candidat.id_ligne}",
        "score": candidat.score,
        **candidat.identite.model_dump(mode="json"),
    }


def _erreurs(reponse: ReponseEnfant, noms: dict[str, str]) -> list[str]:
    messages = []
    for source in reponse.sources:
        if source.refus:
            messages.append(f"{noms.get(source.identifiant, source.identifiant)} : {source.refus}")
    for erreur in reponse.erreurs:
        lieu = [noms.get(erreur.source, erreur.source)] if erreur.source else []
        if erreur.ligne is not None:
            lieu.append(f"ligne {erreur.ligne}")
        if erreur.champ:
            lieu.append(f"champ « {erreur.champ} »")
        messages.append((", ".join(lieu) + " : " if lieu else "") + erreur.motif)
    return messages


def _comptes(reponse: ReponseEnfant, genres: dict[str, Table]) -> dict[str, int]:
    """Les comptes de la campagne. Chaque enfant des listes CAF/MSA est dans une seule des catégories
    apparies, instruction_declaree, a_verifier, non_apparies, hors_obligation, lignes_illisibles :
    leur somme est ``enfants_listes`` (les lignes des listes, moins les doublons)."""
    familles = [s.comptes for s in reponse.sources if genres.get(s.identifiant) == "familles"]
    return {
        "lignes_lues": sum(s.comptes.lignes for s in reponse.sources),
        "lignes_rejetees": sum(s.comptes.rejetees for s in reponse.sources),
        "enfants_listes": sum(c.lignes - c.doublons for c in familles),
        "hors_obligation": sum(c.hors_obligation for c in familles),
        "apparies": sum(c.apparies for c in familles),
        "instruction_declaree": sum(c.instruction_declaree for c in familles),
        "a_verifier": sum(c.a_verifier for c in familles),
        "non_apparies": sum(c.non_apparies for c in familles),
        "lignes_illisibles": sum(c.illisibles for c in familles),
        "lignes_incompletes": sum(c.incompletes for c in familles),
        "doublons": sum(c.doublons for c in familles),
    }


def _lignes_illisibles(reponse: ReponseEnfant, noms: dict[str, str]) -> list[dict[str, Any]]:
    """Les lignes illisibles de chaque source, pour le rapport : aucune valeur lue, seulement où et quoi."""
    return [
        {
            "source": source.identifiant,
            "nom_fichier": noms.get(source.identifiant, source.identifiant),
            **ligne.model_dump(),
        }
        for source in reponse.sources
        for ligne in source.illisibles
    ]


def echouer(bdd: sa.Engine, travail_id: int, travailleur: str, erreurs: list[str]) -> None:
    with session_base(bdd) as session:
        travail = detenir(session, travail_id, travailleur)
        if travail is None:
            return
        marquer_echec(session, travail, erreurs, details={"erreurs": len(erreurs)})
    journal.info("passage en échec", campagne=travail.campagne_id, travail=travail_id)


def _ecrire_resultat(
    session: Session,
    travail: Travail,
    preparation: _Preparation,
    reponse: ReponseEnfant,
    retrouves: set[str],
    *,
    avertissements: list[str],
    coffre: Coffre,
    cle_hmac: bytes,
) -> dict[str, int]:
    campagne = session.get(Campagne, travail.campagne_id)
    assert campagne is not None
    signalements = [
        Signalement(
            resultat=e.statut,
            identite=_identite(e),
            explication=e.explication,
            score=e.score,
            candidats=[_candidat(c) for c in e.candidats],
            liste=f"{e.source}/{e.fichier}",
        )
        for e in reponse.signales
    ]
    bilan = enregistrer_signalements(session, campagne, signalements, coffre=coffre, cle_hmac=cle_hmac)
    a_clore = [
        cas
        for cas in session.exec(select(Cas).where(col(Cas.id).in_(sorted(retrouves))))
        if cas.statut in procedure.STATUTS_OUVERTS
    ]
    bilan["clos"] = clore_retrouves(session, campagne, a_clore)
    empreintes = []
    for source in session.exec(select(Source).where(Source.campagne_id == campagne.id)):
        compte = next((s for s in reponse.sources if s.identifiant == source.id), None)
        if compte is not None:
            source.comptes = compte.comptes.model_dump()
        source.archive, source.mot_de_passe_scelle, source.effacee_le = None, None, maintenant()
        empreintes.append({"source": source.id, "sha256": source.sha256, "taille": source.taille})
        session.add(source)
    comptes = _comptes(reponse, preparation.genres)
    campagne.comptes = {
        **comptes,
        "cas_crees": bilan["crees"],
        "cas_deja_suivis": bilan["deja_suivis"],
        "cas_rouverts": bilan["rouverts"],
        "cas_clos": bilan["clos"],
        "hors_conservation": bilan["hors_conservation"],
        "retours_de_revue": len(preparation.retours),
    }
    campagne.erreurs = [*_erreurs(reponse, preparation.noms), *avertissements]
    campagne.lignes_illisibles = _lignes_illisibles(reponse, preparation.noms)
    campagne.protections = sorted(nom for nom, active in reponse.protections.items() if active)
    campagne.etat = etats.apres("campagne", "terminer", campagne.etat)
    campagne.etape, campagne.pourcentage = "terminé", 100
    campagne.terminee_le = maintenant()
    travail.etat, travail.fini_le = etats.apres("travail", "terminer", travail.etat), maintenant()
    session.add_all([campagne, travail])
    auditer(
        session,
        SYSTEME,
        Action.TRAVAIL_FIN,
        cible=("campagne", campagne.id),
        details={
            "travail": travail.id,
            "comptes": campagne.comptes,
            "sources": empreintes,
            "protections": campagne.protections,
        },
    )
    return campagne.comptes


class _SignesDeVie:
    """Prolonge la réclamation du travail tant que l'enfant tourne."""

    def __init__(self, bdd: sa.Engine, travail_id: int, travailleur: str, periode: float) -> None:
        self._arret = threading.Event()
        self._fil = threading.Thread(
            target=self._boucle, args=(bdd, travail_id, travailleur, periode), daemon=True
        )

    def _boucle(self, bdd: sa.Engine, travail_id: int, travailleur: str, periode: float) -> None:
        while not self._arret.wait(periode):
            signe_de_vie(bdd, travail_id, travailleur)

    def __enter__(self) -> _SignesDeVie:
        self._fil.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._arret.set()
        self._fil.join()


def executer_travail(
    bdd: sa.Engine,
    travail_id: int,
    travailleur: str,
    reglages: ReglagesService,
) -> None:
    """Mène le travail réclamé jusqu'au bout : résultat écrit d'un seul coup, ou campagne en échec."""
    coffre = Coffre(trousseau(reglages))
    preparation = _preparer(bdd, travail_id, coffre)
    _avancer(bdd, preparation.campagne_id, "déchiffrement, lecture et appariement", 10)
    cle_privee = cle_privee_travailleur(reglages)
    periode = max(reglages.travail_delai_abandon_secondes / 4, 1.0)
    try:
        with _SignesDeVie(bdd, travail_id, travailleur, periode):
            reponse = executer(
                DemandeTravail(
                    commune=preparation.commune,
                    date_reference=preparation.date_reference,
                    sources=preparation.sources,
                    cle_privee=cle_privee,
                    suivis=table_des_suivis(preparation.suivis) if preparation.suivis else None,
                    retours=preparation.retours,
                )
            )
    except EchecTravail as erreur:
        echouer(bdd, travail_id, travailleur, [erreur.message])
        return
    if not reponse.appariement_effectue:
        echouer(bdd, travail_id, travailleur, _erreurs(reponse, preparation.noms))
        return
    trouves = retrouves(reponse, preparation.suivis, preparation.date_reference)
    avertissements = [] if trouves is not None else [CONTROLE_INUTILISABLE]
    _avancer(bdd, preparation.campagne_id, "écriture du registre", 90)
    with session_base(bdd) as session:
        travail = detenir(session, travail_id, travailleur)
        if travail is None:
            journal.warning(
                "travail repris par un autre travailleur : résultat abandonné", travail=travail_id
            )
            return
        comptes = _ecrire_resultat(
            session,
            travail,
            preparation,
            reponse,
            trouves or set(),
            avertissements=avertissements,
            coffre=coffre,
            cle_hmac=cle_appariement(reglages),
        )
    journal.info("passage terminé", campagne=preparation.campagne_id, travail=travail_id, **comptes)
