"""Les décisions des agents sur les cas « à vérifier » servent à la campagne suivante de leur commune.

Chaque fiche candidate regardée devient un retour (niveaux d'accord et décision, rien d'autre),
écrit dans la transaction de la décision, gardé par commune et borné ; la purge efface les vieux.
Cas semés avec l'explication et les candidats du vrai moteur, passages par le vrai travailleur
confiné ; SQLite puis PostgreSQL.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import date, timedelta
from itertools import product
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from appariement import comparer_fiches
from appariement.age import fin_annee_scolaire
from appariement.apprentissage import Retour
from service.api.application import creer_application
from service.base.connexion import jour_local, session_base
from service.modeles import Cas, RetourRevue
from service.registre import registre as reg
from service.registre import revue
from service.retention import purger
from service.travailleur.protocole import RetourDemande
from tests.appariement.fiches import enfant, familles, inscrits
from tests.service.fabriques import A, B, Monde, archives, entrees_audit, identite
from tests.service.test_explication_api import ADRESSE, NAISSANCE, _frere_et_soeur, _semer
from tests.service.test_parcours import MOTIF, _deposer, _passage
from tests.web.test_pages import connecter

TABLE = RetourRevue.__table__
# Ce qu'un retour porte, et rien d'autre.
COLONNES = {"id", "commune", "annee_scolaire", "niveaux", "meme_enfant"}


def _transition(monde: Monde, cas_id: str, action: str, **champs: str) -> Any:
    return monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes("agent.a"),
        json={"action": action, "champs": champs},
    )


def _lignes(monde: Monde) -> list[dict[str, Any]]:
    """Les retours tels qu'ils sont dans la base, colonne par colonne."""
    with monde.bdd.connect() as connexion:
        return [dict(ligne._mapping) for ligne in connexion.execute(sa.select(TABLE))]


def _attendus(
    identite_enfant: dict[str, Any], candidats: list[dict[str, Any]], choisie: str | None
) -> Counter:
    """Les retours qu'on attend : les niveaux que donne le moteur pour chaque fiche, et la décision."""
    enfant = {**identite_enfant, "date_naissance": date.fromisoformat(identite_enfant["date_naissance"])}
    return Counter(
        (
            tuple(
                sorted(
                    comparer_fiches(
                        enfant, {**c, "date_naissance": date.fromisoformat(c["date_naissance"])}
                    ).items()
                )
            ),
            c["id"] == choisie,
        )
        for c in candidats
    )


def _obtenus(lignes: list[dict[str, Any]]) -> Counter:
    return Counter((tuple(sorted(ligne["niveaux"].items())), ligne["meme_enfant"]) for ligne in lignes)


@pytest.mark.parametrize("choisie", ["onde-1-8", None])
def test_trancher_un_cas_ecrit_un_retour_par_fiche_regardee_et_rien_qui_designe_quelqu_un(
    monde: Monde, choisie: str | None
) -> None:
    signalement = _frere_et_soeur()
    assert [c["id"] for c in signalement.candidats] == ["onde-1-7", "onde-1-8"]
    cas = _semer(monde, signalement)
    if choisie:
        reponse = _transition(monde, cas, "choisir_candidat", id_inscrit=choisie)
    else:
        reponse = _transition(monde, cas, "ecarter_candidats")
    assert reponse.status_code == 200, reponse.text

    lignes = _lignes(monde)
    # « C'est cet élève » : la fiche choisie est le même enfant, l'autre non ; « aucun » : aucune.
    assert _obtenus(lignes) == _attendus(signalement.identite, signalement.candidats, choisie)
    assert sum(ligne["meme_enfant"] for ligne in lignes) == (1 if choisie else 0)
    assert all(RetourDemande(niveaux=ligne["niveaux"], meme_enfant=ligne["meme_enfant"]) for ligne in lignes)
    for ligne in lignes:
        assert set(ligne) == COLONNES
        assert ligne["commune"] == A
        assert ligne["annee_scolaire"] == fin_annee_scolaire(jour_local()).year
        assert ligne["id"] != cas
    # Ni nom, ni prénom, ni date, ni adresse, ni identifiant de fiche ou de cas, sous aucune forme.
    texte = repr(lignes).upper()
    for valeur in (
        "MARTINFICTIF",
        "LUCAS",
        "LEA",
        "ACACIAS",
        "VILLEFICTIVE",
        "59000",
        "0599999Z",
        NAISSANCE.isoformat(),
        NAISSANCE.strftime("%d/%m/%Y"),
        NAISSANCE.strftime("%Y%m%d"),
        "2014-02-03",
        "ONDE-1-",
        cas.upper(),
    ):
        assert valeur not in texte, valeur
    # La décision reste auditée comme avant : une entrée, le cas pour cible, ni retour ni niveau.
    (entree,) = [e for e in entrees_audit(monde.bdd, "transition") if e.cible_id == cas]
    assert "niveaux" not in repr(entree)
    assert "retour" not in repr(entree)


