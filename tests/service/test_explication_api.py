"""L'API rend l'explication d'un cas en objets : décision, seuils, chaque champ des deux côtés,
candidats comparés champ par champ ; le droit d'accès n'en reçoit que le côté de l'enfant.

L'explication vient du vrai moteur (``apparier``) sur de petites listes fictives ; les cas sont
enregistrés comme par un passage, sur SQLite puis PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlmodel import select

from appariement import apparier
from appariement.comparaisons import CHAMPS
from conventions.profil import COLONNES
from service.base.connexion import session_base
from service.cles import cle_appariement
from service.modeles import Cas
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from service.registre.explication import COLONNES_COMPAREES, Candidat, pour_la_fiche
from service.registre.registre import Signalement, enregistrer_signalements
from tests.appariement.fiches import decisions_par_id, enfant, familles, inscrits
from tests.service.fabriques import A, Monde, archives
from tests.service.test_parcours import _deposer, _passage

MOTIF = {ENTETE_MOTIF: MotifConsultation.VERIFICATION.value}
NAISSANCE = date(2016, 5, 12)
ADRESSE = {"adresse": "4 rue des Acacias", "code_postal": "59000", "commune": "Villefictive"}


def _json(ligne: dict[str, Any], colonnes: tuple[str, ...]) -> dict[str, Any]:
    """Les colonnes d'une ligne comme le passage les écrit en JSON (dates en AAAA-MM-JJ)."""
    valeurs = {c: ligne.get(c) for c in colonnes}
    return {c: (v.isoformat() if isinstance(v, date) else v) for c, v in valeurs.items()}


def _signalement_du_moteur(liste: pl.DataFrame, ecole: pl.DataFrame) -> Signalement:
    """Le signalement de F1 tel qu'un passage l'écrit : explication et candidats du vrai moteur."""
    decision = decisions_par_id(apparier(liste, ecole, date(2025, 10, 1)).decisions)["F1"]
    fiches = {f["id"]: f for f in ecole.to_dicts()}
    candidats = [
        {
            "id": c["id_inscrit"],
            "score": c["score"],
            **_json(fiches[c["id_inscrit"]], tuple(COLONNES["inscrits"])),
        }
        for c in decision["candidats"]
    ]
    identite = _json(liste.to_dicts()[0], tuple(c for c in COLONNES["familles"] if c != "id"))
    return Signalement(decision["statut"], identite, decision["explication"], decision["score"], candidats)


def _semer(monde: Monde, signalement: Signalement) -> str:
    campagne = monde.campagne(A)
    with session_base(monde.bdd) as session:
        enregistrer_signalements(
            session, campagne, [signalement], coffre=monde.coffre(), cle_hmac=cle_appariement(monde.reglages)
        )
    with session_base(monde.bdd) as session:
        return session.exec(select(Cas.id).where(Cas.campagne_origine == campagne.id)).one()


def _listes_frere_et_soeur() -> tuple[pl.DataFrame, pl.DataFrame]:
    """LUCAS, absent des effectifs ; sa sœur LÉA (même naissance, même adresse) et un homonyme plus âgé."""
    liste = familles(enfant("F1", "MARTINFICTIF", "LUCAS PAUL", NAISSANCE, "M", **ADRESSE))
    ecole = inscrits(
        enfant("onde-1-7", "MARTINFICTIF", "LEA", NAISSANCE, "F", uai="0599999Z", **ADRESSE),
        enfant("onde-1-8", "MARTINFICTIF", "LUCAS", date(2014, 2, 3), "M", uai="0599998Y"),
    )
    return liste, ecole


def _frere_et_soeur() -> Signalement:
    return _signalement_du_moteur(*_listes_frere_et_soeur())


def _par_champ(champs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["champ"]: c for c in champs}


