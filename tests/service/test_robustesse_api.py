"""Aucune requête ne produit d'erreur 500 (issue n° 15, point 8).

schemathesis éprouve chaque opération de l'OpenAPI, pour chaque rôle et sans session, sur SQLite
puis PostgreSQL, par sa connexion (celle de sa ligne de commande) : exemples du schéma, couverture
(bornes, valeurs vides, manquantes ou de mauvais type), puis tirages valides et invalides, en nombre
borné et à graine fixe. Seul le contrôle « pas d'erreur serveur » est demandé.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.engine import Status, events

from service.registre.consultation import ENTETE_MOTIF
from tests.service.fabriques import A, Monde, identite

GRAINE = 15
EXEMPLES_PAR_OPERATION = 6
CAS, CAMPAGNES, INDICATEURS, REFERENTIEL, COMPTES, AUDIT = (
    "registre des cas",
    "campagnes",
    "indicateurs",
    "référentiel",
    "comptes",
    "audit et droit d'accès (DPO)",
)
# Un compte par rôle, éprouvé sur les opérations que son rôle atteint (ailleurs, il s'arrête au refus,
# que la matrice d'autorisation vérifie) ; sans session, toutes les opérations.
COMPTES_EPROUVES: dict[str | None, tuple[str, ...]] = {
    "agent.a": (CAS, CAMPAGNES, INDICATEURS, REFERENTIEL),
    "referent.59": (CAS, INDICATEURS, REFERENTIEL),
    "dpo.test": (AUDIT, COMPTES, REFERENTIEL),
    "admin.test": (COMPTES, REFERENTIEL),
    "pilote.test": (INDICATEURS, REFERENTIEL),
    None: (CAS, CAMPAGNES, INDICATEURS, REFERENTIEL, COMPTES, AUDIT),
}

# Le corps d'une convention est son texte TOML : envoyé tel quel, comme du texte.
schemathesis.serializer.alias("application/toml", "text/plain")


def _erreurs_serveur(monde: Monde, compte: str | None, etiquettes: tuple[str, ...], cas: str) -> list[str]:
    """Les requêtes (en commande curl) auxquelles le service a répondu par une erreur 5xx."""
    configuration = schemathesis.Config.from_dict(
        {
            "seed": GRAINE,
            "headers": monde.entetes(compte) if compte else {},
            "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
            "phases": {"stateful": {"enabled": False}},
            "generation": {"max-examples": EXEMPLES_PAR_OPERATION, "deterministic": True},
            "continue-on-failure": True,
            # Un cas existant, dans le périmètre de l'agent : la fiche et ses transitions vont au bout.
            "parameters": {"path.cas_id": cas},
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", monde.client.app, config=configuration)
    # La déconnexion fermerait la session dont les autres opérations ont besoin ; fermer celles de
    # tous les comptes (administrateur), celles des rôles éprouvés ensuite.
    schema = schema.include(tag=list(etiquettes)).exclude(
        method="DELETE", path=["/api/v1/session", "/api/v1/utilisateurs/sessions"]
    )
    erreurs = []
    for evenement in schemathesis.engine.from_schema(schema).execute():
        if isinstance(evenement, events.NonFatalError):
            erreurs.append(f"{compte} : {evenement.label} : {evenement.info.format()}")
        if isinstance(evenement, events.FatalError):
            raise evenement.exception
        if not isinstance(evenement, events.ScenarioFinished) or evenement.status is Status.SUCCESS:
            continue
        for identifiant, controles in evenement.recorder.checks.items():
            for controle in controles:
                if controle.status is Status.FAILURE:
                    requete = evenement.recorder.cases[identifiant].value
                    erreurs.append(f"{compte} : {requete.as_curl_command()}")
    return erreurs


@pytest.mark.lent
def test_aucune_requete_ne_produit_d_erreur_500(monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("ROBUSTEFICTIF", "ALMA", None)])
    # Toutes les sessions d'abord : les connexions éprouvées épuisent ensuite la limite par minute.
    for compte in COMPTES_EPROUVES:
        if compte:
            monde.connecter(compte)
    erreurs = [
        e
        for compte, etiquettes in COMPTES_EPROUVES.items()
        for e in _erreurs_serveur(monde, compte, etiquettes, cas)
    ]
    assert erreurs == []


def test_un_motif_vide_ne_produit_pas_d_erreur_500(monde: Monde) -> None:
    # Autrefois `?motif=` : un motif vide arrivait au journal, qui le refusait par une erreur 500.
    (cas,) = monde.semer_cas(A, [identite("VIDEFICTIF", "ELIA", None)])
    agent = monde.entetes("agent.a")
    assert monde.client.get(
        f"/api/v1/cas/{cas}?motif=", headers={**agent, ENTETE_MOTIF: "procedure"}
    ).is_success
    vide = monde.client.get(f"/api/v1/cas/{cas}", headers={**agent, ENTETE_MOTIF: ""})
    assert vide.status_code == 400
    assert "verification" in vide.json()["detail"]


def test_un_numero_de_page_demesure_ne_produit_pas_d_erreur_500(monde: Monde) -> None:
    # Autrefois : le décalage de la page ne tenait pas dans un entier de la base (erreur 500).
    enorme = "539003787102447140864"
    agent = {**monde.entetes("agent.a"), ENTETE_MOTIF: "verification"}
    for adresse, entetes in (("/api/v1/cas", agent), ("/api/v1/audit", monde.entetes("dpo.test"))):
        reponse = monde.client.get(adresse, params={"page": enorme}, headers=entetes)
        assert reponse.status_code == 422, reponse.text
        assert "« page » vaut au plus 100000" in reponse.json()["detail"]
    assert monde.client.get("/api/v1/cas", params={"page": 100_000}, headers=agent).json()["cas"] == []
