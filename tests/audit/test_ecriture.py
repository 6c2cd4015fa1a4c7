"""Écrire dans le journal : ce qui est tracé, ce qui est refusé, et la transaction de l'action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import audit
from tests.audit.conftest import attaquer, consultation, ecrire_consultations, verifier

cas_essai = sa.Table(
    "cas_essai",
    sa.MetaData(),
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("etat", sa.String(20)),
)


def _nombre(bdd: sa.Engine, table: sa.Table) -> int:
    with bdd.connect() as connexion:
        return int(connexion.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _transmettre(connexion: sa.Connection) -> None:
    """L'action du service et sa trace, dans la même transaction."""
    connexion.execute(sa.insert(cas_essai).values(id="cas-1", etat="transmis_dasen"))
    audit.ecrire(connexion, consultation(1))


def _transmettre_dans_une_transaction(bdd: sa.Engine) -> None:
    with bdd.begin() as connexion:
        _transmettre(connexion)


def test_une_consultation_est_tracee_avec_acteur_cible_motif_et_heure_utc(bdd: sa.Engine) -> None:
    avant = datetime.now(UTC)
    with bdd.begin() as connexion:
        ecrite = audit.ecrire(connexion, consultation(12))
    with bdd.connect() as connexion:
        (lue,) = audit.lire(connexion).entrees
    assert lue == ecrite
    assert (lue.sequence, lue.acteur, lue.role, lue.action) == (1, "agent-7", "agent_commune", "consultation")
    assert lue.cible == audit.Cible(type="cas", id="cas-0012")
    assert (lue.motif, lue.resultat, lue.requete) == ("instruction du cas", "succes", "req-12")
    assert lue.details == {"campagne": "camp-2026-01", "rang": 12}
    assert lue.heure.tzinfo == UTC
    assert avant <= lue.heure <= datetime.now(UTC)


