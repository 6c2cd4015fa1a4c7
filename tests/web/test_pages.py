"""Les pages sans navigateur (client HTTP) : politique de contenu, CSRF, redirections, erreurs en HTML."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.application import creer_application
from tests.service.fabriques import MOT_DE_PASSE, Monde, code_totp, entrees_audit


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    """Un navigateur sans JavaScript : il garde ses cookies et ne suit pas les redirections."""
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _jeton_de_connexion(client: TestClient) -> str:
    page = client.get("/connexion")
    trouve = re.search(r'name="jeton_formulaire" value="([^"]+)"', page.text)
    assert trouve
    return trouve.group(1)


def connecter(
    client: TestClient, monde: Monde, identifiant: str, *, suite: str = "/", decalage: int = 0
) -> str:
    """Se connecte par le formulaire de la page ; rend l'adresse où la connexion renvoie."""
    reponse = client.post(
        "/connexion",
        data={
            "identifiant": identifiant,
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets[identifiant], decalage),
            "jeton_formulaire": _jeton_de_connexion(client),
            "suite": suite,
        },
    )
    assert reponse.status_code == 303, reponse.text
    return reponse.headers["location"]


def _csrf(client: TestClient, chemin: str = "/compte") -> str:
    trouve = re.search(r'name="csrf" value="([^"]+)"', client.get(chemin).text)
    assert trouve
    return trouve.group(1)


