"""Chaque altération du journal est détectée, et la première entrée fautive est nommée.

L'attaquant a un accès en écriture à la base : il supprime d'abord les déclencheurs, puis
modifie, supprime, insère, déplace, tronque ou réécrit (empreintes recalculées comprises).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

import audit
from audit.canonique import chainer, contenu_entree
from service.base import migrations
from tests.audit.conftest import (
    attaquer,
    contenu_ligne,
    ecrire_consultations,
    rechainer,
    supprimer_declencheurs,
    verifier,
)

TAILLE = 12
INTERVALLE = 4


@pytest.fixture
def journal_ecrit(bdd: sa.Engine, signataire: audit.Signataire) -> sa.Engine:
    """12 consultations, un point de contrôle signé toutes les 4 entrées."""
    ecrire_consultations(bdd, TAILLE, signataire=signataire, intervalle=INTERVALLE)
    assert verifier(bdd, signataire).intact
    return bdd


def test_un_journal_intact_se_verifie(journal_ecrit: sa.Engine, signataire: audit.Signataire) -> None:
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.intact
    assert (rapport.entrees, rapport.premiere, rapport.taille, rapport.points_verifies) == (12, 1, 12, 3)
    assert "Journal intact : 12 entrées" in rapport.resume()


def test_une_entree_modifiee_est_nommee(journal_ecrit: sa.Engine, signataire: audit.Signataire) -> None:
    attaquer(journal_ecrit, "UPDATE audit_journal SET cible_id = 'cas-9999' WHERE sequence = 5")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 5
    assert "modifiée" in rapport.anomalie.motif


def test_une_entree_modifiee_puis_rehachee_casse_la_chaine_a_l_entree_suivante(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    attaquer(journal_ecrit, "UPDATE audit_journal SET motif = 'curiosité' WHERE sequence = 5")
    with journal_ecrit.begin() as connexion:
        ligne = connexion.execute(
            sa.select(audit.tables.journal).where(audit.tables.journal.c.sequence == 5)
        ).one()
        precedente = connexion.execute(
            sa.select(audit.tables.journal.c.hachage).where(audit.tables.journal.c.sequence == 4)
        ).scalar_one()
        connexion.execute(
            sa.update(audit.tables.journal)
            .where(audit.tables.journal.c.sequence == 5)
            .values(hachage=chainer(precedente, contenu_ligne(ligne)))
        )
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 6
    assert "précédente" in rapport.anomalie.motif


def test_une_entree_supprimee_est_nommee(journal_ecrit: sa.Engine, signataire: audit.Signataire) -> None:
    attaquer(journal_ecrit, "DELETE FROM audit_journal WHERE sequence = 7")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie == audit.Anomalie(7, "l'entrée n° 7 manque (supprimée)")


def test_une_entree_inseree_est_detectee(journal_ecrit: sa.Engine, signataire: audit.Signataire) -> None:
    """L'attaquant décale les numéros et glisse une fausse entrée n° 5 correctement chaînée sur la n° 4."""
    with journal_ecrit.begin() as connexion:
        supprimer_declencheurs(connexion)
        connexion.exec_driver_sql("UPDATE audit_journal SET sequence = sequence + 1000 WHERE sequence >= 5")
        connexion.exec_driver_sql("UPDATE audit_journal SET sequence = sequence - 999 WHERE sequence >= 1000")
        inserer_entree_chainee(connexion, apres=4)
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    # La fausse entrée est bien chaînée : c'est la vraie n° 5, devenue n° 6, qui ne colle plus.
    assert rapport.anomalie.sequence == 6


