"""Dans le travailleur, une archive aux noms de fichiers lisibles (7z -mhe=off) n'est ouverte que si
sa convention le permet, comme le promet docs/securite.md."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from service.travailleur import executer
from tests.chiffrement.outils import fabriquer
from tests.travailleur.fabrique import Campagne, convention, csv_pivot, familles, inscrits, reglages

MOT_DE_PASSE = "Cartable-Ardoise-Préau-42"
LUCAS = {
    "id": "1",
    "nom": "LEFEBVRE",
    "prenoms": "Lucas",
    "date_naissance": dt.date(2016, 3, 4),
    "sexe": "M",
}


@pytest.mark.parametrize("permis", [False, True], ids=["convention-stricte", "convention-qui-le-permet"])
def test_une_archive_aux_noms_en_clair_suit_sa_convention(tmp_path: Path, permis: bool) -> None:
    en_clair = fabriquer(
        tmp_path,
        {"caf.csv": csv_pivot(familles(LUCAS))},
        mot_de_passe=MOT_DE_PASSE,
        entetes_chiffres=False,
    )
    convention_caf = json.loads(convention("caf"))
    convention_caf["noms_de_fichiers_en_clair_autorises"] = permis
    campagne = Campagne()
    campagne.ajouter_archive("caf-1", en_clair, MOT_DE_PASSE, json.dumps(convention_caf))
    campagne.ajouter("onde-1", "onde", inscrits(LUCAS))

    reponse = executer(campagne.demande(), reglages=reglages())

    caf = next(s for s in reponse.sources if s.identifiant == "caf-1")
    if permis:
        assert caf.refus is None
        assert reponse.appariement_effectue
    else:
        assert caf.refus is not None
        assert "noms des fichiers de cette archive se lisent sans le mot de passe" in caf.refus
        assert not reponse.appariement_effectue
