"""Renouveler soi-même son second facteur (nouveau téléphone) : prouver les deux facteurs actuels,
recevoir un secret neuf, le confirmer par un premier code.

Pas de seconde personne ici : qui renouvelle a prouvé son mot de passe et son code du moment. Un
appareil perdu passe par l'administrateur et une approbation (``utilisateurs.reinitialiser_totp``).
Entre les deux étapes, le secret neuf voyage scellé (chiffré et daté avec la clé des comptes) dans
le formulaire : rien n'est écrit en base avant la confirmation, et un scellé de plus de dix minutes
ou d'un autre compte est refusé.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session

from service.acteur import Acteur
from service.base.connexion import maintenant
from service.cles import cle_comptes
from service.comptes import mots_de_passe, totp
from service.comptes.sessions import fermer_sessions_du_compte
from service.comptes.utilisateurs import CompteInvalide, compter_un_echec
from service.journal_audit import Action, auditer
from service.modeles import Utilisateur
from service.parametres import parametres

DUREE_DU_SCELLE_SECONDES = 600


@dataclass(frozen=True)
class Renouvellement:
    """Le secret neuf à montrer (code QR et texte) et son scellé, à renvoyer avec le premier code."""

    secret: str
    uri: str
    scelle: str


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(cle_comptes(parametres())))


def _utilisateur(session: Session, acteur: Acteur) -> Utilisateur:
    utilisateur = session.get(Utilisateur, acteur.id)
    assert utilisateur is not None
    return utilisateur


def commencer(session: Session, acteur: Acteur, mot_de_passe: str, code_totp: str) -> Renouvellement:
    """Un secret neuf, si le mot de passe et le code actuels sont bons ; sinon ``CompteInvalide``
    (l'échec compte comme un échec de connexion). L'appelant valide la transaction."""
    utilisateur = _utilisateur(session, acteur)
    if not mots_de_passe.verifier(mot_de_passe, utilisateur.mot_de_passe_hache):
        compter_un_echec(session, acteur, utilisateur, {"changement": "totp", "raison": "mot_de_passe_faux"})
        raise CompteInvalide("Le mot de passe est incorrect.")
    actuel = totp.lire_secret(utilisateur.totp_secret, cle_comptes(parametres()))
    pas = totp.pas_valide(actuel, code_totp, dernier_pas=utilisateur.dernier_pas_totp)
    if pas is None:
        compter_un_echec(session, acteur, utilisateur, {"changement": "totp", "raison": "code_faux"})
        raise CompteInvalide("Le code à usage unique est incorrect ou a déjà servi : attendez le suivant.")
    utilisateur.dernier_pas_totp = pas
    secret = totp.nouveau_secret()
    scelle = _fernet().encrypt(f"{utilisateur.id}:{secret}".encode("ascii")).decode("ascii")
    return Renouvellement(secret, totp.uri_enrolement(secret, utilisateur.identifiant), scelle)


def relire(acteur: Acteur, scelle: str) -> str | None:
    """Le secret neuf d'un scellé de ce compte, de moins de dix minutes ; ``None`` sinon."""
    try:
        clair = _fernet().decrypt(scelle.encode("ascii"), ttl=DUREE_DU_SCELLE_SECONDES).decode("ascii")
    except (InvalidToken, UnicodeError):
        return None
    compte, _, secret = clair.partition(":")
    return secret if compte == str(acteur.id) and secret else None


def confirmer(session: Session, acteur: Acteur, scelle: str, code_totp: str) -> None:
    """Remplace le secret par le neuf si ``code_totp`` en vient ; les autres sessions sont fermées."""
    secret = relire(acteur, scelle)
    if secret is None:
        raise CompteInvalide("Ce renouvellement a expiré (dix minutes) : recommencez depuis « Mon compte ».")
    pas = totp.pas_valide(secret, code_totp, dernier_pas=None)
    if pas is None:
        raise CompteInvalide(
            "Ce code ne vient pas du nouveau compte « cellule » de votre application : vérifiez que vous "
            "avez ajouté la nouvelle clé, puis saisissez le code qu'elle affiche."
        )
    utilisateur = _utilisateur(session, acteur)
    utilisateur.totp_secret = totp.sceller_secret(secret, cle_comptes(parametres()))
    utilisateur.totp_confirme_le = maintenant()
    utilisateur.dernier_pas_totp = pas
    fermer_sessions_du_compte(session, utilisateur, sauf=acteur.session_id)
    auditer(
        session,
        acteur,
        Action.COMPTE_MODIFIE,
        cible=("compte", utilisateur.identifiant),
        details={"changement": "totp", "par": "l_utilisateur"},
    )
