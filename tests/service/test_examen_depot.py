"""Les mauvais fichiers refusés au dépôt, pas au lancement (issue n° 17, point 4).

Au dépôt, le vrai travailleur confiné ouvre et lit l'archive : un mauvais mot de passe, une colonne
NIR, un effectif scolaire déposé sous la convention CAF (ou l'inverse), une archive corrompue sont
refusés aussitôt, et rien n'en reste ni en base ni au journal, hormis le refus et son motif codé.
Une archive correcte est acceptée avec ses comptes, et le lancement se fait ensuite.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import polars as pl
import pytest
from sqlmodel import select

from chiffrement import fabriquer_archive
from fictif.fichiers import csv_caf, csv_onde
from service.acteur import SYSTEME
from service.base.connexion import session_base
from service.campagnes.boucle import traiter_un
from service.modeles import Source
from service.parametres import parametres
from service.referentiel import enregistrer_convention
from tests.service.fabriques import A, Monde, archives, convention_toml, entrees_audit, jeu, pivot

MOT_DE_PASSE = "Mot-de-passe-partenaire-1"


def _campagne(monde: Monde, entetes: dict[str, str]) -> str:
    reponse = monde.client.post(
        "/api/v1/campagnes",
        headers=entetes,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    )
    campagne: str = reponse.json()["id"]
    return campagne


def _deposer(
    monde: Monde, campagne: str, archive: bytes, convention: str, mot_de_passe: str = MOT_DE_PASSE
) -> httpx.Response:
    return monde.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers=monde.entetes("agent.a"),
        files={"archive": ("liste.7z", archive)},
        data={"convention": convention, "mot_de_passe": mot_de_passe},
    )


def _sources(monde: Monde) -> list[Source]:
    with session_base(monde.bdd) as session:
        return list(session.exec(select(Source)).all())


def _avec_nir(familles: pl.DataFrame) -> bytes:
    """La liste des familles au format pivot, avec une colonne NIR (numéros fictifs)."""
    return pivot(familles.with_columns(pl.lit("1150559350012").alias("NIR")))


def _corrompue() -> bytes:
    """Une archive entière (en-tête et longueur justes) dont le contenu chiffré est abîmé."""
    archive = bytearray(fabriquer_archive({"caf.csv": pivot(jeu(40, graine=3).familles)}, MOT_DE_PASSE))
    for position in range(64, min(len(archive) - 64, 400)):
        archive[position] ^= 0x5A
    return bytes(archive)


def _cas_refuses() -> list[Any]:
    donnees = jeu(40, graine=3)
    return [
        pytest.param(
            fabriquer_archive({"caf.csv": pivot(donnees.familles)}, MOT_DE_PASSE),
            "caf-test",
            "Un-autre-mot-de-passe",
            "mot_de_passe",
            "Mot de passe incorrect",
            id="mauvais-mot-de-passe",
        ),
        pytest.param(
            fabriquer_archive({"caf.csv": _avec_nir(donnees.familles)}, MOT_DE_PASSE),
            "caf-test",
            MOT_DE_PASSE,
            "donnee_interdite",
            "« NIR »",
            id="colonne-nir",
        ),
        pytest.param(
            fabriquer_archive({"onde.csv": csv_onde(donnees.inscrits)}, MOT_DE_PASSE),
            "caf-test",
            MOT_DE_PASSE,
            "nature",
            "ce fichier ressemble à un export ONDE, pas à une liste CAF",
            id="onde-sous-convention-caf",
        ),
        pytest.param(
            fabriquer_archive({"caf.csv": csv_caf(donnees.familles)}, MOT_DE_PASSE),
            "onde-test",
            MOT_DE_PASSE,
            "nature",
            "ce fichier ressemble à une liste CAF, pas à un export ONDE",
            id="caf-sous-convention-onde",
        ),
        pytest.param(_corrompue(), "caf-test", MOT_DE_PASSE, "mot_de_passe", "corrompue", id="corrompue"),
    ]


@pytest.mark.parametrize(("archive", "convention", "mot_de_passe", "code", "message"), _cas_refuses())
def test_une_archive_mauvaise_est_refusee_au_depot_et_rien_n_en_reste(
    monde: Monde, archive: bytes, convention: str, mot_de_passe: str, code: str, message: str
) -> None:
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)

    reponse = _deposer(monde, campagne, archive, convention, mot_de_passe)

    assert reponse.status_code == 422, reponse.text
    corps = reponse.json()
    assert corps["etat"] == "refusee"
    assert corps["code"] == code
    assert message in corps["detail"]
    # Rien de gardé : ni la source, ni l'archive.
    assert _sources(monde) == []
    assert monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()["sources"] == []
    # Au journal : le refus, l'identifiant pseudonyme qu'aurait eu la source et le motif codé.
    refus = [e for e in entrees_audit(monde.bdd, "depot") if e.resultat == "refus"]
    assert len(refus) == 1
    details = refus[0].details if isinstance(refus[0].details, dict) else json.loads(refus[0].details)
    assert details["examen"] == "refusee"
    assert details["motif"] == code
    assert len(details["source"]) == 32
    assert set(details) == {"source", "examen", "motif", "sha256", "taille", "convention"}


def test_le_message_de_refus_ne_cite_aucune_valeur_du_fichier(monde_sqlite: Monde) -> None:
    donnees = jeu(40, graine=3)
    agent = monde_sqlite.entetes("agent.a")
    campagne = _campagne(monde_sqlite, agent)
    archive = fabriquer_archive({"onde.csv": csv_onde(donnees.inscrits)}, MOT_DE_PASSE)

    reponse = _deposer(monde_sqlite, campagne, archive, "caf-test")

    assert reponse.status_code == 422
    journal = [dict(entree._mapping) for entree in entrees_audit(monde_sqlite.bdd, "depot")]
    texte = reponse.text + json.dumps(journal, default=str)
    identites = donnees.inscrits.select(pl.concat_list("nom", "prenoms", "ine").explode()).to_series()
    for valeur in identites.drop_nulls().unique().to_list():
        assert valeur not in texte


def test_une_archive_correcte_est_acceptee_avec_ses_comptes_et_le_lancement_suit(monde: Monde) -> None:
    with session_base(monde.bdd) as session:
        enregistrer_convention(session, convention_toml("caf-export", "caf", "caf", [A]), par=SYSTEME)
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)
    donnees = jeu(60, graine=7)
    # Cinq lignes ont une date de naissance impossible (31/02) : gardées, incomplètes. Une ligne
    # ajoutée ne nomme personne : illisible, écartée avec son motif.
    contenu = csv_caf(donnees.familles, part_abimee=0.05) + b"ILLISIBLE-1;;;01/02/2016;2;;;;;\r\n"
    liste_caf = fabriquer_archive({"caf.csv": contenu}, MOT_DE_PASSE)
    _, onde = archives(donnees.familles, donnees.inscrits)

    caf = _deposer(monde, campagne, liste_caf, "caf-export")
    inscrits = _deposer(monde, campagne, onde.octets, onde.convention, onde.mot_de_passe)

    assert caf.status_code == 201, caf.text
    assert inscrits.status_code == 201, inscrits.text
    examen = caf.json()["examen"]
    assert caf.json()["etat"] == "acceptee"
    assert {
        c: examen[c] for c in ("fichiers", "lignes", "valides", "illisibles", "incompletes", "doublons")
    } == {
        "fichiers": 1,
        "lignes": donnees.familles.height + 1,
        "valides": donnees.familles.height,
        "illisibles": 1,
        "incompletes": 5,
        "doublons": 0,
    }
    (motif,) = examen["motifs"]
    assert motif["fichier"] == 1
    assert motif["ligne"] == donnees.familles.height + 2
    assert motif["champ"]
    assert motif["motif"]
    assert motif["a_demander"]
    assert "ILLISIBLE-1" not in json.dumps(examen)
    assert inscrits.json()["examen"]["valides"] == inscrits.json()["examen"]["lignes"] > 0
    # La campagne montre chaque source, acceptée, avec son examen ; l'examen est gardé en base.
    vue = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()
    assert {s["id"]: (s["etat"], s["examen"]) for s in vue["sources"]} == {
        caf.json()["id"]: ("acceptee", examen),
        inscrits.json()["id"]: ("acceptee", inscrits.json()["examen"]),
    }
    acceptes = [e for e in entrees_audit(monde.bdd, "depot") if e.resultat == "succes"]
    assert len(acceptes) == 2

    # Le lancement relit les archives : la campagne va au bout.
    lancement = monde.client.post(
        f"/api/v1/campagnes/{campagne}/lancer", headers=agent, json={"confirmer_avertissements": True}
    )
    assert lancement.status_code == 202, lancement.text
    assert traiter_un(monde.bdd, monde.reglages, "travailleur-test")
    fin = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()
    assert fin["etat"] == "terminee", fin["erreurs"]
    assert fin["comptes"]["lignes_lues"] == examen["lignes"] + inscrits.json()["examen"]["lignes"]
    assert fin["comptes"]["lignes_illisibles"] == 1
    assert all(not s["archive_conservee"] for s in fin["sources"])


def test_un_travailleur_qui_ne_peut_pas_examiner_ne_laisse_rien_garder(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    # L'enfant est tué avant d'avoir répondu : durée réelle bien trop courte pour lancer Python.
    monkeypatch.setenv("CELLULE_TRAVAILLEUR_DUREE_SECONDES", "0.01")
    parametres.cache_clear()
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)
    archive = fabriquer_archive({"caf.csv": pivot(jeu(40, graine=3).familles)}, MOT_DE_PASSE)

    reponse = _deposer(monde, campagne, archive, "caf-test")

    assert reponse.status_code == 503, reponse.text
    assert "n'a pas pu être examinée" in reponse.json()["detail"]
    assert "CELLULE_TRAVAILLEUR_DUREE_SECONDES" in reponse.json()["detail"]
    assert _sources(monde) == []
    (refus,) = [e for e in entrees_audit(monde.bdd, "depot") if e.resultat == "refus"]
    details = refus.details if isinstance(refus.details, dict) else json.loads(refus.details)
    assert details["motif"] == "examen_impossible"
