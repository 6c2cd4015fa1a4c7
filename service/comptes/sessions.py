"""Sessions : ouvrir (mot de passe et code TOTP), reconnaître et fermer ; l'acteur et sa portée.

Les échecs de connexion sont comptés (verrouillage) et audités sans jamais recopier au journal un
identifiant qui ne désigne aucun compte.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from service.acteur import Acteur
from service.base.connexion import maintenant
from service.cles import cle_comptes
from service.comptes import mots_de_passe, totp
from service.comptes.roles import Role
from service.journal_audit import Aboutissement, Action, auditer
from service.modeles import SessionWeb, Utilisateur, UtilisateurCommune
from service.parametres import parametres

# Un seul message pour tous les refus (compte inconnu, désactivé, verrouillé, mauvais mot de passe ou
# code) : la réponse ne doit jamais dire qu'un identifiant existe.
MESSAGE_CONNEXION_REFUSEE = (
    "Identifiant, mot de passe ou code à usage unique incorrect. Après plusieurs échecs, le compte est "
    "verrouillé quelques minutes : réessayez plus tard ou demandez à l'administrateur."
)


@dataclass(frozen=True)
class Connexion:
    """Résultat d'une tentative : ``jeton`` et ``csrf`` présents seulement en cas de succès."""

    message: str
    acteur: Acteur | None = None
    jeton: str | None = None
    csrf: str | None = None
    expire_le: str | None = None
    mot_de_passe_a_changer: bool = False


