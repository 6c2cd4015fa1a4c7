"""Banc d'essai de l'appariement : cellule et Splink côte à côte, sur des jeux synthétiques et FEBRL4.

Lancement : ``.venv/bin/python -m bench.appariement --tailles 20000 200000 1000000``.
"""
