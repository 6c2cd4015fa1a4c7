"""Les pages de l'administrateur sans navigateur (SQLite et PostgreSQL) : les quatre yeux, les refus
par rôle, les entrées invalides, la convention lue avant d'être enregistrée, la purge simulée d'abord."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.api.application import creer_application
from service.base.connexion import session_base
from service.modeles import Commune, ConventionEnregistree, Utilisateur
from tests.service.fabriques import Monde, convention_toml, entrees_audit
from tests.web.test_pages import _csrf, connecter

NOUVEAU = {
    "identifiant": "agent.nouveau",
    "nom_affiche": "",
    "role": "agent_commune",
    "communes": "59001, 59002",
    "departement": "",
    "mot_de_passe": "Une autre phrase assez longue 77",
    "courriel": "agent.nouveau@mairie-fictive.fr",
    "siret": "21590001700011",
}
PAGES_ADMINISTRATEUR = ["/admin/communes", "/admin/conventions", "/admin/cles", "/admin/purge"]


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _compte(monde: Monde, identifiant: str) -> Utilisateur | None:
    with session_base(monde.bdd) as session:
        return session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first()


def _creer(client: TestClient, **autres: str) -> TestClient:
    jeton = _csrf(client, "/admin/utilisateurs/nouveau")
    verification = client.post(
        "/admin/utilisateurs/nouveau", data={"csrf": jeton, **NOUVEAU, **autres, "etape": "verifier"}
    )
    assert verification.status_code == 200, verification.text
    assert "Vérifier le nouveau compte" in verification.text
    creation = client.post(
        "/admin/utilisateurs/nouveau", data={"csrf": jeton, **NOUVEAU, **autres, "etape": "creer"}
    )
    assert creation.headers["location"] == "/admin/utilisateurs?fait=cree"
    return client


def test_un_compte_cree_par_l_administrateur_n_est_approuve_que_par_une_autre_personne(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "admin.test")
    # La vérification n'écrit rien, pas même au journal.
    creations_avant = len(entrees_audit(monde.bdd, "compte_cree"))
    client.post(
        "/admin/utilisateurs/nouveau",
        data={"csrf": _csrf(client, "/admin/utilisateurs"), **NOUVEAU, "etape": "verifier"},
    )
    assert _compte(monde, "agent.nouveau") is None
    assert len(entrees_audit(monde.bdd, "compte_cree")) == creations_avant
    _creer(client)
    compte = _compte(monde, "agent.nouveau")
    assert compte is not None
    assert compte.approuve_le is None
    assert compte.courriel == NOUVEAU["courriel"]
    liste = client.get("/admin/utilisateurs").text
    assert "Comptes à approuver (1)" in liste
    assert "Vous l'avez demandé" in html.unescape(liste)
    assert 'href="/admin/utilisateurs/agent.nouveau/approbation"' not in liste

    # Le demandeur n'approuve pas, même en forgeant le formulaire : 403 qui dit pourquoi, audité.
    refus = client.post("/admin/utilisateurs/agent.nouveau/approbation", data={"csrf": _csrf(client)})
    assert refus.status_code == 403
    assert "Vous avez demandé ce compte" in refus.text
    assert "secret-totp" not in refus.text
    assert _compte(monde, "agent.nouveau").approuve_le is None  # type: ignore[union-attr]
    assert entrees_audit(monde.bdd, "autorisation_refusee")

    # Le DPO approuve, après une page de confirmation, et reçoit la clé une seule fois.
    client.cookies.clear()
    connecter(client, monde, "dpo.test")
    confirmation = client.get("/admin/utilisateurs/agent.nouveau/approbation")
    assert confirmation.status_code == 200
    assert "Approuver et voir la clé" in confirmation.text
    page = client.post("/admin/utilisateurs/agent.nouveau/approbation", data={"csrf": _csrf(client)})
    assert page.status_code == 200, page.text
    assert 'src="data:image/svg+xml' in page.text
    secret = re.sub(r"\s", "", re.search(r'id="secret-totp">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    assert secret not in client.get("/admin/utilisateurs").text.replace(" ", "")
    deja = client.post("/admin/utilisateurs/agent.nouveau/approbation", data={"csrf": _csrf(client)})
    assert deja.status_code == 409
    assert "déjà approuvé" in deja.text

    # La personne entre avec le mot de passe initial et la clé remise par l'approbateur.
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as personne:
        monde.secrets["agent.nouveau"] = secret
        reponse = personne.post(
            "/api/v1/session",
            json={
                "identifiant": "agent.nouveau",
                "mot_de_passe": NOUVEAU["mot_de_passe"],
                "code_totp": pyotp.TOTP(secret).now(),
            },
        )
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["mot_de_passe_a_changer"] is True


def test_le_dpo_voit_les_comptes_mais_ne_cree_ni_ne_desactive(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "dpo.test")
    liste = client.get("/admin/utilisateurs")
    assert liste.status_code == 200
    assert "Créer un compte" not in liste.text
    for chemin in ("/admin/utilisateurs/nouveau", "/admin/utilisateurs/agent.a/desactivation"):
        refus = client.get(chemin)
        assert refus.status_code == 403
        assert "réservée à l'administrateur technique de cellule" in html.unescape(refus.text)
    forge = client.post("/admin/utilisateurs/agent.a/desactivation", data={"csrf": _csrf(client)})
    assert forge.status_code == 403
    assert _compte(monde, "agent.a").actif  # type: ignore[union-attr]


@pytest.mark.parametrize("identifiant", ["agent.a", "referent.59", "pilote.test"])
def test_les_pages_d_administration_sont_refusees_aux_autres_roles(
    client: TestClient, monde: Monde, identifiant: str
) -> None:
    connecter(client, monde, identifiant)
    for chemin in ["/admin/utilisateurs", "/admin/utilisateurs/nouveau", *PAGES_ADMINISTRATEUR]:
        refus = client.get(chemin)
        assert refus.status_code == 403, chemin
        assert refus.headers["content-type"].startswith("text/html")
        assert "Cette page est réservée à l'administrateur technique" in html.unescape(refus.text)
        # Aucune donnée : ni compte, ni commune, ni empreinte.
        assert "admin.test" not in refus.text
        assert "Ablainville" not in refus.text
        assert "empreinte" not in refus.text
    purge = client.post("/admin/purge", data={"csrf": _csrf(client, "/compte")})
    assert purge.status_code == 403


def test_le_dpo_n_ouvre_pas_les_pages_de_l_administrateur(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "dpo.test")
    for chemin in PAGES_ADMINISTRATEUR:
        assert client.get(chemin).status_code == 403, chemin


def test_une_creation_invalide_dit_quoi_corriger_champ_par_champ(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "admin.test")
    jeton = _csrf(client, "/admin/utilisateurs/nouveau")
    cas = [
        ({"identifiant": "é!"}, "identifiant", "Identifiant invalide"),
        ({"identifiant": "agent.a"}, "identifiant", "existe déjà"),
        ({"role": "roi"}, "role", "Choisissez un rôle"),
        ({"communes": "99999"}, "communes", "Commune(s) inconnue(s) : 99999"),
        ({"mot_de_passe": "motdepasse"}, "mot_de_passe", ""),
        ({"siret": "123"}, "siret", "SIRET invalide"),
        ({"courriel": "pas une adresse"}, "courriel", "Adresse électronique invalide"),
        ({"role": "referent_dsden", "communes": ""}, "departement", "département"),
        ({"identifiant": "a\u200bb"}, "identifiant", ""),
    ]
    for autres, champ, message in cas:
        page = client.post(
            "/admin/utilisateurs/nouveau", data={"csrf": jeton, **NOUVEAU, **autres, "etape": "creer"}
        )
        assert page.status_code == 422, (autres, page.text)
        assert f'id="erreur-{champ}"' in page.text, autres
        assert message in page.text
        assert "Erreur — Créer un compte" in page.text
    assert _compte(monde, "agent.nouveau") is None
    sans_jeton = client.post("/admin/utilisateurs/nouveau", data={**NOUVEAU, "etape": "creer"})
    assert sans_jeton.status_code == 403
    assert _compte(monde, "agent.nouveau") is None


def test_desactiver_et_renouveler_le_second_facteur_passent_par_une_confirmation(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "admin.test")
    assert "Désactiver le compte" in client.get("/admin/utilisateurs/agent.b/desactivation").text
    assert _compte(monde, "agent.b").actif  # type: ignore[union-attr]
    fait = client.post("/admin/utilisateurs/agent.b/desactivation", data={"csrf": _csrf(client)})
    assert fait.headers["location"] == "/admin/utilisateurs?fait=desactive"
    assert not _compte(monde, "agent.b").actif  # type: ignore[union-attr]
    encore = client.post("/admin/utilisateurs/agent.b/desactivation", data={"csrf": _csrf(client)})
    assert encore.status_code == 409

    ancien = _compte(monde, "agent.a")
    assert ancien is not None
    assert "Demander un nouveau second facteur" in client.get("/admin/utilisateurs/agent.a/totp").text
    assert client.post("/admin/utilisateurs/agent.a/totp", data={"csrf": _csrf(client)}).status_code == 303
    apres = _compte(monde, "agent.a")
    assert apres is not None
    assert apres.totp_secret != ancien.totp_secret
    assert apres.approuve_le is None
    # Demandé par l'administrateur : c'est au DPO de l'approuver.
    assert "Comptes à approuver (1)" in client.get("/admin/utilisateurs").text
    assert (
        client.post("/admin/utilisateurs/agent.a/approbation", data={"csrf": _csrf(client)}).status_code
        == 403
    )
    moi = client.post("/admin/utilisateurs/admin.test/desactivation", data={"csrf": _csrf(client)})
    assert moi.status_code == 409
    assert client.get("/admin/utilisateurs/inconnu/totp").status_code == 404


def test_communes_ajout_et_refus(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "admin.test")
    page = client.get("/admin/communes").text
    assert "Ablainville-Fictive" in page
    jeton = _csrf(client, "/admin/communes")
    ajout = client.post(
        "/admin/communes", data={"csrf": jeton, "insee": "59003", "nom": "Coron-Fictif", "departement": "59"}
    )
    assert ajout.headers["location"] == "/admin/communes?fait=59003"
    assert "La commune 59003 est enregistrée" in client.get(ajout.headers["location"]).text
    for donnees, champ in (
        ({"insee": "5900", "nom": "X", "departement": "59"}, "insee"),
        ({"insee": "59004", "nom": "X", "departement": "62"}, "departement"),
        ({"insee": "59004", "nom": "", "departement": "59"}, "nom"),
    ):
        refus = client.post("/admin/communes", data={"csrf": jeton, **donnees})
        assert refus.status_code == 422
        assert f'id="erreur-{champ}"' in refus.text
    with session_base(monde.bdd) as session:
        assert session.get(Commune, "59004") is None
        assert session.get(Commune, "59003") is not None


def test_une_convention_est_lue_et_montree_avant_d_etre_enregistree(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "admin.test")
    jeton = _csrf(client, "/admin/conventions")
    texte = convention_toml("msa-test", "msa", "pivot-familles", ["59001"])
    lue = client.post(
        "/admin/conventions/verification",
        data={"csrf": jeton},
        files={"convention": ("msa.toml", texte.encode("utf-8"), "application/toml")},
    )
    assert lue.status_code == 200, lue.text
    assert "Enregistrer la convention" in lue.text
    assert "01/09/2025" in lue.text
    assert "31/08/2030" in lue.text
    with session_base(monde.bdd) as session:
        assert session.get(ConventionEnregistree, "msa-test") is None
    cache = re.search(r'name="texte_toml" value="([^"]*)"', lue.text, re.S)
    assert cache
    enregistree = client.post(
        "/admin/conventions",
        data={"csrf": jeton, "texte_toml": html.unescape(cache.group(1))},
    )
    assert enregistree.headers["location"] == "/admin/conventions?fait=enregistree"
    liste = client.get("/admin/conventions").text
    assert "msa-test" in liste
    assert "En vigueur" in liste
    assert entrees_audit(monde.bdd, "convention_ajoutee")
    # Déposée de nouveau : elle remplacerait celle qui existe, et la page le dit.
    encore = client.post(
        "/admin/conventions/verification",
        data={"csrf": jeton},
        files={"convention": ("msa.toml", texte.encode("utf-8"), "application/toml")},
    )
    assert "Remplacer la convention" in encore.text


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"", "Choisissez le fichier"),
        (b"\xff\xfe pas de l'UTF-8", "UTF-8"),
        (b"identifiant = ", "Convention"),
        (convention_toml("x", "caf", "pivot-familles", ["99999"]).encode(), "non enregistr"),
    ],
)
def test_une_convention_invalide_est_refusee_sans_rien_enregistrer(
    client: TestClient, monde: Monde, contenu: bytes, message: str
) -> None:
    connecter(client, monde, "admin.test")
    fichiers = {"convention": ("c.toml", contenu, "application/toml")} if contenu else {}
    page = client.post(
        "/admin/conventions/verification", data={"csrf": _csrf(client, "/admin/conventions")}, files=fichiers
    )
    if message == "non enregistr":
        # Lue, mais ses communes sont inconnues : pas de bouton pour l'enregistrer.
        assert page.status_code == 200
        assert "Communes non enregistrées" in page.text
        assert "Enregistrer la convention" not in page.text
        forge = client.post(
            "/admin/conventions",
            data={"csrf": _csrf(client, "/admin/conventions"), "texte_toml": contenu.decode()},
        )
        assert forge.status_code == 422
        assert "non enregistrée" in forge.text
    else:
        assert page.status_code == 422, page.text
        assert 'id="erreur-convention"' in page.text
        assert message.lower() in page.text.lower()
    with session_base(monde.bdd) as session:
        assert session.get(ConventionEnregistree, "x") is None


def test_les_cles_se_montrent_par_leurs_empreintes_seulement(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "admin.test")
    page = client.get("/admin/cles")
    assert page.status_code == 200, page.text
    etat = monde.coffre().trousseau.etat()
    assert etat.empreinte_cle_maitresse in page.text
    assert "Prochaine purge" in page.text
    assert "Si la purge passait maintenant" in page.text
    cle = monde.reglages.chemin_cle_maitresse().read_bytes()
    assert cle.decode("ascii", "ignore").strip() not in page.text


def test_la_purge_est_simulee_puis_confirmee(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "admin.test")
    accueil = client.get("/admin/purge")
    assert "Simuler la purge" in accueil.text
    simulation = client.get("/admin/purge?simulation=1")
    assert simulation.status_code == 200
    assert "rien n'a été effacé" in html.unescape(simulation.text)
    assert "seraient effacés" in simulation.text
    assert "Confirmer la purge" in simulation.text
    assert client.post("/admin/purge", data={}).status_code == 403
    faite = client.post("/admin/purge", data={"csrf": _csrf(client, "/admin/purge")})
    assert faite.status_code == 200, faite.text
    assert "La purge est faite" in faite.text
    assert "ont été effacés" in faite.text
