"""Avant le lancement, la campagne dit ce qui manque ou étonne ; une date de référence future est refusée."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from chiffrement import fabriquer_archive
from service.acteur import SYSTEME
from service.base.connexion import jour_local, maintenant, session_base
from service.modeles import Campagne, Source
from service.referentiel import enregistrer_convention
from tests.service.fabriques import (
    DATE_REFERENCE,
    A,
    Archive,
    Monde,
    archives,
    convention_toml,
    entrees_audit,
    jeu,
)


def _creer(monde: Monde, agent: dict[str, str], date_reference: str) -> Any:
    return monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": date_reference, "libelle": "Rentrée"},
    )


def _deposer(monde: Monde, agent: dict[str, str], campagne: str, archive: Archive) -> None:
    reponse = monde.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers=agent,
        files={"archive": ("liste.7z", archive.octets)},
        data={"convention": archive.convention, "mot_de_passe": archive.mot_de_passe},
    )
    assert reponse.status_code == 201, reponse.text


# Le dépôt examine l'archive : une liste au format pivot, lisible sous toutes les conventions d'essai.
LISTE_PIVOT = b"id;nom;prenoms;date_naissance;sexe\n1;FICTIF;LOU;2016-03-02;F\n"


def _liste(convention: str, contenu: bytes = LISTE_PIVOT) -> Archive:
    return Archive(
        fabriquer_archive({"liste.csv": contenu}, "Mot-de-passe-liste-1"), "Mot-de-passe-liste-1", convention
    )


def _conventions(monde: Monde, *sources: str) -> None:
    with session_base(monde.bdd) as session:
        for source in sources:
            profil = "pivot-familles" if source == "msa" else "pivot-inscrits"
            enregistrer_convention(
                session, convention_toml(f"{source}-test", source, profil, [A]), par=SYSTEME
            )


def _campagne_caf_onde(monde: Monde, agent: dict[str, str]) -> str:
    campagne: str = _creer(monde, agent, DATE_REFERENCE.isoformat()).json()["id"]
    donnees = jeu()
    for archive in archives(donnees.familles, donnees.inscrits):
        _deposer(monde, agent, campagne, archive)
    return campagne


def _verification(monde: Monde, agent: dict[str, str], campagne: str) -> dict[str, Any]:
    reponse = monde.client.get(f"/api/v1/campagnes/{campagne}/verification", headers=agent)
    assert reponse.status_code == 200, reponse.text
    corps: dict[str, Any] = reponse.json()
    return corps


def _gravites(verification: dict[str, Any]) -> dict[str, str]:
    return {a["code"]: a["gravite"] for a in verification["avertissements"]}


def _lancer(monde: Monde, agent: dict[str, str], campagne: str, **corps: Any) -> Any:
    return monde.client.post(f"/api/v1/campagnes/{campagne}/lancer", headers=agent, json=corps or None)


def _etat(monde: Monde, campagne: str) -> str:
    with session_base(monde.bdd) as session:
        trouvee = session.get(Campagne, campagne)
        assert trouvee is not None
        return trouvee.etat


def test_une_date_de_reference_future_est_refusee_a_la_creation(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    demain = jour_local() + timedelta(days=1)
    refus = _creer(monde, agent, demain.isoformat())
    assert refus.status_code == 422
    assert "dans le futur" in refus.json()["detail"]
    with session_base(monde.bdd) as session:
        assert session.exec(select(Campagne)).all() == []
    assert _creer(monde, agent, jour_local().isoformat()).status_code == 201


def test_une_campagne_ancienne_datee_dans_le_futur_ne_se_lance_pas(monde: Monde) -> None:
    # Une campagne écrite avant la règle (ou par un autre chemin) garde sa date : le lancement la refuse.
    agent = monde.entetes("agent.a")
    campagne = _campagne_caf_onde(monde, agent)
    with session_base(monde.bdd) as session:
        ligne = session.get(Campagne, campagne)
        assert ligne is not None
        ligne.date_reference = jour_local() + timedelta(days=30)
        session.add(ligne)
    verification = _verification(monde, agent, campagne)
    assert _gravites(verification)["date_reference_future"] == "bloquant"
    assert verification["lancement_possible"] is False
    refus = _lancer(monde, agent, campagne, confirmer_avertissements=True)
    assert refus.status_code == 422
    assert "dans le futur" in refus.json()["detail"]
    assert _etat(monde, campagne) == "brouillon"


def test_sans_liste_des_familles_ni_d_inscrits_la_confirmation_ne_suffit_pas(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    campagne = _creer(monde, agent, DATE_REFERENCE.isoformat()).json()["id"]
    gravites = _gravites(_verification(monde, agent, campagne))
    assert gravites["familles_absentes"] == "bloquant"
    assert gravites["inscrits_absents"] == "bloquant"
    refus = _lancer(monde, agent, campagne, confirmer_avertissements=True)
    assert refus.status_code == 422
    assert "liste CAF ou MSA" in refus.json()["detail"]
    assert _etat(monde, campagne) == "brouillon"


def test_sans_liste_d_instruction_declaree_le_lancement_demande_une_confirmation(monde: Monde) -> None:
    # Les enfants en IEF de la démonstration devenaient des cas quand cette liste était oubliée.
    agent = monde.entetes("agent.a")
    campagne = _campagne_caf_onde(monde, agent)
    verification = _verification(monde, agent, campagne)
    assert _gravites(verification)["instruction_declaree_absente"] == "a_confirmer"
    assert verification["lancement_possible"] is True
    assert verification["confirmation_requise"] is True

    refus = _lancer(monde, agent, campagne)
    assert refus.status_code == 422
    assert "instruction déclarée" in refus.json()["detail"]
    assert "confirmer_avertissements" in refus.json()["detail"]
    assert _lancer(monde, agent, campagne, confirmer_avertissements=False).status_code == 422
    assert _etat(monde, campagne) == "brouillon"

    lancement = _lancer(monde, agent, campagne, confirmer_avertissements=True)
    assert lancement.status_code == 202, lancement.text
    assert lancement.json()["etat"] == "en_attente"


def test_avec_la_liste_d_instruction_declaree_rien_n_est_a_confirmer(monde: Monde) -> None:
    _conventions(monde, "ief")
    agent = monde.entetes("agent.a")
    campagne = _campagne_caf_onde(monde, agent)
    _deposer(monde, agent, campagne, _liste("ief-test"))
    verification = _verification(monde, agent, campagne)
    assert "instruction_declaree_absente" not in _gravites(verification)
    assert verification["confirmation_requise"] is False
    lancement = _lancer(monde, agent, campagne)
    assert lancement.status_code == 202, lancement.text


def test_une_convention_msa_sans_liste_msa_est_a_confirmer(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    campagne = _campagne_caf_onde(monde, agent)
    assert "msa_absente" not in _gravites(_verification(monde, agent, campagne))

    _conventions(monde, "msa")
    verification = _verification(monde, agent, campagne)
    assert _gravites(verification)["msa_absente"] == "a_confirmer"
    assert "MSA" in next(a["message"] for a in verification["avertissements"] if a["code"] == "msa_absente")

    _deposer(monde, agent, campagne, _liste("msa-test"))
    assert "msa_absente" not in _gravites(_verification(monde, agent, campagne))


def test_une_liste_d_inscrits_recue_longtemps_avant_la_date_de_reference_est_a_confirmer(
    monde: Monde,
) -> None:
    agent = monde.entetes("agent.a")
    onde = _liste("onde-test", b"id;nom;prenoms;date_naissance;sexe\n7;ANCIEN-FICTIF;NOE;2015-05-06;M\n")
    premiere: str = _creer(monde, agent, DATE_REFERENCE.isoformat()).json()["id"]
    _deposer(monde, agent, premiere, onde)
    # Sans réception antérieure, la date d'extraction ne se sait pas d'ici : on le dit, sans rien exiger.
    assert _gravites(_verification(monde, agent, premiere))["date_extraction_inconnue"] == "information"

    # La même archive avait été reçue quatre mois avant la date de référence d'une nouvelle campagne.
    with session_base(monde.bdd) as session:
        source = session.exec(select(Source).where(Source.campagne_id == premiere)).one()
        source.deposee_le = maintenant() - timedelta(days=200)
        session.add(source)
    nouvelle: str = _creer(monde, agent, (jour_local() - timedelta(days=80)).isoformat()).json()["id"]
    _deposer(monde, agent, nouvelle, onde)
    verification = _verification(monde, agent, nouvelle)
    assert _gravites(verification)["inscrits_anciens"] == "a_confirmer"
    assert "date_extraction_inconnue" not in _gravites(verification)
    message = next(a["message"] for a in verification["avertissements"] if a["code"] == "inscrits_anciens")
    assert "120 jours avant la date de référence" in message


def test_les_avertissements_confirmes_sont_ecrits_au_journal(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    campagne = _campagne_caf_onde(monde, agent)
    assert _lancer(monde, agent, campagne, confirmer_avertissements=True).status_code == 202
    (mise_en_file,) = [e for e in entrees_audit(monde.bdd, "travail_debut") if e.cible_id == campagne]
    assert json.loads(mise_en_file.details)["avertissements_confirmes"] == ["instruction_declaree_absente"]
