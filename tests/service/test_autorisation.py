"""Matrice d'autorisation : chaque point d'entrée × chaque rôle × la portée. Tout refus est audité."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from service.base.connexion import session_base
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from service.registre.registre import appliquer_transition
from tests.service.fabriques import COMPTES, A, B, C, Monde, entrees_audit, identite

MOTIF = {ENTETE_MOTIF: MotifConsultation.VERIFICATION.value}

NOM_SEME = "ZORGLUBEAU"


@dataclass
class Scene:
    monde: Monde
    campagne_a: str
    cas_a_repere: str
    cas_a_transmis: str
    cas_b_transmis: str
    cas_c_transmis: str


def _transmettre(monde: Monde, agent: str, cas_id: str) -> None:
    with session_base(monde.bdd) as session:
        appliquer_transition(session, monde.acteur(agent), cas_id, "transmettre", {}, coffre=monde.coffre())


def _scene(monde: Monde) -> Scene:
    naissance = date(2015, 3, 2)
    (a1, a2) = monde.semer_cas(
        A, [identite(NOM_SEME, "LEA", naissance), identite("DUCHAMP-FICTIF", "ROSE", naissance)]
    )
    (b1,) = monde.semer_cas(B, [identite("BOURGEOIS-FICTIF", "NOE", naissance)])
    (c1,) = monde.semer_cas(C, [identite("CALONNE-FICTIF", "ELIA", naissance)])
    _transmettre(monde, "agent.a", a2)
    # Repéré et transmis fin septembre : un contrôle peut être daté d'octobre.
    monde.antidater(a2, date(2026, 9, 30))
    _transmettre(monde, "agent.b", b1)
    # C n'a pas d'agent dans ce monde : on en crée un pour transmettre son cas.
    monde.client.post(
        "/api/v1/utilisateurs",
        headers=monde.entetes("admin.test"),
        json={
            "identifiant": "agent.c",
            "role": "agent_commune",
            "mot_de_passe": "Une phrase assez longue 42",
            "communes": [C],
        },
    )
    _transmettre(monde, "agent.c", c1)
    campagne = monde.client.post(
        "/api/v1/campagnes",
        headers=monde.entetes("agent.a"),
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    ).json()["id"]
    return Scene(monde, campagne, a1, a2, b1, c1)


Appel = Callable[[Scene, dict[str, str]], httpx.Response]


def _get(chemin: str) -> Appel:
    return lambda s, h: s.monde.client.get(chemin.format(s=s), headers=h)


def _get_identites(chemin: str) -> Appel:
    return lambda s, h: s.monde.client.get(chemin.format(s=s), headers={**h, **MOTIF})


def _post(chemin: str, **corps: Any) -> Appel:
    return lambda s, h: s.monde.client.post(chemin.format(s=s), headers=h, **corps)


def _delete(chemin: str) -> Appel:
    return lambda s, h: s.monde.client.delete(chemin.format(s=s), headers=h)


AGENTS_A = {"agent.a"}
# point d'entrée → (appel, comptes autorisés)
MATRICE: dict[str, tuple[Appel, set[str]]] = {
    "qui suis-je": (_get("/api/v1/session"), set(COMPTES)),
    "mes sessions": (_get("/api/v1/sessions"), set(COMPTES)),
    "fermer mes autres sessions": (_delete("/api/v1/sessions/autres"), set(COMPTES)),
    "fermer une de mes sessions": (_delete("/api/v1/sessions/999999"), set(COMPTES)),
    "lister les communes": (_get("/api/v1/communes"), set(COMPTES)),
    "lister les comptes": (_get("/api/v1/utilisateurs"), {"admin.test", "dpo.test"}),
    "créer un compte": (
        _post("/api/v1/utilisateurs", json={"identifiant": "x.y", "role": "dpo", "mot_de_passe": "court"}),
        {"admin.test"},
    ),
    "approuver un compte": (_post("/api/v1/utilisateurs/inconnu/approbation"), {"admin.test", "dpo.test"}),
    "rattacher un compte à ProConnect": (
        lambda s, h: s.monde.client.put("/api/v1/utilisateurs/inconnu/proconnect", headers=h, json={}),
        {"admin.test"},
    ),
    "désactiver un compte": (_post("/api/v1/utilisateurs/inconnu/desactiver"), {"admin.test"}),
    "nouveau secret TOTP": (_post("/api/v1/utilisateurs/inconnu/totp"), {"admin.test"}),
    "fermer les sessions d'un compte": (_delete("/api/v1/utilisateurs/inconnu/sessions"), {"admin.test"}),
    "ajouter une commune": (
        _post("/api/v1/communes", json={"insee": "59003", "nom": "Trois-Fictif", "departement": "59"}),
        {"admin.test"},
    ),
    "lister les conventions": (_get("/api/v1/conventions"), {"admin.test", "agent.a", "agent.b"}),
    "enregistrer une convention": (_post("/api/v1/conventions", content=b"pas du toml ["), {"admin.test"}),
    "créer une campagne en A": (
        _post("/api/v1/campagnes", json={"commune": A, "date_reference": "2026-10-01", "libelle": "x"}),
        AGENTS_A,
    ),
    "lister mes campagnes": (_get("/api/v1/campagnes"), {"agent.a", "agent.b"}),
    "lire une campagne de A": (_get("/api/v1/campagnes/{s.campagne_a}"), AGENTS_A),
    "déposer dans une campagne de A": (
        _post(
            "/api/v1/campagnes/{s.campagne_a}/sources",
            files={"archive": ("caf.7z", b"7z factice")},
            data={"convention": "caf-test", "mot_de_passe": "Mot-de-passe-CAF-1"},
        ),
        AGENTS_A,
    ),
    "vérifier une campagne de A avant lancement": (
        _get("/api/v1/campagnes/{s.campagne_a}/verification"),
        AGENTS_A,
    ),
    "lancer une campagne de A": (_post("/api/v1/campagnes/{s.campagne_a}/lancer"), AGENTS_A),
    "retirer une source d'une campagne de A": (
        _delete("/api/v1/campagnes/{s.campagne_a}/sources/inconnue"),
        AGENTS_A,
    ),
    "lister les cas": (_get_identites("/api/v1/cas"), {"agent.a", "agent.b", "referent.59", "referent.62"}),
    "lire un cas transmis de A": (
        _get_identites("/api/v1/cas/{s.cas_a_transmis}"),
        {"agent.a", "referent.59"},
    ),
    "lire un cas repéré de A": (_get_identites("/api/v1/cas/{s.cas_a_repere}"), AGENTS_A),
    "classer un cas repéré de A": (
        _post(
            "/api/v1/cas/{s.cas_a_repere}/transitions",
            json={"action": "classer", "champs": {"motif": "erreur_donnees"}},
        ),
        AGENTS_A,
    ),
    "contrôler un cas transmis de A": (
        _post(
            "/api/v1/cas/{s.cas_a_transmis}/transitions",
            json={"action": "controler", "champs": {"date": "2026-10-10"}},
        ),
        {"referent.59"},
    ),
    "indicateurs de mon périmètre": (
        _get("/api/v1/indicateurs?mois=2026-10"),
        {"agent.a", "agent.b", "referent.59", "referent.62", "pilote.test"},
    ),
    "indicateurs de A": (
        _get(f"/api/v1/indicateurs?mois=2026-10&commune={A}&format=csv"),
        {"agent.a", "referent.59", "pilote.test"},
    ),
    "lire le journal d'audit": (_get("/api/v1/audit"), {"dpo.test"}),
    "exporter le journal d'audit": (_get("/api/v1/audit/export.csv"), {"dpo.test"}),
    "droit d'accès": (
        _post(
            "/api/v1/droit-acces",
            json={
                "nom": NOM_SEME,
                "prenoms": "LEA",
                "date_naissance": "2015-03-02",
                "motif": "demande_famille",
            },
        ),
        {"dpo.test"},
    ),
}


def test_matrice_d_autorisation(monde_sqlite: Monde) -> None:
    # Un seul monde pour tous les rôles : un refus ne dépend que du rôle et de la portée, jamais de
    # l'état où les appels autorisés des rôles précédents ont laissé les objets.
    scene = _scene(monde_sqlite)
    ecarts: list[str] = []
    for compte in sorted(COMPTES):
        entetes = monde_sqlite.entetes(compte)
        for nom, (appel, autorises) in MATRICE.items():
            refus_avant = len(entrees_audit(monde_sqlite.bdd, "autorisation_refusee"))
            reponse = appel(scene, entetes)
            refus_apres = len(entrees_audit(monde_sqlite.bdd, "autorisation_refusee"))
            if compte in autorises:
                if reponse.status_code == 403 or reponse.status_code >= 500 or refus_apres != refus_avant:
                    ecarts.append(f"{compte} devrait pouvoir : {nom} ({reponse.status_code} {reponse.text})")
            elif reponse.status_code != 403:
                ecarts.append(f"{compte} ne devrait pas pouvoir : {nom} ({reponse.status_code})")
            elif refus_apres != refus_avant + 1:
                ecarts.append(f"refus non audité : {compte} / {nom}")
            if (
                compte in {"admin.test", "dpo.test", "pilote.test"}
                and nom != "droit d'accès"
                and NOM_SEME in reponse.text
            ):
                ecarts.append(f"{compte} a vu une identité : {nom}")
    assert ecarts == []


def test_chacun_ne_voit_que_sa_portee(monde_sqlite: Monde) -> None:
    scene = _scene(monde_sqlite)

    def visibles(compte: str) -> set[str]:
        reponse = monde_sqlite.client.get("/api/v1/cas", headers={**monde_sqlite.entetes(compte), **MOTIF})
        return {c["id"] for c in reponse.json()["cas"]}

    assert visibles("agent.a") == {scene.cas_a_repere, scene.cas_a_transmis}
    assert visibles("agent.b") == {scene.cas_b_transmis}
    # Un référent ne voit que les cas transmis, et seulement ceux de son département.
    assert visibles("referent.59") == {scene.cas_a_transmis, scene.cas_b_transmis}
    assert visibles("referent.62") == {scene.cas_c_transmis}

    def communes(compte: str) -> set[str]:
        reponse = monde_sqlite.client.get("/api/v1/communes", headers=monde_sqlite.entetes(compte))
        return {c["insee"] for c in reponse.json()}

    assert (communes("agent.a"), communes("referent.62"), communes("referent.59")) == ({A}, {C}, {A, B})
    # La portée vient de la session : demander une autre commune ne l'élargit pas.
    filtre = monde_sqlite.client.get(
        "/api/v1/cas", params={"commune": B}, headers={**monde_sqlite.entetes("agent.a"), **MOTIF}
    )
    assert filtre.json()["cas"] == []


def test_l_agent_de_a_n_agit_pas_sur_b(monde_sqlite: Monde) -> None:
    scene = _scene(monde_sqlite)
    entetes = monde_sqlite.entetes("agent.a")
    transition = monde_sqlite.client.post(
        f"/api/v1/cas/{scene.cas_b_transmis}/transitions",
        headers=entetes,
        json={"action": "constater_rescolarisation", "champs": {"uai": "0590001A", "date": "2026-10-02"}},
    )
    assert transition.status_code == 403
    creation = monde_sqlite.client.post(
        "/api/v1/campagnes",
        headers=entetes,
        json={"commune": B, "date_reference": "2026-10-01", "libelle": "x"},
    )
    assert creation.status_code == 403
    refus = entrees_audit(monde_sqlite.bdd, "autorisation_refusee")
    assert {r.cible_id for r in refus} >= {scene.cas_b_transmis, B}


def test_chaque_affichage_d_une_identite_est_audite_comme_consultation(monde_sqlite: Monde) -> None:
    scene = _scene(monde_sqlite)
    entetes = monde_sqlite.entetes("agent.a")

    def consultes() -> list[str | None]:
        return [e.cible_id for e in entrees_audit(monde_sqlite.bdd, "consultation")]

    avant = consultes()
    liste = monde_sqlite.client.get("/api/v1/cas", headers={**entetes, **MOTIF})
    assert NOM_SEME in liste.text
    assert len(consultes()) == len(avant) + 1
    fiche = monde_sqlite.client.get(f"/api/v1/cas/{scene.cas_a_repere}", headers={**entetes, **MOTIF})
    assert NOM_SEME in fiche.text
    assert consultes()[-1] == scene.cas_a_repere
    avant = consultes()
    # La réponse d'une transition rend la fiche, identité comprise : c'est aussi une consultation.
    reponse = monde_sqlite.client.post(
        f"/api/v1/cas/{scene.cas_a_repere}/transitions",
        headers=entetes,
        json={"action": "classer", "champs": {"motif": "erreur_donnees"}},
    )
    assert reponse.status_code == 200
    assert NOM_SEME in reponse.text
    assert consultes() == [*avant, scene.cas_a_repere]
