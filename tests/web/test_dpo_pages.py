"""Les pages du DPO sans navigateur : journal d'audit (recherche, vérification, point de contrôle,
export) et droit d'accès ; mêmes refus et même audit que l'API, sur SQLite et PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from markupsafe import escape

import audit
from service.api.application import creer_application
from tests.audit.conftest import attaquer
from tests.service.fabriques import A, Monde, entrees_audit, identite
from tests.web.test_pages import _csrf, connecter

AUTRES_ROLES = ("agent.a", "referent.59", "admin.test")
PAGES_DU_DPO = ("/audit", "/audit/export.csv", "/audit/point-de-controle.json", "/droit-acces")


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _details(entree: sa.Row[object]) -> dict[str, object]:
    details = entree.details  # type: ignore[attr-defined]
    return json.loads(details) if isinstance(details, str) else details


def _semer_enfant(monde: Monde) -> str:
    [cas] = monde.semer_cas(A, [identite("LEFEBVRE", "Anouk Maëlle", date(2015, 3, 14))])
    return cas


@pytest.mark.parametrize("identifiant", AUTRES_ROLES)
def test_les_pages_du_dpo_refusent_les_autres_roles_avec_une_page_qui_dit_pourquoi(
    client: TestClient, monde: Monde, identifiant: str
) -> None:
    _semer_enfant(monde)
    connecter(client, monde, identifiant)
    csrf = _csrf(client)
    refus = [client.get(chemin) for chemin in PAGES_DU_DPO]
    refus += [
        client.post("/audit/verifier", data={"csrf": csrf}),
        client.post(
            "/droit-acces",
            data={"csrf": csrf, "nom": "LEFEBVRE", "prenoms": "Anouk Maëlle", "motif": "demande_famille"},
        ),
        client.post(
            "/droit-acces/reponse.pdf",
            data={"csrf": csrf, "nom": "LEFEBVRE", "prenoms": "Anouk Maëlle", "motif": "demande_famille"},
        ),
    ]
    for reponse in refus:
        assert reponse.status_code == 403, reponse.request.url
        assert reponse.headers["content-type"].startswith("text/html")
        assert "Accès refusé" in reponse.text
        assert "délégué à la protection des données (DPO)" in reponse.text
        # Aucune donnée : ni entrée du journal, ni identité.
        assert "LEFEBVRE" not in reponse.text
        assert "consultation_journal" not in reponse.text
    refusees = entrees_audit(monde.bdd, "autorisation_refusee")
    assert {_details(e)["operation"] for e in refusees} >= {"audit_lire", "audit_verifier", "droit_acces"}
    assert entrees_audit(monde.bdd, "consultation_journal") == []
    assert entrees_audit(monde.bdd, "export_droit_acces") == []


def test_le_dpo_cherche_dans_le_journal_et_chaque_consultation_est_journalisee(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "agent.a")
    client.cookies.clear()
    connecter(client, monde, "dpo.test")
    page = client.get("/audit", params={"action": "connexion", "acteur": "agent.a"})
    assert page.status_code == 200
    lignes = re.findall(r"<tr>\s*<th scope=\"row\">(\d+)</th>", page.text)
    assert len(lignes) == 1
    assert "<caption>Entrées du journal" in page.text
    assert "1 entrée répond à ces critères." in page.text
    # Le lien d'export reprend les critères de la recherche.
    assert 'href="/audit/export.csv?acteur=agent.a&amp;action=connexion"' in page.text
    [consultation] = entrees_audit(monde.bdd, "consultation_journal")
    assert consultation.acteur == "dpo.test"
    assert _details(consultation) == {"page": 1, "resultats": 1}
    # Une période qui ne contient rien, et une cible donnée par son seul type.
    vide = client.get("/audit", params={"debut": "2001-01-01", "fin": "2001-01-31"})
    assert "Aucune entrée ne répond à ces critères." in vide.text
    comptes = client.get("/audit", params={"cible": "compte"})
    assert comptes.status_code == 200
    assert "compte : " in comptes.text


def test_la_recherche_du_journal_est_paginee_par_le_serveur(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "dpo.test")
    # Chaque consultation ajoute une entrée : de quoi remplir plus d'une page de 50.
    for _ in range(60):
        client.get("/audit?action=connexion")
    with monde.bdd.connect() as connexion:
        total = audit.lire(connexion).total
    premiere = client.get("/audit")
    assert "page 1 sur" in premiere.text
    assert 'href="/audit?page=2"' in premiere.text
    deuxieme = client.get("/audit?page=2")
    numeros = [int(n) for n in re.findall(r"<th scope=\"row\">(\d+)</th>", deuxieme.text)]
    # La première page a ajouté son entrée : la seconde repart 50 entrées sous la plus récente.
    assert numeros == list(range(total + 1 - 50, max(0, total + 1 - 100), -1))
    # Une page au-delà de la dernière ne fait pas d'erreur.
    assert client.get("/audit?page=99999").status_code == 200
    assert client.get("/audit?page=abc").status_code == 200


@pytest.mark.parametrize(
    ("parametres", "champ", "message"),
    [
        ({"debut": "31/12/2026"}, "debut", "Saisissez une date au format JJ/MM/AAAA"),
        ({"debut": "2026-12-10", "fin": "2026-12-01"}, "fin", "La fin de la période est avant son début"),
        ({"acteur": "Jeanne Martin"}, "acteur", "Saisissez un identifiant de compte"),
        ({"action": "effacer_tout"}, "action", "Choisissez une action dans la liste."),
        ({"cible": "cas:un nom"}, "cible", "Saisissez le type, puis « : »"),
    ],
)
def test_un_critere_refuse_est_signale_a_cote_de_son_champ_sans_erreur_du_service(
    client: TestClient, monde: Monde, parametres: dict[str, str], champ: str, message: str
) -> None:
    connecter(client, monde, "dpo.test")
    page = client.get("/audit", params=parametres)
    assert page.status_code == 422
    assert f'id="erreur-{champ}"' in page.text
    assert message in page.text
    assert "<title>Erreur — Journal d" in page.text
    # Rien n'a été cherché, donc rien à journaliser ; l'export renvoie à la même page.
    assert entrees_audit(monde.bdd, "consultation_journal") == []
    assert client.get("/audit/export.csv", params=parametres).status_code == 422
    assert entrees_audit(monde.bdd, "export_journal") == []


def test_l_export_csv_reprend_la_recherche_et_est_journalise(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    client.cookies.clear()
    connecter(client, monde, "dpo.test")
    reponse = client.get("/audit/export.csv", params={"action": "connexion"})
    assert reponse.status_code == 200
    assert reponse.headers["content-type"].startswith("text/csv")
    assert reponse.content.startswith("\ufeff".encode())
    lignes = reponse.content.decode("utf-8-sig").splitlines()
    assert lignes[0].startswith("sequence;heure;acteur")
    assert len(lignes) == 3
    assert all(";connexion;" in ligne for ligne in lignes[1:])
    [export] = entrees_audit(monde.bdd, "export_journal")
    assert _details(export) == {"filtre_action": "connexion", "filtre_acteur": None}


def test_verifier_l_integrite_donne_le_verdict_de_cellule_audit_verifier(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "dpo.test")
    csrf = _csrf(client, "/audit")
    sans_jeton = client.post("/audit/verifier", data={})
    assert sans_jeton.status_code == 403
    intact = client.post("/audit/verifier", data={"csrf": csrf})
    assert intact.status_code == 200
    assert "Journal intact" in intact.text
    assert 'role="status"' in intact.text
    [verification] = [
        e for e in entrees_audit(monde.bdd, "consultation_journal") if "verification" in _details(e)
    ]
    assert _details(verification)["verification"] == "intact"
    # Une entrée réécrite en base, déclencheurs retirés : la page nomme la première entrée fautive.
    attaquer(monde.bdd, "UPDATE audit_journal SET acteur = 'intrus' WHERE sequence = 3")
    altere = client.post("/audit/verifier", data={"csrf": csrf})
    assert altere.status_code == 200
    assert "Journal altéré" in altere.text
    assert "entrée n° 3" in altere.text
    with monde.bdd.connect() as connexion:
        attendu = audit.verifier(connexion, cles=set())
    assert attendu.anomalie is not None
    assert str(escape(attendu.anomalie.motif)) in altere.text


def test_le_dernier_point_de_controle_signe_se_telecharge(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "dpo.test")
    aucun = client.get("/audit/point-de-controle.json")
    assert aucun.status_code == 404
    assert "Aucun point de contrôle signé" in aucun.text
    assert "Télécharger le point de contrôle" not in client.get("/audit").text
    signataire = audit.Signataire.charger(monde.reglages.chemin_cle_audit(), creer=True)
    with monde.bdd.begin() as connexion:
        signe = audit.signer_point_de_controle(connexion, signataire)
    assert "Télécharger le point de contrôle" in client.get("/audit").text
    fichier = client.get("/audit/point-de-controle.json")
    assert fichier.status_code == 200
    assert "attachment" in fichier.headers["content-disposition"]
    point = audit.PointDeControle.depuis_json(fichier.text)
    assert point == signe
    assert point.signature_valide()
    exports = [e for e in entrees_audit(monde.bdd, "export_journal") if "point_de_controle" in _details(e)]
    assert [_details(e)["point_de_controle"] for e in exports] == [signe.taille]


def test_le_droit_d_acces_rend_une_reponse_lisible_par_la_famille_et_auditee(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer_enfant(monde)
    monde.semer_cas(A, [identite("LEFEBVRE", "Jules", date(2013, 6, 2))])
    connecter(client, monde, "dpo.test")
    formulaire = client.get("/droit-acces")
    assert formulaire.status_code == 200
    assert 'name="motif"' in formulaire.text
    csrf = _csrf(client, "/droit-acces")
    demande = {
        "csrf": csrf,
        "nom": "LEFEBVRE",
        "prenoms": "Anouk Maëlle",
        "date_naissance": "2015-03-14",
        "motif": "demande_famille",
    }
    page = client.post("/droit-acces", data=demande)
    assert page.status_code == 200
    texte = page.text
    assert "Réponse à votre demande de droit d'accès" in texte
    assert "Anouk Maëlle LEFEBVRE, né(e) le 14/03/2015" in texte
    assert "commune de Ablainville-Fictive" in texte
    assert "signalée à la mairie, qui vérifie la situation" in texte
    assert "1 rue Imaginaire" in texte
    assert "31 août" in texte
    assert "CNIL" in texte
    # Seul cet enfant : pas son frère du même nom.
    assert "Jules" not in texte
    assert 'href="/statique/impression.css" media="print"' in texte
    [export] = entrees_audit(monde.bdd, "export_droit_acces")
    assert export.motif == "demande_famille"
    assert _details(export) == {"cas": [cas]}
    # Le journal ne garde jamais l'identité cherchée.
    with monde.bdd.connect() as connexion:
        assert "LEFEBVRE" not in "".join(
            str(ligne) for ligne in connexion.execute(sa.select(audit.tables.journal))
        )
    pdf = client.post("/droit-acces/reponse.pdf", data=demande)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert len(entrees_audit(monde.bdd, "export_droit_acces")) == 2


def test_le_droit_d_acces_sans_rien_au_registre_le_dit_simplement(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "dpo.test")
    demande = {
        "csrf": _csrf(client, "/droit-acces"),
        "nom": "INCONNU",
        "prenoms": "Zoé",
        "motif": "controle_dpo",
    }
    page = client.post("/droit-acces", data=demande)
    assert page.status_code == 200
    assert "Le registre ne contient aucune information sur cet enfant." in page.text
    [export] = entrees_audit(monde.bdd, "export_droit_acces")
    assert export.motif == "controle_dpo"
    assert client.post("/droit-acces/reponse.pdf", data=demande).content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("modifie", "champ", "message"),
    [
        ({"nom": ""}, "nom", "Saisissez le nom de l'enfant."),
        ({"prenoms": "  "}, "prenoms", "Saisissez le ou les prénoms de l'enfant."),
        ({"date_naissance": "14/03/2015"}, "date_naissance", "Saisissez une date au format JJ/MM/AAAA"),
        ({"date_naissance": "2999-01-01"}, "date_naissance", "Cette date est dans l'avenir"),
        ({"motif": "curiosite"}, "motif", "Choisissez l'un des deux motifs proposés."),
        ({"motif": ""}, "motif", "Choisissez pourquoi vous faites cette recherche."),
        ({"nom": "X" * 201}, "nom", "200 caractères au plus."),
    ],
)
def test_une_demande_de_droit_d_acces_incomplete_est_refusee_champ_par_champ(
    client: TestClient, monde: Monde, modifie: dict[str, str], champ: str, message: str
) -> None:
    connecter(client, monde, "dpo.test")
    demande = {
        "csrf": _csrf(client, "/droit-acces"),
        "nom": "LEFEBVRE",
        "prenoms": "Anouk",
        "motif": "demande_famille",
    }
    for chemin in ("/droit-acces", "/droit-acces/reponse.pdf"):
        page = client.post(chemin, data={**demande, **modifie})
        assert page.status_code == 422
        assert f'id="erreur-{champ}"' in page.text
        assert str(escape(message)) in page.text
    assert entrees_audit(monde.bdd, "export_droit_acces") == []


def test_le_droit_d_acces_sans_jeton_csrf_est_refuse(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "dpo.test")
    reponse = client.post(
        "/droit-acces", data={"nom": "LEFEBVRE", "prenoms": "Anouk", "motif": "demande_famille"}
    )
    assert reponse.status_code == 403
    assert entrees_audit(monde.bdd, "export_droit_acces") == []
