"""Banc d'essai de l'appariement : cellule et Splink côte à côte, sur des jeux synthétiques et FEBRL4.

Lancement : ``.venv/bin/python -m bench.appariement --tailles 20000 200000 1000000``. Sur les jeux
qu'il garde (``--garder --dossier D``) :
- ``python -m bench.appariement.temps --dossier D/<jeu>`` : temps en passages alternés (cellule,
  une ancienne version avec ``--ancienne``, Splink), meilleur passage de chacun ;
- ``python -m bench.appariement.etapes --dossier D/<jeu>`` : temps de chaque étape d'``apparier`` ;
- ``python -m bench.appariement.homonymes --dossier D`` : les absents liés à la fiche d'un autre, et
  ce que coûterait de les envoyer en revue.
"""
