"""Fermer un cas suivi parce que l'enfant est désormais inscrit exige qu'il ait bien été comparé."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conventions import COLONNES
from service.campagnes import passage
from service.campagnes.boucle import traiter_un
from service.campagnes.controle import CONTROLE_INUTILISABLE, retrouves, table_des_suivis
from service.travailleur.parent import DemandeTravail
from service.travailleur.protocole import ControleSuivis, ReponseEnfant
from tests.service.fabriques import A, Archive, Monde, archives, jeu

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


def _campagne_passee(monde: Monde, agent: dict[str, str], libelle: str, *sources: Archive) -> dict[str, Any]:
    campagne = monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": libelle},
    ).json()["id"]
    for archive in sources:
        depot = monde.client.post(
            f"/api/v1/campagnes/{campagne}/sources",
            headers=agent,
            files={"archive": ("liste.7z", archive.octets)},
            data={"convention": archive.convention, "mot_de_passe": archive.mot_de_passe},
        )
        assert depot.status_code == 201, depot.text
    # Campagne d'essai sans liste d'instruction déclarée : l'avertissement est confirmé.
    lancement = monde.client.post(
        f"/api/v1/campagnes/{campagne}/lancer", headers=agent, json={"confirmer_avertissements": True}
    )
    assert lancement.status_code == 202, lancement.text
    assert traiter_un(monde.bdd, monde.reglages, "travailleur-test")
    etat: dict[str, Any] = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()
    assert etat["etat"] == "terminee", etat["erreurs"]
    return etat


def test_les_cas_suivis_sont_recherches_par_le_meme_enfant_que_la_campagne(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = monde.entetes("agent.a")
    donnees = jeu(40, graine=5)
    caf, onde = archives(donnees.familles, donnees.inscrits)
    premiere = _campagne_passee(monde, agent, "Rentrée", caf, onde)
    suivis = premiere["comptes"]["cas_crees"]
    assert suivis > 0

    demandes: list[DemandeTravail] = []
    vrai_executer = passage.executer

    def executer_observe(demande: DemandeTravail, **options: Any) -> ReponseEnfant:
        demandes.append(demande)
        return vrai_executer(demande, **options)

    monkeypatch.setattr(passage, "executer", executer_observe)
    seconde = _campagne_passee(monde, agent, "Suivi", caf, onde)

    # Un seul enfant confiné, qui reçoit les cas suivis en table canonique avec les deux sources reçues.
    [demande] = demandes
    assert len(demande.sources) == 2
    assert demande.suivis is not None
    assert demande.suivis.height == suivis
    assert set(demande.suivis.columns) == set(COLONNES["familles"])
    # Mêmes listes : tous les enfants restent signalés, aucun cas n'est fermé, et le contrôle a servi.
    assert (seconde["comptes"]["cas_deja_suivis"], seconde["comptes"]["cas_clos"]) == (suivis, 0)
    assert CONTROLE_INUTILISABLE not in seconde["erreurs"]
