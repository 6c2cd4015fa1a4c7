"""Qui entre par ProConnect : un compte cellule existant, actif, approuvé, qui porte le courriel prouvé.

ProConnect prouve qui est la personne, jamais ce qu'elle peut voir : le rôle et la portée restent ceux
du compte, fixés par l'administrateur. Le ``sub`` de ProConnect est lié au compte à la première
connexion, puis exigé identique. Pour un agent ou un référent, le SIRET prouvé doit être celui de
l'organisation du compte. Quand l'``acr`` n'atteste pas un second facteur, cellule demande son propre
code TOTP avant d'ouvrir la session — la même session qu'une connexion locale.

Chaque tentative est écrite au journal d'audit (voie, fournisseur d'identité, acr, SIRET, succès ou
raison du refus), jamais le courriel.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from service.acteur import ANONYME, Acteur
from service.base.connexion import maintenant
from service.cles import cle_comptes
from service.comptes import totp
from service.comptes.proconnect import temoin
from service.comptes.proconnect.fournisseur import (
    MESSAGE_STATE,
    ClientProConnect,
    Demande,
    Identification,
    ProConnectRefuse,
)
from service.comptes.roles import Role
from service.comptes.sessions import (
    Connexion,
    empreinte_jeton,
    fermer_session,
    ouvrir_session_de,
    refuser,
)
from service.journal_audit import Aboutissement, Action, auditer
from service.modeles import SessionWeb, Utilisateur
from service.parametres import ACR_DEUX_FACTEURS, parametres

CHEMIN_RETOUR = "/proconnect/retour"
CHEMIN_RETOUR_DECONNEXION = "/proconnect/deconnexion/retour"
ROLES_AVEC_SIRET = (Role.AGENT_COMMUNE, Role.REFERENT_DSDEN)
A_QUI_S_ADRESSER = "l'administrateur de cellule (la DSDEN de votre département)"


class ConnexionRefusee(Exception):
    """La connexion ProConnect est refusée ; ``message`` dit pourquoi et à qui s'adresser."""

    def __init__(self, raison: str, message: str) -> None:
        super().__init__(message)
        self.raison = raison
        self.message = message


@dataclass(frozen=True)
class SecondFacteurDemande:
    """ProConnect a prouvé l'identité sans second facteur : cellule demande son code TOTP.

    ``temoin`` est à garder dans le cookie du parcours jusqu'à la saisie du code.
    """

    temoin: str
    identifiant: str


def redirect_uri() -> str:
    return parametres().url_publique.rstrip("/") + CHEMIN_RETOUR


def post_logout_redirect_uri() -> str:
    return parametres().url_publique.rstrip("/") + CHEMIN_RETOUR_DECONNEXION


def commencer(client: ClientProConnect, suite: str = "/") -> tuple[str, str]:
    """L'adresse de ProConnect où envoyer la personne, et le témoin (``state``, ``nonce``, page où
    revenir) à poser dans son navigateur."""
    adresse, demande = client.adresse_autorisation(redirect_uri())
    return adresse, temoin.sceller(
        "connexion", {"state": demande.state, "nonce": demande.nonce, "suite": suite}
    )


def suite_du_temoin(valeur: str | None, etape: temoin.Etape = "connexion") -> str:
    """La page où revenir après la connexion, gardée dans le témoin (``/`` par défaut)."""
    ouvert = temoin.desceller(etape, valeur)
    suite = ouvert.get("suite") if ouvert else None
    return suite if isinstance(suite, str) else "/"


def _details(identification: Identification | None) -> dict[str, Any]:
    if identification is None:
        return {"voie": "proconnect"}
    return {
        "voie": "proconnect",
        "idp_id": identification.idp_id or None,
        "acr": identification.acr,
        "siret": identification.siret or None,
    }


def _refuser(
    session: Session,
    utilisateur: Utilisateur | None,
    raison: str,
    message: str,
    ip: str,
    identification: Identification | None,
) -> ConnexionRefusee:
    refuser(session, utilisateur, raison, ip, details=_details(identification), message=message)
    return ConnexionRefusee(raison, message)


