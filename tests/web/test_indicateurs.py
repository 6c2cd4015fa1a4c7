"""La page des indicateurs, sans navigateur : portée de chaque rôle, refus, entrées invalides, fichiers."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient

import audit
from service.api.application import creer_application
from tests.indicateurs.test_service import semer_suite
from tests.service.fabriques import B, Monde
from tests.web.test_pages import connecter


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    semer_suite(monde)
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def journal(monde: Monde, action: str) -> list[audit.Entree]:
    with monde.bdd.connect() as connexion:
        return audit.lire(connexion, audit.Filtre(action=action)).entrees


def colonnes(page: str) -> list[str]:
    """Les en-têtes de colonnes du tableau du mois."""
    tableau = page.split('id="tableau-mois"', 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', tableau)[1:]


def rangee(page: str, libelle: str, tableau: str = "tableau-mois") -> list[str]:
    """Les cellules de la rangée ``libelle`` d'un tableau."""
    corps = page.split(f'id="{tableau}"', 1)[1].split("</table>", 1)[0]
    trouve = re.search(rf"<th scope=\"row\"[^>]*>{re.escape(libelle)}</th>(.*?)</tr>", corps, re.S)
    assert trouve, libelle
    return re.findall(r"<td[^>]*>([^<]*)</td>", trouve.group(1))


