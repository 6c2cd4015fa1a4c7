"""Le rattachement d'un compte à ProConnect : courriel professionnel et SIRET, fixés par l'administrateur.

ProConnect prouve un courriel et un SIRET ; le compte qui porte ce courriel s'ouvre, avec le rôle et la
portée que l'administrateur lui a donnés. Un agent ou un référent doit aussi porter le SIRET de son
organisation. Changer le courriel délie l'identité ProConnect déjà liée (elle sera liée de nouveau à la
prochaine connexion).
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from service.acteur import Acteur
from service.autorisation import exiger_role
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.modeles import Utilisateur

# Volontairement simple : une partie locale, une arobase, un domaine à point ; ProConnect a déjà
# vérifié l'adresse, il s'agit ici d'éviter une faute de frappe de l'administrateur.
COURRIEL = re.compile(r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
SIRET = re.compile(r"[0-9]{14}")
ROLES_AVEC_SIRET = (Role.AGENT_COMMUNE, Role.REFERENT_DSDEN)


class RattachementInvalide(ValueError):
    """Courriel ou SIRET refusé ; le message dit quoi corriger."""


def normaliser_courriel(texte: str | None) -> str | None:
    if texte is None or not texte.strip():
        return None
    courriel = texte.strip().lower()
    if len(courriel) > 254 or not COURRIEL.fullmatch(courriel):
        raise RattachementInvalide(
            "Adresse électronique invalide : donnez l'adresse professionnelle de la personne, celle de son "
            "identité ProConnect (par exemple prenom.nom@mairie-exemple.fr)."
        )
    return courriel


def normaliser_siret(texte: str | None) -> str | None:
    if texte is None or not texte.strip():
        return None
    siret = texte.replace(" ", "").strip()
    if not SIRET.fullmatch(siret):
        raise RattachementInvalide(
            "SIRET invalide : 14 chiffres, ceux de l'établissement qui emploie la personne (la mairie, la "
            "DSDEN), tels que les donne l'annuaire des entreprises."
        )
    return siret


def verifier(
    session: Session,
    role: Role,
    courriel: str | None,
    siret: str | None,
    *,
    compte_id: int | None = None,
) -> tuple[str | None, str | None]:
    """Le courriel et le SIRET normalisés ; refuse un courriel déjà pris par un autre compte, et un
    agent ou un référent rattaché à ProConnect sans SIRET."""
    courriel, siret = normaliser_courriel(courriel), normaliser_siret(siret)
    if courriel is not None:
        autre = session.exec(select(Utilisateur.id).where(Utilisateur.courriel == courriel)).first()
        if autre is not None and autre != compte_id:
            raise RattachementInvalide(
                "Un autre compte porte déjà cette adresse électronique : une personne n'a qu'un compte. "
                "Retirez-la de l'autre compte, ou vérifiez l'adresse."
            )
        if role in ROLES_AVEC_SIRET and siret is None:
            raise RattachementInvalide(
                "Un agent communal ou un référent de la DSDEN qui se connecte par ProConnect doit porter le "
                "SIRET de son organisation (--siret, ou « siret » dans la demande)."
            )
    return courriel, siret


def rattacher(
    session: Session,
    identifiant: str,
    *,
    courriel: str | None,
    siret: str | None,
    par: Acteur,
    delier: bool = False,
) -> Utilisateur | None:
    """Fixe (ou retire, si vides) le courriel et le SIRET d'un compte ; ``None`` si le compte n'existe pas.

    Réservé à l'administrateur. Changer le courriel, ou ``delier``, délie l'identité ProConnect déjà
    liée : la personne qui a changé de fournisseur d'identité sera liée de nouveau à sa connexion.
    """
    exiger_role(par, Role.ADMINISTRATEUR, action="compte_rattacher_proconnect")
    utilisateur = session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first()
    if utilisateur is None:
        return None
    courriel, siret = verifier(session, Role(utilisateur.role), courriel, siret, compte_id=utilisateur.id)
    deliee = (delier or courriel != utilisateur.courriel) and utilisateur.proconnect_sub is not None
    utilisateur.courriel, utilisateur.siret = courriel, siret
    if deliee:
        utilisateur.proconnect_sub = None
    auditer(
        session,
        par,
        Action.COMPTE_MODIFIE,
        cible=("compte", utilisateur.identifiant),
        details={
            "proconnect": "rattache" if courriel else "non_rattache",
            "siret": siret,
            "lien_defait": deliee,
        },
    )
    return utilisateur
