"""Le suivi d'un cas par la DSDEN : le référent nommé qui s'en occupe, et les commentaires.

Un commentaire est un texte libre : il peut nommer l'enfant ou sa famille. Il est donc chiffré dans
la cohorte du cas (effacé avec lui) et n'entre jamais au journal d'audit, qui ne garde que son
existence (identifiant du commentaire, du cas et de l'auteur).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from chiffrement import Chiffre
from service.acteur import Acteur
from service.autorisation import RefusAutorisation, exiger_role
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.modeles import CommentaireCas, Utilisateur
from service.registre.coffre import Coffre
from service.registre.registre import cas_visible

TABLE = "commentaire_cas"
LONGUEUR_MAX_COMMENTAIRE = 2000


class SuiviRefuse(ValueError):
    """Demande impossible (texte vide, référent inconnu) ; le message dit quoi faire."""


@dataclass(frozen=True)
class Commentaire:
    ecrit_le: datetime
    auteur: str
    texte: str


def referents_du_departement(session: Session, departement: str | None) -> list[Utilisateur]:
    """Les référents actifs et approuvés d'un département : ceux à qui un cas peut être attribué."""
    return list(
        session.exec(
            select(Utilisateur)
            .where(
                Utilisateur.role == Role.REFERENT_DSDEN.value,
                Utilisateur.departement == departement,
                col(Utilisateur.actif).is_(True),
                col(Utilisateur.approuve_le).is_not(None),
            )
            .order_by(col(Utilisateur.nom_affiche), col(Utilisateur.identifiant))
        )
    )


def attribuer(session: Session, acteur: Acteur, cas_id: str, referent_id: int | None) -> Utilisateur | None:
    """Confie le cas à un référent nommé de la DSDEN (``None`` : à personne) ; audité."""
    exiger_role(acteur, Role.REFERENT_DSDEN, action="attribution", cible=("cas", cas_id))
    cas = cas_visible(session, acteur, cas_id, operation="attribution")
    referent = None
    if referent_id is not None:
        referent = next(
            (r for r in referents_du_departement(session, acteur.departement) if r.id == referent_id), None
        )
        if referent is None:
            raise SuiviRefuse(
                "Ce référent n'existe pas dans votre département : choisissez-en un dans la liste."
            )
    cas.attribue_a = referent.id if referent else None
    session.add(cas)
    auditer(
        session,
        acteur,
        Action.ATTRIBUTION,
        cible=("cas", cas.id),
        details={"referent": referent.identifiant if referent else None},
    )
    return referent


def commenter(session: Session, acteur: Acteur, cas_id: str, texte: str, *, coffre: Coffre) -> CommentaireCas:
    """Ajoute un commentaire chiffré au cas ; le journal n'en garde que l'existence."""
    cas = cas_visible(session, acteur, cas_id, operation="commentaire")
    propre = texte.strip()
    if not propre:
        raise SuiviRefuse("Écrivez le commentaire avant de l'enregistrer.")
    if len(propre) > LONGUEUR_MAX_COMMENTAIRE:
        raise SuiviRefuse(f"Commentaire trop long : {LONGUEUR_MAX_COMMENTAIRE} caractères au plus.")
    if acteur.role is None:
        raise RefusAutorisation("Seule une personne commente un cas.", action="commentaire")
    commentaire = CommentaireCas(
        cas_id=cas.id, auteur_id=acteur.id, auteur_role=acteur.role.value, cle_version=0, texte=b""
    )
    session.add(commentaire)
    session.flush()
    chiffre = coffre.trousseau.chiffrer(
        propre.encode("utf-8"), cohorte=cas.cohorte, table=TABLE, id_enregistrement=str(commentaire.id)
    )
    commentaire.cle_version, commentaire.texte, commentaire.texte_cle = (
        chiffre.version,
        chiffre.donnee,
        chiffre.cle_enveloppee,
    )
    session.add(commentaire)
    auditer(
        session, acteur, Action.COMMENTAIRE, cible=("cas", cas.id), details={"commentaire": commentaire.id}
    )
    return commentaire


def commentaires(session: Session, cas_id: str, cohorte: int, *, coffre: Coffre) -> list[Commentaire]:
    """Les commentaires d'un cas déjà autorisé, déchiffrés, du plus ancien au plus récent."""
    lignes = session.exec(
        select(CommentaireCas, Utilisateur)
        .join(Utilisateur, col(Utilisateur.id) == col(CommentaireCas.auteur_id), isouter=True)
        .where(CommentaireCas.cas_id == cas_id)
        .order_by(col(CommentaireCas.id))
    ).all()
    return [
        Commentaire(
            ecrit_le=c.ecrit_le,
            auteur=(u.nom_affiche or u.identifiant) if u else c.auteur_role,
            texte=coffre.trousseau.dechiffrer(
                Chiffre(cohorte, c.cle_version, c.texte_cle, c.texte),
                table=TABLE,
                id_enregistrement=str(c.id),
            ).decode("utf-8"),
        )
        for c, u in lignes
    ]