def test_un_agent_voit_le_mois_de_ses_seules_communes(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    reponse = client.get("/indicateurs", params={"mois": "2026-10"})
    assert reponse.status_code == 200
    page = reponse.text
    assert "<title>Indicateurs d&#39;octobre 2026 — cellule</title>" in page
    assert colonnes(page) == ["Ablainville-Fictive (59001)", "Total de vos communes (59)"]
    assert rangee(page, "Situations repérées") == ["3", "3"]
    assert rangee(page, "Rescolarisations suite à mise en demeure") == ["1", "1"]
    # Ni les chiffres ni même le nom d'une autre commune : pas dans le sélecteur non plus.
    assert "Bourg-Imaginaire" not in page
    assert "Calonne" not in page
    # La consultation est écrite au journal, comme un appel de l'API.
    (vue,) = journal(monde, "export_indicateurs")
    assert (vue.acteur, vue.details["mois"], vue.details["format"]) == ("agent.a", "2026-10", "page")


def test_le_referent_voit_son_departement_et_le_pilote_tout(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "referent.59")
    page = client.get("/indicateurs", params={"mois": "2026-10"}).text
    assert colonnes(page) == [
        "Ablainville-Fictive (59001)",
        "Bourg-Imaginaire (59002)",
        "Total département 59",
    ]
    assert "Calonne" not in page
    # Le délai médian d'un département porte sur tous ses cas : 15 jours, écrit à la française.
    assert rangee(page, "Délai médian repérage → transmission (jours)")[-1] == "15"
    client.cookies.clear()
    connecter(client, monde, "pilote.test")
    page = client.get("/indicateurs", params={"mois": "2026-10"}).text
    assert colonnes(page) == [
        "Ablainville-Fictive (59001)",
        "Bourg-Imaginaire (59002)",
        "Total département 59",
        "Calonne-Inventee (62001)",
        "Total département 62",
    ]
    assert rangee(page, "Enquêtes sociales suite aux signalements")[-1] == "1"


def test_une_commune_choisie_restreint_le_tableau(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "referent.59")
    page = client.get("/indicateurs", params={"mois": "2026-10", "commune": B}).text
    assert colonnes(page) == ["Bourg-Imaginaire (59002)", "Total département 59"]
    assert f'<option value="{B}" selected>' in page
    assert 'href="/indicateurs/telecharger?mois=2026-10&amp;commune=59002&amp;format=csv"' in page


def test_les_douze_derniers_mois_en_graphique_et_en_tableau(client: TestClient, monde: Monde) -> None:
    connecter(client, monde, "agent.a")
    page = client.get("/indicateurs", params={"mois": "2026-11"}).text
    mois = re.findall(r'<th scope="row">([^<]+)</th>', page.split('id="tableau-evolution"', 1)[1])
    assert (mois[0], mois[-1], len(mois)) == ("décembre 2025", "novembre 2026", 12)
    # Repérés, transmis, mises en demeure, rescolarisations après mise en demeure.
    assert rangee(page, "septembre 2026", "tableau-evolution") == ["2", "2", "1", "0"]
    assert rangee(page, "octobre 2026", "tableau-evolution") == ["3", "1", "1", "1"]
    # Le graphique est une image SVG nommée, qui renvoie au tableau ; aucun script n'est nécessaire.
    svg = page.split('<svg class="cellule-graphique"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img" aria-labelledby="graphique-titre graphique-desc"' in svg
    assert svg.count("<polyline") == 4
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("compte", ["dpo.test", "admin.test"])
@pytest.mark.parametrize(
    "chemin",
    ["/indicateurs", "/indicateurs?mois=2026-10", "/indicateurs/telecharger?mois=2026-10&format=csv"],
)
def test_le_dpo_et_l_administrateur_recoivent_un_refus_qui_dit_pourquoi(
    client: TestClient, monde: Monde, compte: str, chemin: str
) -> None:
    connecter(client, monde, compte)
    reponse = client.get(chemin)
    assert reponse.status_code == 403
    assert reponse.headers["content-type"].startswith("text/html")
    assert "Votre rôle ne donne pas accès aux indicateurs." in reponse.text
    assert "Ablainville" not in reponse.text
    assert "<table" not in reponse.text
    assert [e.acteur for e in journal(monde, "autorisation_refusee")] == [compte]
    assert journal(monde, "export_indicateurs") == []


@pytest.mark.parametrize("chemin", ["/indicateurs", "/indicateurs/telecharger"])
def test_un_agent_ne_demande_pas_une_autre_commune(client: TestClient, monde: Monde, chemin: str) -> None:
    connecter(client, monde, "agent.a")
    reponse = client.get(chemin, params={"mois": "2026-10", "commune": B, "format": "csv"})
    assert reponse.status_code == 403
    assert "Cette commune n'est pas dans votre périmètre." in html.unescape(reponse.text)
    assert "Bourg-Imaginaire" not in reponse.text
    refus = journal(monde, "autorisation_refusee")
    assert [(e.acteur, e.cible.id if e.cible else None) for e in refus] == [("agent.a", B)]


@pytest.mark.parametrize(
    ("parametres", "champ", "message"),
    [
        ({"mois": "octobre"}, "mois", "écrivez-le AAAA-MM"),
        ({"mois": "2026-13"}, "mois", "écrivez-le AAAA-MM"),
        ({"mois": "2026-10", "commune": "<b>x"}, "commune", "Choisissez une commune dans la liste."),
    ],
)
def test_une_entree_invalide_est_expliquee_a_cote_du_champ(
    client: TestClient, monde: Monde, parametres: dict[str, str], champ: str, message: str
) -> None:
    connecter(client, monde, "agent.a")
    reponse = client.get("/indicateurs", params=parametres)
    assert reponse.status_code == 422
    assert f'<p class="fr-error-text" id="erreur-{champ}">' in reponse.text
    assert message in reponse.text
    assert "<title>Erreur — Indicateurs — cellule</title>" in reponse.text
    assert "<b>x" not in reponse.text


@pytest.mark.parametrize(
    "parametres",
    [
        {"mois": "2026-10", "format": "pdf"},
        {"mois": "zz", "format": "csv"},
        {"mois": "2026-10", "format": "csv", "masquage": "1"},
        {"mois": "2026-10", "format": "csv", "commune": "nulle"},
        {"format": "csv"},
    ],
)
def test_un_telechargement_mal_demande_est_refuse_en_francais(
    client: TestClient, monde: Monde, parametres: dict[str, str]
) -> None:
    connecter(client, monde, "agent.a")
    reponse = client.get("/indicateurs/telecharger", params=parametres)
    assert reponse.status_code == 422
    assert reponse.headers["content-type"].startswith("text/html")
    assert journal(monde, "export_indicateurs") == []


def test_les_fichiers_sont_ceux_de_l_api_et_chaque_telechargement_est_audite(
    client: TestClient, monde: Monde
) -> None:
    api = monde.client.get(
        "/api/v1/indicateurs",
        params={"mois": "2026-10", "format": "csv"},
        headers=monde.entetes("referent.59"),
    )
    # Un code à usage unique ne sert qu'une fois : la page prend celui du pas suivant.
    connecter(client, monde, "referent.59", decalage=1)
    fichier = client.get("/indicateurs/telecharger", params={"mois": "2026-10", "format": "csv"})
    assert fichier.status_code == 200
    assert fichier.headers["content-disposition"] == 'attachment; filename="indicateurs-2026-10.csv"'
    assert fichier.content == api.content
    rangees = list(csv.reader(io.StringIO(fichier.content.decode("utf-8-sig")), delimiter=";"))
    assert rangees[2][:3] == ["59", "Ablainville-Fictive (59001)", "3"]

    xlsx = client.get(
        "/indicateurs/telecharger", params={"mois": "2026-10", "format": "xlsx", "masquage": "3"}
    )
    feuille = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert feuille is not None
    valeurs = [list(r) for r in feuille.iter_rows(values_only=True)]
    assert valeurs[4][:4] == ["59", "Ablainville-Fictive (59001)", "masqué", "< 3"]

    ods = client.get("/indicateurs/telecharger", params={"mois": "2026-10", "format": "ods", "commune": B})
    assert ods.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert ods.headers["content-disposition"] == 'attachment; filename="indicateurs-2026-10-59002.ods"'
    assert ods.content.startswith(b"PK")

    exports = [e for e in journal(monde, "export_indicateurs") if e.acteur == "referent.59"]
    assert sorted((e.details["format"], e.details["seuil_masquage"] or 0) for e in exports) == [
        ("csv", 0),
        ("csv", 0),
        ("ods", 0),
        ("xlsx", 3),
    ]


def test_sans_session_la_page_renvoie_a_la_connexion(client: TestClient) -> None:
    reponse = client.get("/indicateurs", params={"mois": "2026-10"})
    assert reponse.status_code == 303
    assert reponse.headers["location"].startswith("/connexion?suite=/indicateurs")
    assert client.get("/indicateurs/telecharger?mois=2026-10&format=csv").status_code == 303
