"""Conventions de partage et profils de fichiers : octets en entrée, tables canoniques en sortie."""