def test_la_fiche_rend_l_explication_en_objet_avec_les_valeurs_des_deux_cotes(monde: Monde) -> None:
    signalement = _frere_et_soeur()
    assert signalement.resultat == "a_verifier"
    cas = _semer(monde, signalement)
    reponse = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), **MOTIF})
    assert reponse.status_code == 200, reponse.text
    fiche = reponse.json()

    explication = fiche["explication"]
    assert "frère, une sœur ou un jumeau" in explication["motif"]
    assert (explication["seuil_apparie"], explication["seuil_revue"]) == (6.0, -4.0)
    assert explication["score"] == round(fiche["score"], 2)
    assert explication["inversion_nom_prenom"] is False
    # La fiche expliquée est celle de la sœur, dont le score est celui du cas.
    assert explication["id_inscrit"] == "onde-1-7"
    champs = _par_champ(explication["champs"])
    assert list(champs) == [*CHAMPS, "ecole"]
    assert champs["prenom"]["enfant"] == {"prenoms": "LUCAS PAUL"}
    assert champs["prenom"]["inscrit"] == {"prenoms": "LEA"}
    assert (champs["prenom"]["niveau"], champs["sexe"]["niveau"]) == ("different", "different")
    assert champs["prenom"]["poids"] < 0 < champs["date_naissance"]["poids"]
    assert champs["date_naissance"]["niveau"] == "exacte"
    assert champs["nom"]["inscrit"] == {"nom": "MARTINFICTIF", "nom_usage": None}
    assert champs["adresse"]["enfant"] == champs["adresse"]["inscrit"] == ADRESSE
    assert champs["ecole"]["inscrit"] == {"uai": "0599999Z"}
    # Le score se lit dans les poids : a priori plus somme des champs, à l'arrondi près.
    total = explication["a_priori"] + sum(c["poids"] for c in explication["champs"])
    assert abs(total - explication["score"]) < 0.1

    soeur, homonyme = fiche["candidats"]
    assert (soeur["id_inscrit"], soeur["explique"], soeur["prenoms"]) == ("onde-1-7", True, "LEA")
    assert _par_champ(soeur["champs"]) == champs
    assert (homonyme["id_inscrit"], homonyme["explique"]) == ("onde-1-8", False)
    assert homonyme["date_naissance"] == "2014-02-03"
    assert homonyme["score"] < soeur["score"]
    date_homonyme = _par_champ(homonyme["champs"])["date_naissance"]
    assert date_homonyme == {
        "champ": "date_naissance",
        "enfant": {"date_naissance": NAISSANCE.isoformat()},
        "inscrit": {"date_naissance": "2014-02-03"},
        "niveau": None,
        "poids": None,
    }


def test_apres_la_premiere_decision_l_explication_reste_sans_la_fiche_d_eleve(monde: Monde) -> None:
    # Les candidats sont effacés à la première décision : l'explication garde niveaux et poids,
    # plus aucune valeur d'une fiche d'élève.
    cas = _semer(monde, _frere_et_soeur())
    reponse = monde.client.post(
        f"/api/v1/cas/{cas}/transitions",
        headers=monde.entetes("agent.a"),
        json={"action": "ecarter_candidats", "champs": {}},
    )
    assert reponse.status_code == 200, reponse.text
    fiche = reponse.json()
    assert fiche["candidats"] == []
    assert fiche["explication"]["id_inscrit"] is None
    champs = _par_champ(fiche["explication"]["champs"])
    assert champs["prenom"] == {
        "champ": "prenom",
        "enfant": {"prenoms": "LUCAS PAUL"},
        "inscrit": None,
        "niveau": "different",
        "poids": champs["prenom"]["poids"],
    }
    assert "LEA" not in reponse.text


def test_deux_candidats_au_meme_score_aucun_n_est_designe_comme_explique(monde: Monde) -> None:
    # Sans date de naissance, deux fiches LEROY Noah ne se départagent pas : on ne devine pas
    # laquelle le moteur a détaillée.
    liste = familles(enfant("F1", "LEROYFICTIF", "NOAH", None, "M"))
    ecole = inscrits(
        enfant("onde-1-1", "LEROYFICTIF", "Noah", date(2015, 1, 1), "M"),
        enfant("onde-1-2", "LEROYFICTIF", "Noah", date(2017, 6, 2), "M"),
    )
    signalement = _signalement_du_moteur(liste, ecole)
    assert len({c["score"] for c in signalement.candidats}) == 1
    cas = _semer(monde, signalement)
    fiche = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), **MOTIF}).json()
    assert fiche["explication"]["id_inscrit"] is None
    assert all(c["inscrit"] is None and c["niveau"] is not None for c in fiche["explication"]["champs"])
    assert [c["explique"] for c in fiche["candidats"]] == [False, False]
    assert {c["id_inscrit"] for c in fiche["candidats"]} == {"onde-1-1", "onde-1-2"}


def test_une_explication_vide_ou_illisible_rend_null_sans_erreur(monde: Monde) -> None:
    identite = {"nom": "VIDEFICTIF", "prenoms": "ROSE", "date_naissance": "2017-03-03", "sexe": "F"}
    textes = ("", "pas du JSON", "[1, 2]", '{"champs": [{"champ": "nom"}]}')
    for prenom, texte in zip(("ROSE", "IRIS", "LILA", "MAYA"), textes, strict=True):
        cas = _semer(monde, Signalement("non_apparie", {**identite, "prenoms": prenom}, texte, None))
        reponse = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), **MOTIF})
        assert reponse.status_code == 200, reponse.text
        assert (reponse.json()["explication"], reponse.json()["candidats"]) == (None, [])


