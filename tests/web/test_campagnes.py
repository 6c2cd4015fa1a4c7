"""Les pages des campagnes sans navigateur : ouvrir, déposer, retirer, vérifier, lancer, résultats.

Mêmes refus et même journal que l'API : périmètre tiré de la session, jeton CSRF, entrées invalides
rendues au champ, jamais un 500. SQLite puis PostgreSQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from chiffrement import fabriquer_archive
from service.api.application import creer_application
from service.base.connexion import session_base
from service.campagnes.boucle import traiter_un
from service.modeles import Campagne, Source
from service.parametres import parametres
from tests.service.fabriques import A, Archive, B, Monde, archives, entrees_audit, jeu
from tests.web.test_pages import connecter


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _csrf(client: TestClient, chemin: str) -> str:
    trouve = re.search(r'name="csrf" value="([^"]+)"', client.get(chemin).text)
    assert trouve
    return trouve.group(1)


def _ouvrir(client: TestClient, commune: str = A) -> str:
    reponse = client.post(
        "/campagnes/nouvelle",
        data={
            "csrf": _csrf(client, "/campagnes/nouvelle"),
            "commune": commune,
            "date_reference": "2026-10-01",
            "libelle": "Rentrée",
        },
    )
    assert reponse.status_code == 303, reponse.text
    return reponse.headers["location"].rsplit("/", 1)[1]


def _deposer(
    client: TestClient, campagne: str, archive: Archive, *, csrf: str | None = None, nom: str = "liste.7z"
) -> httpx.Response:
    """Le formulaire de la page : le jeton d'abord, l'archive en dernier (ordre des champs du gabarit)."""
    jeton = _csrf(client, f"/campagnes/{campagne}") if csrf is None else csrf
    return client.post(
        f"/campagnes/{campagne}/sources",
        data={"csrf": jeton, "convention": archive.convention, "mot_de_passe": archive.mot_de_passe},
        files={"archive": (nom, archive.octets, "application/x-7z-compressed")},
    )


def _sources(monde: Monde, campagne: str) -> list[Source]:
    with session_base(monde.bdd) as session:
        return list(session.exec(select(Source).where(Source.campagne_id == campagne)))


def test_l_agent_ouvre_une_campagne_de_sa_commune_et_les_erreurs_vont_au_champ(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    page = client.get("/campagnes/nouvelle").text
    assert 'name="commune"' in page
    assert 'name="date_reference"' in page
    assert 'name="libelle"' in page
    assert "Ablainville-Fictive (59001)" in page
    assert "Bourg-Imaginaire" not in page
    assert "Étape 1 sur 5" in page
    csrf = _csrf(client, "/campagnes/nouvelle")
    vide = client.post("/campagnes/nouvelle", data={"csrf": csrf})
    assert vide.status_code == 422
    assert "<title>Erreur — Ouvrir une campagne" in vide.text
    assert 'id="erreur-libelle"' in vide.text
    assert 'id="erreur-date_reference"' in vide.text
    futur = (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")
    refus = client.post(
        "/campagnes/nouvelle",
        data={"csrf": csrf, "commune": A, "date_reference": futur, "libelle": "Trop tôt"},
    )
    assert refus.status_code == 422
    assert "est dans le futur" in refus.text
    assert 'aria-invalid="true"' in refus.text
    impossible = client.post(
        "/campagnes/nouvelle",
        data={"csrf": csrf, "commune": A, "date_reference": "31/02/2026", "libelle": "x" * 201},
    )
    assert impossible.status_code == 422
    assert "Date impossible" in impossible.text
    assert "200 caractères au plus" in impossible.text
    campagne = _ouvrir(client)
    page = client.get(f"/campagnes/{campagne}").text
    assert "Étape 2 sur 5" in page
    assert "Déposer les fichiers" in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="archive"' in page
    assert 'value="caf-test"' in page
    assert 'value="onde-test"' in page
    assert f'href="/campagnes/{campagne}"' in client.get("/campagnes").text
    assert entrees_audit(monde.bdd, "campagne_creee")


def test_une_commune_d_un_autre_agent_est_refusee_et_auditee(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    campagne = _ouvrir(client)
    client.cookies.clear()
    connecter(client, monde, "agent.b")
    csrf = _csrf(client, "/campagnes/nouvelle")
    assert client.get(f"/campagnes/{campagne}").status_code == 403
    assert client.get(f"/campagnes/{campagne}/verification").status_code == 403
    caf, _ = archives(jeu(10).familles, jeu(10).inscrits)
    assert _deposer(client, campagne, caf, csrf=csrf).status_code == 403
    assert client.post(f"/campagnes/{campagne}/lancer", data={"csrf": csrf}).status_code == 403
    # Une commune hors de mon périmètre, choisie en trafiquant la liste : refus audité.
    autre = client.post(
        "/campagnes/nouvelle",
        data={"csrf": csrf, "commune": A, "date_reference": "2026-10-01", "libelle": "Pas chez moi"},
    )
    assert autre.status_code == 403
    assert '<html lang="fr"' in autre.text
    assert f'href="/campagnes/{campagne}"' not in client.get("/campagnes").text
    assert _sources(monde, campagne) == []
    assert len([e for e in entrees_audit(monde.bdd, "autorisation_refusee") if e.acteur == "agent.b"]) >= 5
    assert client.get("/campagnes/inconnue").status_code == 404
    client.cookies.clear()
    connecter(client, monde, "referent.59")
    assert client.get("/campagnes").status_code == 403


def test_le_depot_exige_le_jeton_avant_l_archive_et_rend_chaque_refus_au_bon_champ(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    campagne = _ouvrir(client)
    caf, onde = archives(jeu(20).familles, jeu(20).inscrits)
    # Sans jeton, ou avec le jeton après l'archive : refusé avant de garder l'archive.
    assert _deposer(client, campagne, caf, csrf="faux").status_code == 403
    tardif = client.post(
        f"/campagnes/{campagne}/sources",
        files=[
            ("archive", ("liste.7z", caf.octets, "application/x-7z-compressed")),
            ("csrf", (None, _csrf(client, f"/campagnes/{campagne}"))),
            ("convention", (None, caf.convention)),
        ],
    )
    assert tardif.status_code == 403
    assert _sources(monde, campagne) == []
    # Un fichier qui n'est pas une archive 7z : refusé, message à côté du champ « archive ».
    csv = Archive(b"nom;prenoms\nMARTIN;LOU\n", "x", "caf-test")
    refus = _deposer(client, campagne, csv)
    assert refus.status_code == 422
    assert 'id="erreur-archive"' in refus.text
    # Mot de passe oublié : la convention impose une archive chiffrée.
    sans = _deposer(client, campagne, Archive(caf.octets, "", "caf-test"))
    assert 'id="erreur-mot_de_passe"' in sans.text
    # Convention non choisie.
    aucune = _deposer(client, campagne, Archive(caf.octets, caf.mot_de_passe, ""))
    assert "Choisissez la convention" in aucune.text
    assert 'id="erreur-convention"' in aucune.text
    # Un mauvais mot de passe : l'archive est examinée, refusée et oubliée ; le refus va au mot de passe.
    mauvais = _deposer(client, campagne, Archive(caf.octets, "Pas-le-bon-1", "caf-test"))
    assert mauvais.status_code == 422
    assert 'id="erreur-mot_de_passe"' in mauvais.text
    assert "refusée, rien n&#39;est gardé" in mauvais.text
    assert _sources(monde, campagne) == []
    # Accepté (examiné : lignes lues et valides), puis le même fichier une seconde fois : refusé.
    depot = _deposer(client, campagne, caf, nom="caf-octobre.7z")
    assert depot.status_code == 303
    page = client.get(depot.headers["location"]).text
    assert "caf-octobre.7z" in page
    assert "acceptée" in page
    assert "Acceptée</p></td>\n          <td>20</td>" in page
    doublon = _deposer(client, campagne, caf)
    assert doublon.status_code == 422
    assert "déjà été déposée" in doublon.text
    assert [s.nom_fichier for s in _sources(monde, campagne)] == ["caf-octobre.7z"]
    assert _deposer(client, campagne, onde).status_code == 303
    assert len(_sources(monde, campagne)) == 2


def test_une_archive_trop_grosse_est_refusee_sur_la_page(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLULE_ARCHIVE_TAILLE_MAX_MIO", "1")
    parametres.cache_clear()
    client = TestClient(creer_application(monde.bdd), follow_redirects=False)
    connecter(client, monde, "agent.a")
    campagne = _ouvrir(client)
    # Un peu plus que la limite : lu, refusé, et le refus est écrit à côté du champ.
    grosse = Archive(fabriquer_archive({"caf.csv": os.urandom(1536 * 1024)}, "m"), "m", "caf-test")
    reponse = _deposer(client, campagne, grosse)
    assert reponse.status_code == 413
    assert "Archive trop grosse" in reponse.text
    assert 'id="erreur-archive"' in reponse.text
    assert "Déposer un fichier" in reponse.text
    # Bien plus que la limite : refusé sur sa longueur annoncée, avant d'en lire un octet.
    enorme = Archive(fabriquer_archive({"caf.csv": os.urandom(3 * 1024 * 1024)}, "m"), "m", "caf-test")
    reponse = _deposer(client, campagne, enorme)
    assert reponse.status_code == 413
    assert "Envoi trop gros" in reponse.text
    assert _sources(monde, campagne) == []


def test_retirer_un_fichier_passe_par_une_confirmation(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    campagne = _ouvrir(client)
    caf, _ = archives(jeu(10).familles, jeu(10).inscrits)
    _deposer(client, campagne, caf)
    (source,) = _sources(monde, campagne)
    confirmation = client.get(f"/campagnes/{campagne}/sources/{source.id}/retirer")
    assert confirmation.status_code == 200
    assert "Oui, retirer ce fichier" in confirmation.text
    assert len(_sources(monde, campagne)) == 1
    sans_jeton = client.post(f"/campagnes/{campagne}/sources/{source.id}/retirer", data={})
    assert sans_jeton.status_code == 403
    retrait = client.post(
        f"/campagnes/{campagne}/sources/{source.id}/retirer",
        data={"csrf": _csrf(client, f"/campagnes/{campagne}")},
    )
    assert retrait.status_code == 303
    assert _sources(monde, campagne) == []
    assert client.get(f"/campagnes/{campagne}/sources/{source.id}/retirer").status_code == 404


def test_verifier_lancer_suivre_puis_lire_les_resultats(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    campagne = _ouvrir(client)
    donnees = jeu(40, graine=5)
    caf, onde = archives(donnees.familles, donnees.inscrits)
    _deposer(client, campagne, caf)
    # Sans liste d'inscrits : bloquant, pas de bouton de lancement.
    verification = client.get(f"/campagnes/{campagne}/verification").text
    assert "Étape 3 sur 5" in verification
    assert "Bloquant :" in verification
    assert "Lancer la comparaison" not in verification
    _deposer(client, campagne, onde)
    verification = client.get(f"/campagnes/{campagne}/verification").text
    assert "Avertissement :" in verification
    assert 'name="confirmer_avertissements"' in verification
    csrf = _csrf(client, f"/campagnes/{campagne}/verification")
    non_confirme = client.post(f"/campagnes/{campagne}/lancer", data={"csrf": csrf})
    assert non_confirme.status_code == 422
    assert 'id="erreur-confirmer_avertissements"' in non_confirme.text
    lance = client.post(
        f"/campagnes/{campagne}/lancer", data={"csrf": csrf, "confirmer_avertissements": "oui"}
    )
    assert lance.status_code == 303
    # Lancée : l'étape 4 montre l'état dans une zone role="status", et un bouton pour actualiser.
    page = client.get(f"/campagnes/{campagne}").text
    assert "Étape 4 sur 5" in page
    assert 'role="status"' in page
    assert "Actualiser" in page
    assert "En file d&#39;attente" in page
    assert re.search(r'<script src="/statique/campagne-progression.js" nonce="[^"]+"', page)
    assert client.get(f"/campagnes/{campagne}/verification").status_code == 303
    assert traiter_un(monde.bdd, monde.reglages, "travailleur-test")
    with session_base(monde.bdd) as session:
        fini = session.get(Campagne, campagne)
        assert fini is not None
        comptes = dict(fini.comptes)
    resultats = client.get(f"/campagnes/{campagne}").text
    assert "Étape 5 sur 5" in resultats
    assert "Comparaison terminée" in resultats
    for libelle in ("Apparié", "Instruction déclarée", "À vérifier", "Non apparié", "Hors obligation"):
        assert f'<th scope="row">{libelle}</th><td>' in resultats
    assert f'<th scope="row">À vérifier</th><td>{comptes["a_verifier"]}</td>' in resultats
    assert f'<th scope="row">Total</th><td>{comptes["enfants_listes"]}</td>' in resultats
    assert f'href="/cas?campagne={campagne}"' in resultats
    assert 'role="status"' not in resultats.split('id="indicateur-etapes"')[1]
    # Aucune identité d'enfant n'est écrite sur la page des résultats.
    for nom in donnees.familles["nom"].to_list()[:10]:
        assert f">{nom}<" not in resultats
    # Campagne lancée : plus de dépôt possible.
    refus = _deposer(client, campagne, caf, csrf=csrf)
    assert refus.status_code == 409
    assert "dépose plus" in refus.text


def test_une_campagne_d_une_autre_commune_n_apparait_pas_dans_ma_liste(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.b")
    _ouvrir(client, B)
    liste = client.get("/campagnes").text
    assert "Bourg-Imaginaire (59002)" in liste
    assert "Ablainville" not in liste
