"""Créer, approuver, désactiver, lister les comptes ; changer un mot de passe, renouveler un TOTP.

Séparation des tâches : un compte créé (ou dont le secret TOTP est renouvelé) ne sert qu'une fois
approuvé par une seconde personne, le DPO ou un administrateur autre que celui qui l'a demandé.
Le demandeur fixe le mot de passe initial ; le secret TOTP n'est remis qu'à l'approbateur : aucun
des deux ne peut entrer seul dans le compte. Seuls le premier administrateur et le premier DPO
d'une installation naissent approuvés, par la ligne de commande du serveur
(``creer_compte_d_installation``), et cela est tracé.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from service.acteur import Acteur
from service.autorisation import RefusAutorisation, exiger_role
from service.base.connexion import maintenant
from service.cles import cle_comptes
from service.comptes import mots_de_passe, rattachement, totp
from service.comptes.roles import Role
from service.comptes.sessions import communes_de, fermer_sessions_du_compte
from service.journal_audit import Aboutissement, Action, auditer
from service.modeles import Commune, Utilisateur, UtilisateurCommune
from service.parametres import parametres

IDENTIFIANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,79}")

ROLES_APPROBATEURS = (Role.DPO, Role.ADMINISTRATEUR)
ROLES_D_INSTALLATION = (Role.ADMINISTRATEUR, Role.DPO)


class CompteInvalide(ValueError):
    """Création ou modification de compte impossible ; le message dit quoi corriger."""


class CompteIntrouvable(CompteInvalide):
    """Aucun compte ne porte cet identifiant."""


@dataclass(frozen=True)
class NouveauCompte:
    utilisateur: Utilisateur
    totp_secret: str
    uri_totp: str


def _verifier_portee(session: Session, role: Role, communes: list[str], departement: str | None) -> None:
    if role is Role.AGENT_COMMUNE:
        if not communes:
            raise CompteInvalide("Un agent communal doit être rattaché à au moins une commune (--commune).")
        connues = set(session.exec(select(Commune.insee).where(col(Commune.insee).in_(communes))))
        inconnues = sorted(set(communes) - connues)
        if inconnues:
            raise CompteInvalide(
                f"Commune(s) inconnue(s) : {', '.join(inconnues)}. Enregistrez-les d'abord "
                "(cellule referentiel commune)."
            )
    elif communes:
        raise CompteInvalide("Seul un agent communal est rattaché à des communes.")
    if role is Role.REFERENT_DSDEN and not departement:
        raise CompteInvalide("Un référent de la DSDEN doit avoir un département (--departement).")
    if role is not Role.REFERENT_DSDEN and departement:
        raise CompteInvalide("Seul un référent de la DSDEN est rattaché à un département.")


def _contexte_mot_de_passe(
    session: Session, nom_affiche: str, communes: list[str], departement: str | None
) -> list[str]:
    """Ce qu'on sait du compte sans le connaître : nom affiché, communes (code et nom), département."""
    noms = list(session.exec(select(Commune.nom).where(col(Commune.insee).in_(communes))))
    return [nom_affiche, *communes, *noms, departement or ""]


def creer_utilisateur(
    session: Session,
    *,
    identifiant: str,
    role: Role,
    mot_de_passe: str,
    par: Acteur,
    communes: list[str] | None = None,
    departement: str | None = None,
    nom_affiche: str = "",
    courriel: str | None = None,
    siret: str | None = None,
) -> Utilisateur:
    """Crée un compte nominatif, en attente d'approbation (``approuver_utilisateur``).

    Aucun secret TOTP n'est rendu au demandeur : il sera remis à l'approbateur. ``courriel`` et
    ``siret`` rattachent le compte à ProConnect (``rattachement``).
    """
    return _creer(
        session,
        identifiant=identifiant,
        role=role,
        mot_de_passe=mot_de_passe,
        par=par,
        communes=communes or [],
        departement=departement,
        nom_affiche=nom_affiche,
        totp_secret=None,
        installation=False,
        courriel=courriel,
        siret=siret,
    ).utilisateur


