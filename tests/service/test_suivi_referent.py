"""Le suivi d'un cas par la DSDEN : attribution à un référent nommé, commentaires chiffrés (jamais au
journal), lettre de mise en demeure tirée du modèle de la DSDEN, chiffrée, auditée, effacée avec le cas."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from audit.tables import journal
from service.autorisation import RefusAutorisation
from service.base.connexion import session_base
from service.modeles import Cas, CommentaireCas, LettreCas, Utilisateur
from service.registre import lettre, suivi
from service.registre.registre import effacer
from tests.service.fabriques import A, Monde, entrees_audit, identite

NAISSANCE = date(2016, 5, 4)
ENFANT = identite("LETTREFICTIF", "ZOE ANNA", NAISSANCE)


def _transmis(monde: Monde, commune: str = A, compte: str = "agent.a") -> str:
    (cas_id,) = monde.semer_cas(commune, [ENFANT])
    reponse = monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes(compte),
        json={"action": "transmettre", "champs": {}},
    )
    assert reponse.status_code == 200, reponse.text
    return cas_id


def _cas(session: Session, cas_id: str) -> Cas:
    cas = session.get(Cas, cas_id)
    assert cas is not None
    return cas


def _texte_odt(contenu: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
        return archive.read("content.xml").decode("utf-8")


def _journal_complet(monde: Monde) -> str:
    with monde.bdd.connect() as connexion:
        return " ".join(str(tuple(r)) for r in connexion.execute(sa.select(journal)))


def test_un_commentaire_est_chiffre_lisible_sur_le_cas_et_absent_du_journal(monde: Monde) -> None:
    cas_id = _transmis(monde)
    texte = "La mère de ZOE LETTREFICTIF a appelé le 3 : déménagement prévu."
    with session_base(monde.bdd) as session:
        suivi.commenter(session, monde.acteur("referent.59"), cas_id, texte, coffre=monde.coffre())
    with session_base(monde.bdd) as session:
        (ligne,) = session.exec(select(CommentaireCas)).all()
        assert b"LETTREFICTIF" not in ligne.texte
        (lu,) = suivi.commentaires(session, cas_id, _cas(session, cas_id).cohorte, coffre=monde.coffre())
    assert (lu.texte, lu.auteur) == (texte, "referent.59")
    assert len(entrees_audit(monde.bdd, "commentaire")) == 1
    journal_complet = _journal_complet(monde)
    assert "LETTREFICTIF" not in journal_complet
    assert "déménagement" not in journal_complet


def test_commentaire_vide_ou_hors_perimetre_refuse(monde: Monde) -> None:
    cas_id = _transmis(monde)
    r59, r62 = monde.acteur("referent.59"), monde.acteur("referent.62")
    with session_base(monde.bdd) as session:
        with pytest.raises(suivi.SuiviRefuse, match="Écrivez le commentaire"):
            suivi.commenter(session, r59, cas_id, "   ", coffre=monde.coffre())
        with pytest.raises(RefusAutorisation):
            suivi.commenter(session, r62, cas_id, "note", coffre=monde.coffre())


def test_attribution_a_un_referent_du_departement_seulement(monde: Monde) -> None:
    cas_id = _transmis(monde)
    r59, agent = monde.acteur("referent.59"), monde.acteur("agent.a")
    with session_base(monde.bdd) as session:
        ids = {u.identifiant: u.id for u in session.exec(select(Utilisateur))}
        referents = suivi.referents_du_departement(session, "59")
        assert [r.identifiant for r in referents] == ["referent.59"]
        suivi.attribuer(session, r59, cas_id, ids["referent.59"])
    with session_base(monde.bdd) as session:
        assert _cas(session, cas_id).attribue_a == ids["referent.59"]
        with pytest.raises(suivi.SuiviRefuse, match="n'existe pas dans votre département"):
            suivi.attribuer(session, r59, cas_id, ids["referent.62"])
        with pytest.raises(RefusAutorisation):
            suivi.attribuer(session, agent, cas_id, ids["referent.59"])
    (entree,) = entrees_audit(monde.bdd, "attribution")
    assert entree.resultat == "succes"


def test_la_lettre_suit_le_modele_de_la_dsden_et_les_donnees_du_cas(monde: Monde) -> None:
    cas_id = _transmis(monde)
    referent = monde.acteur("referent.59")
    with session_base(monde.bdd) as session:
        textes = lettre.modele(session, "59")
        assert "L131-10" in textes["corps"]
        assert "227-17-1" in textes["corps"]
        textes["signataire"] = "Pour le DASEN du Nord,\nCamille EXEMPLE, cheffe de division"
        lettre.modifier_modele(session, referent, textes)
    with session_base(monde.bdd) as session:
        genere = lettre.generer(session, referent, cas_id, coffre=monde.coffre())
        assert b"LETTREFICTIF" not in genere.document
        lettre_id = genere.id
    with session_base(monde.bdd) as session:
        (resume,) = lettre.lettres(session, cas_id)
        nom, contenu = lettre.telecharger(session, referent, cas_id, lettre_id, coffre=monde.coffre())
    assert nom == resume.nom_fichier
    assert nom.endswith(".odt")
    xml = _texte_odt(contenu)
    for attendu in (
        "ZOE ANNA LETTREFICTIF",
        "04/05/2016",
        "Ablainville-Fictive",
        "Camille EXEMPLE",
        "dans les quinze jours suivant la notification",
        "1 rue Imaginaire",
    ):
        assert attendu in xml, attendu
    assert len(entrees_audit(monde.bdd, "lettre_generee")) == 1
    consultations = [e for e in entrees_audit(monde.bdd, "consultation") if "lettre" in (e.details or {})]
    assert [e.motif for e in consultations] == ["procedure"]
    assert "LETTREFICTIF" not in _journal_complet(monde)


def test_la_lettre_apres_notification_donne_l_echeance(monde: Monde) -> None:
    cas_id = _transmis(monde)
    monde.antidater(cas_id, date(2026, 10, 1))
    reponse = monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes("referent.59"),
        json={"action": "mettre_en_demeure", "champs": {"date_notification": "2026-10-05"}},
    )
    assert reponse.status_code == 200, reponse.text
    referent = monde.acteur("referent.59")
    with session_base(monde.bdd) as session:
        genere = lettre.generer(session, referent, cas_id, coffre=monde.coffre())
        lettre_id = genere.id
    with session_base(monde.bdd) as session:
        _, contenu = lettre.telecharger(
            session, monde.acteur("referent.59"), cas_id, lettre_id, coffre=monde.coffre()
        )
    assert "au plus tard le 20/10/2026" in _texte_odt(contenu)


def test_modele_refuse_un_champ_inconnu_et_les_autres_roles(monde: Monde) -> None:
    r59, agent = monde.acteur("referent.59"), monde.acteur("agent.a")
    with session_base(monde.bdd) as session:
        textes = lettre.modele(session, "59")
        textes["corps"] += " {numero_secu}"
        with pytest.raises(lettre.LettreRefusee, match=r"corps: Champ inconnu : \{numero_secu\}"):
            lettre.modifier_modele(session, r59, textes)
        with pytest.raises(RefusAutorisation):
            lettre.modifier_modele(session, agent, lettre.modele(session, "59"))


def test_lettre_refusee_hors_perimetre_avant_transmission_et_aux_autres_roles(monde: Monde) -> None:
    (pas_transmis,) = monde.semer_cas(A, [identite("AUTREFICTIF", "LEO", NAISSANCE)])
    cas_id = _transmis(monde)
    r59, r62, agent = (monde.acteur(c) for c in ("referent.59", "referent.62", "agent.a"))
    with session_base(monde.bdd) as session:
        with pytest.raises(RefusAutorisation):
            lettre.generer(session, r62, cas_id, coffre=monde.coffre())
        with pytest.raises(RefusAutorisation):
            lettre.generer(session, agent, cas_id, coffre=monde.coffre())
        with pytest.raises(RefusAutorisation):
            lettre.generer(session, r59, pas_transmis, coffre=monde.coffre())


def test_commentaires_et_lettres_partent_avec_le_cas(monde: Monde) -> None:
    cas_id = _transmis(monde)
    referent = monde.acteur("referent.59")
    with session_base(monde.bdd) as session:
        suivi.commenter(session, referent, cas_id, "à rappeler", coffre=monde.coffre())
        lettre.generer(session, referent, cas_id, coffre=monde.coffre())
    with session_base(monde.bdd) as session:
        effacer(session, referent, _cas(session, cas_id), motif="test")
    with session_base(monde.bdd) as session:
        assert session.exec(select(CommentaireCas)).all() == []
        assert session.exec(select(LettreCas)).all() == []
