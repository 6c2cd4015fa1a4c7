"""Journal d'audit inviolable : ajout, points de contrôle signés, vérification, rétention par segments."""