def empreinte_jeton(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


def communes_de(session: Session, utilisateur_id: int) -> frozenset[str]:
    lignes = session.exec(
        select(UtilisateurCommune.commune).where(UtilisateurCommune.utilisateur_id == utilisateur_id)
    )
    return frozenset(lignes)


def acteur_de(session: Session, utilisateur: Utilisateur, *, session_id: int | None = None) -> Acteur:
    assert utilisateur.id is not None
    return Acteur(
        id=utilisateur.id,
        identifiant=utilisateur.identifiant,
        role=Role(utilisateur.role),
        communes=communes_de(session, utilisateur.id),
        departement=utilisateur.departement,
        session_id=session_id,
    )


def fermer_sessions_du_compte(session: Session, utilisateur: Utilisateur, *, sauf: int | None = None) -> int:
    """Ferme les sessions ouvertes du compte, sauf la session ``sauf`` (celle qui agit) ; leur nombre."""
    fermees = 0
    for ouverte in session.exec(
        select(SessionWeb).where(
            SessionWeb.utilisateur_id == utilisateur.id,
            col(SessionWeb.fermee_le).is_(None),
            SessionWeb.id != sauf,
        )
    ):
        ouverte.fermee_le = maintenant()
        fermees += 1
    return fermees


def sessions_ouvertes(session: Session, utilisateur_id: int) -> list[SessionWeb]:
    """Les sessions valables du compte (ni fermées, ni expirées, ni inactives), les plus anciennes d'abord."""
    instant = maintenant()
    inactivite = timedelta(minutes=parametres().session_inactivite_minutes)
    return list(
        session.exec(
            select(SessionWeb)
            .where(
                SessionWeb.utilisateur_id == utilisateur_id,
                col(SessionWeb.fermee_le).is_(None),
                SessionWeb.expire_le > instant,
                SessionWeb.derniere_activite > instant - inactivite,
            )
            .order_by(col(SessionWeb.creee_le), col(SessionWeb.id))
        )
    )


def _borner_sessions(session: Session, acteur: Acteur) -> None:
    """Au-delà de CELLULE_SESSIONS_PAR_COMPTE sessions ouvertes, ferme les plus anciennes (auditées)."""
    assert acteur.id is not None
    ouvertes = sessions_ouvertes(session, acteur.id)
    en_trop = len(ouvertes) - parametres().sessions_par_compte
    for ancienne in ouvertes[: max(en_trop, 0)]:
        ancienne.fermee_le = maintenant()
        auditer(
            session,
            acteur,
            Action.SESSION_FERMEE,
            cible=("session", str(ancienne.id)),
            details={"raison": "nombre_max_de_sessions"},
        )


def fermer_les_autres(session: Session, acteur: Acteur) -> int:
    """Ferme toutes les sessions de l'acteur sauf celle qui agit ; leur nombre."""
    utilisateur = session.get(Utilisateur, acteur.id)
    assert utilisateur is not None
    fermees = fermer_sessions_du_compte(session, utilisateur, sauf=acteur.session_id)
    auditer(
        session,
        acteur,
        Action.SESSION_FERMEE,
        cible=("compte", utilisateur.identifiant),
        details={"raison": "par_l_utilisateur", "portee": "autres_sessions", "nombre": fermees},
    )
    return fermees


def fermer_une_session(session: Session, acteur: Acteur, session_id: int) -> bool:
    """Ferme une session ouverte de l'acteur ; faux si elle n'existe pas, est fermée ou est à un autre."""
    assert acteur.id is not None
    visee = session.get(SessionWeb, session_id)
    if visee is None or visee.utilisateur_id != acteur.id or visee.fermee_le is not None:
        return False
    visee.fermee_le = maintenant()
    auditer(
        session,
        acteur,
        Action.SESSION_FERMEE,
        cible=("session", str(session_id)),
        details={"raison": "par_l_utilisateur"},
    )
    return True


def refuser(
    session: Session,
    utilisateur: Utilisateur | None,
    raison: str,
    ip: str,
    *,
    details: dict[str, object] | None = None,
    message: str = MESSAGE_CONNEXION_REFUSEE,
) -> Connexion:
    """Un refus de connexion, audité ; un mauvais mot de passe ou code TOTP compte pour le verrouillage.

    ``details`` s'ajoutent à ceux du journal (la voie ProConnect, son fournisseur d'identité…).
    """
    # Un identifiant inconnu n'est pas recopié dans le journal : ce peut être n'importe quel texte.
    acteur = Acteur(id=None, identifiant=utilisateur.identifiant if utilisateur else "anonyme", role=None)
    if utilisateur is not None and raison in {"mot_de_passe", "totp"}:
        reglages = parametres()
        utilisateur.echecs += 1
        if utilisateur.echecs >= reglages.echecs_avant_verrouillage:
            utilisateur.verrouille_jusqu_a = maintenant() + timedelta(minutes=reglages.verrouillage_minutes)
            utilisateur.echecs = 0
            auditer(
                session,
                acteur,
                Action.COMPTE_MODIFIE,
                cible=("compte", utilisateur.identifiant),
                details={"verrouille_minutes": reglages.verrouillage_minutes},
            )
    action = Action.SECOND_FACTEUR if raison == "totp" else Action.CONNEXION
    auditer(
        session,
        acteur,
        action,
        resultat=Aboutissement.REFUS,
        details={"raison": raison, "ip": ip, **(details or {})},
    )
    return Connexion(message)


def _authentifier(
    session: Session, identifiant: str, mot_de_passe: str, code_totp: str, ip: str
) -> Utilisateur | Connexion:
    """Le compte si mot de passe et code TOTP sont bons ; sinon le refus, compté et audité."""
    utilisateur = session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first()
    if utilisateur is None or not utilisateur.actif:
        mots_de_passe.verifier_a_vide()
        return refuser(session, utilisateur, "compte_inconnu_ou_inactif", ip)
    if utilisateur.approuve_le is None:
        # Même message qu'un compte inconnu : l'attente d'approbation ne se lit que dans le journal.
        mots_de_passe.verifier_a_vide()
        return refuser(session, utilisateur, "en_attente_approbation", ip)
    instant = maintenant()
    if utilisateur.verrouille_jusqu_a and utilisateur.verrouille_jusqu_a > instant:
        # Même coût qu'un essai ordinaire : le temps de réponse ne trahit pas le verrouillage.
        mots_de_passe.verifier_a_vide()
        return refuser(session, utilisateur, "verrouille", ip)
    if not mots_de_passe.verifier(mot_de_passe, utilisateur.mot_de_passe_hache):
        return refuser(session, utilisateur, "mot_de_passe", ip)
    secret = totp.lire_secret(utilisateur.totp_secret, cle_comptes(parametres()))
    pas = totp.pas_valide(secret, code_totp, dernier_pas=utilisateur.dernier_pas_totp)
    if pas is None:
        return refuser(session, utilisateur, "totp", ip)
    utilisateur.dernier_pas_totp = pas
    utilisateur.echecs = 0
    utilisateur.verrouille_jusqu_a = None
    if utilisateur.totp_confirme_le is None:
        utilisateur.totp_confirme_le = instant
    return utilisateur


def secret_a_enroler(
    session: Session, identifiant: str, mot_de_passe: str, *, ip: str
) -> str | Connexion | None:
    """Premier enrôlement du second facteur, avant toute session : le secret TOTP à montrer.

    Seulement pour un compte actif, approuvé, non verrouillé, dont le secret n'a encore servi à
    aucune connexion (``totp_confirme_le`` vide) et dont le mot de passe est bon ; la présentation
    est auditée. Un mot de passe faux est refusé, compté et audité comme à la connexion. ``None`` :
    pas d'enrôlement à faire, la connexion ordinaire (``ouvrir_session``) décide.
    """
    utilisateur = session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first()
    if (
        utilisateur is None
        or not utilisateur.actif
        or utilisateur.approuve_le is None
        or utilisateur.totp_confirme_le is not None
        or (utilisateur.verrouille_jusqu_a is not None and utilisateur.verrouille_jusqu_a > maintenant())
    ):
        return None
    if not mots_de_passe.verifier(mot_de_passe, utilisateur.mot_de_passe_hache):
        return refuser(session, utilisateur, "mot_de_passe", ip)
    acteur = Acteur(id=None, identifiant=utilisateur.identifiant, role=None)
    auditer(
        session,
        acteur,
        Action.SECOND_FACTEUR,
        cible=("compte", utilisateur.identifiant),
        details={"etape": "enrolement_presente", "ip": ip},
    )
    return totp.lire_secret(utilisateur.totp_secret, cle_comptes(parametres()))


def authentifier(
    session: Session, identifiant: str, mot_de_passe: str, code_totp: str, *, ip: str
) -> Acteur | None:
    """L'acteur qui prouve son identité hors session web (ligne de commande) ; ``None`` si refusé.

    Les échecs comptent comme des échecs de connexion ; l'appelant valide la transaction.
    """
    trouve = _authentifier(session, identifiant, mot_de_passe, code_totp, ip)
    return acteur_de(session, trouve) if isinstance(trouve, Utilisateur) else None


def ouvrir_session(
    session: Session,
    identifiant: str,
    mot_de_passe: str,
    code_totp: str,
    *,
    jeton_precedent: str | None,
    ip: str,
) -> Connexion:
    """Vérifie mot de passe et code TOTP ; crée une session neuve (rotation : l'ancienne est fermée).

    Un compte en attente d'approbation est refusé comme un compte inconnu. Les échecs sont comptés
    et audités avec l'adresse ``ip`` du client ; l'appelant valide la transaction dans tous les cas.
    Au-delà de ``CELLULE_SESSIONS_PAR_COMPTE`` sessions ouvertes, les plus anciennes sont fermées.
    """
    utilisateur = _authentifier(session, identifiant, mot_de_passe, code_totp, ip)
    if isinstance(utilisateur, Connexion):
        return utilisateur
    return ouvrir_session_de(session, utilisateur, jeton_precedent=jeton_precedent, ip=ip)


def ouvrir_session_de(
    session: Session,
    utilisateur: Utilisateur,
    *,
    jeton_precedent: str | None,
    ip: str,
    details: dict[str, object] | None = None,
    id_token: str | None = None,
) -> Connexion:
    """Ouvre la session d'un compte dont l'identité vient d'être prouvée (ici, ou par ProConnect).

    La session précédente du navigateur est fermée (rotation) ; ``id_token`` est gardé pour la
    déconnexion auprès de ProConnect.
    """
    instant = maintenant()
    if jeton_precedent:
        fermer_session(session, jeton_precedent)
    jeton = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    reglages = parametres()
    nouvelle = SessionWeb(
        jeton_hache=empreinte_jeton(jeton),
        csrf_hache=empreinte_jeton(csrf),
        utilisateur_id=utilisateur.id,  # type: ignore[arg-type]
        creee_le=instant,
        derniere_activite=instant,
        expire_le=instant + timedelta(hours=reglages.session_duree_max_heures),
        adresse_client=ip[:64],
        proconnect_id_token=id_token,
    )
    session.add(nouvelle)
    session.flush()
    acteur = acteur_de(session, utilisateur, session_id=nouvelle.id)
    auditer(
        session,
        acteur,
        Action.CONNEXION,
        cible=("compte", utilisateur.identifiant),
        details={"ip": ip, **(details or {})},
    )
    _borner_sessions(session, acteur)
    return Connexion(
        "Connecté.",
        acteur,
        jeton,
        csrf,
        nouvelle.expire_le.isoformat(),
        mot_de_passe_a_changer=utilisateur.mot_de_passe_a_changer,
    )


def reconnaitre(session: Session, jeton: str) -> tuple[Acteur, SessionWeb] | None:
    """L'acteur d'une session ouverte et non expirée ; prolonge l'inactivité à chaque requête."""
    ouverte = session.exec(select(SessionWeb).where(SessionWeb.jeton_hache == empreinte_jeton(jeton))).first()
    if ouverte is None or ouverte.fermee_le is not None:
        return None
    instant = maintenant()
    inactivite = timedelta(minutes=parametres().session_inactivite_minutes)
    if instant >= ouverte.expire_le or instant - ouverte.derniere_activite >= inactivite:
        ouverte.fermee_le = instant
        return None
    utilisateur = session.get(Utilisateur, ouverte.utilisateur_id)
    if utilisateur is None or not utilisateur.actif or utilisateur.approuve_le is None:
        ouverte.fermee_le = instant
        return None
    ouverte.derniere_activite = instant
    return acteur_de(session, utilisateur, session_id=ouverte.id), ouverte


def mot_de_passe_a_changer(session: Session, utilisateur_id: int) -> bool:
    """Vrai tant que le compte garde le mot de passe initial, fixé par quelqu'un d'autre."""
    utilisateur = session.get(Utilisateur, utilisateur_id)
    return utilisateur is not None and utilisateur.mot_de_passe_a_changer


def fermer_session(session: Session, jeton: str) -> bool:
    ouverte = session.exec(select(SessionWeb).where(SessionWeb.jeton_hache == empreinte_jeton(jeton))).first()
    if ouverte is None or ouverte.fermee_le is not None:
        return False
    ouverte.fermee_le = maintenant()
    # Le jeton d'identité de ProConnect ne sert plus qu'à une déconnexion chez lui, déjà lancée ou manquée.
    ouverte.proconnect_id_token = None
    return True
