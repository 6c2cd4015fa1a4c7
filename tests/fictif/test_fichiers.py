"""Les fichiers de partenaires fictifs : ceux de la démonstration et des bancs ne changent pas en silence."""

from __future__ import annotations

import hashlib
from datetime import date

from fictif import generer
from fictif.fichiers import csv_caf, csv_declarations, csv_onde, xml_siecle


def test_une_graine_donne_les_memes_fichiers_d_une_version_a_l_autre() -> None:
    # Même commune que la démonstration (160 enfants). Si le changement est voulu, refaire les
    # mesures de bench/bench_lecture.py et bench/bench_travailleur.py, puis remplacer l'empreinte.
    jeu = generer(160, graine=1, date_reference=date(2026, 11, 15))
    empreinte = hashlib.sha256()
    for octets in (
        csv_caf(jeu.familles, part_abimee=0.03),
        csv_onde(jeu.inscrits),
        csv_declarations(jeu.inscrits),
        xml_siecle(jeu.inscrits),
    ):
        empreinte.update(octets)
    assert empreinte.hexdigest() == "f7ea6d883a21dc480b5413b29dc0ab7ea3560f74c4d5b42f31d8f2d08b6ba402"
