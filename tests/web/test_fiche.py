"""La fiche d'un cas, sans navigateur : identité derrière un motif audité, explication du vrai moteur,
décisions sur les candidats, confirmation avant une transmission, périmètre et CSRF (SQLite et PostgreSQL).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from service.api.application import creer_application
from service.base.connexion import session_base
from service.modeles import Cas
from tests.service.fabriques import A, Monde, entrees_audit, identite
from tests.service.test_explication_api import _frere_et_soeur, _semer
from tests.web.test_pages import connecter


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _csrf(page: str) -> str:
    trouve = re.search(r'name="csrf" value="([^"]+)"', page)
    assert trouve, "la page n'a pas de formulaire protégé"
    return trouve.group(1)


def _consulter(client: TestClient, cas: str, motif: str = "verification") -> tuple[int, str]:
    jeton = _csrf(client.get(f"/cas/{cas}").text)
    reponse = client.post(
        f"/cas/{cas}/consulter", data={"csrf": jeton, "motif_consultation": motif}, follow_redirects=True
    )
    return reponse.status_code, html.unescape(reponse.text)


def _decider(client: TestClient, cas: str, **champs: str) -> tuple[int, str, str]:
    jeton = _csrf(client.get(f"/cas/{cas}").text)
    reponse = client.post(
        f"/cas/{cas}/transitions", data={"csrf": jeton, "motif_consultation": "procedure", **champs}
    )
    return reponse.status_code, reponse.headers.get("location", ""), html.unescape(reponse.text)


def _statut(monde: Monde, cas: str) -> tuple[str, str | None]:
    with session_base(monde.bdd) as session:
        ligne = session.get(Cas, cas)
        assert ligne is not None
        return ligne.statut, ligne.motif


def _consultations(monde: Monde, cas: str) -> list[str | None]:
    return [e.motif for e in entrees_audit(monde.bdd, "consultation") if e.cible_id == cas]


def test_sans_motif_la_fiche_ne_montre_ni_identite_ni_explication(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    page = html.unescape(client.get(f"/cas/{cas}").text)
    assert "<title>Cas " in page
    assert "Ablainville" in page or A in page
    assert "repéré" in page
    assert 'name="motif_consultation"' in page
    for secret in ("MARTINFICTIF", "LUCAS", "LEA", "Acacias", "onde-1-7"):
        assert secret not in page
    assert _consultations(monde, cas) == []


def test_le_motif_choisi_montre_l_identite_et_la_cascade_et_il_est_audite(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    code, page = _consulter(client, cas, "verification")
    assert code == 200
    assert "MARTINFICTIF" in page
    assert "LUCAS PAUL" in page
    # La cascade : la valeur de chaque côté, l'accord en mots, les points, le total face aux seuils.
    assert "Comment le score se construit" in page
    assert "identique" in page
    assert "différent" in page
    assert "−6,53" in page
    assert "+ 12,05" in page
    assert "25,36" in page
    assert "seuil d'appariement" in page
    # Les candidats côte à côte, une décision par candidat, et « aucun n'est l'enfant ».
    assert page.count("C'est cet élève<span") == 2
    assert 'value="onde-1-7"' in page
    assert 'value="onde-1-8"' in page
    assert "Aucun n'est l'enfant" in page
    assert "Repérage par un passage" in page
    assert _consultations(monde, cas) == ["verification"]
    # Le motif vaut pour la session, comme sur la liste des cas : chaque affichage est audité.
    assert "MARTINFICTIF" in client.get(f"/cas/{cas}").text
    assert _consultations(monde, cas) == ["verification", "verification"]


@pytest.mark.parametrize("motif", ["", "jade martin", "controle"])
def test_un_motif_absent_ou_inconnu_est_refuse_sans_montrer_l_identite(
    client: TestClient, monde: Monde, motif: str
) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    code, page = _consulter(client, cas, motif)
    assert code == 422
    assert "Choisissez pourquoi vous affichez" in page
    assert "aria-invalid" not in page or "MARTINFICTIF" not in page
    assert "MARTINFICTIF" not in page
    assert _consultations(monde, cas) == []


def test_sans_jeton_csrf_la_consultation_est_refusee(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    reponse = client.post(f"/cas/{cas}/consulter", data={"motif_consultation": "verification"})
    assert reponse.status_code == 403
    assert "MARTINFICTIF" not in reponse.text
    assert _consultations(monde, cas) == []


def test_un_agent_d_une_autre_commune_est_refuse_et_le_refus_est_audite(
    client: TestClient, monde: Monde
) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.b")
    reponse = client.get(f"/cas/{cas}")
    assert reponse.status_code == 403
    assert "pas dans votre périmètre" in reponse.text
    jeton = _csrf(client.get("/compte").text)
    for chemin, donnees in (
        (f"/cas/{cas}/consulter", {"motif_consultation": "verification"}),
        (f"/cas/{cas}/transitions", {"action": "choisir_candidat", "id_inscrit": "onde-1-7"}),
    ):
        refus = client.post(chemin, data={"csrf": jeton, **donnees})
        assert refus.status_code == 403
        assert "MARTINFICTIF" not in refus.text
    assert _statut(monde, cas) == ("repere", None)
    refus = entrees_audit(monde.bdd, "autorisation_refusee")
    assert any(e.cible_id == cas and e.resultat == "refus" for e in refus)


def test_un_cas_inconnu_est_une_page_404_en_francais(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    for chemin in ("/cas/inconnu", "/cas/" + "f" * 300):
        reponse = client.get(chemin)
        assert reponse.status_code == 404
        assert "Cas introuvable" in reponse.text


def test_le_referent_ne_voit_pas_un_cas_non_transmis(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "referent.59")
    assert client.get(f"/cas/{cas}").status_code == 403


def test_choisir_un_candidat_clot_le_cas_comme_inscrit(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    code, adresse, _ = _decider(client, cas, action="choisir_candidat", id_inscrit="onde-1-8")
    assert (code, adresse) == (303, f"/cas/{cas}?fait=choisir_candidat")
    assert _statut(monde, cas) == ("classe", "inscrit_constate")
    page = html.unescape(client.get(adresse).text)
    assert "le cas est clos (inscrit constaté)" in page
    assert "Ce cas est clos : il n'y a rien à faire." in page


def test_un_eleve_hors_des_candidats_est_refuse_a_cote_du_champ(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    code, _, page = _decider(client, cas, action="choisir_candidat", id_inscrit="onde-9-9")
    assert code == 422
    assert "Cet élève ne figure pas parmi les candidats du cas." in page
    assert _statut(monde, cas) == ("repere", None)


def test_aucun_n_est_l_enfant_laisse_le_cas_signale(client: TestClient, monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    connecter(client, monde, "agent.a")
    code, adresse, _ = _decider(client, cas, action="ecarter_candidats")
    assert code == 303
    assert _statut(monde, cas) == ("repere", None)
    page = html.unescape(client.get(adresse).text)
    assert "Le cas reste signalé" in page
    # Le cas n'est plus à vérifier : il se classe ou se transmet.
    _, page = _consulter(client, cas)
    assert "Transmettre à la DASEN…" in page
    assert "C'est cet élève" not in page


def test_la_transmission_passe_par_une_confirmation(client: TestClient, monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("SIGNALEFICTIF", "NINA", date(2017, 4, 3))])
    connecter(client, monde, "agent.a")
    code, _, page = _decider(client, cas, action="transmettre")
    assert code == 200
    assert "Confirmer : Transmettre à la DASEN" in page
    assert "Elle ne reçoit jamais les fiches d'élèves" in page
    assert _statut(monde, cas) == ("repere", None)
    code, adresse, _ = _decider(client, cas, action="transmettre", confirmation="oui")
    assert (code, adresse) == (303, f"/cas/{cas}?fait=transmettre")
    assert _statut(monde, cas) == ("transmis_dasen", None)
    assert "Le cas est transmis à la DASEN." in html.unescape(client.get(adresse).text)


def test_un_classement_pour_demenagement_confirme_efface_le_cas(client: TestClient, monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("PARTIFICTIF", "EDEN", date(2016, 2, 1))])
    connecter(client, monde, "agent.a")
    _, _, page = _decider(client, cas, action="classer", motif="demenage")
    assert "sans retour possible" in page
    code, _, page = _decider(client, cas, action="classer", motif="demenage", confirmation="oui")
    assert code == 200
    assert "Cas effacé" in page
    assert client.get(f"/cas/{cas}").status_code == 404


@pytest.mark.parametrize(
    ("champs", "attendu"),
    [
        ({"action": "classer"}, "Choisissez le motif dans la liste."),
        ({"action": "classer", "motif": "inconnu"}, "Motif « inconnu » non prévu"),
        ({"action": "mettre_en_demeure", "date_notification": "2026-01-01"}, "n'est pas possible"),
        ({"action": "n_existe_pas"}, "Cette action n'est pas possible"),
        ({}, "Cette action n'est pas possible"),
    ],
)
def test_une_action_incomplete_ou_interdite_est_expliquee_sans_rien_changer(
    client: TestClient, monde: Monde, champs: dict[str, str], attendu: str
) -> None:
    (cas,) = monde.semer_cas(A, [identite("SIGNALEFICTIF", "NINA", date(2017, 4, 3))])
    connecter(client, monde, "agent.a")
    code, _, page = _decider(client, cas, **champs)
    assert code == 422
    assert attendu in page
    assert _statut(monde, cas) == ("repere", None)


def test_une_date_future_ou_illisible_est_refusee_a_cote_du_champ(client: TestClient, monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("SIGNALEFICTIF", "NINA", date(2017, 4, 3))])
    connecter(client, monde, "agent.a")
    _decider(client, cas, action="transmettre", confirmation="oui")
    for valeur, attendu in (("2999-01-01", "dans le futur"), ("31/02/2026", "AAAA-MM-JJ")):
        code, _, page = _decider(client, cas, action="enquete_sociale", date=valeur)
        assert code == 422
        assert attendu in page
        assert 'id="erreur-enquete_sociale-date"' in page
    code, _, page = _decider(client, cas, action="constater_rescolarisation", uai="12", date="2026-01-01")
    assert code == 422
    assert 'id="erreur-constater_rescolarisation-uai"' in page
    assert _statut(monde, cas) == ("transmis_dasen", None)


def test_le_referent_retrouve_sur_la_fiche_attribution_lettres_et_commentaires(
    client: TestClient, monde: Monde
) -> None:
    (cas,) = monde.semer_cas(A, [identite("SUIVIFICTIF", "NINA", date(2017, 4, 3))])
    connecter(client, monde, "agent.a")
    _decider(client, cas, action="transmettre", confirmation="oui")
    _, page = _consulter(client, cas)
    # L'agent commente, mais n'attribue pas le cas et ne génère pas de lettre.
    assert "Ajouter un commentaire" in page
    assert "Confier le cas à" not in page
    client.cookies.clear()
    connecter(client, monde, "referent.59", decalage=1)
    _, page = _consulter(client, cas, "procedure")
    assert "Confier le cas à" in page
    assert "Générer la lettre de mise en demeure" in page
    jeton = _csrf(page)
    reponse = client.post(
        f"/cas/{cas}/commentaires", data={"csrf": jeton, "commentaire": "Famille jointe par téléphone."}
    )
    assert reponse.status_code == 303
    assert "Le commentaire est enregistré." in html.unescape(client.get(reponse.headers["location"]).text)
    _, page = _consulter(client, cas, "procedure")
    assert "Famille jointe par téléphone." in page