def _compte(session: Session, identification: Identification, ip: str) -> Utilisateur:
    """Le compte où entre la personne prouvée ; sinon le refus, audité, qui dit à qui s'adresser."""

    def refus(utilisateur: Utilisateur | None, raison: str, message: str) -> ConnexionRefusee:
        return _refuser(session, utilisateur, raison, message, ip, identification)

    if not identification.courriel:
        raise refus(
            None,
            "courriel_absent",
            "ProConnect n'a pas transmis votre adresse électronique professionnelle : cellule ne peut pas "
            f"retrouver votre compte. Connectez-vous avec votre identifiant et votre mot de passe, ou "
            f"adressez-vous à {A_QUI_S_ADRESSER}.",
        )
    utilisateur = session.exec(
        select(Utilisateur).where(Utilisateur.courriel == identification.courriel)
    ).first()
    if utilisateur is None:
        raise refus(
            None,
            "compte_inconnu",
            "Aucun compte cellule ne porte l'adresse électronique de votre identité ProConnect. ProConnect "
            "prouve qui vous êtes, pas ce que vous pouvez voir : demandez à "
            f"{A_QUI_S_ADRESSER} de créer votre compte ou d'y inscrire cette adresse, puis réessayez.",
        )
    if not utilisateur.actif:
        raise refus(
            utilisateur,
            "compte_inactif",
            "Votre compte cellule est désactivé. Si vous devez encore l'utiliser, adressez-vous à "
            f"{A_QUI_S_ADRESSER}.",
        )
    if utilisateur.approuve_le is None:
        raise refus(
            utilisateur,
            "en_attente_approbation",
            "Votre compte cellule attend l'approbation du DPO ou d'un second administrateur. Réessayez "
            "une fois qu'il vous a remis votre code à usage unique (TOTP).",
        )
    if utilisateur.verrouille_jusqu_a and _utc(utilisateur.verrouille_jusqu_a) > maintenant():
        raise refus(
            utilisateur,
            "verrouille",
            "Votre compte est verrouillé quelques minutes après plusieurs codes faux. Réessayez plus tard, "
            f"ou adressez-vous à {A_QUI_S_ADRESSER}.",
        )
    if Role(utilisateur.role) in ROLES_AVEC_SIRET and not utilisateur.siret:
        raise refus(
            utilisateur,
            "siret_absent",
            "Votre compte cellule n'indique pas le SIRET de votre organisation, que la connexion ProConnect "
            f"exige. Demandez à {A_QUI_S_ADRESSER} de l'y inscrire, ou connectez-vous avec votre "
            "identifiant et votre mot de passe.",
        )
    if utilisateur.siret and utilisateur.siret != identification.siret:
        raise refus(
            utilisateur,
            "siret_etranger",
            f"Votre identité ProConnect est rattachée à une autre organisation (SIRET "
            f"{identification.siret or 'non transmis'}) que celle de votre compte cellule. Connectez-vous "
            "avec l'identité de l'organisation de votre compte, ou demandez à "
            f"{A_QUI_S_ADRESSER} de corriger le SIRET de votre compte.",
        )
    if utilisateur.proconnect_sub is not None and not hmac.compare_digest(
        utilisateur.proconnect_sub.encode(), identification.sub.encode()
    ):
        raise refus(
            utilisateur,
            "identite_differente",
            "Votre compte cellule est lié à une autre identité ProConnect (venue peut-être d'un autre "
            "fournisseur d'identité). Connectez-vous avec celle-ci, ou demandez à "
            f"{A_QUI_S_ADRESSER} de délier votre compte.",
        )
    if utilisateur.proconnect_sub is None:
        deja = session.exec(
            select(Utilisateur.id).where(Utilisateur.proconnect_sub == identification.sub)
        ).first()
        if deja is not None:
            raise refus(
                utilisateur,
                "identite_deja_liee",
                "Cette identité ProConnect est déjà liée à un autre compte cellule. Demandez à "
                f"{A_QUI_S_ADRESSER} de vérifier vos comptes.",
            )
    return utilisateur


