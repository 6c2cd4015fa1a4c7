"""Archives 7z en mémoire, chiffrement au repos par enveloppe, trousseau de clés."""
