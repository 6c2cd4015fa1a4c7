"""Lecture du journal par le DPO : filtres, pages, export CSV protégé contre les formules."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import audit
from tests.audit.conftest import Horloge

DEBUT = datetime(2026, 3, 1, 8, tzinfo=UTC)


@pytest.fixture
def journal_varie(bdd: sa.Engine) -> sa.Engine:
    """Une journée d'activité : connexions, consultations, une transition, un refus."""
    horloge = Horloge(DEBUT)
    evenements = [
        audit.Evenement(action=audit.Action.CONNEXION, acteur="agent-1", role="agent_commune"),
        audit.Evenement(
            action=audit.Action.CONSULTATION,
            acteur="agent-1",
            role="agent_commune",
            cible=audit.Cible(type="cas", id="cas-1"),
            motif='=HYPERLINK("http://exemple.invalid")',
        ),
        audit.Evenement(
            action=audit.Action.TRANSITION,
            acteur="agent-1",
            role="agent_commune",
            cible=audit.Cible(type="cas", id="cas-1"),
            details={"de": "repere", "vers": "transmis_dasen"},
        ),
        audit.Evenement(action=audit.Action.CONNEXION, acteur="-referent-2", role="referent_dsden"),
        audit.Evenement(
            action=audit.Action.AUTORISATION_REFUSEE,
            acteur="-referent-2",
            role="referent_dsden",
            resultat=audit.Aboutissement.REFUS,
            cible=audit.Cible(type="cas", id="cas-2"),
            details={"route": "/api/v1/cas/cas-2"},
        ),
    ]
    with bdd.begin() as connexion:
        for evenement in evenements:
            audit.ecrire(connexion, evenement, horloge=horloge)
    return bdd


def _sequences(bdd: sa.Engine, filtre: audit.Filtre) -> list[int]:
    with bdd.connect() as connexion:
        return [entree.sequence for entree in audit.lire(connexion, filtre).entrees]


def test_les_filtres_du_dpo(journal_varie: sa.Engine) -> None:
    assert _sequences(journal_varie, audit.Filtre()) == [5, 4, 3, 2, 1]
    assert _sequences(journal_varie, audit.Filtre(acteur="agent-1")) == [3, 2, 1]
    assert _sequences(journal_varie, audit.Filtre(action=audit.Action.CONNEXION)) == [4, 1]
    assert _sequences(journal_varie, audit.Filtre(cible_type="cas", cible_id="cas-1")) == [3, 2]
    depuis = datetime(2026, 3, 1, 8, 0, 2, tzinfo=UTC)  # entrée n° 2 incluse
    jusqu_a = datetime(2026, 3, 1, 8, 0, 4, tzinfo=UTC)  # entrée n° 4 exclue
    assert _sequences(journal_varie, audit.Filtre(debut=depuis, fin=jusqu_a)) == [3, 2]


def test_la_pagination_donne_le_total(journal_varie: sa.Engine) -> None:
    with journal_varie.connect() as connexion:
        page = audit.lire(connexion, page=2, par_page=2)
        with pytest.raises(ValueError, match="Pagination"):
            audit.lire(connexion, par_page=5000)
    assert (page.total, page.page, [entree.sequence for entree in page.entrees]) == (5, 2, [3, 2])


def test_l_export_csv_s_ouvre_dans_un_tableur_sans_executer_de_formule(journal_varie: sa.Engine) -> None:
    with journal_varie.connect() as connexion:
        octets = b"".join(audit.exporter_csv(connexion))
    assert octets.startswith(b"\xef\xbb\xbf")
    lignes = list(csv.reader(io.StringIO(octets.decode("utf-8-sig")), delimiter=";"))
    assert tuple(lignes[0]) == audit.COLONNES_CSV
    assert [ligne[0] for ligne in lignes[1:]] == ["1", "2", "3", "4", "5"]
    consultation = dict(zip(lignes[0], lignes[2], strict=True))
    assert consultation["motif"] == '\'=HYPERLINK("http://exemple.invalid")'
    assert consultation["cible_id"] == "cas-1"
    assert dict(zip(lignes[0], lignes[4], strict=True))["acteur"] == "'-referent-2"
    transition = dict(zip(lignes[0], lignes[3], strict=True))
    assert json.loads(transition["details"]) == {"de": "repere", "vers": "transmis_dasen"}
    assert all(not cellule.startswith(("=", "+", "-", "@")) for ligne in lignes for cellule in ligne)


def test_l_export_csv_suit_le_filtre(journal_varie: sa.Engine) -> None:
    with journal_varie.connect() as connexion:
        octets = b"".join(audit.exporter_csv(connexion, audit.Filtre(acteur="-referent-2")))
    lignes = list(csv.reader(io.StringIO(octets.decode("utf-8-sig")), delimiter=";"))
    assert [ligne[4] for ligne in lignes[1:]] == ["connexion", "autorisation_refusee"]
