"""Deux enfants d'une même fratrie n'ont jamais un seul cas ; un même enfant n'en a jamais deux.

La clé du registre (nom, premier prénom, date) est tolérante : « Maëlle Rose » sur la liste CAF et
« Maëlle » sur la liste MSA sont un même enfant. Des jumeaux « Marie-Lou » et « Marie-Jade » la
partagent : ce sont leurs prénoms entiers qui les séparent. SQLite puis PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from service.base.connexion import session_base
from service.cles import cle_appariement
from service.modeles import Cas
from service.registre.registre import Signalement, enregistrer_signalements
from tests.service.fabriques import A, Monde, identite
from tests.service.test_registre import NAISSANCE

CAF, MSA = "caf/1", "msa/2"


def _signaler(monde: Monde, enfants: list[tuple[dict[str, Any], str]]) -> dict[str, int]:
    with session_base(monde.bdd) as session:
        return enregistrer_signalements(
            session,
            monde.campagne(A),
            [Signalement("non_apparie", i, "{}", 0.1, [], liste=liste) for i, liste in enfants],
            coffre=monde.coffre(),
            cle_hmac=cle_appariement(monde.reglages),
        )


def _prenoms_des_cas(monde: Monde) -> list[str]:
    coffre = monde.coffre()
    with session_base(monde.bdd) as session:
        return sorted(
            coffre.identite(c)["prenoms"] for c in session.exec(select(Cas).order_by(col(Cas.cree_le)))
        )


def test_des_jumeaux_au_premier_prenom_commun_ont_chacun_leur_cas(monde: Monde) -> None:
    lou = identite("JUMEAUFICTIF", "MARIE-LOU", NAISSANCE)
    jade = identite("JUMEAUFICTIF", "Marie Jade", NAISSANCE)
    assert _signaler(monde, [(lou, CAF), (jade, CAF)])["crees"] == 2
    # Le mois suivant, chacun retrouve son propre cas, dans n'importe quel ordre.
    assert _signaler(monde, [(jade, CAF), (lou, CAF)])["deja_suivis"] == 2
    assert _prenoms_des_cas(monde) == ["MARIE-LOU", "Marie Jade"]


def test_un_jumeau_signale_seul_ne_prend_pas_le_cas_de_l_autre(monde: Monde) -> None:
    # Lou est signalée en premier ; le mois suivant, elle est inscrite et c'est Jade qui manque.
    _signaler(monde, [(identite("SEULFICTIF", "MARIE LOU", NAISSANCE), CAF)])
    bilan = _signaler(monde, [(identite("SEULFICTIF", "MARIE JADE", NAISSANCE), CAF)])
    assert (bilan["crees"], bilan["deja_suivis"]) == (1, 0)


def test_une_fratrie_aux_prenoms_absents_n_est_pas_fondue_en_un_cas(monde: Monde) -> None:
    # Deux lignes d'une même liste, sans prénom, même nom, même date : deux enfants, deux cas, qui se
    # retrouvent chacun au passage suivant sans en créer d'autre.
    aine = identite("FRATRIEFICTIF", "", NAISSANCE, sexe="M")
    cadette = identite("FRATRIEFICTIF", "", NAISSANCE, sexe="F")
    assert _signaler(monde, [(aine, CAF), (cadette, CAF)])["crees"] == 2
    assert _signaler(monde, [(aine, CAF), (cadette, CAF)])["deja_suivis"] == 2
    with session_base(monde.bdd) as session:
        assert len(list(session.exec(select(Cas.id)))) == 2


def test_le_meme_enfant_sur_les_listes_caf_et_msa_n_a_qu_un_cas(monde: Monde) -> None:
    assert (
        _signaler(
            monde,
            [
                (identite("DOUBLEFICTIF", "Nina Rose", NAISSANCE), CAF),
                (identite("DOUBLEFICTIF", "NINA", NAISSANCE), MSA),
            ],
        )["crees"]
        == 1
    )
