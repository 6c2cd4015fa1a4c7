"""Chiffrer et déchiffrer l'identité et les candidats d'un cas (par ``chiffrement``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from appariement.age import annee_fin_conservation, fin_annee_scolaire
from chiffrement import Chiffre, Trousseau
from service.modeles import Cas

TABLE = "cas"


def date_naissance_de(identite: dict[str, Any]) -> date | None:
    valeur = identite.get("date_naissance")
    if valeur is None or isinstance(valeur, date):
        return valeur
    return date.fromisoformat(str(valeur))


def cohorte_de(date_naissance: date | None, date_reference: date) -> int:
    """L'année dont le 31 août clôt la conservation ; sans date de naissance, la fin de l'année scolaire."""
    if date_naissance is not None:
        return annee_fin_conservation(date_naissance)
    return fin_annee_scolaire(date_reference).year


def premiere_cohorte_conservee(jour: date) -> int:
    """Les cohortes d'avant celle-ci sont échues le ``jour`` : leur 31 août est passé."""
    return fin_annee_scolaire(jour).year


def _serialiser(valeur: Any) -> bytes:
    return json.dumps(valeur, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


@dataclass(frozen=True)
class Coffre:
    trousseau: Trousseau

    def ranger(self, cas: Cas, identite: dict[str, Any], candidats: list[dict[str, Any]] | None) -> None:
        """Chiffre l'identité (et les candidats) dans la cohorte du cas."""
        chiffre = self.trousseau.chiffrer(
            _serialiser(identite), cohorte=cas.cohorte, table=TABLE, id_enregistrement=f"{cas.id}:identite"
        )
        cas.cle_version = chiffre.version
        cas.identite, cas.identite_cle = chiffre.donnee, chiffre.cle_enveloppee
        if candidats:
            chiffre_c = self.trousseau.chiffrer(
                _serialiser(candidats),
                cohorte=cas.cohorte,
                table=TABLE,
                id_enregistrement=f"{cas.id}:candidats",
            )
            cas.candidats, cas.candidats_cle = chiffre_c.donnee, chiffre_c.cle_enveloppee
        else:
            cas.candidats, cas.candidats_cle = None, None

    def identite(self, cas: Cas) -> dict[str, Any]:
        clair = self.trousseau.dechiffrer(
            Chiffre(cas.cohorte, cas.cle_version, cas.identite_cle, cas.identite),
            table=TABLE,
            id_enregistrement=f"{cas.id}:identite",
        )
        donnees: dict[str, Any] = json.loads(clair)
        return donnees

    def candidats(self, cas: Cas) -> list[dict[str, Any]]:
        if cas.candidats is None:
            return []
        clair = self.trousseau.dechiffrer(
            Chiffre(cas.cohorte, cas.cle_version, cas.candidats_cle, cas.candidats),
            table=TABLE,
            id_enregistrement=f"{cas.id}:candidats",
        )
        donnees: list[dict[str, Any]] = json.loads(clair)
        return donnees