def test_chaque_page_a_sa_politique_de_contenu_stricte_avec_un_nonce_neuf(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    politiques = []
    for chemin in ("/", "/compte", "/connexion", "/mentions-legales", "/absente"):
        reponse = client.get(chemin, follow_redirects=True)
        assert reponse.headers["content-type"].startswith("text/html")
        politique = reponse.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", politique)
        assert nonce, politique
        for directive in (
            "script-src 'self' 'nonce-",
            "style-src 'self';",
            "img-src 'self' data:",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "connect-src 'self'",
        ):
            assert directive in politique
        assert "unsafe-inline" not in politique
        politiques.append(politique)
        # Aucun script en ligne sans le nonce, aucune adresse d'un autre site.
        for balise in re.findall(r"<script[^>]*>", reponse.text):
            assert 'src="/statique/' in balise or f'nonce="{nonce.group(1)}"' in balise
        assert not re.search(r"(src|href)=\"(https?:)?//", reponse.text)
    assert len(set(politiques)) == len(politiques)
    # La fin de session maximale est donnée au script avec son fuseau (le navigateur est en France).
    assert re.search(r'data-expire-le="[^"]+\+00:00"', client.get("/").text)
    # L'API garde sa propre politique, et ses réponses JSON.
    api = client.get("/api/v1/session")
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert api.headers["content-type"] == "application/json"


def test_une_page_sans_session_renvoie_a_la_connexion_puis_ramene_a_la_page_demandee(
    client: TestClient, monde: Monde
) -> None:
    reponse = client.get("/compte")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=/compte"
    assert connecter(client, monde, "agent.a", suite="/compte") == "/compte"
    # L'adresse demandée garde ses paramètres.
    client.cookies.clear()
    renvoi = client.get("/compte?fait=totp").headers["location"]
    assert renvoi == "/connexion?suite=/compte%3Ffait%3Dtotp"
    assert connecter(client, monde, "agent.a", suite="/compte?fait=totp", decalage=1) == "/compte?fait=totp"


def test_une_session_expiree_est_annoncee_a_la_connexion(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    with monde.bdd.begin() as connexion:
        connexion.exec_driver_sql("update session_web set fermee_le = creee_le")
    renvoi = client.get("/compte").headers["location"]
    assert renvoi == "/connexion?suite=/compte&expiree=1"
    assert "Votre session est fermée" in client.get(renvoi).text


@pytest.mark.parametrize(
    "suite",
    [
        "https://ailleurs.example/",
        "//ailleurs.example/",
        "/\\ailleurs.example",
        "/api/v1/cas",
        "javascript:x",
    ],
)
def test_apres_connexion_une_adresse_d_un_autre_site_n_est_jamais_suivie(
    client: TestClient, monde: Monde, suite: str
) -> None:
    assert connecter(client, monde, "agent.a", suite=suite) == "/"


def test_un_formulaire_sans_jeton_csrf_ou_avec_un_faux_est_refuse_en_html_et_audite(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    for donnees in ({}, {"csrf": "faux"}):
        reponse = client.post("/deconnexion", data=donnees)
        assert reponse.status_code == 403
        assert reponse.headers["content-type"].startswith("text/html")
        assert "Ce formulaire a expiré ou ne vient pas de cellule" in reponse.text
    assert len([e for e in entrees_audit(monde.bdd, "autorisation_refusee") if e.acteur == "agent.a"]) == 2
    # Toujours connecté : le refus n'a rien fermé ; avec le bon jeton, la déconnexion marche.
    assert client.get("/").status_code == 200
    sortie = client.post("/deconnexion", data={"csrf": _csrf(client)})
    assert sortie.status_code == 303
    assert sortie.headers["location"] == "/connexion?deconnecte=1"
    assert client.get("/").headers["location"] == "/connexion"
    assert entrees_audit(monde.bdd, "deconnexion")


def test_la_connexion_refuse_un_formulaire_venu_d_ailleurs(client: TestClient, monde: Monde) -> None:
    reponse = client.post(
        "/connexion",
        data={
            "identifiant": "agent.a",
            "mot_de_passe": MOT_DE_PASSE,
            "code_totp": code_totp(monde.secrets["agent.a"]),
        },
    )
    assert reponse.status_code == 403
    assert "Ce formulaire de connexion a expiré" in reponse.text
    assert "cellule_session" not in reponse.cookies


def test_une_connexion_refusee_dit_le_meme_message_qu_a_l_api_et_est_auditee(
    client: TestClient, monde: Monde
) -> None:
    reponse = client.post(
        "/connexion",
        data={
            "identifiant": "agent.a",
            "mot_de_passe": "pas le bon",
            "code_totp": "123456",
            "jeton_formulaire": _jeton_de_connexion(client),
        },
    )
    assert reponse.status_code == 401
    assert "Identifiant, mot de passe ou code à usage unique incorrect" in reponse.text
    refus = [e for e in entrees_audit(monde.bdd, "connexion") if e.resultat == "refus"]
    details = refus[-1].details
    assert (json.loads(details) if isinstance(details, str) else details)["raison"] == "mot_de_passe"


def test_la_page_de_connexion_suit_le_limiteur_de_l_api(client: TestClient, monde: Monde) -> None:
    client.app.state.limiteur.__init__(1)  # type: ignore[attr-defined]
    donnees = {"identifiant": "agent.a", "mot_de_passe": "x", "code_totp": "1"}
    client.post("/connexion", data={**donnees, "jeton_formulaire": _jeton_de_connexion(client)})
    reponse = client.post("/connexion", data={**donnees, "jeton_formulaire": _jeton_de_connexion(client)})
    assert reponse.status_code == 429
    assert "Trop de tentatives de connexion" in reponse.text


def test_un_mot_de_passe_initial_mene_a_mon_compte_et_ferme_les_autres_pages(
    client: TestClient, monde: Monde
) -> None:
    with monde.bdd.begin() as connexion:
        connexion.exec_driver_sql(
            "update utilisateur set mot_de_passe_a_changer = true where identifiant = 'agent.a'"
        )
    assert connecter(client, monde, "agent.a") == "/compte?initial=1"
    assert client.get("/").headers["location"] == "/compte?initial=1"
    assert "Choisissez votre mot de passe" in client.get("/compte").text
    nouveau = "Trois girafes lisent le journal sous la pluie"
    reponse = client.post(
        "/compte/mot-de-passe",
        data={"csrf": _csrf(client), "ancien": MOT_DE_PASSE, "nouveau": nouveau, "confirmation": nouveau},
    )
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/"
    assert client.get("/").status_code == 200


def test_les_erreurs_des_pages_sont_en_html_francais_et_celles_de_l_api_restent_en_json(
    client: TestClient, monde: Monde
) -> None:
    page = client.get("/absente")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text
    assert "Traceback" not in page.text
    assert '<main id="contenu"' in page.text
    api = client.get("/api/v1/absente")
    assert api.status_code == 404
    assert api.json() == {"detail": "Ressource introuvable."}
    # Un caractère invisible dans l'adresse : 422, en page pour une page.
    refus = client.get("/connexion?suite=%E2%80%8B")
    assert refus.status_code == 422
    assert refus.headers["content-type"].startswith("text/html")
    assert "caractère de contrôle ou invisible" in refus.text
    # Un envoi trop gros : 413, en page.
    gros = client.post("/connexion", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "text/plain"})
    assert gros.status_code == 413
    assert "Envoi trop gros" in gros.text
    # Une méthode inattendue : 405, en page.
    assert client.delete("/compte").headers["content-type"].startswith("text/html")


def test_le_theme_neutre_retire_la_marque_de_l_etat(monde: Monde, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.parametres import parametres

    monkeypatch.setenv("CELLULE_MARQUE_ETAT", "false")
    monkeypatch.setenv("CELLULE_OPERATEUR", "Syndicat intercommunal fictif")
    parametres.cache_clear()
    with TestClient(creer_application(monde.bdd)) as client:
        page = client.get("/connexion").text
    assert "fr-logo" not in page
    assert "République" not in page
    assert "/statique/neutre.css" in page
    assert "Syndicat intercommunal fictif" in page


def test_une_erreur_interne_sur_une_page_repond_par_une_page_sans_trace(monde: Monde) -> None:
    application = creer_application(monde.bdd)

    @application.get("/page-en-panne")
    def panne() -> None:
        raise ValueError("PANNEFICTIF LOU 2015-13-02")

    with TestClient(application, raise_server_exceptions=False) as client:
        reponse = client.get("/page-en-panne")
    assert reponse.status_code == 500
    assert reponse.headers["content-type"].startswith("text/html")
    assert reponse.headers["X-Requete"] in reponse.text
    assert "PANNEFICTIF" not in reponse.text
    assert "Traceback" not in reponse.text