def _ouvrir(
    session: Session,
    utilisateur: Utilisateur,
    identification: Identification,
    *,
    second_facteur: str,
    jeton_precedent: str | None,
    ip: str,
) -> Connexion:
    """Lie l'identité ProConnect au compte à sa première connexion aboutie, puis ouvre la session."""
    if utilisateur.proconnect_sub is None:
        utilisateur.proconnect_sub = identification.sub
        auditer(
            session,
            Acteur(id=utilisateur.id, identifiant=utilisateur.identifiant, role=Role(utilisateur.role)),
            Action.COMPTE_MODIFIE,
            cible=("compte", utilisateur.identifiant),
            details={"proconnect": "identite_liee", "idp_id": identification.idp_id or None},
        )
    return ouvrir_session_de(
        session,
        utilisateur,
        jeton_precedent=jeton_precedent,
        ip=ip,
        details={**_details(identification), "second_facteur": second_facteur},
        id_token=identification.id_token,
    )


def _utc(instant: datetime) -> datetime:
    """SQLite rend les instants sans fuseau : ils sont en UTC."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def terminer(
    session: Session,
    client: ClientProConnect,
    *,
    code: str,
    state: str,
    temoin_connexion: str | None,
    jeton_precedent: str | None,
    ip: str,
) -> Connexion | SecondFacteurDemande:
    """Le retour de ProConnect : la session ouverte, ou le code TOTP à demander.

    Lève ``ConnexionRefusee`` (audité) ; l'appelant valide la transaction dans tous les cas.
    """
    ouvert = temoin.desceller("connexion", temoin_connexion)
    if ouvert is None:
        raise _refuser(session, None, "state", MESSAGE_STATE, ip, None)
    try:
        identification = client.identifier(
            code, state, redirect_uri(), Demande(state=str(ouvert["state"]), nonce=str(ouvert["nonce"]))
        )
    except ProConnectRefuse as refus:
        raise _refuser(session, None, refus.raison, refus.message, ip, None) from None
    utilisateur = _compte(session, identification, ip)
    if identification.acr in ACR_DEUX_FACTEURS:
        return _ouvrir(
            session,
            utilisateur,
            identification,
            second_facteur="proconnect",
            jeton_precedent=jeton_precedent,
            ip=ip,
        )
    assert utilisateur.id is not None
    if utilisateur.totp_confirme_le is None:
        raise _refuser(
            session,
            utilisateur,
            "totp_non_active",
            "Votre identité ProConnect n'atteste pas de double authentification, et vous n'avez pas encore "
            "activé le code à usage unique de cellule. Connectez-vous une première fois avec votre "
            "identifiant et votre mot de passe pour l'activer, puis revenez par ProConnect.",
            ip,
            identification,
        )
    # Le témoin est chiffré : le courriel et le jeton d'identité n'y sont lisibles que du service.
    attente = temoin.sceller(
        "second_facteur",
        {
            "utilisateur": utilisateur.id,
            "sub": identification.sub,
            "acr": identification.acr,
            "idp_id": identification.idp_id,
            "siret": identification.siret,
            "courriel": identification.courriel,
            "id_token": identification.id_token,
            "suite": str(ouvert.get("suite") or "/"),
            "identifiant": utilisateur.identifiant,
        },
    )
    return SecondFacteurDemande(temoin=attente, identifiant=utilisateur.identifiant)


MESSAGE_CODE_FAUX = (
    "Code à usage unique incorrect ou déjà utilisé. Saisissez le code affiché maintenant par votre "
    "application d'authentification ; après plusieurs échecs, le compte est verrouillé quelques minutes."
)


def confirmer_second_facteur(
    session: Session,
    *,
    temoin_attente: str | None,
    code_totp: str,
    jeton_precedent: str | None,
    ip: str,
) -> Connexion:
    """Le code TOTP de cellule, après une identité ProConnect sans second facteur.

    Un code faux compte pour le verrouillage, comme à la connexion locale. Lève ``ConnexionRefusee``
    si l'attente a expiré ou si le compte a changé entre-temps.
    """
    attente = temoin.desceller("second_facteur", temoin_attente)
    if attente is None:
        raise _refuser(
            session,
            None,
            "attente_expiree",
            "Le délai pour saisir votre code est dépassé. Recommencez la connexion avec ProConnect.",
            ip,
            None,
        )
    identification = Identification(
        sub=str(attente["sub"]),
        acr=str(attente["acr"]),
        idp_id=str(attente["idp_id"]),
        siret=str(attente["siret"]),
        courriel=str(attente["courriel"]),
        id_token=str(attente["id_token"]),
    )
    # Le compte a pu être désactivé, verrouillé, changer d'adresse ou d'organisation pendant l'attente :
    # tout est vérifié de nouveau.
    utilisateur = _compte(session, identification, ip)
    if utilisateur.id != attente["utilisateur"]:
        raise _refuser(session, utilisateur, "compte_change", MESSAGE_STATE, ip, identification)
    secret = totp.lire_secret(utilisateur.totp_secret, cle_comptes(parametres()))
    pas = totp.pas_valide(secret, code_totp, dernier_pas=utilisateur.dernier_pas_totp)
    if pas is None:
        refuser(session, utilisateur, "totp", ip, details=_details(identification), message=MESSAGE_CODE_FAUX)
        raise ConnexionRefusee("totp", MESSAGE_CODE_FAUX)
    utilisateur.dernier_pas_totp = pas
    utilisateur.echecs = 0
    utilisateur.verrouille_jusqu_a = None
    if utilisateur.totp_confirme_le is None:
        utilisateur.totp_confirme_le = maintenant()
    return _ouvrir(
        session, utilisateur, identification, second_facteur="totp", jeton_precedent=jeton_precedent, ip=ip
    )


def commencer_deconnexion(
    session: Session, client: ClientProConnect | None, jeton: str, acteur: Acteur, ip: str
) -> tuple[str, str] | None:
    """Ferme la session locale ; si elle vient de ProConnect, l'adresse de fin de session chez lui
    et le témoin (``state``) à poser. ``None`` pour une session locale."""
    ouverte = session.exec(select(SessionWeb).where(SessionWeb.jeton_hache == empreinte_jeton(jeton))).first()
    id_token = ouverte.proconnect_id_token if ouverte is not None else None
    fermer_session(session, jeton)
    details: dict[str, Any] = {"ip": ip}
    if id_token is None or client is None:
        auditer(session, acteur, Action.DECONNEXION, details=details)
        return None
    try:
        adresse, state = client.adresse_deconnexion(id_token, post_logout_redirect_uri())
    except ProConnectRefuse:
        # ProConnect injoignable : la session de cellule est fermée quand même.
        auditer(
            session,
            acteur,
            Action.DECONNEXION,
            details={**details, "voie": "proconnect", "fin_de_session": "fournisseur_injoignable"},
        )
        return None
    auditer(session, acteur, Action.DECONNEXION, details={**details, "voie": "proconnect"})
    return adresse, temoin.sceller("deconnexion", {"state": state})


def terminer_deconnexion(session: Session, *, state: str, temoin_deconnexion: str | None, ip: str) -> bool:
    """Le retour de ProConnect après la déconnexion : vrai si le ``state`` est celui envoyé.

    Un ``state`` absent ou altéré est écrit au journal ; la session locale est déjà fermée.
    """
    ouvert = temoin.desceller("deconnexion", temoin_deconnexion)
    if ouvert is not None and hmac.compare_digest(str(ouvert["state"]).encode(), state.encode()):
        return True
    auditer(
        session,
        ANONYME,
        Action.DECONNEXION,
        resultat=Aboutissement.REFUS,
        details={"voie": "proconnect", "raison": "state", "ip": ip},
    )
    return False
