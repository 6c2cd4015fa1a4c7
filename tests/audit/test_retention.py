"""Rétention : les segments mensuels expirés partent en entier, et la vérification reste verte."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

import audit
from tests.audit.conftest import Horloge, attaquer, ecrire_consultations, il_y_a_mois, verifier


@pytest.fixture
def journal_ancien(bdd: sa.Engine, signataire: audit.Signataire) -> sa.Engine:
    """3 entrées il y a 30 mois, 3 il y a 29 mois, 2 il y a 8 mois, 2 ce mois-ci."""
    for mois, nombre, debut in ((30, 3, 1), (29, 3, 4), (8, 2, 7)):
        ecrire_consultations(
            bdd, nombre, signataire=signataire, horloge=Horloge(il_y_a_mois(mois)), debut=debut
        )
    ecrire_consultations(bdd, 2, signataire=signataire, debut=9)
    return bdd


def _segments(bdd: sa.Engine) -> list[str]:
    with bdd.connect() as connexion:
        return list(
            connexion.execute(
                sa.select(audit.tables.journal.c.segment).distinct().order_by(audit.tables.journal.c.segment)
            ).scalars()
        )


def test_les_segments_expires_partent_et_la_verification_reste_verte(
    journal_ancien: sa.Engine, signataire: audit.Signataire
) -> None:
    expires = [il_y_a_mois(30).strftime("%Y-%m"), il_y_a_mois(29).strftime("%Y-%m")]
    with journal_ancien.begin() as connexion:
        purges = audit.purger(connexion, signataire, retention_mois=12)
    with journal_ancien.connect() as connexion:
        tailles = connexion.execute(sa.select(audit.tables.points_de_controle.c.taille)).scalars()
        tailles_signees = set(tailles)
    # Chaque mois clos a été attesté à sa clôture, et ces points survivent à la purge.
    assert {3, 6, 8} <= tailles_signees
    assert [(p.segment, p.premiere_sequence, p.derniere_sequence, p.entrees) for p in purges] == [
        (expires[0], 1, 3, 3),
        (expires[1], 4, 6, 3),
    ]
    assert expires[0] not in _segments(journal_ancien)
    assert expires[1] not in _segments(journal_ancien)
    rapport = verifier(journal_ancien, signataire)
    assert rapport.intact, rapport.resume()
    assert rapport.premiere == 7
    assert rapport.segments_purges == tuple(expires)
    with journal_ancien.connect() as connexion:
        traces = audit.lire(connexion, audit.Filtre(action=audit.Action.PURGE_JOURNAL)).entrees
    assert sorted(entree.cible.id for entree in traces if entree.cible) == expires
    assert all(entree.motif == "fin de conservation (12 mois)" for entree in traces)
    for instruction in ("UPDATE audit_purge SET entrees = 0", "DELETE FROM audit_purge"):
        with pytest.raises(sa.exc.DBAPIError, match="ajout seul"), journal_ancien.begin() as connexion:
            connexion.exec_driver_sql(instruction)


def test_apres_purge_le_journal_continue_et_se_verifie(
    journal_ancien: sa.Engine, signataire: audit.Signataire
) -> None:
    with journal_ancien.begin() as connexion:
        audit.purger(connexion, signataire, retention_mois=12)
    ecrire_consultations(journal_ancien, 3, signataire=signataire, debut=20)
    with journal_ancien.begin() as connexion:
        assert audit.purger(connexion, signataire, retention_mois=12) == []
    rapport = verifier(journal_ancien, signataire)
    assert rapport.intact, rapport.resume()
    assert rapport.entrees == 4 + 2 + 3  # 4 restantes, 2 traces de purge, 3 nouvelles


def test_une_retention_plus_courte_purge_aussi_le_segment_de_huit_mois(
    journal_ancien: sa.Engine, signataire: audit.Signataire
) -> None:
    with journal_ancien.begin() as connexion:
        purges = audit.purger(connexion, signataire, retention_mois=6)
    assert [p.segment for p in purges][-1] == il_y_a_mois(8).strftime("%Y-%m")
    assert verifier(journal_ancien, signataire).intact


def test_la_limite_de_conservation_se_compte_en_mois_entiers() -> None:
    assert audit.limite_de_conservation(date(2026, 11, 22), 12) == "2025-11"
    assert audit.limite_de_conservation(date(2026, 1, 1), 6) == "2025-07"
    assert audit.limite_de_conservation(date(2026, 12, 31), 36) == "2023-12"


@pytest.mark.parametrize("mois", [5, 37, 0])
def test_une_retention_hors_de_6_a_36_mois_est_refusee(mois: int) -> None:
    with pytest.raises(ValueError, match="entre 6 et 36 mois"):
        audit.limite_de_conservation(date(2026, 11, 22), mois)


def test_un_journal_altere_n_est_pas_purge(journal_ancien: sa.Engine, signataire: audit.Signataire) -> None:
    attaquer(journal_ancien, "UPDATE audit_journal SET motif = 'autre' WHERE sequence = 2")
    with pytest.raises(audit.JournalAltere, match="entrée n° 2"), journal_ancien.begin() as connexion:
        audit.purger(connexion, signataire, retention_mois=12)
    assert len(_segments(journal_ancien)) == 4


def test_la_base_refuse_de_purger_un_segment_recent_meme_en_contournant_le_service(
    journal_ancien: sa.Engine, signataire: audit.Signataire
) -> None:
    with journal_ancien.begin() as connexion:
        audit.purger(connexion, signataire, retention_mois=12)
    recent = datetime.now(UTC).strftime("%Y-%m")
    with journal_ancien.connect() as connexion:
        borne = connexion.execute(
            sa.select(
                sa.func.min(audit.tables.journal.c.sequence), sa.func.max(audit.tables.journal.c.sequence)
            ).where(audit.tables.journal.c.segment == recent)
        ).one()
    with pytest.raises(sa.exc.DBAPIError, match="moins de 6 mois"), journal_ancien.begin() as connexion:
        connexion.execute(
            sa.insert(audit.tables.purges).values(
                segment=recent,
                premiere_sequence=borne[0],
                derniere_sequence=borne[1],
                entrees=borne[1] - borne[0] + 1,
                tete="0" * 64,
                heure="x",
            )
        )


def test_la_base_refuse_de_sauter_un_segment_plus_ancien(
    journal_ancien: sa.Engine, signataire: audit.Signataire
) -> None:
    second = il_y_a_mois(29).strftime("%Y-%m")
    with pytest.raises(sa.exc.DBAPIError, match="plus ancien"), journal_ancien.begin() as connexion:
        connexion.execute(
            sa.insert(audit.tables.purges).values(
                segment=second, premiere_sequence=4, derniere_sequence=6, entrees=3, tete="0" * 64, heure="x"
            )
        )


def test_effacer_un_segment_suivant_sans_purge_reste_detecte(
    journal_ancien: sa.Engine, signataire: audit.Signataire
) -> None:
    with journal_ancien.begin() as connexion:
        audit.purger(connexion, signataire, retention_mois=12)
    segment = il_y_a_mois(8).strftime("%Y-%m")
    attaquer(journal_ancien, f"DELETE FROM audit_journal WHERE segment = '{segment}'")  # noqa: S608
    rapport = verifier(journal_ancien, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 7
    assert "sans purge attestée" in rapport.anomalie.motif


def test_un_journal_entierement_expire_se_purge_et_se_verifie(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    # Rien après le segment expiré : son point de clôture est signé par la purge elle-même.
    ecrire_consultations(bdd, 3, signataire=signataire, horloge=Horloge(il_y_a_mois(30)))
    with bdd.begin() as connexion:
        purges = audit.purger(connexion, signataire, retention_mois=12)
    assert [p.derniere_sequence for p in purges] == [3]
    rapport = verifier(bdd, signataire)
    assert rapport.intact, rapport.resume()
    assert (rapport.premiere, rapport.entrees) == (4, 1)


def test_un_point_periodique_signe_en_fin_de_segment_ne_suffit_pas_a_clore_la_purge(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    # La dernière entrée du vieux mois porte un point périodique (toutes les 3 entrées), signé avant
    # l'entrée suivante, et aucun point n'a été signé à la clôture du mois (écriture sans signataire) :
    # la purge en signe un qui, lui, suffit à la vérification.
    ecrire_consultations(bdd, 3, signataire=signataire, intervalle=3, horloge=Horloge(il_y_a_mois(30)))
    ecrire_consultations(bdd, 1, debut=4)
    with bdd.begin() as connexion:
        audit.purger(connexion, signataire, retention_mois=12)
    rapport = verifier(bdd, signataire)
    assert rapport.intact, rapport.resume()
    assert rapport.premiere == 4


def _fausse_purge(bdd: sa.Engine, segment: str, derniere: int, effacees: int | None = None) -> None:
    """L'attaquant invente la purge d'un segment fini à ``derniere`` et efface ``effacees`` entrées."""
    with bdd.connect() as connexion:
        tete = connexion.execute(
            sa.select(audit.tables.journal.c.hachage).where(audit.tables.journal.c.sequence == derniere)
        ).scalar_one()
    valeurs = f"('{segment}', 1, {derniere}, {derniere}, '{tete}', '2026-01-01T00:00:00.000000Z')"
    purge = "INSERT INTO audit_purge (segment, premiere_sequence, derniere_sequence, entrees, tete, heure) "
    purge += "VALUES " + valeurs
    effacer = f"DELETE FROM audit_journal WHERE sequence <= {effacees or derniere}"  # noqa: S608
    attaquer(bdd, purge, effacer)


def test_effacer_des_mois_recents_sous_une_fausse_purge_est_detecte(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    # Deux mois d'entrées récentes (non expirées), chaque mois clos par un point signé : l'attaquant
    # efface le premier jusqu'à ce point de clôture et invente sa purge.
    ecrire_consultations(bdd, 3, signataire=signataire, horloge=Horloge(il_y_a_mois(2)))
    ecrire_consultations(bdd, 3, signataire=signataire, horloge=Horloge(il_y_a_mois(1)), debut=4)
    ecrire_consultations(bdd, 2, signataire=signataire, debut=7)
    assert verifier(bdd, signataire).intact

    _fausse_purge(bdd, il_y_a_mois(2).strftime("%Y-%m"), 3)

    rapport = verifier(bdd, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 1
    assert "sans purge attestée" in rapport.anomalie.motif


def test_vider_tout_le_journal_sous_une_fausse_purge_est_detecte(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    ecrire_consultations(bdd, 3, signataire=signataire, horloge=Horloge(il_y_a_mois(30)))
    ecrire_consultations(bdd, 2, signataire=signataire, debut=4)

    # Le seul point signé est celui de la clôture du vieux mois, sur l'entrée n° 3.
    _fausse_purge(bdd, il_y_a_mois(30).strftime("%Y-%m"), 3, effacees=5)

    rapport = verifier(bdd, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 1