def creer_compte_d_installation(
    session: Session,
    *,
    identifiant: str,
    role: Role,
    mot_de_passe: str,
    par: Acteur,
    nom_affiche: str = "",
    totp_secret: str | None = None,
    courriel: str | None = None,
    siret: str | None = None,
) -> NouveauCompte:
    """Le premier administrateur ou le premier DPO de l'installation, approuvé d'office.

    Réservé à la ligne de commande du serveur. Permis seulement tant que l'installation n'a aucun
    compte actif et approuvé de ce rôle : ensuite, tout compte passe par l'approbation.
    """
    if role not in ROLES_D_INSTALLATION:
        raise CompteInvalide(
            "La ligne de commande ne crée que le premier administrateur et le premier DPO de "
            "l'installation. Créez ce compte par l'API (POST /api/v1/utilisateurs) : il servira une fois "
            "approuvé par le DPO ou par un autre administrateur."
        )
    deja = session.exec(
        select(Utilisateur.id).where(
            Utilisateur.role == role.value,
            col(Utilisateur.actif).is_(True),
            col(Utilisateur.approuve_le).is_not(None),
        )
    ).first()
    if deja is not None:
        raise CompteInvalide(
            f"L'installation a déjà un compte « {role.value} » actif et approuvé. Créez ce compte par "
            "l'API (POST /api/v1/utilisateurs) : il servira une fois approuvé par le DPO ou par un "
            "autre administrateur que vous."
        )
    return _creer(
        session,
        identifiant=identifiant,
        role=role,
        mot_de_passe=mot_de_passe,
        par=par,
        communes=[],
        departement=None,
        nom_affiche=nom_affiche,
        totp_secret=totp_secret,
        installation=True,
        courriel=courriel,
        siret=siret,
    )


def _creer(
    session: Session,
    *,
    identifiant: str,
    role: Role,
    mot_de_passe: str,
    par: Acteur,
    communes: list[str],
    departement: str | None,
    nom_affiche: str,
    totp_secret: str | None,
    installation: bool,
    courriel: str | None,
    siret: str | None,
) -> NouveauCompte:
    identifiant = identifiant.strip()
    if not IDENTIFIANT.fullmatch(identifiant):
        raise CompteInvalide(
            "Identifiant invalide : 2 à 80 caractères parmi lettres sans accent, chiffres, « . », « _ » "
            "et « - » (par exemple prenom.nom)."
        )
    if session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first():
        raise CompteInvalide(f"L'identifiant « {identifiant} » existe déjà.")
    communes = sorted(set(communes))
    _verifier_portee(session, role, communes, departement)
    try:
        mots_de_passe.verifier_politique(
            mot_de_passe,
            identifiant=identifiant,
            contexte=_contexte_mot_de_passe(session, nom_affiche, communes, departement),
        )
    except mots_de_passe.MotDePasseRefuse as erreur:
        raise CompteInvalide(str(erreur)) from erreur
    try:
        courriel, siret = rattachement.verifier(session, role, courriel, siret)
    except rattachement.RattachementInvalide as erreur:
        raise CompteInvalide(str(erreur)) from erreur
    secret = totp_secret or totp.nouveau_secret()
    utilisateur = Utilisateur(
        identifiant=identifiant,
        nom_affiche=nom_affiche,
        role=role.value,
        departement=departement,
        mot_de_passe_hache=mots_de_passe.hacher(mot_de_passe),
        totp_secret=totp.sceller_secret(secret, cle_comptes(parametres())),
        demande_par=par.id,
        approuve_le=maintenant() if installation else None,
        # Qui crée le compte connaît le mot de passe initial : la personne doit le remplacer.
        mot_de_passe_a_changer=True,
        courriel=courriel,
        siret=siret,
    )
    session.add(utilisateur)
    session.flush()
    assert utilisateur.id is not None
    for commune in communes:
        session.add(UtilisateurCommune(utilisateur_id=utilisateur.id, commune=commune))
    auditer(
        session,
        par,
        Action.COMPTE_CREE,
        cible=("compte", utilisateur.identifiant),
        details={
            "role": role.value,
            "communes": communes,
            "departement": departement,
            "etat": "approuve" if installation else "en_attente_approbation",
            "proconnect": "rattache" if courriel else "non_rattache",
            "siret": siret,
        },
    )
    if installation:
        auditer(
            session,
            par,
            Action.COMPTE_APPROUVE,
            cible=("compte", utilisateur.identifiant),
            details={"role": role.value, "voie": "installation"},
        )
    return NouveauCompte(utilisateur, secret, totp.uri_enrolement(secret, identifiant))


def trouver(session: Session, identifiant: str) -> Utilisateur:
    utilisateur = session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first()
    if utilisateur is None:
        raise CompteIntrouvable(f"Aucun compte « {identifiant} ».")
    return utilisateur


def cible_au_journal(session: Session, identifiant: str) -> tuple[str, str] | None:
    """La cible d'un refus au journal : le numéro interne du compte s'il existe, rien sinon.

    Le texte tapé (dans l'adresse, à la ligne de commande) n'entre jamais au journal, qu'on ne peut
    pas effacer : ce peut être le nom d'une personne qui a la forme d'un identifiant.
    """
    if not IDENTIFIANT.fullmatch(identifiant):
        return None
    numero = session.exec(select(Utilisateur.id).where(Utilisateur.identifiant == identifiant)).first()
    return None if numero is None else _cible_interne(numero)