def test_deux_entrees_echangees_sont_detectees(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    attaquer(
        journal_ecrit,
        "UPDATE audit_journal SET sequence = 1000 WHERE sequence = 8",
        "UPDATE audit_journal SET sequence = 8 WHERE sequence = 9",
        "UPDATE audit_journal SET sequence = 9 WHERE sequence = 1000",
    )
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 8


def test_un_journal_tronque_est_detecte_par_le_point_de_controle(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    attaquer(journal_ecrit, "DELETE FROM audit_journal WHERE sequence > 9")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 10
    assert "tronqué" in rapport.anomalie.motif
    assert "12 entrées" in rapport.anomalie.motif


def test_un_journal_reecrit_est_detecte_entre_deux_points_de_controle(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    attaquer(journal_ecrit, "UPDATE audit_journal SET motif = 'curiosité' WHERE sequence = 6")
    rechainer(journal_ecrit, 6)
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 5
    assert "réécrit entre l'entrée n° 5 et l'entrée n° 8" in rapport.anomalie.motif


def test_une_reecriture_complete_est_detectee_par_le_point_garde_hors_du_systeme(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    with journal_ecrit.begin() as connexion:
        point_du_dpo = audit.signer_point_de_controle(connexion, signataire)
    attaquer(
        journal_ecrit,
        "UPDATE audit_journal SET acteur = 'agent-8' WHERE sequence = 2",
        "DELETE FROM audit_point_de_controle",
    )
    rechainer(journal_ecrit, 2)
    rapport = verifier(journal_ecrit, signataire, point_externe=point_du_dpo)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 1
    assert "réécrit" in rapport.anomalie.motif


def test_une_troncature_avec_points_effaces_est_detectee_par_le_point_garde(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    with journal_ecrit.begin() as connexion:
        point_du_dpo = audit.signer_point_de_controle(connexion, signataire)
    attaquer(
        journal_ecrit, "DELETE FROM audit_journal WHERE sequence > 10", "DELETE FROM audit_point_de_controle"
    )
    rapport = verifier(journal_ecrit, signataire, point_externe=point_du_dpo)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 11
    assert "tronqué" in rapport.anomalie.motif


def test_un_point_de_controle_forge_par_une_autre_cle_est_rejete(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    faussaire = audit.Signataire.generer()
    attaquer(
        journal_ecrit, "DELETE FROM audit_journal WHERE sequence > 10", "DELETE FROM audit_point_de_controle"
    )
    with journal_ecrit.begin() as connexion:
        audit.signer_point_de_controle(connexion, faussaire)
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert "clé inconnue" in rapport.anomalie.motif


def test_une_signature_alteree_est_rejetee(journal_ecrit: sa.Engine, signataire: audit.Signataire) -> None:
    attaquer(journal_ecrit, "UPDATE audit_point_de_controle SET taille = 3 WHERE taille = 4")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 3
    assert "signature invalide" in rapport.anomalie.motif


def test_deplacer_une_entree_dans_un_autre_segment_est_detecte(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    attaquer(journal_ecrit, "UPDATE audit_journal SET segment = '2000-01' WHERE sequence = 3")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie == audit.Anomalie(3, "heure ou segment incohérent avec l'ordre des entrées")


def test_effacer_le_debut_du_journal_sans_purge_est_detecte(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    attaquer(journal_ecrit, "DELETE FROM audit_journal WHERE sequence <= 4")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 1
    assert "sans purge attestée" in rapport.anomalie.motif


def test_effacer_le_debut_du_journal_sous_une_fausse_purge_est_detecte(
    journal_ecrit: sa.Engine, signataire: audit.Signataire
) -> None:
    # L'attaquant s'adosse au point signé toutes les 4 entrées et invente une purge d'un vieux mois :
    # ce point a été signé avant l'entrée n° 5, il ne peut pas clore un segment purgé.
    with journal_ecrit.connect() as connexion:
        tete = connexion.execute(
            sa.select(audit.tables.journal.c.hachage).where(audit.tables.journal.c.sequence == 4)
        ).scalar_one()
    fausse_purge = (
        "INSERT INTO audit_purge (segment, premiere_sequence, derniere_sequence, entrees, tete, heure) "
        "VALUES ('2001-01', 1, 4, 4, '" + tete + "', '2002-01-01T00:00:00.000000Z')"
    )
    attaquer(journal_ecrit, fausse_purge, "DELETE FROM audit_journal WHERE sequence <= 4")
    rapport = verifier(journal_ecrit, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == 1
    assert "sans purge attestée" in rapport.anomalie.motif


def test_sans_cle_de_confiance_la_verification_le_dit(journal_ecrit: sa.Engine) -> None:
    with journal_ecrit.connect() as connexion, pytest.raises(audit.CleInvalide, match="clé de confiance"):
        audit.verifier(connexion, cles=set())


def test_une_fin_de_journal_coupee_se_voit_sans_point_de_controle(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    # Aucun point de contrôle signé, pas de copie du DPO : seul le compteur d'écritures témoigne.
    ecrire_consultations(bdd, TAILLE)
    attaquer(bdd, "DELETE FROM audit_journal WHERE sequence > 9")
    rapport = verifier(bdd, signataire)
    assert rapport.anomalie == audit.Anomalie(
        10,
        "journal tronqué : le compteur d'écritures compte 12 entrées, le journal s'arrête à l'entrée "
        "n° 9 (entrées n° 10 à n° 12 disparues)",
    )
    assert rapport.resume().startswith("JOURNAL ALTÉRÉ — entrée n° 10 : journal tronqué")


def test_les_points_de_controle_ne_comptent_pas_comme_des_ecritures(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    ecrire_consultations(bdd, TAILLE, signataire=signataire, intervalle=INTERVALLE)
    with bdd.begin() as connexion:
        audit.signer_point_de_controle(connexion, signataire)
        audit.signer_point_de_controle(connexion, signataire)
    ecrire_consultations(bdd, 2, debut=TAILLE + 1)
    rapport = verifier(bdd, signataire)
    assert rapport.intact, rapport.resume()
    assert rapport.taille == TAILLE + 2
    with bdd.connect() as connexion:
        assert connexion.execute(sa.select(audit.tables.verrou.c.ecritures)).scalar_one() == TAILLE + 2


def test_une_entree_ajoutee_en_fin_sans_passer_par_le_journal_est_detectee(
    bdd: sa.Engine, signataire: audit.Signataire
) -> None:
    # L'ajout direct en base n'est pas empêché par les déclencheurs ; l'entrée est bien chaînée.
    ecrire_consultations(bdd, TAILLE)
    with bdd.begin() as connexion:
        inserer_entree_chainee(connexion, apres=TAILLE)
    rapport = verifier(bdd, signataire)
    assert rapport.anomalie is not None
    assert rapport.anomalie.sequence == TAILLE + 1
    assert rapport.anomalie.motif == (
        "entrée n° 13 ajoutée hors du journal : le compteur d'écritures n'en compte que 12"
    )


@pytest.mark.parametrize(
    "instruction",
    [
        "UPDATE audit_verrou SET ecritures = 3",
        "UPDATE audit_verrou SET ecritures = ecritures + 5",
        "DELETE FROM audit_verrou",
    ],
)
def test_la_base_refuse_de_faire_reculer_ou_de_supprimer_le_compteur(
    bdd: sa.Engine, signataire: audit.Signataire, instruction: str
) -> None:
    ecrire_consultations(bdd, TAILLE)
    refus = "compteur d'écritures|suppression interdite"
    with pytest.raises(sa.exc.DBAPIError, match=refus), bdd.begin() as connexion:
        connexion.exec_driver_sql(instruction)
    assert verifier(bdd, signataire).intact


def test_un_compteur_supprime_est_signale(bdd: sa.Engine, signataire: audit.Signataire) -> None:
    ecrire_consultations(bdd, TAILLE)
    attaquer(bdd, "DELETE FROM audit_verrou")
    rapport = verifier(bdd, signataire)
    assert rapport.anomalie is not None
    assert "compteur d'écritures du journal a disparu" in rapport.anomalie.motif


def test_le_compteur_d_une_base_ancienne_est_recale_par_la_migration(
    url_base: str, signataire: audit.Signataire
) -> None:
    # Avant la révision 0004, chaque point de contrôle signé à la demande avançait aussi le compteur.
    bdd = sa.create_engine(url_base)
    configuration = migrations.configuration()
    with bdd.begin() as connexion:
        configuration.attributes["connection"] = connexion
        command.upgrade(configuration, "0003")
    ecrire_consultations(bdd, TAILLE)
    with bdd.begin() as connexion:
        for _ in range(2):
            connexion.exec_driver_sql("UPDATE audit_verrou SET ecritures = ecritures + 1")
    assert not verifier(bdd, signataire).intact
    migrations.migrer(bdd)
    assert verifier(bdd, signataire).intact
    with pytest.raises(sa.exc.DBAPIError), bdd.begin() as connexion:
        connexion.exec_driver_sql("UPDATE audit_verrou SET ecritures = 0")
    bdd.dispose()


def inserer_entree_chainee(connexion: sa.Connection, *, apres: int) -> None:
    """Écrit en base, hors du journal, une entrée n° ``apres + 1`` bien chaînée sur la n° ``apres``."""
    precedente = connexion.execute(
        sa.select(audit.tables.journal).where(audit.tables.journal.c.sequence == apres)
    ).one()
    champs = {
        "sequence": apres + 1,
        "heure": precedente.heure,
        "acteur": "agent-7",
        "role": "agent_commune",
        "action": "recherche",
        "cible_type": None,
        "cible_id": None,
        "motif": None,
        "resultat": "succes",
        "requete": None,
    }
    connexion.execute(
        sa.insert(audit.tables.journal).values(
            **champs,
            segment=precedente.segment,
            details="{}",
            hachage=chainer(precedente.hachage, contenu_entree(**champs, details={})),
        )
    )
