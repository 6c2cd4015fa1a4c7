"""L'aile des campagnes : tout le cycle d'une campagne, du dépôt des sources au registre.

- ``etats`` : les états d'une campagne et d'un travail, en une seule table de transitions ;
- ``ouverture`` : créer une campagne, y déposer ou retirer des sources, la lancer (mise en file) ;
- ``file`` : la file des travaux en base (réclamer, signe de vie, échec) ;
- ``boucle`` : les travailleurs qui prennent les travaux un par un ;
- ``passage`` : mener un travail dans l'enfant confiné, puis tout écrire d'un coup au registre ;
- ``controle`` : la passe de contrôle, qui ferme les cas suivis retrouvés sur les effectifs reçus.

Ce module n'importe rien : ``service.modeles`` lit ``etats`` sans charger le reste de l'aile.
"""
