"""La rétention : cohortes échues, cas clos, clés détruites, chaque effacement audité."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select
from typer.testing import CliRunner

from service.base.connexion import maintenant, session_base
from service.cles import trousseau
from service.cli import app
from service.modeles import Cas, EvenementCas
from service.retention import purger
from tests.service.fabriques import A, Monde, entrees_audit, identite


def _cas_entre_a_temps(monde: Monde, identite_enfant: dict[str, object], cohorte: int) -> str:
    """Un cas repéré quand sa conservation courait encore (un passage ne crée plus de cas échu)."""
    campagne = monde.campagne(A)
    cas = Cas(
        commune=A,
        campagne_origine=campagne.id,
        campagne_derniere=campagne.id,
        resultat="non_apparie",
        cle_appariement="0" * 64,
        cohorte=cohorte,
        cle_version=0,
        identite=b"",
    )
    monde.coffre().ranger(cas, identite_enfant, None)
    with session_base(monde.moteur) as session:
        session.add(cas)
    return cas.id


def test_la_purge_efface_ce_qui_est_echu_et_seulement_cela(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    # Né en 2009 : 16 ans pendant l'année scolaire 2024-2025, conservation close le 31 août 2025.
    echu = _cas_entre_a_temps(monde, identite("ANCIENFICTIF", "PAUL", date(2009, 3, 1)), 2025)
    clos, ouvert = monde.semer_cas(
        A,
        [
            identite("CLOSFICTIF", "LINA", date(2016, 1, 1)),
            identite("OUVERTFICTIF", "SAM", date(2017, 1, 1)),
        ],
    )
    with session_base(monde.moteur) as session:
        cas_clos = session.get(Cas, clos)
        assert cas_clos is not None
        cas_clos.statut, cas_clos.motif = "classe", "inscrit_hors_commune"
        cas_clos.clos_le = datetime(2026, 6, 1, tzinfo=UTC)
        session.add(cas_clos)
    jour = date(2026, 11, 22)

    simulation = purger(monde.moteur, monde.reglages, aujourd_hui=jour, simulation=True)
    assert (simulation.cas_effaces_cohorte, simulation.cas_clos_effaces, simulation.cohortes_detruites) == (
        1,
        1,
        [2025],
    )
    with session_base(monde.moteur) as session:
        assert len(list(session.exec(select(Cas)))) == 3

    bilan = purger(monde.moteur, monde.reglages, aujourd_hui=jour)
    assert (bilan.cas_effaces_cohorte, bilan.cas_clos_effaces) == (1, 1)
    with session_base(monde.moteur) as session:
        assert list(session.exec(select(Cas.id))) == [ouvert]
        purges = set(session.exec(select(EvenementCas.cas_id).where(EvenementCas.vers_statut == "purge")))
    assert purges == {echu, clos}
    assert 2025 in trousseau(monde.reglages).etat().detruites
    assert {e.cible_id for e in entrees_audit(monde.moteur, "purge")} == {echu, clos}
    assert [e.cible_id for e in entrees_audit(monde.moteur, "operation_cle")] == ["2025"]


def test_l_eleve_choisi_parmi_les_candidats_part_avec_le_cas(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    naissance = date(2016, 5, 4)
    candidat = {"id": "siecle-1-ELEVE-4242", "score": 0.9, **identite("CHOISIFICTIF", "LIA", naissance)}
    (cas,) = monde.semer_cas(
        A, [identite("CHOISIFICTIF", "LIAH", naissance)], resultat="a_verifier", candidats=[candidat]
    )
    reponse = monde.client.post(
        f"/api/v1/cas/{cas}/transitions",
        headers=monde.entetes("agent.a"),
        json={"action": "choisir_candidat", "champs": {"id_inscrit": "siecle-1-ELEVE-4242"}},
    )
    assert reponse.json()["historique"][-1]["donnees"] == {"id_inscrit": "siecle-1-ELEVE-4242"}
    # Clos, le cas est effacé au 31 août suivant ; ses événements restent, sans l'élève choisi.
    purger(monde.moteur, monde.reglages, aujourd_hui=date(maintenant().year + 1, 9, 1))
    with session_base(monde.moteur) as session:
        assert session.get(Cas, cas) is None
        donnees = [e.donnees for e in session.exec(select(EvenementCas).where(EvenementCas.cas_id == cas))]
    assert len(donnees) == 3
    assert "ELEVE-4242" not in str(donnees)


def test_la_simulation_annonce_les_segments_du_journal_qui_partiraient(monde_sqlite: Monde) -> None:
    mois_courant = maintenant().strftime("%Y-%m")
    dans_deux_ans = date(maintenant().year + 2, 1, 15)
    simulation = purger(
        monde_sqlite.moteur, monde_sqlite.reglages, aujourd_hui=dans_deux_ans, simulation=True
    )
    assert mois_courant in simulation.segments_audit
    # Simuler ne supprime rien.
    assert entrees_audit(monde_sqlite.moteur, "purge_journal") == []
    assert entrees_audit(monde_sqlite.moteur, "compte_cree")


def test_la_commande_purger_sait_simuler(monde_sqlite: Monde) -> None:
    resultat = CliRunner().invoke(app, ["purger", "--simulation"])
    assert resultat.exit_code == 0, resultat.output
    assert "Simulation : rien n'a été effacé." in resultat.output
    assert "seraient effacés" in resultat.output
