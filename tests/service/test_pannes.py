"""Pannes : rien de partiel quand la base échoue pendant l'écriture du registre ou qu'un travailleur meurt ;
deux travailleurs ne prennent jamais le même travail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from sqlmodel import func, select

from service.base.connexion import session_base
from service.campagnes.boucle import traiter_un
from service.campagnes.file import reclamer
from service.journalisation import configurer
from service.modeles import Campagne, Cas, EvenementCas, Source, Travail
from tests.service.fabriques import DATE_REFERENCE, A, Monde, archives, entrees_audit, jeu
from tests.service.test_parcours import _deposer

PANNE_SQLITE = (
    "CREATE TRIGGER panne_registre BEFORE INSERT ON cas WHEN (SELECT count(*) FROM cas) >= 1 "
    "BEGIN SELECT RAISE(ABORT, 'panne simulée du disque'); END"
)
PANNE_POSTGRES = (
    """CREATE FUNCTION panne_registre() RETURNS trigger AS $$ BEGIN
        IF (SELECT count(*) FROM cas) >= 1 THEN RAISE EXCEPTION 'panne simulée du disque'; END IF;
        RETURN NEW; END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER panne_registre BEFORE INSERT ON cas FOR EACH ROW EXECUTE FUNCTION panne_registre()",
)


def _campagne_prete(monde: Monde) -> tuple[str, dict[str, str]]:
    agent = monde.entetes("agent.a")
    donnees = jeu(40, graine=5)
    campagne = monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Panne"},
    ).json()["id"]
    for archive in archives(donnees.familles, donnees.inscrits):
        assert _deposer(monde, agent, campagne, archive).status_code == 201
    # Campagne d'essai sans liste d'instruction déclarée : l'avertissement est confirmé.
    lancement = monde.client.post(
        f"/api/v1/campagnes/{campagne}/lancer", headers=agent, json={"confirmer_avertissements": True}
    )
    assert lancement.status_code == 202, lancement.text
    return campagne, agent


def _compter(monde: Monde, modele: Any) -> int:
    with session_base(monde.bdd) as session:
        return int(session.exec(select(func.count()).select_from(modele)).one())


def test_une_erreur_de_base_pendant_l_ecriture_du_registre_ne_laisse_rien(
    monde: Monde, capsys: pytest.CaptureFixture[str]
) -> None:
    configurer("developpement")
    donnees = jeu(40, graine=5)
    campagne, agent = _campagne_prete(monde)
    with monde.bdd.begin() as connexion:
        instructions = (PANNE_SQLITE,) if monde.bdd.dialect.name == "sqlite" else PANNE_POSTGRES
        for instruction in instructions:
            connexion.exec_driver_sql(instruction)
    assert traiter_un(monde.bdd, monde.reglages, "travailleur-panne")
    etat = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()
    assert etat["etat"] == "echec"
    assert "rien n'a été écrit" in etat["erreurs"][0]
    assert _compter(monde, Cas) == 0
    assert _compter(monde, EvenementCas) == 0
    # Les archives restent, pour relancer une fois la base réparée.
    assert all(s["archive_conservee"] for s in etat["sources"])
    assert etat["comptes"] == {}
    assert [e.resultat for e in entrees_audit(monde.bdd, "travail_fin")] == ["echec"]
    # Le journal technique situe la panne sans rien dire des enfants qu'on écrivait.
    journaux = capsys.readouterr().err
    assert "passage interrompu" in journaux
    assert "Error" in journaux  # IntegrityError sur SQLite, InternalError sur PostgreSQL
    assert "passage.py" in journaux
    assert "panne simulée" not in journaux
    noms = set(donnees.familles["nom"].drop_nulls()) | set(donnees.familles["prenoms"].drop_nulls())
    assert [nom for nom in noms if nom in journaux] == []


def test_un_travailleur_tue_en_plein_passage_est_relaye_sans_rien_de_partiel(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    campagne, agent = _campagne_prete(monde)
    processus = subprocess.Popen(
        [sys.executable, "-m", "service", "travailleur", "--une-fois"],
        env={**os.environ},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        limite = time.monotonic() + 60
        while time.monotonic() < limite:
            with session_base(monde.bdd) as session:
                if session.exec(select(Travail)).one().etat == "en_cours":
                    break
            time.sleep(0.05)
        # Le travailleur et son enfant confiné, tués net pendant le passage.
        os.killpg(processus.pid, signal.SIGKILL)
    finally:
        processus.wait(timeout=30)
    with session_base(monde.bdd) as session:
        travail = session.exec(select(Travail)).one()
        assert (travail.etat, travail.tentatives) == ("en_cours", 1)
    assert _compter(monde, Cas) == 0
    # Un autre travailleur le reprend une fois le délai d'abandon passé (5 s en test).
    assert not traiter_un(monde.bdd, monde.reglages, "releve")
    time.sleep(5.5)
    assert traiter_un(monde.bdd, monde.reglages, "releve")
    etat = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()
    assert etat["etat"] == "terminee", etat["erreurs"]
    assert _compter(monde, Cas) == etat["comptes"]["cas_crees"] > 0
    with session_base(monde.bdd) as session:
        assert session.exec(select(Travail)).one().tentatives == 2
        assert all(s.archive is None for s in session.exec(select(Source)))


def test_deux_travailleurs_ne_prennent_jamais_le_meme_travail(monde: Monde) -> None:
    with session_base(monde.bdd) as session:
        for rang in range(30):
            campagne = Campagne(
                commune=A, date_reference=DATE_REFERENCE, libelle=f"c{rang}", etat="en_attente"
            )
            session.add(campagne)
            session.flush()
            session.add(Travail(campagne_id=campagne.id))
    pris: dict[str, list[int]] = {}
    erreurs: list[BaseException] = []

    def travailleur(nom: str) -> None:
        pris[nom] = []
        try:
            while (numero := reclamer(monde.bdd, nom, delai_abandon_secondes=600)) is not None:
                pris[nom].append(numero)
        except BaseException as erreur:
            erreurs.append(erreur)

    fils = [threading.Thread(target=travailleur, args=(f"t{n}",)) for n in range(4)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert erreurs == []
    tous = [numero for numeros in pris.values() for numero in numeros]
    assert len(tous) == len(set(tous)) == 30
    with session_base(monde.bdd) as session:
        reclames = session.exec(select(Travail.reclame_par, func.count()).group_by(Travail.reclame_par)).all()
    assert {nom: nombre for nom, nombre in reclames} == {nom: len(n) for nom, n in pris.items() if n}
