"""Moteur d'appariement : tables canoniques en entrée, décisions expliquées en sortie.."""
