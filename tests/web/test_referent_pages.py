"""Les pages du référent DSDEN sans navigateur (SQLite et PostgreSQL) : modèle de lettre, lettre
générée et téléchargée, attribution ; refus (403) pour les autres rôles et hors du département, CSRF,
entrées invalides."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from service.api.application import creer_application
from service.base.connexion import jour_local
from service.modeles import Cas
from service.registre import procedure
from service.web.suivi_du_cas import echeance_de
from tests.service.fabriques import A, C, Monde, entrees_audit, identite
from tests.service.test_suivi_referent import NAISSANCE
from tests.web.test_pages import _csrf, connecter

ENFANT = identite("PAGEFICTIF", "INES", NAISSANCE)
AUTRES_ROLES = ["agent.a", "dpo.test", "admin.test", "pilote.test"]


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _transmis(monde: Monde, commune: str = A, compte: str = "agent.a") -> str:
    (cas_id,) = monde.semer_cas(commune, [ENFANT])
    reponse = monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes(compte),
        json={"action": "transmettre", "champs": {}},
    )
    assert reponse.status_code == 200, reponse.text
    return cas_id


@pytest.mark.parametrize("compte", AUTRES_ROLES)
def test_les_autres_roles_recoivent_un_403_qui_dit_pourquoi(monde: Monde, compte: str) -> None:
    cas_id = _transmis(monde)
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        connecter(client, monde, compte, decalage=1 if compte == "agent.a" else 0)
        jeton = _csrf(client)
        reponses = [
            client.get("/modele-lettre"),
            client.post(
                "/modele-lettre", data={"csrf": jeton, "entete": "x", "corps": "x", "signataire": "x"}
            ),
            client.post(f"/cas/{cas_id}/lettre", data={"csrf": jeton}),
            client.get(f"/cas/{cas_id}/lettres/inconnue"),
            client.post(f"/cas/{cas_id}/attribution", data={"csrf": jeton, "attribue_a": ""}),
        ]
    for reponse in reponses:
        assert reponse.status_code == 403
        assert "réservée aux référents de la DSDEN" in reponse.text
        assert "PAGEFICTIF" not in reponse.text
        assert '<html lang="fr"' in reponse.text


def test_le_referent_modifie_le_modele_puis_genere_et_telecharge_la_lettre(
    client: TestClient, monde: Monde
) -> None:
    cas_id = _transmis(monde)
    connecter(client, monde, "referent.59")
    page = client.get("/modele-lettre")
    assert page.status_code == 200
    assert "<title>Modèle de lettre de mise en demeure — cellule</title>" in page.text
    assert "L131-10" in page.text
    jeton = _csrf(client, "/modele-lettre")
    textes = {
        "entete": "DSDEN du Nord\r\nDivision des élèves",
        "corps": "Madame, Monsieur,\r\nVotre enfant {prenoms} {nom} doit être inscrit {echeance}.",
        "signataire": "Camille EXEMPLE",
    }
    reponse = client.post("/modele-lettre", data={"csrf": jeton, **textes})
    assert reponse.headers["location"] == "/modele-lettre?fait=enregistre"
    assert "Le modèle est enregistré" in client.get("/modele-lettre?fait=enregistre").text
    reponse = client.post(f"/cas/{cas_id}/lettre", data={"csrf": jeton})
    assert reponse.status_code == 303
    (entree,) = entrees_audit(monde.bdd, "lettre_generee")
    lettre_id = (
        json.loads(entree.details)["lettre"] if isinstance(entree.details, str) else entree.details["lettre"]
    )
    fichier = client.get(f"/cas/{cas_id}/lettres/{lettre_id}")
    assert fichier.status_code == 200
    assert fichier.headers["content-type"] == "application/vnd.oasis.opendocument.text"
    assert "attachment" in fichier.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(fichier.content)) as archive:
        contenu = archive.read("content.xml").decode("utf-8")
    assert "Votre enfant INES PAGEFICTIF doit être inscrit dans les quinze jours" in contenu
    assert "Division des élèves" in contenu


def test_modele_invalide_erreur_a_cote_du_champ_sans_rien_enregistrer(
    client: TestClient, monde: Monde
) -> None:
    connecter(client, monde, "referent.59")
    jeton = _csrf(client, "/modele-lettre")
    reponse = client.post(
        "/modele-lettre",
        data={"csrf": jeton, "entete": "", "corps": "Bonjour {numero_secu}", "signataire": "X\x07"},
    )
    assert reponse.status_code == 422
    assert reponse.text.count('aria-invalid="true"') == 2
    assert "Remplissez le champ « En-tête de la lettre »" in reponse.text
    assert "caractère de contrôle" in reponse.text
    reponse = client.post(
        "/modele-lettre",
        data={"csrf": jeton, "entete": "En-tête", "corps": "Bonjour {numero_secu}", "signataire": "X"},
    )
    assert reponse.status_code == 422
    assert re.search(r"Champ inconnu : \{numero_secu\}", reponse.text)
    assert entrees_audit(monde.bdd, "modele_lettre_modifie") == []
    assert "numero_secu" not in client.get("/modele-lettre").text


def test_sans_jeton_csrf_rien_n_est_fait(client: TestClient, monde: Monde) -> None:
    cas_id = _transmis(monde)
    connecter(client, monde, "referent.59")
    assert client.post(f"/cas/{cas_id}/lettre", data={}).status_code == 403
    assert (
        client.post("/modele-lettre", data={"entete": "x", "corps": "x", "signataire": "x"}).status_code
        == 403
    )
    assert entrees_audit(monde.bdd, "lettre_generee") == []


def test_hors_du_departement_le_cas_est_refuse_et_une_lettre_inconnue_introuvable(
    client: TestClient, monde: Monde
) -> None:
    cas_id = _transmis(monde)
    (cas_62,) = monde.semer_cas(C, [identite("AILLEURSFICTIF", "LEA", NAISSANCE)])
    connecter(client, monde, "referent.62")
    jeton = _csrf(client, "/modele-lettre")
    assert client.post(f"/cas/{cas_id}/lettre", data={"csrf": jeton}).status_code == 403
    assert client.get(f"/cas/{cas_id}/lettres/x").status_code == 403
    # Un cas du département pas encore transmis n'est pas dans le périmètre du référent.
    assert client.post(f"/cas/{cas_62}/lettre", data={"csrf": jeton}).status_code == 403
    assert client.get("/cas/inexistant/lettres/x").status_code == 404


def test_attribution_a_un_referent_du_departement(client: TestClient, monde: Monde) -> None:
    cas_id = _transmis(monde)
    connecter(client, monde, "referent.59")
    jeton = _csrf(client, "/modele-lettre")
    referent_59 = monde.acteur("referent.59").id
    referent_62 = monde.acteur("referent.62").id
    reponse = client.post(f"/cas/{cas_id}/attribution", data={"csrf": jeton, "attribue_a": str(referent_59)})
    assert reponse.headers["location"] == f"/cas/{cas_id}?fait=attribution"
    reponse = client.post(f"/cas/{cas_id}/attribution", data={"csrf": jeton, "attribue_a": str(referent_62)})
    assert reponse.status_code == 422
    assert "n'existe pas dans votre département" in html.unescape(reponse.text)


def test_commentaire_enregistre_chiffre_ou_refuse_a_cote_du_champ(client: TestClient, monde: Monde) -> None:
    cas_id = _transmis(monde)
    connecter(client, monde, "referent.59")
    jeton = _csrf(client, "/modele-lettre")
    vide = client.post(f"/cas/{cas_id}/commentaires", data={"csrf": jeton, "commentaire": "  "})
    assert vide.status_code == 422
    assert "Écrivez le commentaire avant de l" in html.unescape(vide.text)
    assert 'aria-invalid="true"' in vide.text
    long = "é" * 2001
    trop = client.post(f"/cas/{cas_id}/commentaires", data={"csrf": jeton, "commentaire": long})
    assert trop.status_code == 422
    assert long in trop.text  # la saisie n'est pas perdue
    texte = "Famille PAGEFICTIF jointe\r\nrappeler lundi"
    fait = client.post(f"/cas/{cas_id}/commentaires", data={"csrf": jeton, "commentaire": texte})
    assert fait.headers["location"] == f"/cas/{cas_id}?fait=commentaire"
    (entree,) = entrees_audit(monde.bdd, "commentaire")
    assert "PAGEFICTIF" not in str(tuple(entree))
    # Un référent d'un autre département ne commente pas ce cas.
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as autre:
        connecter(autre, monde, "referent.62")
        refus = autre.post(f"/cas/{cas_id}/commentaires", data={"csrf": _csrf(autre), "commentaire": "x"})
    assert refus.status_code == 403
    assert len(entrees_audit(monde.bdd, "commentaire")) == 1


def test_l_echeance_se_dit_en_mots_notifiee_a_venir_ou_depassee() -> None:
    cas = Cas(
        commune=A,
        campagne_origine="c",
        campagne_derniere="c",
        resultat="non_apparie",
        cle_appariement="k",
        cohorte=2032,
        cle_version=0,
        identite=b"",
        statut=next(iter(procedure.STATUTS_A_ECHEANCE)),
        notification_le=date(2026, 10, 5),
        echeance=date(2026, 10, 20),
    )
    libelles = [getattr(echeance_de(cas, date(2026, 10, j)), "libelle", None) for j in (15, 20)]
    assert libelles == ["Échéance le 20/10/2026 (dans 5 j)", "Échéance aujourd'hui"]
    depassee = echeance_de(cas, date(2026, 10, 21))
    assert depassee is not None
    assert (depassee.libelle, depassee.classe) == (
        "Échéance dépassée depuis le 20/10/2026",
        "fr-badge--error",
    )
    cas.statut = procedure.RESCOLARISE
    assert echeance_de(cas, date(2026, 10, 21)) is None


def test_la_liste_du_referent_montre_l_echeance_des_mises_en_demeure(
    client: TestClient, monde: Monde
) -> None:
    cas_id = _transmis(monde)
    aujourd_hui = jour_local()
    reponse = monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes("referent.59"),
        json={"action": "mettre_en_demeure", "champs": {"date_notification": aujourd_hui.isoformat()}},
    )
    assert reponse.status_code == 200, reponse.text
    connecter(client, monde, "referent.59", decalage=1)
    page = client.get("/cas?statut=mise_en_demeure")
    assert page.status_code == 200
    echeance = aujourd_hui + timedelta(days=15)
    assert f"Échéance le {echeance:%d/%m/%Y} (dans 15 j)" in html.unescape(page.text)
    assert f'href="/cas/{cas_id}"' in page.text
    assert "PAGEFICTIF" not in page.text  # pas d'identité sans motif choisi
