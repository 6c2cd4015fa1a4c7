"""La liste des cas et la transmission groupée, sans navigateur : périmètre, motif, CSRF, audit."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.api.application import creer_application
from service.base.connexion import session_base
from service.modeles import Cas
from tests.service.fabriques import A, B, Monde, entrees_audit, identite
from tests.web.test_pages import connecter

NOMS = ("MARTINVERT", "DUPONTFICTIF", "ROSEFICTIF")


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _semer(monde: Monde) -> dict[str, str]:
    """Dans A : un cas à vérifier (semé en premier, donc le plus ancien) et deux non retrouvés ; un dans B."""
    (a_verifier,) = monde.semer_cas(
        A, [identite("MARTINVERT", "LOU", date(2018, 3, 2))], resultat="a_verifier"
    )
    (alix,) = monde.semer_cas(A, [identite("DUPONTFICTIF", "ALIX", date(2017, 5, 1))])
    (noa,) = monde.semer_cas(A, [identite("ROSEFICTIF", "NOA", None)])
    (ailleurs,) = monde.semer_cas(B, [identite("AUTREFICTIF", "EDEN", date(2019, 2, 2))])
    return {"a_verifier": a_verifier, "alix": alix, "noa": noa, "ailleurs": ailleurs}


def _csrf(page: str) -> str:
    trouve = re.search(r'name="csrf" value="([^"]+)"', page)
    assert trouve
    return trouve.group(1)


def _statut(monde: Monde, cas_id: str) -> str:
    with session_base(monde.bdd) as session:
        cas = session.get(Cas, cas_id)
        assert cas is not None
        return cas.statut


def _cases_a_cocher(page: str) -> list[str]:
    return re.findall(r'name="cas" value="([0-9a-f]{32})"', page)


def test_sans_motif_la_liste_montre_mes_cas_sans_identite_les_cas_a_verifier_d_abord(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer(monde)
    connecter(client, monde, "agent.a")
    page = client.get("/cas")
    assert page.status_code == 200
    texte = page.text
    assert "<title>Cas — cellule</title>" in texte
    assert "3 cas" in texte
    assert cas["ailleurs"] not in texte
    for nom in NOMS:
        assert nom not in texte
    # Le cas à vérifier, pourtant le plus ancien, vient en premier ; son badge le dit en mots.
    lignes = re.findall(r'<tr id="ligne-([0-9a-f]{8})">', texte)
    assert lignes[0] == cas["a_verifier"][:8]
    assert "À vérifier</p>" in texte
    assert "À classer ou à transmettre</p>" in texte
    assert f'href="/cas/{cas["alix"]}"' in texte
    # Seuls les cas que l'agent peut transmettre ont une case à cocher.
    assert sorted(_cases_a_cocher(texte)) == sorted([cas["alix"], cas["noa"]])
    assert entrees_audit(monde.bdd, "consultation") == []


def test_un_motif_choisi_montre_les_identites_et_chaque_page_affichee_est_auditee(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer(monde)
    connecter(client, monde, "agent.a")
    jeton = _csrf(client.get("/cas").text)
    # Sans motif, ou avec un texte hors de la liste : l'erreur est à côté du champ, rien n'est montré.
    for donnees in ({}, {"motif_consultation": "vérifier Lou MARTINVERT"}):
        refus = client.post("/cas", data={"csrf": jeton, "retour": "/cas", **donnees})
        assert refus.status_code == 422
        assert 'id="erreur-motif_consultation"' in refus.text
        assert "<title>Erreur — Cas — cellule</title>" in refus.text
        assert "MARTINVERT</td>" not in refus.text
    choix = client.post(
        "/cas",
        data={"csrf": jeton, "retour": "/cas?tri=commune&sens=asc", "motif_consultation": "verification"},
    )
    assert choix.status_code == 303
    assert choix.headers["location"] == "/cas?tri=commune&sens=asc"
    page = client.get(choix.headers["location"]).text
    for nom in NOMS:
        assert f"{nom}</td>" in page
    assert "02/03/2018" in page
    consultations = entrees_audit(monde.bdd, "consultation")
    assert len(consultations) == 1
    assert consultations[0].motif == "verification"
    assert sorted(json.loads(consultations[0].details)["cas"]) == sorted(
        [cas["a_verifier"], cas["alix"], cas["noa"]]
    )
    # Le journal ne garde que le code du motif et des identifiants, jamais un nom.
    assert not any(nom in consultations[0].details for nom in NOMS)
    # Masquer : le motif est oublié, la page suivante ne montre plus d'identité.
    masquer = client.post("/cas", data={"csrf": jeton, "retour": "/cas", "masquer": "1"})
    assert masquer.status_code == 303
    assert "MARTINVERT</td>" not in client.get("/cas").text
    assert len(entrees_audit(monde.bdd, "consultation")) == 1


def test_le_motif_ne_passe_pas_par_l_adresse_ni_d_une_session_a_l_autre(
    client: TestClient, monde: Monde
) -> None:
    _semer(monde)
    connecter(client, monde, "agent.a")
    assert "MARTINVERT" not in client.get("/cas?motif_consultation=verification").text
    jeton = _csrf(client.get("/cas").text)
    client.post("/cas", data={"csrf": jeton, "retour": "/cas", "motif_consultation": "verification"})
    motif = next(valeur for nom, valeur in client.cookies.items() if "motif" in nom)
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as autre:
        connecter(autre, monde, "agent.a", decalage=1)
        autre.cookies.set("cellule_motif", motif)
        assert "MARTINVERT" not in autre.get("/cas").text
    # Sans jeton CSRF, aucun motif n'est retenu (refus audité).
    client.cookies.delete("cellule_motif")
    assert client.post("/cas", data={"motif_consultation": "verification"}).status_code == 403
    assert "MARTINVERT" not in client.get("/cas").text


def test_filtres_tri_et_pages_sont_des_parametres_d_adresse(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde)
    connecter(client, monde, "agent.a")
    a_verifier = client.get("/cas?statut=a_verifier").text
    assert re.findall(r'<tr id="ligne-([0-9a-f]{8})">', a_verifier) == [cas["a_verifier"][:8]]
    assert 'aria-current="true">À vérifier' in a_verifier
    # Le dernier semé est le plus récent : trié par mise à jour décroissante, il vient en tête.
    trie = client.get("/cas?tri=mis_a_jour_le&sens=desc").text
    assert re.findall(r'<tr id="ligne-([0-9a-f]{8})">', trie)[0] == cas["noa"][:8]
    assert 'aria-sort="descending"' in trie
    assert trie.count("aria-sort=") == 1
    page_2 = client.get("/cas?par_page=2&page=2").text
    assert len(re.findall(r'<tr id="ligne-', page_2)) == 1
    assert "page 2 sur 2" in page_2
    assert re.search(r'aria-current="page"[^>]*title="Page 2"', page_2)
    # Une page au-delà de la dernière montre la dernière.
    assert "page 2 sur 2" in client.get("/cas?par_page=2&page=99").text
    transmis = client.get("/cas?statut=transmis_dasen").text
    assert "0 cas" in transmis
    assert "Aucun cas ne correspond à ces filtres." in transmis
    # Une commune hors du périmètre ne montre rien de plus que les siennes : rien.
    assert cas["ailleurs"] not in client.get(f"/cas?commune={B}&statut=tous").text


@pytest.mark.parametrize(
    "requete",
    [
        "statut=inconnu",
        "statut=%C3%A9t%C3%A9",
        "commune=abc",
        "campagne=../../etc",
        "tri=identite",
        "sens=bof",
        "page=-1",
        "page=999999999999999999999",
        "par_page=0",
        "par_page=10000",
        "echeance_depassee=peut-etre",
        "statut=a_verifier&statut=tous",
    ],
)
def test_une_adresse_mal_formee_donne_la_liste_jamais_une_erreur(
    client: TestClient, monde: Monde, requete: str
) -> None:
    _semer(monde)
    connecter(client, monde, "agent.a")
    page = client.get(f"/cas?{requete}")
    assert page.status_code == 200, page.text
    assert "<table>" in page.text


def test_transmettre_plusieurs_cas_passe_par_une_confirmation_puis_chaque_envoi_est_audite(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer(monde)
    connecter(client, monde, "agent.a")
    jeton = _csrf(client.get("/cas").text)
    choisis = [cas["alix"], cas["noa"], cas["a_verifier"]]
    confirmation = client.post("/cas/transmettre", data={"csrf": jeton, "retour": "/cas", "cas": choisis})
    assert confirmation.status_code == 200
    texte = unescape(confirmation.text)
    assert "2 cas seront transmis à la DASEN" in texte
    assert "1 cas ne sera pas transmis" in texte
    assert "choisissez d'abord un candidat" in texte
    assert sorted(_cases_a_cocher(texte)) == sorted([cas["alix"], cas["noa"]])
    # La page de confirmation n'a rien changé.
    assert {_statut(monde, c) for c in choisis} == {"repere"}
    assert entrees_audit(monde.bdd, "transition") == []

    resultat = client.post(
        "/cas/transmettre/confirmer",
        data={"csrf": jeton, "retour": "/cas", "cas": [cas["alix"], cas["noa"]]},
    )
    assert resultat.status_code == 200
    assert "2 cas transmis à la DASEN" in resultat.text
    assert _statut(monde, cas["alix"]) == _statut(monde, cas["noa"]) == "transmis_dasen"
    assert _statut(monde, cas["a_verifier"]) == "repere"
    transitions = entrees_audit(monde.bdd, "transition")
    assert sorted(t.cible_id for t in transitions) == sorted([cas["alix"], cas["noa"]])
    assert all(json.loads(t.details)["action"] == "transmettre" for t in transitions)

    # Renvoyer le même formulaire (page rechargée) ne transmet rien deux fois : chaque refus est dit.
    encore = client.post(
        "/cas/transmettre/confirmer", data={"csrf": jeton, "retour": "/cas", "cas": [cas["alix"]]}
    )
    assert "1 cas non transmis" in encore.text
    assert "impossible pour un cas au statut « transmis_dasen »" in unescape(encore.text)
    assert len(entrees_audit(monde.bdd, "transition")) == 2


def test_transmettre_sans_cas_coche_redonne_la_liste_avec_l_erreur(client: TestClient, monde: Monde) -> None:
    _semer(monde)
    connecter(client, monde, "agent.a")
    jeton = _csrf(client.get("/cas").text)
    reponse = client.post("/cas/transmettre", data={"csrf": jeton, "retour": "/cas?statut=a_verifier"})
    assert reponse.status_code == 422
    assert "Aucun cas coché" in reponse.text
    assert 'aria-current="true">À vérifier' in reponse.text


def test_un_cas_d_une_autre_commune_refuse_toute_la_transmission(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde)
    connecter(client, monde, "agent.a")
    jeton = _csrf(client.get("/cas").text)
    for adresse in ("/cas/transmettre", "/cas/transmettre/confirmer"):
        reponse = client.post(adresse, data={"csrf": jeton, "cas": [cas["alix"], cas["ailleurs"]]})
        assert reponse.status_code == 403
        assert "pas dans votre périmètre" in reponse.text
    assert _statut(monde, cas["alix"]) == "repere"
    assert _statut(monde, cas["ailleurs"]) == "repere"
    refus = [e for e in entrees_audit(monde.bdd, "autorisation_refusee") if e.cible_id == cas["ailleurs"]]
    assert len(refus) == 2
    # Sans jeton CSRF, rien ne part non plus.
    assert client.post("/cas/transmettre/confirmer", data={"cas": [cas["alix"]]}).status_code == 403
    assert _statut(monde, cas["alix"]) == "repere"


def test_le_referent_voit_les_cas_transmis_de_son_departement_sans_pouvoir_transmettre(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer(monde)
    with monde.bdd.begin() as connexion:
        connexion.execute(
            sa.update(Cas)
            .where(Cas.id == cas["alix"])  # type: ignore[arg-type]
            .values(statut="transmis_dasen", transmis_le=Cas.cree_le)
        )
    connecter(client, monde, "referent.59")
    page = client.get("/cas").text
    assert f'href="/cas/{cas["alix"]}"' in page
    assert cas["noa"] not in page
    assert cas["a_verifier"] not in page
    assert _cases_a_cocher(page) == []
    assert "Transmettre à la DASEN</button>" not in page
    # « À vérifier » est sans objet pour lui.
    assert "?statut=a_verifier" not in page
    jeton = _csrf(page)
    refus = client.post("/cas/transmettre", data={"csrf": jeton, "cas": [cas["noa"]]})
    assert refus.status_code == 403
    assert _statut(monde, cas["noa"]) == "repere"


@pytest.mark.parametrize("compte", ["dpo.test", "admin.test", "pilote.test"])
def test_les_roles_sans_cas_sont_refuses(client: TestClient, monde: Monde, compte: str) -> None:
    _semer(monde)
    connecter(client, monde, compte)
    reponse = client.get("/cas")
    assert reponse.status_code == 403
    assert "aucun cas" in reponse.text


def test_sans_session_la_liste_renvoie_a_la_connexion(client: TestClient, monde: Monde) -> None:
    reponse = client.get("/cas?statut=a_verifier")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=/cas%3Fstatut%3Da_verifier"