def _cible_interne(utilisateur_id: int) -> tuple[str, str]:
    # Type « utilisateur » : sous « compte », le journal note un identifiant, qui peut être fait de chiffres.
    return ("utilisateur", str(utilisateur_id))


def _nouveau_secret(utilisateur: Utilisateur) -> NouveauCompte:
    """Un secret TOTP neuf, scellé en base et rendu une seule fois ; l'ancien appareil ne sert plus."""
    secret = totp.nouveau_secret()
    utilisateur.totp_secret = totp.sceller_secret(secret, cle_comptes(parametres()))
    utilisateur.totp_confirme_le = None
    utilisateur.dernier_pas_totp = None
    return NouveauCompte(utilisateur, secret, totp.uri_enrolement(secret, utilisateur.identifiant))


def approuver_utilisateur(session: Session, identifiant: str, *, par: Acteur) -> NouveauCompte:
    """Rend utilisable un compte en attente : par le DPO ou par un administrateur autre que le demandeur.

    L'approbateur reçoit, une seule fois, le secret TOTP à remettre à la personne : le demandeur,
    qui a fixé le mot de passe initial, n'a jamais le second facteur.

    Lève ``RefusAutorisation`` (403) si ``par`` n'a pas le droit d'approuver ce compte,
    ``CompteIntrouvable`` ou ``CompteInvalide`` si le compte n'existe pas ou n'attend rien.
    """
    exiger_role(
        par, *ROLES_APPROBATEURS, action="compte_approuver", cible=cible_au_journal(session, identifiant)
    )
    utilisateur = trouver(session, identifiant)
    assert utilisateur.id is not None
    cible = _cible_interne(utilisateur.id)
    if par.id is None:
        raise RefusAutorisation(
            "Une approbation est nominative : connectez-vous avec votre compte de DPO ou d'administrateur.",
            action="compte_approuver",
            cible=cible,
        )
    if utilisateur.id == par.id:
        raise RefusAutorisation(
            "Personne n'approuve son propre compte : demandez au DPO ou à un autre administrateur.",
            action="compte_approuver",
            cible=cible,
        )
    if utilisateur.demande_par == par.id:
        raise RefusAutorisation(
            "Vous avez demandé ce compte (création ou nouveau secret TOTP) : son approbation revient au "
            "DPO ou à un autre administrateur.",
            action="compte_approuver",
            cible=cible,
        )
    if not utilisateur.actif:
        raise CompteInvalide(f"Le compte « {identifiant} » est désactivé : il n'y a rien à approuver.")
    if utilisateur.approuve_le is not None:
        raise CompteInvalide(f"Le compte « {identifiant} » est déjà approuvé.")
    utilisateur.approuve_le = maintenant()
    utilisateur.approuve_par = par.id
    nouveau = _nouveau_secret(utilisateur)
    demandeur = session.get(Utilisateur, utilisateur.demande_par) if utilisateur.demande_par else None
    auditer(
        session,
        par,
        Action.COMPTE_APPROUVE,
        cible=("compte", utilisateur.identifiant),
        details={
            "role": utilisateur.role,
            "demande_par": demandeur.identifiant if demandeur else None,
            "totp": "remis_a_l_approbateur",
        },
    )
    return nouveau


def desactiver_utilisateur(session: Session, identifiant: str, *, par: Acteur) -> Utilisateur:
    """Désactive le compte et ferme toutes ses sessions (le compte reste pour l'historique)."""
    utilisateur = trouver(session, identifiant)
    if not utilisateur.actif:
        raise CompteInvalide(f"Le compte « {identifiant} » est déjà désactivé.")
    instant = maintenant()
    utilisateur.actif = False
    utilisateur.desactive_le = instant
    fermer_sessions_du_compte(session, utilisateur)
    auditer(session, par, Action.COMPTE_DESACTIVE, cible=("compte", utilisateur.identifiant))
    return utilisateur


