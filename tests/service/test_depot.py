"""Le dépôt d'une source : seul un 7z est gardé, et un envoi trop gros est refusé avant d'être lu."""

from __future__ import annotations

import http.client
import json
import random
import string
import tempfile
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from chiffrement import fabriquer_archive
from service.api.televersement import ENVOIS_EN_COURS
from service.base.connexion import session_base
from service.modeles import Source
from service.parametres import parametres
from tests.service.fabriques import A, Monde
from tests.service.serveur_reel import serveur_reel


def _campagne(monde: Monde, entetes: dict[str, str]) -> str:
    reponse = monde.client.post(
        "/api/v1/campagnes",
        headers=entetes,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    )
    campagne: str = reponse.json()["id"]
    return campagne


def test_une_liste_en_clair_est_refusee_au_depot_et_n_est_pas_gardee(monde_sqlite: Monde) -> None:
    agent = monde_sqlite.entetes("agent.a")
    campagne = _campagne(monde_sqlite, agent)
    reponse = monde_sqlite.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers=agent,
        files={"archive": ("caf.7z", b"nom;prenoms\nMARTIN-FICTIF;LOU\n")},
        data={"convention": "caf-test", "mot_de_passe": "Mot-de-passe-CAF-1"},
    )
    assert reponse.status_code == 422
    assert "pas une archive 7z" in reponse.json()["detail"]
    with session_base(monde_sqlite.bdd) as session:
        assert session.exec(select(Source)).all() == []


def test_un_envoi_plus_gros_que_la_limite_est_refuse_avant_d_etre_lu(monde_sqlite: Monde) -> None:
    agent = monde_sqlite.entetes("agent.a")
    campagne = _campagne(monde_sqlite, agent)
    limite = monde_sqlite.reglages.limites_archive().taille_archive_max
    trop = monde_sqlite.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers={**agent, "Content-Length": str(limite + 2 * 1_048_576)},
        content=b"--x--",
    )
    assert trop.status_code == 413
    assert "trop gros" in trop.json()["detail"]
    assert trop.headers["X-Frame-Options"] == "DENY"

    # Hors dépôt d'archive, un corps de plus d'un Mio n'est jamais lu.
    json_geant = monde_sqlite.client.post(
        f"/api/v1/cas/{campagne}/transitions",
        headers={**agent, "Content-Length": str(2 * 1_048_576), "Content-Type": "application/json"},
        content=b"{}",
    )
    assert json_geant.status_code == 413

    def morceaux() -> Iterator[bytes]:
        yield b"--x--"

    sans_longueur = monde_sqlite.client.post(
        f"/api/v1/campagnes/{campagne}/sources", headers=agent, content=morceaux()
    )
    assert sans_longueur.status_code == 411
    with session_base(monde_sqlite.bdd) as session:
        assert session.exec(select(Source)).all() == []


# -- Lecture en flux, limites, dépôts simultanés (issue #15, points 4 et 5) ---------------------------

LIMITE_MULTIPART = "limite-de-test-7c1d"
CAF_MOT_DE_PASSE = "Mot-de-passe-CAF-1"


# Ce que pèse une archive par rapport à la liste qu'elle contient (noms tirés au hasard : peu
# compressibles), pour en fabriquer une d'une taille donnée.
_PART_COMPRIMEE = 0.4


def _archive_de(taille: int, graine: int) -> bytes:
    """Une archive 7z chiffrée d'environ ``taille`` octets : une liste des familles au format pivot,
    lisible (l'examen au dépôt l'accepte), de noms fictifs tirés au hasard."""
    hasard = random.Random(graine)
    lignes = ["id;nom;prenoms;date_naissance;sexe"]
    octets = 0
    while octets < taille / _PART_COMPRIMEE:
        nom = "".join(hasard.choices(string.ascii_uppercase, k=12))
        prenom = "".join(hasard.choices(string.ascii_uppercase, k=8))
        naissance = f"{hasard.randint(2011, 2019)}-{hasard.randint(1, 12):02d}-{hasard.randint(1, 28):02d}"
        lignes.append(f"e{len(lignes)};{nom};{prenom};{naissance};{hasard.choice('MF')}")
        octets += len(lignes[-1]) + 1
    return fabriquer_archive({"caf.csv": "\n".join(lignes).encode()}, CAF_MOT_DE_PASSE)


