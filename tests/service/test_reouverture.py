"""Un enfant vu inscrit puis de nouveau absent des effectifs : son cas est rouvert, pas les autres.

SQLite puis PostgreSQL. Les campagnes sont semées comme par un passage (``enregistrer_signalements``),
sauf la dernière, qui passe par le vrai travailleur pour vérifier les comptes de la campagne.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import polars as pl
from sqlmodel import col, select

from service.base.connexion import jour_local, session_base
from service.cles import cle_appariement
from service.indicateurs.production import evenements
from service.modeles import Campagne, Cas, EvenementCas
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from service.registre.registre import Signalement, enregistrer_signalements
from tests.service.fabriques import A, Monde, archives, entrees_audit, identite, jeu
from tests.service.test_parcours import _deposer, _passage
from tests.service.test_registre import NAISSANCE, _transition

MOTIF = {ENTETE_MOTIF: MotifConsultation.VERIFICATION.value}

EXPLICATION = '{"score": 0.6, "regle": "nom+prenom"}'


def _signaler(
    monde: Monde,
    campagne: Campagne,
    identites: list[dict[str, Any]],
    resultat: str = "non_apparie",
    candidats: list[dict[str, Any]] | None = None,
) -> dict[str, int]:
    """Le bilan d'un passage de ``campagne`` qui signale ces enfants."""
    with session_base(monde.bdd) as session:
        return enregistrer_signalements(
            session,
            campagne,
            [Signalement(resultat, i, EXPLICATION, 0.6, candidats or []) for i in identites],
            coffre=monde.coffre(),
            cle_hmac=cle_appariement(monde.reglages),
        )


def _etapes(monde: Monde, cas: str) -> list[tuple[str, str | None, str, str | None]]:
    with session_base(monde.bdd) as session:
        return [
            (e.action, e.de_statut, e.vers_statut, e.campagne_id)
            for e in session.exec(
                select(EvenementCas).where(EvenementCas.cas_id == cas).order_by(col(EvenementCas.id))
            )
        ]


def _cas(monde: Monde, cas_id: str) -> Cas:
    with session_base(monde.bdd) as session:
        cas = session.get(Cas, cas_id)
        assert cas is not None
        return cas


def test_un_enfant_rescolarise_puis_de_nouveau_absent_est_rouvert(monde: Monde) -> None:
    enfant = identite("RETOURFICTIF", "LINA", NAISSANCE)
    (cas,) = monde.semer_cas(A, [enfant])
    # Une campagne préparée pendant que la DASEN suivait encore l'enfant.
    en_parallele = monde.campagne(A)
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
    monde.antidater(cas, jour_local() - timedelta(days=30))
    notification = (jour_local() - timedelta(days=20)).isoformat()
    code, _ = _transition(monde, "referent.59", cas, "mettre_en_demeure", date_notification=notification)
    assert code == 200
    code, corps = _transition(
        monde, "referent.59", cas, "constater_rescolarisation", uai="0590001A", date=jour_local().isoformat()
    )
    assert (code, corps["statut"]) == (200, "rescolarise")

    # Ses listes datent d'avant la rescolarisation : elles ne prouvent pas une nouvelle absence.
    assert _signaler(monde, en_parallele, [enfant])["rouverts"] == 0
    assert _cas(monde, cas).statut == "rescolarise"

    # Une campagne suivante le signale de nouveau, à vérifier, avec un élève ressemblant.
    candidat = {"id": "onde-2-31", "score": 0.6, **identite("RETOURFICTIF", "LINE", NAISSANCE)}
    suivante = monde.campagne(A)
    bilan = _signaler(monde, suivante, [enfant], resultat="a_verifier", candidats=[candidat])
    assert bilan == {"crees": 0, "deja_suivis": 0, "rouverts": 1, "hors_conservation": 0}

    fiche = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), **MOTIF}).json()
    assert (fiche["statut"], fiche["resultat"], fiche["motif"]) == ("repere", "a_verifier", None)
    assert (fiche["explication"]["score"], fiche["campagne_derniere"]) == (0.6, suivante.id)
    assert [c["id_inscrit"] for c in fiche["candidats"]] == ["onde-2-31"]
    assert (fiche["clos_le"], fiche["transmis_le"], fiche["notification_le"]) == (None, None, None)
    assert "choisir_candidat" in fiche["actions_possibles"]
    # Un seul cas pour l'enfant, toujours le même.
    with session_base(monde.bdd) as session:
        assert list(session.exec(select(Cas.id))) == [cas]

    # Une situation nouvelle, pas encore transmise : la DASEN ne la voit plus (ni ses candidats).
    referent = monde.entetes("referent.59")
    assert monde.client.get(f"/api/v1/cas/{cas}", headers={**referent, **MOTIF}).status_code == 403
    assert monde.client.get("/api/v1/cas", headers={**referent, **MOTIF}).json()["total"] == 0

    assert _etapes(monde, cas)[-2:] == [
        ("constater_rescolarisation", "mise_en_demeure", "rescolarise", None),
        ("reouverture", "rescolarise", "repere", suivante.id),
    ]
    (audit,) = [e for e in entrees_audit(monde.bdd, "transition") if "reouverture" in e.details]
    assert (audit.cible_id, audit.acteur) == (cas, "systeme")
    assert json.loads(audit.details) == {
        "action": "reouverture",
        "de": "rescolarise",
        "vers": "repere",
        "motif": None,
    }
    # Les indicateurs la comptent comme une situation repérée de nouveau, ouverte.
    with session_base(monde.bdd) as session:
        etapes = evenements(session, [A]).filter(pl.col("cas") == cas)["etape"].to_list()
    assert etapes[-1] == "repere"
    assert etapes.count("repere") == 2


