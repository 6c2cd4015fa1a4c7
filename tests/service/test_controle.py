"""Fermer un cas suivi parce que l'enfant est désormais inscrit exige que sa ligne ait bien été lue."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.passage import SOURCE_REGISTRE, _retrouves
from service.travailleur.protocole import Comptes, CompteSource, ErreurTravail, ReponseEnfant

REFERENCE = date(2026, 10, 1)
SUIVIS: dict[str, dict[str, Any]] = {
    "cas-1": {"nom": "ARNAUD-FICTIF", "prenoms": "LINA", "date_naissance": "2016-04-02"},
    "cas-2": {"nom": "BERTIN-FICTIF", "prenoms": "NOAH", "date_naissance": "2017-09-12"},
}


def _controle(*, effectue: bool = True, lignes: int = 2, rejetees: int = 0, **autres: Any) -> ReponseEnfant:
    registre = CompteSource(
        identifiant=SOURCE_REGISTRE,
        source="caf",
        sha256="0" * 64,
        fichiers=1,
        comptes=Comptes(lignes=lignes, valides=lignes - rejetees, rejetees=rejetees),
    )
    return ReponseEnfant(
        statut="termine", protections={}, appariement_effectue=effectue, sources=[registre], **autres
    )


def test_un_controle_complet_retrouve_les_enfants_qui_ne_sont_plus_signales() -> None:
    assert _retrouves(_controle(), SUIVIS, REFERENCE) == {"cas-1", "cas-2"}


def test_un_controle_non_effectue_ne_ferme_aucun_cas() -> None:
    # Sinon, une liste refusée ferait passer tous les enfants suivis pour inscrits.
    assert _retrouves(_controle(effectue=False), SUIVIS, REFERENCE) is None
    assert _retrouves(_controle(lignes=1), SUIVIS, REFERENCE) is None


def test_un_cas_dont_la_ligne_est_rejetee_n_est_pas_ferme() -> None:
    erreur = ErreurTravail(source=SOURCE_REGISTRE, fichier=1, ligne=2, champ="nom", motif="illisible")
    assert _retrouves(_controle(rejetees=1, erreurs=[erreur]), SUIVIS, REFERENCE) == {"cas-2"}
    # Une ligne rejetée sans numéro : on ne sait pas laquelle, rien n'est fermé.
    assert _retrouves(_controle(rejetees=1), SUIVIS, REFERENCE) is None
