"""Le motif d'une consultation est un code d'une liste fermée, envoyé en en-tête ; aucun texte libre
n'entre dans le journal d'audit ; les caractères de contrôle et invisibles sont refusés partout."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from audit.tables import journal
from service.api.textes import texte_refuse
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from tests.service.fabriques import A, Monde, archives, entrees_audit, identite, jeu

NAISSANCE = date(2016, 5, 4)


def _journal_complet(monde: Monde) -> str:
    with monde.bdd.connect() as connexion:
        return str([tuple(ligne) for ligne in connexion.execute(sa.select(journal)).all()])


def test_la_fiche_exige_un_motif_code_en_en_tete_et_le_journal_n_ecrit_que_lui(monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("MOTIFICTIF", "JADE", NAISSANCE)])
    agent = monde.entetes("agent.a")

    sans = monde.client.get(f"/api/v1/cas/{cas}", headers=agent)
    assert sans.status_code == 400
    assert ENTETE_MOTIF in sans.json()["detail"]
    assert all(m.value in sans.json()["detail"] for m in MotifConsultation)
    assert "MOTIFICTIF" not in sans.text
    # Un texte libre n'est pas un motif, et il n'est pas répété dans la réponse.
    libre = monde.client.get(f"/api/v1/cas/{cas}", headers={**agent, ENTETE_MOTIF: "voir Jade Martin"})
    assert libre.status_code == 400
    assert "Jade" not in libre.text
    liste = monde.client.get("/api/v1/cas", headers=agent)
    assert liste.status_code == 400
    assert entrees_audit(monde.bdd, "consultation") == []

    # L'ancien motif en paramètre d'adresse n'est plus lu : il n'entre pas au journal.
    fiche = monde.client.get(
        f"/api/v1/cas/{cas}",
        params={"motif": "vérifier Zoé Dupontfictif"},
        headers={**agent, ENTETE_MOTIF: "verification"},
    )
    assert fiche.status_code == 200
    assert fiche.json()["identite"]["nom"] == "MOTIFICTIF"
    liste = monde.client.get("/api/v1/cas", headers={**agent, ENTETE_MOTIF: "demande_famille"})
    assert [c["id"] for c in liste.json()["cas"]] == [cas]
    transition = monde.client.post(
        f"/api/v1/cas/{cas}/transitions", headers=agent, json={"action": "transmettre", "champs": {}}
    )
    assert transition.status_code == 200
    assert [(e.cible_id, e.motif) for e in entrees_audit(monde.bdd, "consultation")] == [
        (cas, "verification"),
        (None, "demande_famille"),
        (cas, "procedure"),
    ]
    assert "Dupontfictif" not in _journal_complet(monde)


def test_aucun_texte_saisi_n_entre_dans_le_journal_d_audit(monde: Monde) -> None:
    dpo = monde.entetes("dpo.test")
    # Un refus est audité avec le modèle de l'adresse, pas l'adresse reçue (qui porte n'importe quoi).
    refus = monde.client.get(
        "/api/v1/cas/Zoé Dupontfictif née le 2016-05-04", headers={**dpo, ENTETE_MOTIF: "controle_dpo"}
    )
    assert refus.status_code == 403
    (entree,) = entrees_audit(monde.bdd, "autorisation_refusee")
    assert entree.details == '{"methode":"GET","operation":"cas_consulter","route":"/cas/{cas_id}"}'
    # Les filtres de l'export du journal y sont notés : un identifiant de compte, une action connue.
    for filtre in ({"acteur": "Zoé Dupontfictif"}, {"action": "Zoé Dupontfictif"}):
        reponse = monde.client.get("/api/v1/audit/export.csv", headers=dpo, params=filtre)
        assert reponse.status_code == 422, reponse.text
    assert monde.client.get("/api/v1/audit/export.csv", headers=dpo, params={"acteur": "agent.a"}).is_success
    # Une commune demandée hors périmètre est écrite au journal avec le refus : un code INSEE seulement.
    indicateurs = monde.client.get(
        "/api/v1/indicateurs",
        headers=monde.entetes("agent.a"),
        params={"mois": "2026-10", "commune": "Dupontfictif"},
    )
    assert indicateurs.status_code == 422
    # Le droit d'accès : un code de motif, pas une phrase.
    demande = {"nom": "DUPONTFICTIF", "prenoms": "ZOE", "date_naissance": "2016-05-04"}
    libre = monde.client.post(
        "/api/v1/droit-acces", headers=dpo, json={**demande, "motif": "Zoé Dupontfictif, courrier du 3"}
    )
    assert libre.status_code == 422
    assert (
        "« motif » attend 'verification', 'procedure', 'demande_famille' ou 'controle_dpo'."
        in (libre.json()["detail"])
    )
    code = monde.client.post("/api/v1/droit-acces", headers=dpo, json={**demande, "motif": "demande_famille"})
    assert code.status_code == 200
    assert [e.motif for e in entrees_audit(monde.bdd, "export_droit_acces")] == ["demande_famille"]
    assert "Dupontfictif" not in _journal_complet(monde)


def test_un_identifiant_de_compte_tape_dans_l_adresse_n_entre_pas_dans_le_journal(monde: Monde) -> None:
    agent, admin = monde.entetes("agent.a"), monde.entetes("admin.test")
    routes = {
        "desactiver": "utilisateur_desactiver",
        "totp": "totp_reinitialiser",
        "approbation": "compte_approuver",
    }
    # Un texte qui a la forme d'un identifiant mais ne désigne aucun compte : refusé sans cible.
    for route in routes:
        refus = monde.client.post(f"/api/v1/utilisateurs/zoe.dupontfictif/{route}", headers=agent)
        assert refus.status_code == 403, refus.text
    # Un compte qui existe : désigné par son numéro interne, pas par le texte tapé.
    for route in routes:
        assert monde.client.post(f"/api/v1/utilisateurs/agent.b/{route}", headers=agent).status_code == 403
    propre = monde.client.post("/api/v1/utilisateurs/admin.test/approbation", headers=admin)
    assert propre.status_code == 403
    assert "propre compte" in propre.json()["detail"]

    agent_b, administrateur = (str(monde.acteur(c).id) for c in ("agent.b", "admin.test"))
    refus_ecrits = [
        (e.cible_type, e.cible_id, json.loads(e.details)["operation"])
        for e in entrees_audit(monde.bdd, "autorisation_refusee")
    ]
    assert sorted(refus_ecrits, key=str) == sorted(
        [
            *((None, None, operation) for operation in routes.values()),
            *(("utilisateur", agent_b, operation) for operation in routes.values()),
            ("utilisateur", administrateur, "compte_approuver"),
        ],
        key=str,
    )
    assert "dupontfictif" not in _journal_complet(monde).lower()


INVISIBLES = {
    "nul": "\x00",
    "echappement": "\x1b",
    "saut de ligne": "\n",
    "C1": "\x85",
    "renversement droite-gauche": "\u202e",
    "isolat": "\u2066",
    "largeur nulle": "\u200b",
    "marque droite-gauche": "\u200f",
    "indicateur d'ordre des octets": "\ufeff",
    "moitié de paire UTF-16": "\ud800",
}


@pytest.mark.parametrize("caractere", INVISIBLES.values(), ids=INVISIBLES.keys())
def test_un_caractere_de_controle_ou_invisible_est_refuse(caractere: str) -> None:
    assert texte_refuse(f"DUPONT{caractere}FICTIF") == f"U+{ord(caractere):04X}"


def test_les_textes_ordinaires_sont_acceptes() -> None:
    for texte in ("Zoé-Maëlle D'Artagnan", "Œdipe Ñúñez", "محمد", "李小龍", "Ⅻ ½ €"):
        assert texte_refuse(texte) is None


def _appels(monde: Monde, cas: str, texte: str) -> dict[str, Any]:
    dpo, agent, admin = (monde.entetes(c) for c in ("dpo.test", "agent.a", "admin.test"))
    motif = {ENTETE_MOTIF: "verification"}
    client = monde.client
    campagne = client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    ).json()["id"]
    caf, _ = archives(jeu(nb=4).familles, jeu(nb=4).inscrits)
    return {
        "campagne (libellé)": lambda: client.post(
            "/api/v1/campagnes",
            headers=agent,
            json={"commune": A, "date_reference": "2026-10-01", "libelle": texte},
        ),
        "formulaire de dépôt": lambda: client.post(
            f"/api/v1/campagnes/{campagne}/sources",
            headers=agent,
            files={"archive": ("caf.7z", caf.octets)},
            data={"convention": f"caf-test{texte}", "mot_de_passe": caf.mot_de_passe},
        ),
        "corps JSON": lambda: client.post(
            "/api/v1/droit-acces",
            headers=dpo,
            json={"nom": texte, "prenoms": "ZOE", "motif": "controle_dpo"},
        ),
        "valeur imbriquée": lambda: client.post(
            f"/api/v1/cas/{cas}/transitions",
            headers=agent,
            json={"action": "classer", "champs": {"motif": texte}},
        ),
        "clé imbriquée": lambda: client.post(
            f"/api/v1/cas/{cas}/transitions",
            headers=agent,
            json={"action": "classer", "champs": {texte: "erreur_donnees"}},
        ),
        "compte (nom affiché)": lambda: client.post(
            "/api/v1/utilisateurs",
            headers=admin,
            json={
                "identifiant": "agent.invisible",
                "role": "agent_commune",
                "mot_de_passe": "Une phrase assez longue pour un compte 42",
                "communes": [A],
                "nom_affiche": texte,
            },
        ),
        "connexion": lambda: client.post(
            "/api/v1/session", json={"identifiant": texte, "mot_de_passe": "x", "code_totp": "000000"}
        ),
        "commune": lambda: client.post(
            "/api/v1/communes", headers=admin, json={"insee": "59004", "nom": texte, "departement": "59"}
        ),
        "paramètre d'adresse": lambda: client.get(
            "/api/v1/cas", headers={**agent, **motif}, params={"statut": texte}
        ),
        "chemin": lambda: client.get(f"/api/v1/cas/{quote(texte)}", headers={**agent, **motif}),
        "convention (TOML)": lambda: client.post(
            "/api/v1/conventions", headers=admin, content=f'titre = "{texte}"\n'.encode()
        ),
    }


@pytest.mark.parametrize("caractere", ["\x00", "\u202e", "\u200b"], ids=["nul", "bidi", "largeur nulle"])
def test_aucun_champ_de_l_api_n_accepte_un_caractere_invisible(monde: Monde, caractere: str) -> None:
    (cas,) = monde.semer_cas(A, [identite("INVISIBLEFICTIF", "NOA", NAISSANCE)])
    appels = _appels(monde, cas, f"erreur{caractere}donnees")
    avant = _journal_complet(monde)
    ecarts = []
    for lieu, appel in appels.items():
        reponse = appel()
        if reponse.status_code != 422 or "caractère de contrôle ou invisible" not in reponse.json()["detail"]:
            ecarts.append(f"{lieu} : {reponse.status_code} {reponse.text}")
    assert ecarts == []
    # Rien n'a été écrit : ni campagne, ni dépôt, ni compte, ni commune, ni transition, ni export,
    # ni échec de connexion.
    assert _journal_complet(monde) == avant
    fiche = monde.client.get(
        f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), ENTETE_MOTIF: "verification"}
    )
    assert fiche.json()["statut"] == "repere"