def test_un_cas_classe_inscrit_hors_commune_n_est_pas_rouvert(monde: Monde) -> None:
    ailleurs = identite("AILLEURSFICTIF", "NOE", NAISSANCE)
    vu_inscrit = identite("VUINSCRITFICTIF", "ROSE", NAISSANCE)
    hors_commune, constate = monde.semer_cas(A, [ailleurs, vu_inscrit])
    assert _transition(monde, "agent.a", hors_commune, "classer", motif="inscrit_hors_commune")[0] == 200
    assert _transition(monde, "agent.a", constate, "classer", motif="inscrit_constate")[0] == 200
    clos_le = _cas(monde, hors_commune).clos_le

    suivante = monde.campagne(A)
    bilan = _signaler(monde, suivante, [ailleurs, vu_inscrit])
    assert bilan == {"crees": 0, "deja_suivis": 1, "rouverts": 1, "hors_conservation": 0}

    classe = _cas(monde, hors_commune)
    assert (classe.statut, classe.motif, classe.clos_le) == ("classe", "inscrit_hors_commune", clos_le)
    assert classe.campagne_derniere == suivante.id
    assert [e[0] for e in _etapes(monde, hors_commune)] == ["reperage", "classer"]
    assert (_cas(monde, constate).statut, _etapes(monde, constate)[-1]) == (
        "repere",
        ("reouverture", "classe", "repere", suivante.id),
    )


def test_un_cas_ouvert_de_nouveau_signale_n_est_ni_duplique_ni_rouvert(monde: Monde) -> None:
    enfant = identite("SUIVIFICTIF", "ADAM", NAISSANCE)
    (cas,) = monde.semer_cas(A, [enfant])
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200

    bilan = _signaler(monde, monde.campagne(A), [enfant])
    assert bilan == {"crees": 0, "deja_suivis": 1, "rouverts": 0, "hors_conservation": 0}
    with session_base(monde.bdd) as session:
        assert list(session.exec(select(Cas.id))) == [cas]
    assert _cas(monde, cas).statut == "transmis_dasen"
    assert [e[0] for e in _etapes(monde, cas)] == ["reperage", "transmettre"]
    vus = monde.client.get("/api/v1/cas", headers={**monde.entetes("referent.59"), **MOTIF}).json()["cas"]
    assert [c["id"] for c in vus] == [cas]


def test_les_comptes_de_la_campagne_distinguent_rouverts_et_deja_suivis(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    donnees = jeu(40, graine=5)
    caf, onde = archives(donnees.familles, donnees.inscrits)

    def campagne_passee(libelle: str) -> dict[str, Any]:
        campagne = monde.client.post(
            "/api/v1/campagnes",
            headers=agent,
            json={"commune": A, "date_reference": "2026-10-01", "libelle": libelle},
        ).json()["id"]
        for archive in (caf, onde):
            assert _deposer(monde, agent, campagne, archive).status_code == 201
        etat = _passage(monde, agent, campagne)
        assert etat["etat"] == "terminee", etat["erreurs"]
        return etat

    premiere = campagne_passee("Rentrée")
    signales = premiere["comptes"]["cas_crees"]
    assert signales >= 2
    cas = monde.client.get("/api/v1/cas", headers={**agent, **MOTIF}, params={"par_page": 200}).json()["cas"]
    non_apparies = [c["id"] for c in cas if c["resultat"] == "non_apparie"]
    assert len(non_apparies) >= 2
    # L'un est vu inscrit par l'agent, l'autre est inscrit dans une autre commune.
    vu, ailleurs = non_apparies[:2]
    assert _transition(monde, "agent.a", vu, "classer", motif="inscrit_constate")[0] == 200
    assert _transition(monde, "agent.a", ailleurs, "classer", motif="inscrit_hors_commune")[0] == 200

    # Les mêmes listes le mois suivant : l'enfant vu inscrit n'y figure toujours pas.
    comptes = campagne_passee("Suivi")["comptes"]
    assert (comptes["cas_crees"], comptes["cas_rouverts"], comptes["cas_deja_suivis"]) == (
        0,
        1,
        signales - 1,
    )
    assert comptes["cas_clos"] == 0
    assert _cas(monde, vu).statut == "repere"
    assert (_cas(monde, ailleurs).statut, _cas(monde, ailleurs).motif) == ("classe", "inscrit_hors_commune")
