"""La passe de contrôle : les cas suivis de la commune, retrouvés sur les effectifs d'une campagne.

Les cas suivis partent vers l'enfant confiné dans la même demande que les sources, en table canonique
des familles (l'``id`` est celui du cas) : le même appariement les compare aux inscrits reçus. Ne
plus être signalé prouve l'inscription, si la comparaison a bien eu lieu pour tous les cas envoyés.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from appariement.age import est_soumis
from conventions import COLONNES
from service.registre.registre import date_naissance_de
from service.travailleur.protocole import ReponseEnfant

#: Ce qui part des cas suivis : de quoi reconnaître l'enfant, sans son allocataire ni son adresse.
COLONNES_SUIVI = ("nom", "prenoms", "date_naissance", "sexe")
CONTROLE_INUTILISABLE = (
    "Les cas déjà suivis n'ont pas pu être comparés aux effectifs reçus : aucun n'a été fermé. "
    "Relancez une campagne ; si le problème persiste, signalez-le à l'administrateur."
)


def table_des_suivis(suivis: dict[str, dict[str, Any]]) -> pl.DataFrame:
    """Les cas suivis (identifiant du cas → identité déchiffrée) en table canonique des familles."""
    lignes = [
        {
            "id": cas_id,
            **{c: identite.get(c) or None for c in COLONNES_SUIVI if c != "date_naissance"},
            "date_naissance": date_naissance_de(identite),
        }
        for cas_id, identite in suivis.items()
    ]
    return pl.DataFrame(lignes, schema=COLONNES["familles"])


def retrouves(
    reponse: ReponseEnfant, suivis: dict[str, dict[str, Any]], date_reference: date
) -> set[str] | None:
    """Les cas suivis que la passe de contrôle n'a plus signalés, et encore soumis à l'obligation.

    L'enfant ne rend que les cas encore signalés : ne plus l'être ne prouve l'inscription que si tous
    les cas envoyés ont été comparés. ``None`` quand le contrôle est inutilisable (appariement non
    fait, comparaison refusée ou incomplète) : aucun cas n'est alors fermé.
    """
    if not suivis:
        return set()
    controle = reponse.controle
    if (
        not reponse.appariement_effectue
        or controle is None
        or controle.refus is not None
        or controle.lignes != len(suivis)
    ):
        return None
    encore_signales = set(controle.encore_signales)
    trouves = set()
    for cas_id, identite in suivis.items():
        naissance = date_naissance_de(identite)
        if cas_id in encore_signales:
            continue
        if naissance is None or not est_soumis(naissance, date_reference):
            continue
        trouves.add(cas_id)
    return trouves
