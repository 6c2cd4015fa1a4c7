"""Connexion ProConnect (issue n° 20) : toute réponse du fournisseur qui ne se vérifie pas est refusée.

Signature d'une clé non publiée, ``nonce``, ``aud`` ou ``iss`` faux, jeton expiré, ``acr`` non
accepté, userinfo non signé ou d'une autre personne, ``state`` altéré : aucun compte ne s'ouvre, et
le refus est écrit au journal avec sa raison.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from service.comptes.proconnect import entree
from service.comptes.proconnect.fournisseur import ClientProConnect, ProConnectRefuse
from service.comptes.sessions import Connexion
from tests.service.fabriques import Monde, entrees_audit
from tests.service.fournisseur_oidc import CLIENT_ID, CLIENT_SECRET
from tests.service.parcours_proconnect import Parcours, preparer


@pytest.fixture
def pc(monde: Monde, monkeypatch: pytest.MonkeyPatch) -> Iterator[Parcours]:
    yield from preparer(monde, monkeypatch)


def _refus_au_journal(monde: Monde) -> dict[str, Any]:
    derniere = entrees_audit(monde.bdd, "connexion")[-1]
    details = json.loads(derniere.details) if isinstance(derniere.details, str) else derniere.details
    assert derniere.resultat == "refus"
    return dict(details)


@pytest.mark.parametrize(
    ("defaut", "raison"),
    [
        ("signature", "signature"),
        ("hs256", "signature"),
        ("nonce", "nonce"),
        ("aud", "aud"),
        ("iss", "iss"),
        ("expire", "expire"),
        ("sans_acr", "acr"),
        ("userinfo_json", "userinfo_non_signe"),
        ("userinfo_signature", "signature"),
        ("userinfo_sub", "sub"),
        ("userinfo_iss", "iss"),
    ],
)
def test_une_reponse_du_fournisseur_qui_ne_se_verifie_pas_est_refusee(
    pc: Parcours, defaut: str, raison: str
) -> None:
    pc.fournisseur.defauts.add(defaut)
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == raison
    assert "Recommencez" in refus.value.message
    journal = _refus_au_journal(pc.monde)
    assert journal["raison"] == raison
    assert journal["voie"] == "proconnect"
    # Rien n'a été lié au compte.
    assert pc.compte("agent.a").proconnect_sub is None


def test_un_acr_non_accepte_est_refuse(pc: Parcours, monkeypatch: pytest.MonkeyPatch) -> None:
    pc.fournisseur.prouver(acr="eidas1")
    exigeant = ClientProConnect(
        pc.fournisseur.emetteur,
        CLIENT_ID,
        CLIENT_SECRET,
        ["https://proconnect.gouv.fr/assurance/self-asserted-2fa"],
    )
    pc.client = exigeant
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.connecter()
    assert refus.value.raison == "acr"
    assert _refus_au_journal(pc.monde)["raison"] == "acr"
    # La demande disait à ProConnect les seuls niveaux acceptés.
    assert (
        '"values":["https://proconnect.gouv.fr/assurance/self-asserted-2fa"]'
        in (pc.fournisseur.autorisations[-1]["claims"])
    )


def test_un_state_altere_au_retour_est_refuse(pc: Parcours) -> None:
    code, state, temoin = pc.aller()
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.terminer(code, state[:-1] + ("a" if state[-1] != "a" else "b"), temoin)
    assert refus.value.raison == "state"
    assert _refus_au_journal(pc.monde)["raison"] == "state"


def test_un_retour_sans_le_temoin_de_ce_navigateur_est_refuse(pc: Parcours) -> None:
    # Un retour forgé par un tiers (code et state à lui) dans le navigateur d'une autre personne.
    code, state, _ = pc.aller()
    _, _, temoin_autre = pc.aller()
    for temoin in (None, temoin_autre, temoin_autre[:-4] + "AAAA"):
        with pytest.raises(entree.ConnexionRefusee) as refus:
            pc.terminer(code, state, temoin)
        assert refus.value.raison == "state"


def test_un_code_ne_sert_qu_une_fois(pc: Parcours) -> None:
    code, state, temoin = pc.aller()
    assert isinstance(pc.terminer(code, state, temoin), Connexion)
    with pytest.raises(entree.ConnexionRefusee) as refus:
        pc.terminer(code, state, temoin)
    assert refus.value.raison == "code_refuse"


def test_l_authentification_du_client_suit_la_decouverte(pc: Parcours) -> None:
    # Le fournisseur n'accepte que le secret en en-tête (client_secret_basic).
    pc.fournisseur.authentification = "client_secret_basic"
    pc.client = ClientProConnect(
        pc.fournisseur.emetteur, CLIENT_ID, CLIENT_SECRET, ["eidas1", pc.fournisseur.personne.acr]
    )
    assert isinstance(pc.connecter(), Connexion)


def test_les_cles_sont_gardees_et_relues_quand_le_fournisseur_en_change(pc: Parcours) -> None:
    decalage = [0.0]
    pc.client = ClientProConnect(
        pc.fournisseur.emetteur,
        CLIENT_ID,
        CLIENT_SECRET,
        [pc.fournisseur.personne.acr],
        horloge=lambda: time.time() + decalage[0],
    )
    assert isinstance(pc.connecter(), Connexion)
    assert isinstance(pc.connecter(), Connexion)
    assert pc.fournisseur.lectures_cles == 1
    # Rotation : le fournisseur signe d'une nouvelle clé ; le service relit les clés une fois.
    pc.fournisseur.kid_rsa = "rsa-2"
    decalage[0] = 40
    assert isinstance(pc.connecter(), Connexion)
    assert pc.fournisseur.lectures_cles == 2


def test_un_fournisseur_injoignable_donne_un_refus_clair(pc: Parcours) -> None:
    injoignable = ClientProConnect("http://127.0.0.1:9/api/v2", CLIENT_ID, CLIENT_SECRET, ["eidas1"])
    with pytest.raises(ProConnectRefuse, match="ProConnect ne répond pas") as erreur:
        entree.commencer(injoignable)
    assert erreur.value.raison == "fournisseur_injoignable"


def test_un_emetteur_en_clair_hors_de_la_machine_est_refuse() -> None:
    with pytest.raises(ValueError, match="https"):
        ClientProConnect("http://proconnect.exemple.fr/api/v2", CLIENT_ID, CLIENT_SECRET, ["eidas1"])