def test_les_entrees_se_suivent_sans_trou_et_la_chaine_verifie(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    ecrire_consultations(bdd, 7, signataire=signataire, intervalle=3)
    with bdd.connect() as connexion:
        sequences = [entree.sequence for entree in audit.lire(connexion).entrees]
        point = audit.dernier_point_de_controle(connexion)
    assert sequences == [7, 6, 5, 4, 3, 2, 1]
    assert point is not None
    assert point.taille == 6
    assert point.signature_valide()
    rapport = verifier(bdd, signataire)
    assert rapport.intact, rapport.resume()
    assert (rapport.entrees, rapport.taille, rapport.points_verifies) == (7, 7, 2)


def test_l_heure_ne_recule_jamais_meme_si_l_horloge_recule(bdd: sa.Engine) -> None:
    maintenant = datetime.now(UTC)
    heures = iter([maintenant, maintenant - timedelta(hours=2)])
    for numero in (1, 2):
        with bdd.begin() as connexion:
            audit.ecrire(connexion, consultation(numero), horloge=lambda: next(heures))
    with bdd.connect() as connexion:
        recente, ancienne = audit.lire(connexion).entrees
    assert recente.heure == ancienne.heure == maintenant


@pytest.mark.parametrize(
    "details",
    [
        {"nom": "MARTINEAU"},
        {"prenoms": "Lila Rose"},
        {"date_naissance": "2015-03-02"},
        {"adresse": "3 rue des Lilas"},
        {"nom_enfant": "MARTINEAU"},
        {"enfant": {"prenom": "Lila"}},
        {"candidats": [{"ine": "123456789AB"}]},
        {"Nom": "MARTINEAU"},
    ],
)
def test_aucune_identite_n_entre_dans_un_evenement(details: dict[str, object]) -> None:
    with pytest.raises(audit.EvenementRefuse, match=r"identit|clé"):
        audit.Evenement(action=audit.Action.DEPOT, acteur="agent-7", role="agent_commune", details=details)


def test_une_identite_ajoutee_apres_coup_est_refusee_a_l_ecriture(bdd: sa.Engine) -> None:
    evenement = consultation(3)
    evenement.details["prenom"] = "Lila"
    with pytest.raises(audit.EvenementRefuse, match="aucune donnée d'identité"), bdd.begin() as connexion:
        audit.ecrire(connexion, evenement)
    assert _nombre(bdd, audit.tables.journal) == 0


def test_un_nombre_a_virgule_est_refuse() -> None:
    with pytest.raises(audit.EvenementRefuse, match="virgule"):
        audit.Evenement(
            action=audit.Action.TRAVAIL_FIN, acteur="systeme", role="systeme", details={"score": 0.93}
        )


@pytest.mark.parametrize(
    ("champ", "valeur"),
    [("acteur", "Lila Martineau"), ("acteur", "lila.martineau@exemple.fr"), ("requete", "a b")],
)
def test_un_acteur_qui_n_est_pas_un_identifiant_pseudonyme_est_refuse(champ: str, valeur: str) -> None:
    champs = {"action": audit.Action.CONNEXION, "acteur": "agent-7", "role": "agent_commune", champ: valeur}
    with pytest.raises(audit.EvenementRefuse, match="pseudonyme") as refus:
        audit.Evenement(**champs)
    # Le message finit dans les journaux du service : il ne répète pas la valeur refusée.
    assert valeur not in str(refus.value)


def test_une_cible_designee_par_un_nom_est_refusee() -> None:
    with pytest.raises(audit.EvenementRefuse, match="pseudonyme") as refus:
        audit.Cible(type="cas", id="MARTINEAU Lila")
    assert "MARTINEAU" not in str(refus.value)


def test_afficher_une_identite_sans_motif_est_refuse() -> None:
    with pytest.raises(audit.EvenementRefuse, match="motivée"):
        audit.Evenement(
            action=audit.Action.CONSULTATION,
            acteur="agent-7",
            role="agent_commune",
            cible=audit.Cible(type="cas", id="cas-1"),
        )


def test_une_action_annulee_ne_laisse_ni_action_ni_entree(bdd: sa.Engine) -> None:
    cas_essai.create(bdd)

    def transmettre_puis_tomber_en_panne() -> None:
        with bdd.begin() as connexion:
            _transmettre(connexion)
            raise RuntimeError("panne après l'écriture")

    with pytest.raises(RuntimeError, match="panne"):
        transmettre_puis_tomber_en_panne()
    assert _nombre(bdd, cas_essai) == 0
    assert _nombre(bdd, audit.tables.journal) == 0


def test_une_action_validee_est_tracee_avec_elle(bdd: sa.Engine) -> None:
    cas_essai.create(bdd)
    with bdd.begin() as connexion:
        _transmettre(connexion)
    assert _nombre(bdd, cas_essai) == 1
    assert _nombre(bdd, audit.tables.journal) == 1


def test_si_le_journal_ne_peut_pas_etre_ecrit_l_action_n_a_pas_lieu(bdd: sa.Engine) -> None:
    cas_essai.create(bdd)
    attaquer(bdd, "DELETE FROM audit_verrou")
    with pytest.raises(audit.JournalIndisponible, match="migrations"):
        _transmettre_dans_une_transaction(bdd)
    assert _nombre(bdd, cas_essai) == 0


def test_sans_table_de_journal_l_action_n_a_pas_lieu(url_base: str) -> None:
    bdd = sa.create_engine(url_base)
    cas_essai.create(bdd)
    with pytest.raises(audit.JournalIndisponible, match="annulée"):
        _transmettre_dans_une_transaction(bdd)
    assert _nombre(bdd, cas_essai) == 0
    bdd.dispose()


INSTRUCTIONS_INTERDITES = (
    "UPDATE audit_journal SET acteur = 'autre' WHERE sequence = 1",
    "DELETE FROM audit_journal WHERE sequence = 2",
    "DELETE FROM audit_journal",
    "UPDATE audit_point_de_controle SET taille = 1",
    "DELETE FROM audit_point_de_controle",
)


def test_la_base_refuse_de_modifier_ou_d_effacer_le_journal(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    ecrire_consultations(bdd, 3, signataire=signataire, intervalle=1)
    mois_courant = datetime.now(UTC).strftime("%Y-%m")
    purge_du_mois = f"INSERT INTO audit_purge VALUES ('{mois_courant}', 1, 3, 3, 'x', 'x')"  # noqa: S608
    for instruction in (*INSTRUCTIONS_INTERDITES, purge_du_mois):
        with pytest.raises(sa.exc.DBAPIError, match=r"journal d'audit|purge refusée"):
            _executer(bdd, instruction)
    assert _nombre(bdd, audit.tables.journal) == 3
    assert verifier(bdd, signataire).intact


def _executer(bdd: sa.Engine, instruction: str) -> None:
    with bdd.begin() as connexion:
        connexion.exec_driver_sql(instruction)


def test_postgresql_refuse_aussi_truncate(url_base: str, request: pytest.FixtureRequest) -> None:
    if not url_base.startswith("postgresql"):
        pytest.skip("TRUNCATE n'existe que sur PostgreSQL")
    bdd: sa.Engine = request.getfixturevalue("bdd")
    ecrire_consultations(bdd, 2)
    for table in ("audit_journal", "audit_point_de_controle", "audit_purge"):
        with pytest.raises(sa.exc.DBAPIError, match="ajout seul"), bdd.begin() as connexion:
            connexion.exec_driver_sql(f"TRUNCATE {table}")
    assert _nombre(bdd, audit.tables.journal) == 2


def test_installer_une_seconde_fois_ne_perd_rien(bdd: sa.Engine, signataire: audit.Signataire) -> None:
    ecrire_consultations(bdd, 4, signataire=signataire, intervalle=2)
    with bdd.begin() as connexion:
        audit.installer(connexion)
    ecrire_consultations(bdd, 2, signataire=signataire, intervalle=2, debut=5)
    rapport = verifier(bdd, signataire)
    assert rapport.intact
    assert rapport.entrees == 6
    with pytest.raises(sa.exc.DBAPIError), bdd.begin() as connexion:
        connexion.exec_driver_sql("DELETE FROM audit_journal")
