"""Comptes, rôles, sessions : l'authentification et la portée de chaque utilisateur."""