def _deposer(monde: Monde, entetes: dict[str, str], campagne: str, archive: bytes) -> httpx.Response:
    return monde.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers=entetes,
        files={"archive": ("caf.7z", archive)},
        data={"convention": "caf-test", "mot_de_passe": CAF_MOT_DE_PASSE},
    )


def _sources(monde: Monde) -> list[Source]:
    with session_base(monde.bdd) as session:
        return list(session.exec(select(Source)).all())


def test_une_archive_de_plus_d_un_mio_ne_passe_pas_par_le_disque(
    monde: Monde, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Le lecteur de formulaires de Starlette range sur disque toute partie de plus d'un Mio : avec un
    # dossier temporaire qui n'existe pas, ce rangement échouerait.
    sans_dossier = tmp_path / "pas-de-dossier-temporaire"
    monkeypatch.setattr(tempfile, "tempdir", str(sans_dossier))
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)
    archive = _archive_de(3 * 1_048_576 // 2, graine=1)

    reponse = _deposer(monde, agent, campagne, archive)

    assert reponse.status_code == 201, reponse.text
    assert reponse.json()["taille"] == len(archive)
    assert [s.archive for s in _sources(monde)] == [archive]
    assert not sans_dossier.exists()


def _debut_de_formulaire() -> bytes:
    return (
        f'--{LIMITE_MULTIPART}\r\nContent-Disposition: form-data; name="convention"\r\n\r\ncaf-test\r\n'
        f'--{LIMITE_MULTIPART}\r\nContent-Disposition: form-data; name="mot_de_passe"\r\n\r\n'
        f"{CAF_MOT_DE_PASSE}\r\n"
        f'--{LIMITE_MULTIPART}\r\nContent-Disposition: form-data; name="archive"; filename="caf.7z"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def _debut_7z(taille_annoncee: int) -> bytes:
    """Un en-tête de départ 7z valide (CRC juste) qui annonce une archive de ``taille_annoncee``."""
    fin = (taille_annoncee - 132).to_bytes(8, "little") + (100).to_bytes(8, "little") + bytes(4)
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + zlib.crc32(fin).to_bytes(4, "little") + fin


def _envoyer_seulement_le_debut(
    adresse: tuple[str, int], chemin: str, entetes: dict[str, str], debut: bytes
) -> tuple[int, str]:
    """Annonce 3 Mio, n'en envoie que ``debut`` et attend la réponse : elle ne vient que si le
    serveur refuse sans attendre la suite (sinon le délai de garde de 60 s fait échouer le test)."""
    connexion = http.client.HTTPConnection(*adresse, timeout=60)
    try:
        connexion.putrequest("POST", chemin)
        for nom, valeur in entetes.items():
            connexion.putheader(nom, valeur)
        connexion.putheader("Content-Type", f"multipart/form-data; boundary={LIMITE_MULTIPART}")
        connexion.putheader("Content-Length", str(3 * 1_048_576))
        connexion.endheaders()
        connexion.send(debut)
        reponse = connexion.getresponse()
        return reponse.status, json.loads(reponse.read())["detail"]
    finally:
        connexion.close()


@pytest.mark.parametrize(
    ("debut_du_fichier", "statut", "message"),
    [
        (b"nom;prenoms;date_naissance\nMARTIN-FICTIF;LOU;2016-01-02\n" * 1500, 422, "texte en clair"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(256)) * 256, 422, "somme de contrôle fausse"),
        (_debut_7z(200 * 1_048_576) + bytes(64 * 1024), 413, "une source ne dépasse pas 64 Mio"),
    ],
    ids=["liste-en-clair", "faux-7z", "7z-annonce-200-mio"],
)
def test_un_envoi_est_refuse_des_ses_premiers_octets(
    monde: Monde, debut_du_fichier: bytes, statut: int, message: str
) -> None:
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)

    with serveur_reel(cast(FastAPI, monde.client.app)) as adresse:
        recu = _envoyer_seulement_le_debut(
            adresse, f"/api/v1/campagnes/{campagne}/sources", agent, _debut_de_formulaire() + debut_du_fichier
        )

    assert recu[0] == statut
    assert message in recu[1]
    assert _sources(monde) == []