def test_le_droit_d_acces_rend_l_explication_en_objet_sans_aucune_valeur_de_fiche_d_eleve(
    monde: Monde,
) -> None:
    _semer(monde, _frere_et_soeur())
    reponse = monde.client.post(
        "/api/v1/droit-acces",
        headers=monde.entetes("dpo.test"),
        json={
            "nom": "MARTINFICTIF",
            "prenoms": "LUCAS PAUL",
            "date_naissance": NAISSANCE.isoformat(),
            "motif": "demande_famille",
        },
    )
    assert reponse.status_code == 200, reponse.text
    (exporte,) = reponse.json()["cas"]
    explication = exporte["explication"]
    assert "frère, une sœur ou un jumeau" in explication["motif"]
    assert (explication["seuil_apparie"], explication["seuil_revue"]) == (6.0, -4.0)
    champs = _par_champ(explication["champs"])
    assert list(champs) == [*CHAMPS, "ecole"]
    assert champs["prenom"] == {
        "champ": "prenom",
        "niveau": "different",
        "poids": champs["prenom"]["poids"],
        "enfant": {"prenoms": "LUCAS PAUL"},
    }
    assert "id_inscrit" not in explication
    for tiers in ("LEA", "onde-1-7", "0599999Z", "2014-02-03"):
        assert tiers not in reponse.text


def test_chaque_champ_du_moteur_a_ses_colonnes_de_chaque_cote() -> None:
    # Un champ ajouté au moteur sans ses colonnes ici manquerait à la fiche : ce test le dit.
    assert set(COLONNES_COMPAREES) == {*CHAMPS, "ecole"}
    for cote_enfant, cote_inscrit in COLONNES_COMPAREES.values():
        assert set(cote_enfant) <= set(COLONNES["familles"])
        assert set(cote_inscrit) <= set(COLONNES["inscrits"])
    # Le candidat montre toutes les colonnes d'une fiche d'élève, comme la fiche le faisait déjà.
    assert set(COLONNES["inscrits"]) - {"id"} <= set(Candidat.model_fields)


def test_apres_un_vrai_passage_chaque_fiche_a_verifier_designe_sa_fiche_expliquee(monde: Monde) -> None:
    # Le score du cas traverse le travailleur confiné, son protocole et la base : le candidat
    # détaillé se reconnaît encore à lui.
    agent = monde.entetes("agent.a")
    campagne = monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    ).json()["id"]
    for archive in archives(*_listes_frere_et_soeur()):
        assert _deposer(monde, agent, campagne, archive).status_code == 201
    assert _passage(monde, agent, campagne)["etat"] == "terminee"
    liste = monde.client.get("/api/v1/cas", headers={**agent, **MOTIF}, params={"par_page": 200}).json()
    fiches = [
        monde.client.get(f"/api/v1/cas/{c['id']}", headers={**agent, **MOTIF}).json()
        for c in liste["cas"]
        if c["resultat"] == "a_verifier"
    ]
    assert fiches
    for fiche in fiches:
        explication = fiche["explication"]
        assert [c["champ"] for c in explication["champs"]] == [*CHAMPS, "ecole"]
        (detaille,) = [c for c in fiche["candidats"] if c["explique"]]
        assert (detaille["id_inscrit"], detaille["score"]) == (explication["id_inscrit"], fiche["score"])
        assert _par_champ(detaille["champs"]) == _par_champ(explication["champs"])
        assert all(c["inscrit"] is not None for c in explication["champs"])


def test_sans_candidat_au_score_du_cas_aucun_n_est_explique() -> None:
    # Une fiche gardée sans identifiant ni score égal ne passe jamais pour la fiche détaillée.
    texte = _frere_et_soeur().explication
    candidats: list[dict[str, Any]] = [
        {"score": 3.0, "nom": "SANSIDFICTIF"},
        {"id": "onde-1-9", "score": 2.0},
    ]
    explication, sortie = pour_la_fiche(texte, 25.0, {"prenoms": "LUCAS PAUL"}, candidats)
    assert explication is not None
    assert explication.id_inscrit is None
    assert [c.explique for c in sortie] == [False, False]
    assert all(champ.niveau is None for c in sortie for champ in c.champs)
