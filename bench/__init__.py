"""Bancs d'essai de cellule : scripts relançables qui affichent un tableau de mesures."""