def test_la_table_des_retours_est_celle_de_la_migration(monde: Monde) -> None:
    with monde.bdd.connect() as connexion:
        ecarts = compare_metadata(MigrationContext.configure(connexion), SQLModel.metadata)
    assert [e for e in ecarts if "retour_revue" in repr(e)] == []


def test_sans_candidat_aucun_retour(monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("SEULFICTIF", "NOE", NAISSANCE)], resultat="a_verifier")
    assert _transition(monde, cas, "ecarter_candidats").status_code == 200
    assert _lignes(monde) == []


def test_une_decision_refusee_ou_annulee_n_ecrit_aucun_retour(monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    refus = _transition(monde, cas, "choisir_candidat", id_inscrit="onde-9-9")
    assert refus.status_code == 409, refus.text
    assert _lignes(monde) == []
    # Une panne après la décision, avant la fin de sa transaction : ni cas changé, ni retour écrit.
    ecrits: list[int] = []

    def decision_puis_panne() -> None:
        with session_base(monde.bdd) as session:
            reg.appliquer_transition(
                session,
                monde.acteur("agent.a"),
                cas,
                "choisir_candidat",
                {"id_inscrit": "onde-1-7"},
                coffre=monde.coffre(),
            )
            ecrits.append(len(session.exec(select(RetourRevue)).all()))
            raise RuntimeError("panne")

    with pytest.raises(RuntimeError, match="panne"):
        decision_puis_panne()
    # Les retours étaient écrits dans la transaction de la décision, et partent avec elle.
    assert ecrits == [2]
    assert _lignes(monde) == []
    with session_base(monde.bdd) as session:
        apres = session.get(Cas, cas)
        assert apres is not None
        assert (apres.statut, apres.resultat) == ("repere", "a_verifier")
        assert len(monde.coffre().candidats(apres)) == 2


def test_les_retours_d_une_commune_ne_servent_qu_a_elle(monde: Monde) -> None:
    cas = _semer(monde, _frere_et_soeur())
    assert _transition(monde, cas, "ecarter_candidats").status_code == 200
    with session_base(monde.bdd) as session:
        assert len(revue.retours_de(session, A)) == revue.nombre(session, A) == 2
        assert revue.retours_de(session, B) == []
        assert revue.nombre(session, B) == 0


# Des noms tous différents : chaque enfant n'a que sa propre fiche pour candidate.
NOMS = [
    "".join(syllabes) + "FICTIF"
    for syllabes in product(("BA", "LO", "MI", "TRU", "KE", "VAN", "DOR", "SU", "PEL"), repeat=2)
]
PREMIERE_CAMPAGNE = 60


def _second_prenom_a_l_ecole(debut: int, nombre: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """La CAF ne donne que le premier prénom, l'école que le prénom usuel : le moteur y voit un prénom
    sans rapport, et envoie en revue, alors que c'est chaque fois la même enfant.

    Une commune comme les autres : chaque enfant vit avec un frère, sur les deux listes ; l'école a
    aussi des élèves que la liste CAF ne connaît pas. La fiche pourrait donc être celle d'une sœur
    inscrite sans être sur la liste CAF (``appariement.fratrie``) : seule une personne peut trancher."""
    caf, ecole = [], []
    for k in range(debut, debut + nombre):
        naissance = date(2016, 1, 1) + timedelta(days=3 * k)
        chez_elle = {**ADRESSE, "adresse": f"{k + 1} rue des Acacias"}
        caf.append(enfant(f"F{k}", NOMS[k], "INES", naissance, "F", **chez_elle))
        ecole.append(enfant(f"onde-{k}", NOMS[k], "CLAIRE", naissance, "F", uai="0599999Z"))
        aine = naissance - timedelta(days=1100)
        caf.append(enfant(f"G{k}", NOMS[k], "HUGO", aine, "M", **chez_elle))
        ecole.append(enfant(f"onde-g{k}", NOMS[k], "HUGO", aine, "M", uai="0599999Z"))
    for k in range(debut, debut + nombre // 4):
        ecole.append(enfant(f"onde-x{k}", NOMS[-1 - k], "NOAH", date(2014, 3, 1), "M", uai="0599999Z"))
    return familles(*caf), inscrits(*ecole)


def _campagne(
    monde: Monde, commune: str, listes: tuple[pl.DataFrame, pl.DataFrame]
) -> tuple[str, dict[str, Any]]:
    entetes = monde.entetes("agent.a" if commune == A else "agent.b")
    identifiant = monde.client.post(
        "/api/v1/campagnes",
        headers=entetes,
        json={"commune": commune, "date_reference": "2026-10-01", "libelle": "Essai"},
    ).json()["id"]
    for archive in archives(*listes):
        assert _deposer(monde, entetes, identifiant, archive).status_code == 201
    etat = _passage(monde, entetes, identifiant)
    assert etat["etat"] == "terminee", etat["erreurs"]
    return identifiant, etat["comptes"]


def test_la_campagne_suivante_de_la_commune_apprend_des_decisions_de_ses_agents(monde: Monde) -> None:
    # 1. Première campagne : chaque enfant est à vérifier ; l'agent reconnaît chaque fois l'élève.
    _, premiere = _campagne(monde, A, _second_prenom_a_l_ecole(0, PREMIERE_CAMPAGNE))
    assert (premiere["a_verifier"], premiere["retours_de_revue"]) == (PREMIERE_CAMPAGNE, 0)
    agent = {**monde.entetes("agent.a"), **MOTIF}
    cas = monde.client.get("/api/v1/cas", headers=agent, params={"par_page": 200}).json()["cas"]
    assert len(cas) == PREMIERE_CAMPAGNE
    for un_cas in cas:
        (candidat,) = monde.client.get(f"/api/v1/cas/{un_cas['id']}", headers=agent).json()["candidats"]
        choix = _transition(monde, un_cas["id"], "choisir_candidat", id_inscrit=candidat["id_inscrit"])
        assert choix.status_code == 200, choix.text
    # Un retour écrit avant qu'un niveau ne change de nom dans le moteur est laissé de côté.
    with session_base(monde.bdd) as session:
        perime = dict(revue.retours_de(session, A)[0].niveaux, date_naissance="ancien_niveau")
        session.add(RetourRevue(commune=A, annee_scolaire=2027, niveaux=perime, meme_enfant=False))

    # 2. Campagne suivante, d'autres enfants dans le même cas : la commune a appris, plus de revue.
    nouveaux = _second_prenom_a_l_ecole(PREMIERE_CAMPAGNE, 20)
    id_suivante, suivante = _campagne(monde, A, nouveaux)
    assert suivante["retours_de_revue"] == PREMIERE_CAMPAGNE
    # Les 20 enfants et leurs 20 frères.
    assert (suivante["apparies"], suivante["a_verifier"], suivante["cas_crees"]) == (40, 0, 0)

    # 3. Les mêmes listes dans une autre commune, qui n'a rien tranché : tout part en revue.
    id_ailleurs, ailleurs = _campagne(monde, B, nouveaux)
    assert (ailleurs["retours_de_revue"], ailleurs["apparies"], ailleurs["a_verifier"]) == (0, 20, 20)

    # La page des résultats le dit en une phrase ; pas dans l'autre commune.
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as navigateur:
        connecter(navigateur, monde, "agent.a", decalage=1)
        page = html.unescape(navigateur.get(f"/campagnes/{id_suivante}").text)
    assert (
        "Le moteur a tenu compte de 60 fiches d'élèves déjà tranchées par les agents de cette commune" in page
    )
    with TestClient(creer_application(monde.bdd), follow_redirects=False) as navigateur:
        connecter(navigateur, monde, "agent.b", decalage=1)
        page = navigateur.get(f"/campagnes/{id_ailleurs}").text
    assert "Comparaison terminée" in page
    assert "tenu compte" not in page


def test_une_commune_garde_au_plus_les_retours_les_plus_recents(monde: Monde) -> None:
    exact = {"nom": "exact", "prenom": "exact", "date_naissance": "exacte", "sexe": "egal"}
    ancien = Retour({**exact, "adresse": "differente", "inversion": "non"}, meme_enfant=False)
    recent = Retour({**exact, "adresse": "egale", "inversion": "non"}, meme_enfant=True)
    with session_base(monde.bdd) as session:
        revue.garder(session, A, [ancien] * revue.RETOURS_MAX, date(2025, 11, 3))
        revue.garder(session, B, [ancien] * 3, date(2025, 11, 3))
    with session_base(monde.bdd) as session:
        revue.garder(session, A, [recent] * 3, date(2026, 10, 5))
    with session_base(monde.bdd) as session:
        gardes = revue.retours_de(session, A)
        annees = Counter(session.exec(select(RetourRevue.annee_scolaire).where(RetourRevue.commune == A)))
        assert revue.nombre(session, B) == 3
    assert len(gardes) == revue.RETOURS_MAX
    assert annees == {2027: 3, 2026: revue.RETOURS_MAX - 3}
    assert gardes[:3] == [recent] * 3


def test_la_purge_efface_les_retours_d_avant_l_annee_scolaire_precedente(monde: Monde) -> None:
    retour = Retour(
        {
            "nom": "exact",
            "prenom": "proche",
            "date_naissance": "un_chiffre",
            "sexe": "egal",
            "adresse": "manquant",
            "inversion": "non",
        },
        meme_enfant=True,
    )
    with session_base(monde.bdd) as session:
        # Années scolaires 2023-2024, 2024-2025, 2025-2026 et 2026-2027.
        for jour, nombre in ((date(2023, 12, 1), 2), (date(2025, 6, 1), 1), (date(2025, 9, 2), 4)):
            revue.garder(session, A, [retour] * nombre, jour)
        revue.garder(session, B, [retour], date(2024, 3, 1))
        revue.garder(session, B, [retour] * 5, date(2026, 11, 30))
    jour = date(2026, 12, 7)

    simulation = purger(monde.bdd, monde.reglages, aujourd_hui=jour, simulation=True)
    assert simulation.retours_effaces == 4
    assert "Retours de revue d'avant l'année scolaire 2025-2026 : 4 seraient effacés." in simulation.lignes()
    bilan = purger(monde.bdd, monde.reglages, aujourd_hui=jour)
    assert bilan.retours_effaces == 4
    with session_base(monde.bdd) as session:
        restants = Counter(session.exec(select(RetourRevue.commune, RetourRevue.annee_scolaire)))
    assert restants == {(A, 2026): 4, (B, 2027): 5}
    purges = {e.cible_id: e for e in entrees_audit(monde.bdd, "purge") if e.cible_type == "commune"}
    assert set(purges) == {A, B}
