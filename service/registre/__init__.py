"""Le registre des cas : procédure, chiffrement des identités, création par les passages, lecture."""
