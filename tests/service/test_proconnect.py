"""Connexion ProConnect (issue n° 20) : qui entre, quel compte s'ouvre, ce que dit le journal.

Le fournisseur OpenID de test tourne sur 127.0.0.1 avec de vraies clés ; les comptes et le journal
sont sur SQLite et PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from service.comptes.proconnect import entree
from service.comptes.sessions import Connexion, reconnaitre
from service.comptes.utilisateurs import desactiver_utilisateur
from service.modeles import SessionWeb
from tests.service.fabriques import Monde, code_totp, entrees_audit
from tests.service.fournisseur_oidc import ACR_2FA
from tests.service.parcours_proconnect import Parcours, preparer


@pytest.fixture
def pc(monde: Monde, monkeypatch: pytest.MonkeyPatch) -> Iterator[Parcours]:
    yield from preparer(monde, monkeypatch)


def _dernier(monde: Monde, action: str) -> dict[str, Any]:
    """La dernière entrée du journal pour cette action : acteur, résultat et détails."""
    entree_journal = entrees_audit(monde.bdd, action)[-1]
    details = entree_journal.details
    if isinstance(details, str):
        details = json.loads(details)
    return {"acteur": entree_journal.acteur, "resultat": entree_journal.resultat, **details}


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_un_agent_prouve_par_proconnect_avec_deux_facteurs_ouvre_sa_session_avec_sa_portee(
    pc: Parcours, alg: str
) -> None:
    pc.fournisseur.alg = alg
    connexion = pc.connecter()
    assert isinstance(connexion, Connexion)
    assert connexion.acteur is not None
    assert connexion.jeton is not None
    assert connexion.acteur.identifiant == "agent.a"
    assert connexion.acteur.communes == frozenset({"59001"})
    # La même session que la connexion locale : reconnue par son jeton, avec le jeton d'identité gardé.
    with Session(pc.monde.bdd) as session:
        trouve = reconnaitre(session, connexion.jeton)
        assert trouve is not None
        assert trouve[0].identifiant == "agent.a"
        assert trouve[1].proconnect_id_token
    journal = _dernier(pc.monde, "connexion")
    assert journal["resultat"] == "succes"
    assert journal["acteur"] == "agent.a"
    assert journal["voie"] == "proconnect"
    assert journal["idp_id"] == "fi-test-mairies"
    assert journal["acr"] == ACR_2FA
    assert journal["siret"] == "21590001000012"
    assert journal["second_facteur"] == "proconnect"


def test_la_demande_a_proconnect_porte_les_scopes_l_acr_essentiel_et_des_aleas_assez_longs(
    pc: Parcours,
) -> None:
    pc.aller()
    demande = pc.fournisseur.autorisations[-1]
    assert demande["scope"].split() == [
        "openid",
        "email",
        "given_name",
        "usual_name",
        "siret",
        "uid",
        "idp_id",
    ]
    assert '"acr":{"essential":true' in demande["claims"]
    assert len(demande["state"]) >= 32
    assert len(demande["nonce"]) >= 32
    pc.aller()
    assert pc.fournisseur.autorisations[-1]["state"] != demande["state"]


def test_le_sub_est_lie_a_la_premiere_connexion_puis_exige_identique(pc: Parcours) -> None:
    assert pc.compte("agent.a").proconnect_sub is None
    assert isinstance(pc.connecter(), Connexion)
    assert pc.compte("agent.a").proconnect_sub == pc.fournisseur.personne.sub
    liaison = _dernier(pc.monde, "compte_modifie")
    assert liaison["proconnect"] == "identite_liee"
    # Même courriel, autre identité (un autre fournisseur d'identité) : refusé, le compte garde son lien.
    pc.fournisseur.prouver(sub="sub-0002-autre", idp_id="fi-test-autre")
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == "identite_differente"
    assert "délier" in refus.value.message
    assert pc.compte("agent.a").proconnect_sub == "sub-0001-fictif"
    # L'administrateur délie : la nouvelle identité est liée à la connexion suivante.
    pc.rattacher("agent.a", "camille.fictif@mairie-ablainville.example", "21590001000012", delier=True)
    assert isinstance(pc.connecter(), Connexion)
    assert pc.compte("agent.a").proconnect_sub == "sub-0002-autre"


def test_sans_second_facteur_chez_proconnect_cellule_demande_son_code_totp(pc: Parcours) -> None:
    pc.fournisseur.prouver(acr="eidas1")
    attente = pc.connecter()
    assert isinstance(attente, entree.SecondFacteurDemande)
    assert attente.identifiant == "agent.a"
    # Aucune session n'est ouverte, ni l'identité liée, avant le code.
    assert not [e for e in entrees_audit(pc.monde.bdd, "connexion") if e.resultat == "succes"]
    assert pc.compte("agent.a").proconnect_sub is None
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.confirmer(attente.temoin, "000000")
    assert refus.value.raison == "totp"
    assert pc.compte("agent.a").echecs == 1
    connexion = pc.confirmer(attente.temoin, code_totp(pc.monde.secrets["agent.a"]))
    assert connexion.acteur is not None
    assert connexion.acteur.identifiant == "agent.a"
    journal = _dernier(pc.monde, "connexion")
    assert journal["resultat"] == "succes"
    assert journal["acr"] == "eidas1"
    assert journal["second_facteur"] == "totp"
    assert pc.compte("agent.a").proconnect_sub == pc.fournisseur.personne.sub
    # Le même code ne rouvre pas une seconde session (pas de rejeu).
    with pytest.raises(entree.ConnexionRefusee):
        pc.confirmer(attente.temoin, code_totp(pc.monde.secrets["agent.a"]))


def test_sans_second_facteur_ni_code_active_la_personne_sait_quoi_faire(pc: Parcours) -> None:
    pc.totp_active("agent.a", False)
    pc.fournisseur.prouver(acr="eidas1")
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == "totp_non_active"
    assert "Connectez-vous une première fois avec votre identifiant" in refus.value.message


def test_un_compte_desactive_pendant_l_attente_du_code_n_entre_pas(pc: Parcours) -> None:
    pc.fournisseur.prouver(acr="eidas1")
    attente = pc.connecter()
    assert isinstance(attente, entree.SecondFacteurDemande)
    with Session(pc.monde.bdd) as session:
        desactiver_utilisateur(session, "agent.a", par=pc.monde.acteur("admin.test"))
        session.commit()
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.confirmer(attente.temoin, code_totp(pc.monde.secrets["agent.a"]))
    assert refus.value.raison == "compte_inactif"


def test_une_attente_du_code_alteree_est_refusee(pc: Parcours) -> None:
    pc.fournisseur.prouver(acr="eidas1")
    attente = pc.connecter()
    assert isinstance(attente, entree.SecondFacteurDemande)
    altere = attente.temoin[:-6] + ("AAAAAA" if not attente.temoin.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.confirmer(altere, code_totp(pc.monde.secrets["agent.a"]))
    assert refus.value.raison == "attente_expiree"


def test_une_personne_inconnue_est_refusee_et_sait_a_qui_s_adresser(pc: Parcours) -> None:
    pc.fournisseur.prouver(email="dominique.inconnu@mairie-ablainville.example", sub="sub-0003")
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == "compte_inconnu"
    assert "administrateur" in refus.value.message
    journal = _dernier(pc.monde, "connexion")
    assert journal["resultat"] == "refus"
    assert journal["acteur"] == "anonyme"
    assert journal["raison"] == "compte_inconnu"
    assert journal["voie"] == "proconnect"
    assert journal["idp_id"] == "fi-test-mairies"
    assert journal["siret"] == "21590001000012"
    # Jamais le courriel dans le journal.
    assert "inconnu@" not in str(entrees_audit(pc.monde.bdd, "connexion"))


def test_un_siret_etranger_est_refuse(pc: Parcours) -> None:
    pc.fournisseur.prouver(siret="21620001000018")
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == "siret_etranger"
    assert "21620001000018" in refus.value.message
    assert pc.compte("agent.a").proconnect_sub is None
    journal = _dernier(pc.monde, "connexion")
    assert journal["acteur"] == "agent.a"
    assert journal["raison"] == "siret_etranger"
    assert journal["siret"] == "21620001000018"


def test_un_agent_rattache_sans_siret_ne_peut_pas_etre_cree(pc: Parcours) -> None:
    from service.comptes.rattachement import RattachementInvalide

    with pytest.raises(RattachementInvalide, match="SIRET"):
        pc.rattacher("agent.b", "claude.fictif@mairie-bourg.example", None)


def test_un_compte_desactive_ou_en_attente_n_entre_pas(pc: Parcours) -> None:
    with Session(pc.monde.bdd) as session:
        desactiver_utilisateur(session, "agent.a", par=pc.monde.acteur("admin.test"))
        session.commit()
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == "compte_inactif"
    assert "désactivé" in refus.value.message


def test_un_dpo_rattache_sans_siret_entre_sans_controle_d_organisation(pc: Parcours) -> None:
    pc.rattacher("agent.a", None, None)
    pc.rattacher("dpo.test", pc.fournisseur.personne.email, None)
    connexion = pc.connecter()
    assert isinstance(connexion, Connexion)
    assert connexion.acteur is not None
    assert connexion.acteur.identifiant == "dpo.test"


def test_la_deconnexion_renvoie_chez_proconnect_et_controle_le_state_au_retour(pc: Parcours) -> None:
    import httpx

    connexion = pc.connecter()
    assert isinstance(connexion, Connexion)
    assert connexion.jeton
    assert connexion.acteur
    with Session(pc.monde.bdd) as session:
        sortie = entree.commencer_deconnexion(
            session, pc.client, connexion.jeton, connexion.acteur, "127.0.0.1"
        )
        session.commit()
        assert sortie is not None
        assert reconnaitre(session, connexion.jeton) is None
        fermee = session.exec(
            select(SessionWeb).where(SessionWeb.utilisateur_id == connexion.acteur.id)
        ).one()
        assert fermee.proconnect_id_token is None
    adresse, temoin = sortie
    reponse = httpx.get(adresse, follow_redirects=False)
    assert reponse.status_code == 302, reponse.text
    fin = pc.fournisseur.fins_de_session[-1]
    assert fin["post_logout_redirect_uri"] == entree.post_logout_redirect_uri()
    state = reponse.headers["location"].split("state=")[1]
    with Session(pc.monde.bdd) as session:
        assert entree.terminer_deconnexion(session, state=state, temoin_deconnexion=temoin, ip="127.0.0.1")
        assert not entree.terminer_deconnexion(
            session,
            state=state[:-1] + ("x" if state[-1] != "x" else "y"),
            temoin_deconnexion=temoin,
            ip="127.0.0.1",
        )
        session.commit()
    journal = _dernier(pc.monde, "deconnexion")
    assert journal["resultat"] == "refus"
    assert journal["raison"] == "state"


def test_une_session_locale_se_ferme_sans_passer_par_proconnect(pc: Parcours) -> None:
    corps = pc.monde.connecter("agent.b")
    with Session(pc.monde.bdd) as session:
        acteur = pc.monde.acteur("agent.b")
        assert entree.commencer_deconnexion(session, pc.client, corps["jeton"], acteur, "127.0.0.1") is None
        session.commit()
