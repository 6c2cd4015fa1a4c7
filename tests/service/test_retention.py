"""La rétention : cohortes échues, cas clos, clés détruites, chaque effacement audité."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from appariement.age import annee_fin_conservation
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
    with session_base(monde.bdd) as session:
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
    with session_base(monde.bdd) as session:
        cas_clos = session.get(Cas, clos)
        assert cas_clos is not None
        cas_clos.statut, cas_clos.motif = "classe", "inscrit_hors_commune"
        cas_clos.clos_le = datetime(2026, 6, 1, tzinfo=UTC)
        session.add(cas_clos)
    jour = date(2026, 11, 22)

    simulation = purger(monde.bdd, monde.reglages, aujourd_hui=jour, simulation=True)
    assert (simulation.cas_effaces_cohorte, simulation.cas_clos_effaces, simulation.cohortes_detruites) == (
        1,
        1,
        [2025],
    )
    with session_base(monde.bdd) as session:
        assert len(list(session.exec(select(Cas)))) == 3

    bilan = purger(monde.bdd, monde.reglages, aujourd_hui=jour)
    assert (bilan.cas_effaces_cohorte, bilan.cas_clos_effaces) == (1, 1)
    with session_base(monde.bdd) as session:
        assert list(session.exec(select(Cas.id))) == [ouvert]
        purges = set(session.exec(select(EvenementCas.cas_id).where(EvenementCas.vers_statut == "purge")))
    assert purges == {echu, clos}
    assert 2025 in trousseau(monde.reglages).etat().detruites
    assert {e.cible_id for e in entrees_audit(monde.bdd, "purge")} == {echu, clos}
    assert [e.cible_id for e in entrees_audit(monde.bdd, "operation_cle")] == ["2025"]


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
    purger(monde.bdd, monde.reglages, aujourd_hui=date(maintenant().year + 1, 9, 1))
    with session_base(monde.bdd) as session:
        assert session.get(Cas, cas) is None
        donnees = [e.donnees for e in session.exec(select(EvenementCas).where(EvenementCas.cas_id == cas))]
    assert len(donnees) == 3
    assert "ELEVE-4242" not in str(donnees)


def test_la_simulation_annonce_les_segments_du_journal_qui_partiraient(monde_sqlite: Monde) -> None:
    mois_courant = maintenant().strftime("%Y-%m")
    dans_deux_ans = date(maintenant().year + 2, 1, 15)
    simulation = purger(monde_sqlite.bdd, monde_sqlite.reglages, aujourd_hui=dans_deux_ans, simulation=True)
    assert mois_courant in simulation.segments_audit
    # Simuler ne supprime rien.
    assert entrees_audit(monde_sqlite.bdd, "purge_journal") == []
    assert entrees_audit(monde_sqlite.bdd, "compte_cree")


def test_la_commande_purger_sait_simuler(monde_sqlite: Monde) -> None:
    resultat = CliRunner().invoke(app, ["purger", "--simulation"])
    assert resultat.exit_code == 0, resultat.output
    assert "Simulation : rien n'a été effacé." in resultat.output
    assert "seraient effacés" in resultat.output


def test_un_enfant_est_garde_jusqu_au_31_aout_de_l_annee_scolaire_de_ses_16_ans(monde: Monde) -> None:
    # Né le 1er septembre 2009 : 16 ans le jour de la rentrée 2025, donc pendant l'année scolaire
    # 2025-2026. Gardé le 31 août 2026, effacé (et sa cohorte détruite) dès le 1er septembre.
    naissance = date(2009, 9, 1)
    cohorte = annee_fin_conservation(naissance)
    assert cohorte == 2026
    _cas_entre_a_temps(monde, identite("BORNEFICTIF", "ELIE", naissance), cohorte)
    veille = purger(monde.bdd, monde.reglages, aujourd_hui=date(2026, 8, 31), simulation=True)
    assert (veille.cas_effaces_cohorte, veille.cohortes_detruites) == (0, [])
    lendemain = purger(monde.bdd, monde.reglages, aujourd_hui=date(2026, 9, 1), simulation=True)
    assert (lendemain.cas_effaces_cohorte, lendemain.cohortes_detruites) == (1, [2026])


def _recopie_de_la_rentree_ou_du_31_aout(noeud: ast.AST) -> bool:
    """``date(…, 8, 31)``, ou un mois comparé à septembre (``jour.month >= 9``)."""
    if isinstance(noeud, ast.Call):
        return [a.value for a in noeud.args if isinstance(a, ast.Constant)][-2:] == [8, 31]
    if isinstance(noeud, ast.Compare):
        termes = [noeud.left, *noeud.comparators]
        mois = any(isinstance(t, ast.Attribute) and t.attr == "month" for t in termes)
        return mois and any(isinstance(t, ast.Constant) and t.value in (8, 9) for t in termes)
    return False


def test_la_regle_de_conservation_n_est_ecrite_qu_une_fois() -> None:
    # Le 31 août de l'année scolaire des 16 ans se calcule dans appariement/age.py, et nulle part
    # ailleurs : ni le registre, ni la purge, ni le coffre ne recomptent leurs 31 août.
    racine = Path(__file__).parents[2]
    recopies = [
        (fichier.relative_to(racine).as_posix(), ast.unparse(noeud))
        for fichier in sorted((racine / "service").rglob("*.py"))
        for noeud in ast.walk(ast.parse(fichier.read_text(encoding="utf-8")))
        if _recopie_de_la_rentree_ou_du_31_aout(noeud)
    ]
    assert recopies == []
