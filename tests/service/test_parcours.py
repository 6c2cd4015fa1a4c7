"""Tout le parcours par l'API, avec le vrai travailleur confiné : SQLite, puis PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlmodel import col, select

from service.base.connexion import session_base
from service.campagnes.boucle import traiter_un
from service.indicateurs.production import evenements
from service.modeles import EvenementCas
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from tests.service.fabriques import A, Archive, Monde, archives, jeu

MOTIF = {ENTETE_MOTIF: MotifConsultation.VERIFICATION.value}


def _deposer(monde: Monde, entetes: dict[str, str], campagne: str, archive: Archive) -> Any:
    return monde.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers=entetes,
        files={"archive": ("liste.7z", archive.octets)},
        data={"convention": archive.convention, "mot_de_passe": archive.mot_de_passe},
    )


def _passage(monde: Monde, entetes: dict[str, str], campagne: str) -> dict[str, Any]:
    # Campagne d'essai sans liste d'instruction déclarée : l'avertissement est confirmé.
    lancement = monde.client.post(
        f"/api/v1/campagnes/{campagne}/lancer", headers=entetes, json={"confirmer_avertissements": True}
    )
    assert lancement.status_code == 202, lancement.text
    assert traiter_un(monde.bdd, monde.reglages, "travailleur-test")
    etat: dict[str, Any] = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=entetes).json()
    return etat


def _inscrit(identite: dict[str, Any]) -> pl.DataFrame:
    """L'enfant, désormais inscrit dans une école (même identité que sur la liste CAF)."""
    return pl.DataFrame(
        {
            "id": ["NOUVEL-INSCRIT"],
            "nom": [identite["nom"]],
            "nom_usage": [None],
            "prenoms": [identite["prenoms"]],
            "date_naissance": [date.fromisoformat(identite["date_naissance"])],
            "sexe": [identite["sexe"]],
            "ine": [None],
            "uai": ["0590001A"],
            "adresse": [None],
            "code_postal": [None],
            "commune": [None],
            "mode": ["ecole"],
        }
    )


def test_parcours_complet_de_la_campagne_a_la_rescolarisation(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    donnees = jeu(40, graine=5)
    caf, onde = archives(donnees.familles, donnees.inscrits)

    # 1. Campagne, dépôts (une archive déposée deux fois est reconnue), passage.
    campagne = monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    ).json()["id"]
    assert _deposer(monde, agent, campagne, caf).status_code == 201
    doublon = _deposer(monde, agent, campagne, caf)
    assert doublon.status_code == 422
    assert "déjà été déposée" in doublon.json()["detail"]
    assert _deposer(monde, agent, campagne, onde).status_code == 201
    etat = _passage(monde, agent, campagne)
    assert etat["etat"] == "terminee", etat["erreurs"]
    assert etat["progression"] == {"etape": "terminé", "pourcentage": 100}
    comptes = etat["comptes"]
    signales = comptes["a_verifier"] + comptes["non_apparies"]
    assert signales > 0
    assert comptes["lignes_lues"] == donnees.familles.height + donnees.inscrits.height
    assert comptes["cas_crees"] == signales
    # Après le passage : archives et mots de passe scellés effacés, empreintes et tailles gardées.
    assert all(
        not s["archive_conservee"] and len(s["sha256"]) == 64 and s["taille"] > 0 for s in etat["sources"]
    )
    assert set(etat["protections"]) >= {"limites", "sans_nouveaux_privileges"}

    # 2. Le registre : une page déchiffrée, la fiche d'un cas, sa transmission.
    liste = monde.client.get("/api/v1/cas", headers={**agent, **MOTIF}, params={"par_page": 200}).json()
    assert liste["total"] == signales
    a_transmettre = next(c for c in liste["cas"] if c["resultat"] == "non_apparie")
    fiche = monde.client.get(f"/api/v1/cas/{a_transmettre['id']}", headers={**agent, **MOTIF}).json()
    assert fiche["identite"]["nom"] == a_transmettre["identite"]["nom"]
    assert "transmettre" in fiche["actions_possibles"]
    reponse = monde.client.post(
        f"/api/v1/cas/{a_transmettre['id']}/transitions", headers=agent, json={"action": "transmettre"}
    )
    assert reponse.json()["statut"] == "transmis_dasen"
    # Repéré et transmis il y a un mois : la mise en demeure peut dater d'il y a 20 jours.
    monde.antidater(a_transmettre["id"], date.today() - timedelta(days=30))

    # 3. Le référent met en demeure : échéance à 15 jours, listée une fois dépassée.
    referent = monde.entetes("referent.59")
    vus = monde.client.get("/api/v1/cas", headers={**referent, **MOTIF}).json()["cas"]
    assert [c["id"] for c in vus] == [a_transmettre["id"]]
    notification = date.today() - timedelta(days=20)
    mise = monde.client.post(
        f"/api/v1/cas/{a_transmettre['id']}/transitions",
        headers=referent,
        json={"action": "mettre_en_demeure", "champs": {"date_notification": notification.isoformat()}},
    ).json()
    assert mise["echeance"] == (notification + timedelta(days=15)).isoformat()
    depassees = monde.client.get(
        "/api/v1/cas", headers={**referent, **MOTIF}, params={"echeance_depassee": True}
    ).json()
    assert [c["id"] for c in depassees["cas"]] == [a_transmettre["id"]]

    # 4. Campagne suivante : l'enfant est désormais inscrit → rescolarisé ; les autres gardent leur cas.
    suivante = monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Suivi"},
    ).json()["id"]
    deja = _deposer(monde, agent, suivante, caf)
    assert deja.json()["deja_recue_le"] is not None
    effectifs = pl.concat([donnees.inscrits, _inscrit(fiche["identite"])], how="vertical_relaxed")
    _, onde2 = archives(donnees.familles, effectifs)
    assert _deposer(monde, agent, suivante, onde2).status_code == 201
    etat2 = _passage(monde, agent, suivante)
    assert etat2["etat"] == "terminee", etat2["erreurs"]
    assert etat2["comptes"]["cas_crees"] == 0
    assert etat2["comptes"]["cas_deja_suivis"] == signales - 1
    assert etat2["comptes"]["cas_clos"] == 1
    apres = monde.client.get(f"/api/v1/cas/{a_transmettre['id']}", headers={**agent, **MOTIF}).json()
    assert apres["statut"] == "rescolarise"
    assert (
        monde.client.get("/api/v1/cas", headers={**agent, **MOTIF}, params={"par_page": 200}).json()["total"]
        == signales
    )

    # 5. Les événements de cas, sans donnée personnelle, retracent la procédure.
    with session_base(monde.bdd) as session:
        etapes = [
            (e.action, e.vers_statut)
            for e in session.exec(
                select(EvenementCas)
                .where(EvenementCas.cas_id == a_transmettre["id"])
                .order_by(col(EvenementCas.id))
            )
        ]
    assert etapes == [
        ("reperage", "repere"),
        ("transmettre", "transmis_dasen"),
        ("mettre_en_demeure", "mise_en_demeure"),
        ("rescolarisation_constatee", "rescolarise"),
    ]
    with session_base(monde.bdd) as session:
        pour_indicateurs = evenements(session, [A]).filter(pl.col("cas") == a_transmettre["id"])
    assert pour_indicateurs["etape"].to_list() == [
        "repere",
        "transmis_dasen",
        "mise_en_demeure",
        "rescolarise",
    ]
    # La mise en demeure est datée de sa notification, comme l'indicateur de délai l'attend.
    assert pour_indicateurs["date"][2] == notification