def fermer_sessions(session: Session, identifiant: str | None, *, par: Acteur) -> int:
    """L'administrateur ferme les sessions d'un compte, ou de tous (``identifiant`` vide) ; leur nombre.

    La session de l'administrateur qui agit reste ouverte.
    """
    exiger_role(
        par,
        Role.ADMINISTRATEUR,
        action="sessions_fermer",
        cible=cible_au_journal(session, identifiant) if identifiant else None,
    )
    if identifiant is None:
        comptes = list(session.exec(select(Utilisateur)))
        cible = None
    else:
        comptes = [trouver(session, identifiant)]
        cible = ("compte", comptes[0].identifiant)
    fermees = sum(fermer_sessions_du_compte(session, compte, sauf=par.session_id) for compte in comptes)
    auditer(
        session,
        par,
        Action.SESSION_FERMEE,
        cible=cible,
        details={
            "raison": "par_l_administrateur",
            "portee": "un_compte" if identifiant else "tous_les_comptes",
            "nombre": fermees,
        },
    )
    return fermees


def reinitialiser_totp(session: Session, identifiant: str, *, par: Acteur) -> Utilisateur:
    """Appareil perdu : l'ancien secret TOTP ne sert plus, les sessions ouvertes sont fermées.

    Comme une création, le compte attend l'approbation d'une seconde personne, qui reçoit le nouveau
    secret : le demandeur, qui a pu fixer le mot de passe initial, n'entre pas seul dans le compte.
    """
    utilisateur = trouver(session, identifiant)
    _nouveau_secret(utilisateur)
    utilisateur.demande_par = par.id
    utilisateur.approuve_le = None
    utilisateur.approuve_par = None
    fermer_sessions_du_compte(session, utilisateur)
    auditer(
        session,
        par,
        Action.COMPTE_MODIFIE,
        cible=("compte", utilisateur.identifiant),
        details={"totp": "nouveau", "etat": "en_attente_approbation"},
    )
    return utilisateur


def compter_un_echec(
    session: Session, acteur: Acteur, utilisateur: Utilisateur, motif: Mapping[str, object]
) -> None:
    """Un mot de passe ou un code faux saisi dans une session compte comme un échec de connexion :
    une session volée ne sert pas à essayer sans fin. Au seuil, le compte est verrouillé et toutes
    ses sessions fermées. Le refus est audité ; l'appelant valide la transaction."""
    reglages = parametres()
    utilisateur.echecs += 1
    details = dict(motif)
    if utilisateur.echecs >= reglages.echecs_avant_verrouillage:
        utilisateur.echecs = 0
        utilisateur.verrouille_jusqu_a = maintenant() + timedelta(minutes=reglages.verrouillage_minutes)
        fermer_sessions_du_compte(session, utilisateur)
        details["verrouille_minutes"] = reglages.verrouillage_minutes
    auditer(
        session,
        acteur,
        Action.COMPTE_MODIFIE,
        cible=("compte", utilisateur.identifiant),
        resultat=Aboutissement.REFUS,
        details=details,
    )


def changer_mot_de_passe(session: Session, acteur: Acteur, ancien: str, nouveau: str) -> None:
    """Change le mot de passe ; les autres sessions sont fermées.

    Un ancien mot de passe faux compte comme un échec de connexion : une session volée ne sert pas
    à essayer des mots de passe sans fin. Au seuil, le compte est verrouillé et toutes ses sessions
    fermées. L'appelant valide la transaction même en cas d'échec.
    """
    utilisateur = session.get(Utilisateur, acteur.id)
    assert utilisateur is not None
    if not mots_de_passe.verifier(ancien, utilisateur.mot_de_passe_hache):
        echec = {"changement": "mot_de_passe", "raison": "ancien_faux"}
        compter_un_echec(session, acteur, utilisateur, echec)
        raise CompteInvalide("L'ancien mot de passe est incorrect.")
    try:
        mots_de_passe.verifier_politique(
            nouveau,
            identifiant=utilisateur.identifiant,
            contexte=_contexte_mot_de_passe(
                session,
                utilisateur.nom_affiche,
                sorted(communes_de(session, utilisateur.id)) if utilisateur.id else [],
                utilisateur.departement,
            ),
            actuel=ancien,
        )
    except mots_de_passe.MotDePasseRefuse as erreur:
        raise CompteInvalide(str(erreur)) from erreur
    utilisateur.mot_de_passe_hache = mots_de_passe.hacher(nouveau)
    utilisateur.mot_de_passe_a_changer = False
    utilisateur.echecs = 0
    fermer_sessions_du_compte(session, utilisateur, sauf=acteur.session_id)
    auditer(
        session,
        acteur,
        Action.COMPTE_MODIFIE,
        cible=("compte", utilisateur.identifiant),
        details={"changement": "mot_de_passe"},
    )


def lister_utilisateurs(session: Session) -> list[tuple[Utilisateur, frozenset[str]]]:
    utilisateurs = session.exec(select(Utilisateur).order_by(col(Utilisateur.identifiant))).all()
    return [(u, communes_de(session, u.id)) for u in utilisateurs if u.id is not None]