def test_la_place_est_limitee_par_campagne_et_par_compte(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_CAMPAGNE_TAILLE_MAX_MIO", "1")
    monkeypatch.setenv("CELLULE_COMPTE_TAILLE_MAX_MIO", "2")
    parametres.cache_clear()
    agent = monde.entetes("agent.a")
    premiere, seconde = _campagne(monde, agent), _campagne(monde, agent)
    archives = [_archive_de(700 * 1024, graine=g) for g in range(4)]

    assert _deposer(monde, agent, premiere, archives[0]).status_code == 201
    trop_pour_la_campagne = _deposer(monde, agent, premiere, archives[1])
    assert trop_pour_la_campagne.status_code == 413
    assert "CELLULE_CAMPAGNE_TAILLE_MAX_MIO" in trop_pour_la_campagne.json()["detail"]
    assert _deposer(monde, agent, seconde, archives[1]).status_code == 201
    assert _deposer(monde, agent, premiere, archives[2]).status_code == 413
    trop_pour_le_compte = _deposer(monde, agent, _campagne(monde, agent), archives[3])
    assert trop_pour_le_compte.status_code == 413
    assert "CELLULE_COMPTE_TAILLE_MAX_MIO" in trop_pour_le_compte.json()["detail"]

    # Une source retirée rend sa place.
    source = next(s for s in _sources(monde) if s.campagne_id == premiere)
    retrait = monde.client.delete(f"/api/v1/campagnes/{premiere}/sources/{source.id}", headers=agent)
    assert retrait.status_code == 204
    assert _deposer(monde, agent, premiere, archives[2]).status_code == 201
    assert len(_sources(monde)) == 2


def test_des_depots_simultanes_ne_donnent_jamais_d_erreur_interne(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quatre dépôts à la fois dans une campagne qui n'a de place que pour deux : deux sont gardés,
    # deux reçoivent un 413, aucun « database is locked », et la limite tient malgré la course.
    monkeypatch.setenv("CELLULE_CAMPAGNE_TAILLE_MAX_MIO", "2")
    parametres.cache_clear()
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)
    archives = [_archive_de(800 * 1024, graine=10 + g) for g in range(4)]
    depart = threading.Barrier(len(archives))

    with serveur_reel(cast(FastAPI, monde.client.app)) as (hote, port):

        def deposer(archive: bytes) -> int:
            with httpx.Client(base_url=f"http://{hote}:{port}", timeout=120) as client:
                depart.wait()
                return client.post(
                    f"/api/v1/campagnes/{campagne}/sources",
                    headers=agent,
                    files={"archive": ("caf.7z", archive)},
                    data={"convention": "caf-test", "mot_de_passe": CAF_MOT_DE_PASSE},
                ).status_code

        with ThreadPoolExecutor(len(archives)) as executeur:
            statuts = sorted(executeur.map(deposer, archives))

    assert statuts == [201, 201, 413, 413]
    assert sum(s.taille for s in _sources(monde)) <= 2 * 1_048_576


def _multipart(*parties: tuple[str, str | None, bytes]) -> bytes:
    corps = b""
    for nom, fichier, contenu in parties:
        disposition = f'form-data; name="{nom}"' + (f'; filename="{fichier}"' if fichier else "")
        corps += (
            f"--{LIMITE_MULTIPART}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + contenu + b"\r\n"
        )
    return corps + f"--{LIMITE_MULTIPART}--\r\n".encode()


FORMULAIRE = f"multipart/form-data; boundary={LIMITE_MULTIPART}"


@pytest.mark.parametrize(
    ("type_contenu", "corps", "statut", "message"),
    [
        ("application/json", b'{"convention": "caf-test"}', 415, "Envoyez un formulaire multipart/form-data"),
        ("multipart/form-data", b"--x\r\n", 400, "n'a pas de « boundary »"),
        (FORMULAIRE, b"ceci n'est pas un formulaire", 400, "mal formé"),
        (FORMULAIRE, _multipart(("convention", None, b"caf-test"))[:-30], 400, "Formulaire incomplet"),
        (FORMULAIRE, f"--{LIMITE_MULTIPART}\r\nsans-deux-points\r\n\r\n".encode(), 400, "mal formé"),
        (FORMULAIRE, _multipart(("convention", None, b"caf-test")), 422, "« archive »"),
        (
            FORMULAIRE,
            _multipart(("convention", None, b"caf-test"), ("convention", None, b"onde-test")),
            422,
            "envoyé deux fois",
        ),
        (FORMULAIRE, _multipart(("convention", None, b"c" * 121)), 422, "dépasse 120 caractères"),
        (FORMULAIRE, _multipart(("archive", "caf.7z", b"")), 422, "Le fichier reçu est vide"),
        (FORMULAIRE, _multipart(("archive", "caf.7z", _debut_7z(4096))), 422, "Archive incomplète"),
    ],
    ids=[
        "json",
        "sans-boundary",
        "pas-un-formulaire",
        "tronque",
        "entete-de-partie-mal-forme",
        "archive-manquante",
        "champ-double",
        "convention-trop-longue",
        "archive-vide",
        "archive-incomplete",
    ],
)
def test_un_formulaire_mal_forme_recoit_une_erreur_en_francais(
    monde: Monde, type_contenu: str, corps: bytes, statut: int, message: str
) -> None:
    agent = monde.entetes("agent.a")
    campagne = _campagne(monde, agent)

    reponse = monde.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers={**agent, "Content-Type": type_contenu},
        content=corps,
    )

    assert reponse.status_code == statut, reponse.text
    assert message in reponse.json()["detail"]
    assert _sources(monde) == []


