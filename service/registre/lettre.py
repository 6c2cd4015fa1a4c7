"""La lettre de mise en demeure : un modèle par DSDEN, rempli avec les données du cas, en ODT.

Le modèle (en-tête, corps, signataire) ne porte aucune identité : la DSDEN le modifie à sa guise,
avec des champs entre accolades (``{prenoms}``, ``{echeance}``…) remplacés à la génération. La
lettre générée nomme l'enfant : elle est chiffrée dans la cohorte du cas et effacée avec lui ; le
journal garde sa génération et chaque téléchargement (consultation), jamais son contenu.

Les articles cités par le modèle d'origine sont ceux de ``DOMAINE.md`` : L131-1 et L131-5 (qui est
soumis), L131-5-1 et L131-10 (mise en demeure, quinze jours), 227-17-1 du code pénal (sanction).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from odf.opendocument import OpenDocumentText
from odf.style import ParagraphProperties, Style, TextProperties
from odf.text import P
from sqlmodel import Session, col, select

from appariement.age import est_soumis
from chiffrement import Chiffre
from service.acteur import Acteur
from service.autorisation import exiger_role
from service.base.connexion import jour_local, maintenant
from service.comptes.roles import Role
from service.journal_audit import Action, auditer
from service.modeles import Cas, Commune, LettreCas, ModeleLettre
from service.registre import procedure
from service.registre.coffre import Coffre, date_naissance_de
from service.registre.consultation import MotifConsultation
from service.registre.registre import cas_visible

TABLE = "lettre_cas"
TYPE_MIME = "application/vnd.oasis.opendocument.text"
LONGUEUR_MAX = {"entete": 600, "corps": 6000, "signataire": 400}

# Les champs qu'un modèle peut citer, et ce qu'ils deviennent.
CHAMPS_DU_MODELE = {
    "prenoms": "prénoms de l'enfant",
    "nom": "nom de l'enfant",
    "date_naissance": "date de naissance de l'enfant",
    "responsable": "nom et prénom de l'allocataire (responsable de l'enfant)",
    "commune": "commune de résidence",
    "echeance": "la date limite d'inscription, ou « dans les quinze jours suivant la notification »",
    "date_notification": "la date de notification, si elle est connue",
    "date_lettre": "la date du jour",
    "reference": "la référence du cas (8 caractères)",
}
_CHAMP = re.compile(r"\{([^{}]*)\}")

MODELE_D_ORIGINE = {
    "entete": (
        "Direction des services départementaux de l'éducation nationale\n"
        "Service de l'instruction obligatoire\n"
        "Adresse de la DSDEN — téléphone — courriel du service"
    ),
    "corps": (
        "Madame, Monsieur,\n"
        "L'enfant {prenoms} {nom}, né(e) le {date_naissance}, qui réside à {commune}, est soumis(e) à "
        "l'obligation d'instruction (articles L131-1 et L131-5 du code de l'éducation). Le maire de "
        "{commune} m'a signalé qu'il n'est inscrit dans aucun établissement d'enseignement et "
        "qu'aucune déclaration d'instruction dans la famille n'a été faite.\n"
        "En application des articles L131-5-1 et L131-10 du code de l'éducation, je vous mets en "
        "demeure d'inscrire votre enfant dans un établissement d'enseignement public ou privé, "
        "{echeance}, et de me faire connaître l'établissement choisi.\n"
        "Je vous rappelle que le fait, après mise en demeure, de ne pas inscrire son enfant dans un "
        "établissement d'enseignement, sans excuse valable, est puni de six mois d'emprisonnement et "
        "de 7 500 euros d'amende (article 227-17-1 du code pénal).\n"
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
    ),
    "signataire": (
        "Pour l'inspecteur d'académie, directeur académique des services de l'éducation nationale,\n"
        "Prénom NOM, fonction"
    ),
}


class LettreRefusee(ValueError):
    """La lettre ne peut être générée (ou le modèle enregistré) ; le message dit quoi faire."""


@dataclass(frozen=True)
class Lettre:
    id: str
    generee_le: date
    nom_fichier: str


def champs_inconnus(texte: str) -> list[str]:
    """Les champs entre accolades qu'un modèle cite sans qu'ils existent."""
    return sorted({c for c in _CHAMP.findall(texte) if c not in CHAMPS_DU_MODELE})


def modele(session: Session, departement: str | None) -> dict[str, str]:
    """Le modèle de la DSDEN, ou celui d'origine si elle ne l'a pas encore modifié."""
    enregistre = session.get(ModeleLettre, departement) if departement else None
    if enregistre is None:
        return dict(MODELE_D_ORIGINE)
    return {"entete": enregistre.entete, "corps": enregistre.corps, "signataire": enregistre.signataire}


def modifier_modele(session: Session, acteur: Acteur, textes: dict[str, str]) -> None:
    """Enregistre le modèle de la DSDEN du référent ; refuse un champ inconnu ou un texte vide."""
    exiger_role(acteur, Role.REFERENT_DSDEN, action="modele_lettre")
    assert acteur.departement is not None, "un référent a toujours un département"
    for partie, longueur in LONGUEUR_MAX.items():
        texte = textes.get(partie, "").strip()
        if not texte:
            raise LettreRefusee(f"{partie}: Remplissez cette partie de la lettre.")
        if len(texte) > longueur:
            raise LettreRefusee(f"{partie}: {longueur} caractères au plus.")
        if inconnus := champs_inconnus(texte):
            raise LettreRefusee(
                f"{partie}: Champ inconnu : {', '.join('{' + c + '}' for c in inconnus)}. "
                f"Champs possibles : {', '.join('{' + c + '}' for c in CHAMPS_DU_MODELE)}."
            )
    enregistre = session.get(ModeleLettre, acteur.departement) or ModeleLettre(
        departement=acteur.departement, entete="", corps="", signataire=""
    )
    enregistre.entete, enregistre.corps, enregistre.signataire = (
        textes["entete"].strip(),
        textes["corps"].strip(),
        textes["signataire"].strip(),
    )
    enregistre.modifie_par, enregistre.modifie_le = acteur.id, maintenant()
    session.add(enregistre)
    auditer(session, acteur, Action.MODELE_LETTRE_MODIFIE, details={"departement": acteur.departement})


def _jj_mm_aaaa(jour: date | None) -> str:
    return f"{jour:%d/%m/%Y}" if jour else "date inconnue"


def _valeurs(session: Session, cas: Cas, identite: dict[str, object], aujourd_hui: date) -> dict[str, str]:
    commune = session.get(Commune, cas.commune)
    responsable = " ".join(str(identite.get(c) or "") for c in ("prenom_allocataire", "nom_allocataire"))
    echeance = (
        f"au plus tard le {cas.echeance:%d/%m/%Y}"
        if cas.echeance
        else "dans les quinze jours suivant la notification de cette lettre"
    )
    return {
        "prenoms": str(identite.get("prenoms") or ""),
        "nom": str(identite.get("nom") or ""),
        "date_naissance": _jj_mm_aaaa(date_naissance_de(identite)),
        "responsable": responsable.strip() or "Aux responsables légaux de l'enfant",
        "commune": commune.nom if commune else cas.commune,
        "echeance": echeance,
        "date_notification": _jj_mm_aaaa(cas.notification_le),
        "date_lettre": f"{aujourd_hui:%d/%m/%Y}",
        "reference": cas.id[:8],
    }


def _remplir(texte: str, valeurs: dict[str, str]) -> str:
    return _CHAMP.sub(lambda m: valeurs.get(m.group(1), m.group(0)), texte)


def _document(textes: dict[str, str], valeurs: dict[str, str], identite: dict[str, object]) -> bytes:
    document = OpenDocumentText()
    styles = {
        "entete": Style(name="Entete", family="paragraph"),
        "destinataire": Style(name="Destinataire", family="paragraph"),
        "objet": Style(name="Objet", family="paragraph"),
        "corps": Style(name="Corps", family="paragraph"),
        "signataire": Style(name="Signataire", family="paragraph"),
    }
    styles["entete"].addElement(TextProperties(fontweight="bold", fontsize="10pt"))
    styles["destinataire"].addElement(ParagraphProperties(marginleft="9cm"))
    styles["objet"].addElement(TextProperties(fontweight="bold"))
    styles["objet"].addElement(ParagraphProperties(margintop="0.6cm", marginbottom="0.4cm"))
    styles["corps"].addElement(ParagraphProperties(marginbottom="0.3cm", textalign="justify"))
    styles["signataire"].addElement(ParagraphProperties(marginleft="8cm", margintop="0.8cm"))
    for style in styles.values():
        document.automaticstyles.addElement(style)

    def ecrire(texte: str, style: str) -> None:
        for ligne in texte.split("\n"):
            document.text.addElement(P(stylename=styles[style], text=ligne))

    ecrire(_remplir(textes["entete"], valeurs), "entete")
    adresse = "\n".join(str(identite.get(c) or "") for c in ("adresse", "code_postal") if identite.get(c))
    ecrire("\n".join(filter(None, (valeurs["responsable"], adresse))), "destinataire")
    ecrire(f"Le {valeurs['date_lettre']}", "destinataire")
    ecrire("Lettre recommandée avec demande d'avis de réception", "objet")
    ecrire(
        "Objet : mise en demeure d'inscrire un enfant dans un établissement d'enseignement\n"
        f"Référence : {valeurs['reference']}",
        "objet",
    )
    ecrire(_remplir(textes["corps"], valeurs), "corps")
    ecrire(_remplir(textes["signataire"], valeurs), "signataire")
    sortie = io.BytesIO()
    document.write(sortie)
    return sortie.getvalue()


def generer(session: Session, acteur: Acteur, cas_id: str, *, coffre: Coffre) -> LettreCas:
    """Génère la lettre du cas avec le modèle de la DSDEN, la garde chiffrée et l'audite."""
    exiger_role(acteur, Role.REFERENT_DSDEN, action="lettre_generee", cible=("cas", cas_id))
    cas = cas_visible(session, acteur, cas_id, operation="lettre")
    if cas.statut not in procedure.STATUTS_AVANT_ECHEANCE | procedure.STATUTS_A_ECHEANCE:
        raise LettreRefusee(
            "La lettre de mise en demeure ne se prépare que pour un cas transmis, contrôlé, en enquête "
            "sociale ou déjà mis en demeure."
        )
    identite = coffre.identite(cas)
    aujourd_hui = jour_local()
    naissance = date_naissance_de(identite)
    if naissance is None or not est_soumis(naissance, cas.notification_le or aujourd_hui):
        raise LettreRefusee(
            "L'enfant n'est pas (ou plus) soumis à l'obligation d'instruction, ou sa date de naissance "
            "est inconnue : une mise en demeure est impossible. Classez le cas."
        )
    document = _document(
        modele(session, acteur.departement), _valeurs(session, cas, identite, aujourd_hui), identite
    )
    lettre = LettreCas(cas_id=cas.id, generee_par=acteur.id, cle_version=0, document=b"")
    chiffre = coffre.trousseau.chiffrer(
        document, cohorte=cas.cohorte, table=TABLE, id_enregistrement=lettre.id
    )
    lettre.cle_version, lettre.document, lettre.document_cle = (
        chiffre.version,
        chiffre.donnee,
        chiffre.cle_enveloppee,
    )
    session.add(lettre)
    auditer(session, acteur, Action.LETTRE_GENEREE, cible=("cas", cas.id), details={"lettre": lettre.id})
    return lettre


