"""Fermer un cas suivi parce que l'enfant est désormais inscrit exige qu'il ait bien été comparé."""

from __future__ import annotations

from datetime import date
from typing import Any

from conventions import COLONNES
from service.campagnes.controle import retrouves, table_des_suivis
from service.travailleur.protocole import ControleSuivis, ReponseEnfant

REFERENCE = date(2026, 10, 1)
SUIVIS: dict[str, dict[str, Any]] = {
    "cas-1": {"nom": "ARNAUD-FICTIF", "prenoms": "LINA", "date_naissance": "2016-04-02"},
    "cas-2": {"nom": "BERTIN-FICTIF", "prenoms": "NOAH", "date_naissance": "2017-09-12"},
}


def _controle(*, effectue: bool = True, lignes: int = 2, **autres: Any) -> ReponseEnfant:
    return ReponseEnfant(
        statut="termine",
        protections={},
        appariement_effectue=effectue,
        controle=ControleSuivis(lignes=lignes, **autres),
    )


def test_un_controle_complet_retrouve_les_enfants_qui_ne_sont_plus_signales() -> None:
    assert retrouves(_controle(), SUIVIS, REFERENCE) == {"cas-1", "cas-2"}


def test_un_controle_non_effectue_ne_ferme_aucun_cas() -> None:
    # Sinon, une liste refusée ferait passer tous les enfants suivis pour inscrits.
    assert retrouves(_controle(effectue=False), SUIVIS, REFERENCE) is None
    assert retrouves(_controle(lignes=1), SUIVIS, REFERENCE) is None
    assert retrouves(_controle(refus="cas suivis illisibles"), SUIVIS, REFERENCE) is None
    sans_controle = ReponseEnfant(statut="termine", protections={}, appariement_effectue=True)
    assert retrouves(sans_controle, SUIVIS, REFERENCE) is None


def test_un_cas_encore_signale_n_est_pas_ferme() -> None:
    assert retrouves(_controle(encore_signales=["cas-1"]), SUIVIS, REFERENCE) == {"cas-2"}


def test_un_enfant_sorti_de_l_obligation_n_est_pas_ferme_comme_inscrit() -> None:
    suivis = {**SUIVIS, "cas-3": {"nom": "CARON-FICTIF", "prenoms": "EMMA", "date_naissance": "2008-01-15"}}
    assert retrouves(_controle(lignes=3), suivis, REFERENCE) == {"cas-1", "cas-2"}


def test_les_cas_suivis_partent_en_table_canonique_des_familles_sans_allocataire_ni_adresse() -> None:
    identite = {
        **SUIVIS["cas-1"],
        "sexe": "F",
        "nom_allocataire": "ARNAUD-FICTIF",
        "adresse": "1 RUE FICTIVE",
    }
    table = table_des_suivis({"cas-1": identite})
    assert dict(table.schema) == COLONNES["familles"]
    assert table.row(0, named=True) == {
        **dict.fromkeys(COLONNES["familles"]),
        "id": "cas-1",
        "nom": "ARNAUD-FICTIF",
        "prenoms": "LINA",
        "date_naissance": date(2016, 4, 2),
        "sexe": "F",
    }
    assert table_des_suivis({}).height == 0
