"""Données fictives pour la démonstration, les tests et les bancs d'essai : jamais une identité réelle.

- ``generer`` (``jeu.py``) tire un jeu synthétique : table des familles comme la CAF l'écrit, table
  des inscrits comme l'école l'écrit, et la vérité attendue. Ses étapes : ``listes`` (noms, prénoms,
  voies, communes inventées), ``tirages`` (tirer dans ces listes), ``foyers`` (enfants, fratries,
  jumeaux, situation), ``ecritures`` (côté CAF, côté école), ``ecarts`` (fautes de saisie), ``taux``.
- ``fichiers`` met ces tables en forme comme les exports des partenaires (CAF, ONDE, SIECLE).
- ``situations`` met en scène, dans un jeu, des enfants qu'une personne doit vérifier (jumeaux,
  homonyme, fautes de frappe, date décalée) : pour la démonstration.

Ce paquet importe ``appariement`` (l'âge de l'obligation) et ``conventions`` (les colonnes
canoniques) ; ni le moteur, ni les conventions, ni le chiffrement ne l'importent.
"""

from fictif.jeu import JeuSynthetique, generer
from fictif.listes import COMMUNES
from fictif.taux import Taux

__all__ = ["COMMUNES", "JeuSynthetique", "Taux", "generer"]