def test_la_documentation_de_l_api_decrit_toujours_le_formulaire_de_depot(monde_sqlite: Monde) -> None:
    schema = cast(FastAPI, monde_sqlite.client.app).openapi()
    corps = schema["paths"]["/api/v1/campagnes/{campagne_id}/sources"]["post"]["requestBody"]
    formulaire = corps["content"]["multipart/form-data"]["schema"]

    assert set(formulaire["properties"]) == {"archive", "convention", "mot_de_passe"}
    assert formulaire["properties"]["archive"]["format"] == "binary"
    assert set(formulaire["required"]) == {"archive", "convention"}


def test_les_envois_simultanes_d_un_compte_se_partagent_sa_place(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sans partage, dix envois simultanés de 64 Mio tiendraient chacun en mémoire, la place du compte
    # n'étant comptée qu'une fois l'archive gardée en base.
    monkeypatch.setenv("CELLULE_COMPTE_TAILLE_MAX_MIO", "2")
    parametres.cache_clear()
    agent = monde.entetes("agent.a")
    compte = monde.acteur("agent.a").id
    assert compte is not None
    premiere, seconde = _campagne(monde, agent), _campagne(monde, agent)
    lente, autre = _archive_de(1_400 * 1024, graine=20), _archive_de(800 * 1024, graine=21)
    corps = _debut_de_formulaire() + lente + f"\r\n--{LIMITE_MULTIPART}--\r\n".encode()
    coupure = len(_debut_de_formulaire()) + 64 * 1024

    with serveur_reel(cast(FastAPI, monde.client.app)) as (hote, port):
        connexion = http.client.HTTPConnection(hote, port, timeout=60)
        connexion.putrequest("POST", f"/api/v1/campagnes/{premiere}/sources")
        for nom, valeur in agent.items():
            connexion.putheader(nom, valeur)
        connexion.putheader("Content-Type", f"multipart/form-data; boundary={LIMITE_MULTIPART}")
        connexion.putheader("Content-Length", str(len(corps)))
        connexion.endheaders()
        connexion.send(corps[:coupure])
        # Le serveur lit l'en-tête de l'archive lente et réserve sa taille annoncée (garde : 60 s).
        for _ in range(6000):
            if ENVOIS_EN_COURS.octets(compte) == len(lente):
                break
            threading.Event().wait(0.01)
        assert ENVOIS_EN_COURS.octets(compte) == len(lente)

        with httpx.Client(base_url=f"http://{hote}:{port}", timeout=60) as client:
            refus = client.post(
                f"/api/v1/campagnes/{seconde}/sources",
                headers=agent,
                files={"archive": ("caf.7z", autre)},
                data={"convention": "caf-test", "mot_de_passe": CAF_MOT_DE_PASSE},
            )
        connexion.send(corps[coupure:])
        lente_recue = connexion.getresponse()
        connexion.close()

    assert refus.status_code == 413
    assert "envois en cours" in refus.json()["detail"]
    assert lente_recue.status == 201
    assert ENVOIS_EN_COURS.octets(compte) == 0
    assert [s.taille for s in _sources(monde)] == [len(lente)]
