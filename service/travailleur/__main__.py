"""Diagnostic d'un administrateur : ``python -m service.travailleur``.

Lance la sonde sous les réglages du déploiement (``CELLULE_TRAVAILLEUR_*``), affiche les
protections actives, la raison de chaque absence, et ce que la sonde n'a pas pu faire.
Code de sortie : 0 si toutes les protections obligatoires sont actives et toutes les actions
interdites ont été refusées, 1 sinon.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from service.travailleur.parent import EchecTravail, ReglagesTravailleur, sonder


def main() -> int:
    reglages = ReglagesTravailleur.depuis_parametres()
    with tempfile.TemporaryDirectory(prefix="cellule-diagnostic-") as dossier:
        # Un fichier hors du code Python : la sonde ne doit pas pouvoir le lire.
        temoin = Path(dossier) / "temoin.txt"
        temoin.write_text("lecture interdite au travailleur")
        try:
            rapport = sonder("essais", reglages=reglages, dossier=dossier, fichier=str(temoin))
        except EchecTravail as echec:
            print(f"Échec du diagnostic : {echec.message}")
            return 1
    bon = True
    print("Protections de l'enfant :")
    for nom, active in rapport.protections.items():
        obligatoire = nom in reglages.protections_obligatoires
        etat = "active" if active else f"ABSENTE ({rapport.raisons_protections.get(nom, 'raison inconnue')})"
        print(f"  {nom:<26} {etat}{' — obligatoire' if obligatoire else ''}")
        bon = bon and (active or not obligatoire)
    print("Actions interdites tentées par la sonde :")
    for action, resultat in rapport.essais.items():
        print(f"  {action:<26} {resultat}")
        bon = bon and resultat.startswith("refusé")
    print("Confinement conforme." if bon else "Confinement INCOMPLET : voir docs/travailleur.md.")
    return 0 if bon else 1


if __name__ == "__main__":
    sys.exit(main())