def _nom_fichier(lettre: LettreCas) -> str:
    return f"mise-en-demeure-{lettre.cas_id[:8]}-{jour_local(lettre.generee_le):%Y-%m-%d}.odt"


def lettres(session: Session, cas_id: str) -> list[Lettre]:
    """Les lettres d'un cas déjà autorisé, la plus récente d'abord (sans les déchiffrer)."""
    return [
        Lettre(piece.id, jour_local(piece.generee_le), _nom_fichier(piece))
        for piece in session.exec(
            select(LettreCas).where(LettreCas.cas_id == cas_id).order_by(col(LettreCas.generee_le).desc())
        )
    ]


def telecharger(
    session: Session, acteur: Acteur, cas_id: str, lettre_id: str, *, coffre: Coffre
) -> tuple[str, bytes]:
    """Le nom et le contenu d'une lettre : une consultation d'identité, auditée (motif : procédure)."""
    exiger_role(acteur, Role.REFERENT_DSDEN, action="lettre_telechargee", cible=("cas", cas_id))
    cas = cas_visible(session, acteur, cas_id, operation="lettre")
    lettre = session.get(LettreCas, lettre_id)
    if lettre is None or lettre.cas_id != cas.id:
        raise LettreRefusee("Cette lettre n'existe pas (ou plus) pour ce cas.")
    contenu = coffre.trousseau.dechiffrer(
        Chiffre(cas.cohorte, lettre.cle_version, lettre.document_cle, lettre.document),
        table=TABLE,
        id_enregistrement=lettre.id,
    )
    auditer(
        session,
        acteur,
        Action.CONSULTATION,
        cible=("cas", cas.id),
        motif=MotifConsultation.PROCEDURE.value,
        details={"lettre": lettre.id},
    )
    return _nom_fichier(lettre), contenu
