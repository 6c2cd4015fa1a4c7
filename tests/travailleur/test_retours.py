"""Les retours de revue d'une commune voyagent jusqu'à l'enfant confiné, validés strictement.

Noms de niveaux connus seulement, les clés d'un retour et aucune autre, RETOURS_MAX au plus :
le parent refuse de construire une autre demande, et l'enfant refuse proprement celle qu'on
aurait fabriquée à la main (réponse « echec » au motif clair, sans rien citer de son contenu).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from appariement.apprentissage import Retour
from chiffrement import Limites
from service.travailleur import EchecTravail, executer
from service.travailleur.parent import MODULE_ENFANT, _message_demande, decoder_reponse, lancer
from service.travailleur.protocole import (
    RETOURS_MAX,
    SIGNATURE_DEMANDE,
    ReponseEnfant,
    ecrire_message,
    lire_message,
)
from tests.travailleur.fabrique import reglages, sept_zip
from tests.travailleur.test_chaine import _petite_campagne

NIVEAUX = {
    "nom": "exact",
    "prenom": "premier_commun",
    "date_naissance": "un_chiffre",
    "sexe": "egal",
    "adresse": "manquant",
    "inversion": "non",
}
RETOURS = [Retour(NIVEAUX, meme_enfant=True), Retour({**NIVEAUX, "prenom": "different"}, meme_enfant=False)]


@pytest.fixture(autouse=True)
def _sept_zip() -> None:
    sept_zip()


def _demande(retours: list[Retour]) -> Any:
    return dataclasses.replace(_petite_campagne().demande(), retours=retours)


def test_une_demande_qui_porte_des_retours_est_traitee() -> None:
    reponse = executer(_demande(RETOURS), reglages=reglages())
    assert (reponse.statut, reponse.appariement_effectue, reponse.erreurs) == ("termine", True, [])
    assert [s.identite.nom for s in reponse.signales] == ["MARTINEAU"]


@pytest.mark.parametrize(
    "retour",
    [
        Retour({**NIVEAUX, "date_naissance": "a_peu_pres"}, meme_enfant=True),
        Retour({k: v for k, v in NIVEAUX.items() if k != "sexe"}, meme_enfant=False),
        Retour({**NIVEAUX, "nom_enfant": "exact"}, meme_enfant=False),
    ],
    ids=["niveau inconnu", "champ manquant", "clé en trop"],
)
def test_le_parent_refuse_de_transmettre_un_retour_non_conforme(retour: Retour) -> None:
    with pytest.raises(EchecTravail, match="retours de revue non conformes"):
        executer(_demande([*RETOURS, retour]), reglages=reglages())


def test_le_parent_refuse_plus_de_retours_que_la_borne() -> None:
    with pytest.raises(EchecTravail, match=f"{RETOURS_MAX} au plus"):
        executer(_demande(RETOURS * (RETOURS_MAX // 2 + 1)), reglages=reglages())


def _falsifiee(retours: list[dict[str, Any]]) -> bytes:
    """Une demande valide dont on remplace les retours à la main, comme le ferait un parent fautif."""
    trames = lire_message(SIGNATURE_DEMANDE, _message_demande(_demande(RETOURS), Limites()))
    entete = json.loads(trames[0])
    entete["retours"] = retours
    return ecrire_message(SIGNATURE_DEMANDE, [json.dumps(entete).encode(), *trames[1:]])


@pytest.mark.parametrize(
    "retours",
    [
        [{"niveaux": {**NIVEAUX, "nom": "DURANDFICTIF"}, "meme_enfant": True}],
        [{"niveaux": {**NIVEAUX, "date_naissance": "2016-05-12"}, "meme_enfant": False}],
        [{"niveaux": NIVEAUX, "meme_enfant": True, "id_cas": "3f2a9c01"}],
        [{"niveaux": NIVEAUX, "meme_enfant": "peut-être"}],
        [{"niveaux": NIVEAUX, "meme_enfant": True}] * (RETOURS_MAX + 1),
    ],
    ids=["nom à la place d'un niveau", "date à la place d'un niveau", "identifiant", "décision", "trop"],
)
def test_l_enfant_refuse_proprement_des_retours_non_conformes(retours: list[dict[str, Any]]) -> None:
    sortie = lancer(MODULE_ENFANT, reglages().arguments(), _falsifiee(retours), reglages())
    reponse = decoder_reponse(sortie, ReponseEnfant)
    assert reponse.statut == "echec"
    assert reponse.motif == (
        "demande illisible (retours de revue non conformes : niveaux d'accord inconnus, ou trop de retours)"
    )
    assert reponse.signales == []
    assert not reponse.appariement_effectue
    for valeur in ("DURANDFICTIF", "2016-05-12", "3f2a9c01"):
        assert valeur not in sortie.decode("utf-8", "replace")


def test_l_enfant_accepte_la_meme_demande_aux_retours_conformes() -> None:
    # Le témoin des refus ci-dessus : seule la partie falsifiée les explique.
    conformes = [{"niveaux": r.niveaux, "meme_enfant": r.meme_enfant} for r in RETOURS]
    sortie = lancer(MODULE_ENFANT, reglages().arguments(), _falsifiee(conformes), reglages())
    reponse = decoder_reponse(sortie, ReponseEnfant)
    assert (reponse.statut, reponse.appariement_effectue) == ("termine", True)
