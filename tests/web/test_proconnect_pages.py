"""Les pages de la connexion ProConnect (issue n° 20), sans navigateur : bouton, retour, code TOTP,
refus en français, déconnexion. Le fournisseur OpenID de test tourne sur 127.0.0.1."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.application import creer_application
from tests.service.fabriques import Monde, code_totp, entrees_audit
from tests.service.parcours_proconnect import Parcours, preparer


@pytest.fixture
def pc(monde: Monde, monkeypatch: pytest.MonkeyPatch) -> Iterator[Parcours]:
    yield from preparer(monde, monkeypatch)


@pytest.fixture
def client(pc: Parcours) -> Iterator[TestClient]:
    """Un navigateur sans JavaScript : il garde ses cookies et ne suit pas les redirections."""
    with TestClient(creer_application(pc.monde.bdd), follow_redirects=False) as client:
        yield client


def _chez_le_fournisseur(client: TestClient, suite: str = "/") -> tuple[str, str]:
    """Clic sur le bouton, puis passage chez le fournisseur : le chemin et la requête du retour."""
    depart = client.get(f"/proconnect/connexion?suite={suite}")
    assert depart.status_code == 303, depart.text
    retour = httpx.get(depart.headers["location"], follow_redirects=False)
    assert retour.status_code == 302, retour.text
    adresse = urlsplit(retour.headers["location"])
    return adresse.path, adresse.query


def _destination_du_passage(page: str) -> str:
    trouve = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page)
    assert trouve, page
    return html.unescape(trouve.group(1))


def test_sans_reglages_pas_de_bouton_proconnect(monde: Monde) -> None:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        assert "ProConnect" not in client.get("/connexion").text
        reponse = client.get("/proconnect/connexion")
        assert reponse.status_code == 404
        assert "identifiant et votre mot de passe" in reponse.text


def test_le_bouton_suit_les_consignes_de_proconnect(client: TestClient) -> None:
    page = client.get("/connexion?suite=/compte").text
    assert 'class="fr-connect fr-connect--pro" href="/proconnect/connexion?suite=/compte"' in page
    assert '<span class="fr-connect__login">S’identifier avec</span>' in page
    assert '<span class="fr-connect__brand">ProConnect</span>' in page
    assert 'href="https://proconnect.gouv.fr/"' in page
    assert "Qu’est-ce que ProConnect ?" in page


def test_un_agent_entre_par_proconnect_et_revient_a_la_page_demandee(
    client: TestClient, pc: Parcours
) -> None:
    chemin, requete = _chez_le_fournisseur(client, "/compte")
    assert chemin == "/proconnect/retour"
    retour = client.get(f"{chemin}?{requete}")
    # Une page de passage, pas une redirection : la page suivante est demandée depuis cellule, avec
    # les cookies de session SameSite=Strict.
    assert retour.status_code == 200, retour.text
    assert _destination_du_passage(retour.text) == "/compte"
    compte = client.get("/compte")
    assert compte.status_code == 200
    assert "agent.a" in compte.text


def test_un_refus_dit_pourquoi_et_a_qui_s_adresser(client: TestClient, pc: Parcours) -> None:
    pc.fournisseur.prouver(email="dominique.inconnu@mairie-ablainville.example", sub="sub-0003")
    chemin, requete = _chez_le_fournisseur(client)
    reponse = client.get(f"{chemin}?{requete}")
    assert reponse.status_code == 403
    assert "Connexion par ProConnect refusée" in reponse.text
    assert "Aucun compte cellule ne porte l&#39;adresse électronique" in reponse.text
    assert "administrateur de cellule" in reponse.text
    assert client.get("/compte").status_code == 303


def test_un_state_altere_au_retour_est_refuse_sans_ouvrir_de_session(client: TestClient) -> None:
    chemin, requete = _chez_le_fournisseur(client)
    altere = re.sub(
        r"state=([^&]+)",
        lambda m: "state=" + m.group(1)[:-1] + ("Q" if m.group(1)[-1] != "Q" else "R"),
        requete,
    )
    reponse = client.get(f"{chemin}?{altere}")
    assert reponse.status_code == 403
    assert "ne correspond pas à la connexion commencée dans ce navigateur" in html.unescape(reponse.text)
    assert client.get("/compte").status_code == 303


def test_un_retour_d_erreur_du_fournisseur_est_explique_et_trace(client: TestClient, monde: Monde) -> None:
    reponse = client.get("/proconnect/retour?error=access_denied&error_description=Annul%C3%A9&state=x")
    assert reponse.status_code == 403
    assert "ProConnect n&#39;a pas pu vous identifier" in reponse.text
    trace = json.loads(entrees_audit(monde.bdd, "connexion")[-1].details)
    assert trace == {
        "voie": "proconnect",
        "raison": "erreur_du_fournisseur",
        "erreur": "access_denied",
        "ip": "testclient",
    }


def test_sans_second_facteur_la_page_demande_le_code_de_cellule(client: TestClient, pc: Parcours) -> None:
    pc.fournisseur.prouver(acr="eidas1")
    chemin, requete = _chez_le_fournisseur(client)
    page = client.get(f"{chemin}?{requete}")
    assert page.status_code == 200
    assert "Saisir votre code à usage unique" in page.text
    faux = client.post("/proconnect/second-facteur", data={"code_totp": "000000"})
    assert faux.status_code == 401
    assert "Code à usage unique incorrect" in faux.text
    bon = client.post(
        "/proconnect/second-facteur", data={"code_totp": code_totp(pc.monde.secrets["agent.a"])}
    )
    assert bon.status_code == 200, bon.text
    assert _destination_du_passage(bon.text) == "/"
    assert client.get("/compte").status_code == 200


def _deconnecter(client: TestClient, pc: Parcours) -> tuple[str, str]:
    """Connexion par ProConnect, déconnexion, passage chez le fournisseur : le retour (chemin, requête)."""
    chemin, requete = _chez_le_fournisseur(client)
    client.get(f"{chemin}?{requete}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/compte").text)
    assert csrf
    sortie = client.post("/deconnexion", data={"csrf": csrf.group(1)})
    assert sortie.status_code == 200, sortie.text
    fin_de_session = _destination_du_passage(sortie.text)
    assert fin_de_session.startswith(pc.fournisseur.emetteur + "/session/end?")
    # La session de cellule est déjà fermée.
    assert client.get("/compte").status_code == 303
    chez_le_fournisseur = httpx.get(fin_de_session, follow_redirects=False)
    assert chez_le_fournisseur.status_code == 302, chez_le_fournisseur.text
    retour = urlsplit(chez_le_fournisseur.headers["location"])
    assert retour.path == "/proconnect/deconnexion/retour"
    return retour.path, retour.query


def test_la_deconnexion_passe_par_proconnect_puis_revient_a_la_connexion(
    client: TestClient, pc: Parcours
) -> None:
    chemin, requete = _deconnecter(client, pc)
    fin = client.get(f"{chemin}?{requete}")
    assert (fin.status_code, fin.headers["location"]) == (303, "/connexion?deconnecte=1")
    assert pc.fournisseur.fins_de_session[-1]["post_logout_redirect_uri"].endswith(chemin)


def test_un_state_altere_au_retour_de_deconnexion_est_signale(client: TestClient, pc: Parcours) -> None:
    chemin, requete = _deconnecter(client, pc)
    altere = client.get(f"{chemin}?{requete}X")
    assert altere.status_code == 400
    assert "n&#39;a pas pu être confirmée" in altere.text
    trace = json.loads(entrees_audit(pc.monde.bdd, "deconnexion")[-1].details)
    assert trace["raison"] == "state"
