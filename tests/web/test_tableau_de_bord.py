"""Le tableau de bord, sans navigateur : ce qui attend chaque rôle, dans son seul périmètre."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.api.application import creer_application
from service.modeles import Cas
from tests.service.fabriques import A, B, Monde, identite
from tests.web.test_pages import connecter


@pytest.fixture
def client(monde: Monde) -> Iterator[TestClient]:
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as client:
        yield client


def _semer(monde: Monde) -> str:
    """Dans la commune A : 1 cas à vérifier, 2 non retrouvés, 1 mise en demeure échue ; 1 cas dans B."""
    monde.semer_cas(A, [identite("MARTINVERT", "LOU", date(2018, 3, 2))], resultat="a_verifier")
    monde.semer_cas(
        A, [identite("DUPONTFICTIF", "ALIX", date(2017, 5, 1)), identite("ROSEFICTIF", "NOA", None)]
    )
    (echue,) = monde.semer_cas(A, [identite("LEBLANCFICTIF", "SACHA", date(2016, 1, 9))])
    monde.semer_cas(B, [identite("AUTREFICTIF", "EDEN", date(2019, 2, 2))])
    with monde.bdd.begin() as connexion:
        connexion.execute(
            sa.update(Cas)
            .where(Cas.id == echue)  # type: ignore[arg-type]
            .values(
                statut="mise_en_demeure", transmis_le=Cas.cree_le, echeance=date.today() - timedelta(days=3)
            )
        )
    return echue


def test_l_agent_voit_ce_qui_l_attend_dans_ses_seules_communes(client: TestClient, monde: Monde) -> None:
    echue = _semer(monde)
    connecter(client, monde, "agent.a")
    page = client.get("/").text
    assert "À vérifier : 1 cas" in page
    assert 'href="/cas?statut=a_verifier"' in page
    assert "À classer ou à transmettre : 2 cas" in page
    assert "Ablainville-Fictive (59001)" in page
    assert "Bourg-Imaginaire" not in page
    # Les campagnes semées de A (en préparation), et la mise en demeure échue, sans identité.
    assert "en préparation" in page
    assert f'href="/cas/{echue}"' in page
    for nom in ("MARTINVERT", "DUPONTFICTIF", "LEBLANCFICTIF", "LOU", "SACHA"):
        assert nom not in page


def test_un_autre_agent_ne_voit_rien_de_la_commune_a(client: TestClient, monde: Monde) -> None:
    echue = _semer(monde)
    connecter(client, monde, "agent.b")
    page = client.get("/").text
    assert "À vérifier : 0 cas" in page
    assert "À classer ou à transmettre : 1 cas" in page
    assert echue not in page
    assert "Aucune mise en demeure échue." in page


def test_le_referent_voit_les_cas_transmis_de_son_departement(client: TestClient, monde: Monde) -> None:
    echue = _semer(monde)
    connecter(client, monde, "referent.59")
    page = client.get("/").text
    assert "En mise en demeure : 1 cas" in page
    assert "Transmis, à contrôler : 0 cas" in page
    assert f'href="/cas/{echue}"' in page
    assert "Campagnes en cours" not in page


@pytest.mark.parametrize(
    ("compte", "titre", "suite"),
    [
        ("dpo.test", "Délégué", 'href="/audit"'),
        ("admin.test", "Administrateur", 'href="/admin/utilisateurs"'),
        ("pilote.test", "Pilotage", 'href="/indicateurs"'),
    ],
)
def test_les_roles_sans_cas_ont_un_tableau_de_bord_honnete(
    client: TestClient, monde: Monde, compte: str, titre: str, suite: str
) -> None:
    _semer(monde)
    connecter(client, monde, compte)
    page = client.get("/").text
    assert titre in page
    assert suite in page
    # Ces rôles ne voient aucun cas : ni file d'attente, ni mise en demeure.
    assert "À vérifier" not in page
    assert "Mises en demeure échues" not in page
