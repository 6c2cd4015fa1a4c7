"""Le registre et la procédure : transitions permises ou refusées, mise en demeure, déménagement,
cas à vérifier, même enfant même cas, événements sans donnée personnelle, droit d'accès, journal."""

from __future__ import annotations

import ast
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlmodel import col, select

from appariement.age import annee_fin_conservation
from service.base.connexion import jour_local, session_base
from service.cles import cle_appariement
from service.modeles import Campagne, Cas, EvenementCas
from service.registre import procedure
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from service.registre.procedure import TRANSITIONS
from service.registre.registre import Signalement, enregistrer_signalements
from tests.service.fabriques import A, Monde, entrees_audit, identite

MOTIF = {ENTETE_MOTIF: MotifConsultation.VERIFICATION.value}

NAISSANCE = date(2016, 5, 4)


def _transition(monde: Monde, compte: str, cas_id: str, action: str, **champs: str) -> tuple[int, dict]:
    reponse = monde.client.post(
        f"/api/v1/cas/{cas_id}/transitions",
        headers=monde.entetes(compte),
        json={"action": action, "champs": champs},
    )
    return reponse.status_code, reponse.json()


def _vocabulaire_de_la_procedure() -> set[str]:
    """Les mots que seule la table dit : actions, statuts, motifs, résultats regardés."""
    actions = {t.action for t in (*TRANSITIONS, procedure.REPERAGE, procedure.EFFACEMENT)}
    statuts = procedure.TOUS_LES_STATUTS | {procedure.PURGE}
    motifs = set(procedure.MOTIFS_CLASSEMENT) | procedure.TYPES_ENQUETE | procedure.SUITES_DONNEES
    return actions | statuts | motifs | {procedure.A_VERIFIER, procedure.NON_APPARIE}


def _arbre(chemin: Path) -> ast.Module:
    return ast.parse(chemin.read_text(encoding="utf-8"), filename=str(chemin))


def _mots_ecrits_en_dur(arbre: ast.Module, vocabulaire: set[str]) -> list[tuple[int, str]]:
    return [
        (n.lineno, n.value)
        for n in ast.walk(arbre)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in vocabulaire
    ]


def _attributs_ecrits(arbre: ast.Module) -> list[tuple[int, str]]:
    """Les ``objet.attribut = …`` du module, affectations multiples et chaînées comprises."""
    cibles = [c for n in ast.walk(arbre) if isinstance(n, ast.Assign) for c in n.targets]
    cibles += [e for c in cibles if isinstance(c, ast.Tuple) for e in c.elts]
    return [(c.lineno, c.attr) for c in cibles if isinstance(c, ast.Attribute)]


def test_la_procedure_tient_dans_une_seule_table() -> None:
    actions = [t.action for t in TRANSITIONS]
    assert len(actions) == len(set(actions))
    humaines = {t.action for t in TRANSITIONS if t.roles}
    assert {"classer", "transmettre", "mettre_en_demeure", "signaler_procureur", "donner_suite"} <= humaines
    # Chaque effet propre à une action est une garde ou un effet déclaré sur sa ligne, écrit dans
    # le module de la table.
    crochets = [c for t in TRANSITIONS for c in (*t.gardes, *t.effets)]
    assert crochets
    assert {c.__module__ for c in crochets} == {procedure.__name__}
    vocabulaire = _vocabulaire_de_la_procedure()
    racine = Path(procedure.__file__).parent
    registre = [f for f in sorted(racine.glob("*.py")) if f.name != "procedure.py"]
    assert racine / "registre.py" in registre
    # Constantes de la table qui nomment une action ou un statut : le registre ne s'en sert pas,
    # il applique la ligne qu'on lui donne sans savoir laquelle c'est.
    noms_d_etapes = {nom for nom, v in vars(procedure).items() if isinstance(v, str) and v in vocabulaire}
    # Ce que les effets écrivent sur le cas n'est écrit nulle part ailleurs dans le registre.
    champs_des_effets = {"statut", "motif", "clos_le", "transmis_le", "notification_le", "echeance"}
    for fichier in registre:
        arbre = _arbre(fichier)
        assert _mots_ecrits_en_dur(arbre, vocabulaire) == [], fichier.name
        etapes_nommees = [
            (n.lineno, n.attr)
            for n in ast.walk(arbre)
            if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "procedure"
            and n.attr in noms_d_etapes
        ]
        assert etapes_nommees == [], fichier.name
        assert [c for c in _attributs_ecrits(arbre) if c[1] in champs_des_effets] == [], fichier.name
    # Les indicateurs comptent les étapes par les noms de la table, jamais par un mot recopié.
    calcul = Path(procedure.__file__).parents[1] / "indicateurs" / "calcul.py"
    assert _mots_ecrits_en_dur(_arbre(calcul), vocabulaire) == []


def test_une_transition_illegale_est_refusee_en_francais(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    (cas,) = monde.semer_cas(A, [identite("MARTINFICTIF", "JADE", NAISSANCE)])
    code, corps = _transition(
        monde, "agent.a", cas, "constater_rescolarisation", uai="0590001A", date="2026-10-01"
    )
    assert code == 409
    assert "impossible pour un cas au statut « repere »" in corps["detail"]
    assert "transmettre" in corps["detail"]
    code, corps = _transition(monde, "agent.a", cas, "classer")
    assert (code, corps["detail"]) == (409, "Champ obligatoire manquant pour « Classer le cas » : motif.")
    code, corps = _transition(monde, "agent.a", cas, "classer", motif="parti_en_vacances")
    assert "Motif « parti_en_vacances » non prévu" in corps["detail"]
    code, corps = _transition(monde, "agent.a", cas, "s_envoler")
    assert "Action « s_envoler » inconnue" in corps["detail"]


def test_mise_en_demeure_echeance_et_eligibilite_a_la_date_de_notification(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    jeune, grand = monde.semer_cas(
        A, [identite("PETITFICTIF", "LOU", NAISSANCE), identite("GRANDFICTIF", "MAX", date(2010, 9, 1))]
    )
    for cas in (jeune, grand):
        assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
        monde.antidater(cas, date(2026, 10, 1))
    code, corps = _transition(
        monde, "referent.59", grand, "mettre_en_demeure", date_notification="2026-10-05"
    )
    assert code == 409
    assert "n'est pas soumis à l'obligation d'instruction" in corps["detail"]
    code, corps = _transition(
        monde, "referent.59", jeune, "mettre_en_demeure", date_notification="2026-10-05"
    )
    assert code == 200
    assert (corps["notification_le"], corps["echeance"]) == ("2026-10-05", "2026-10-20")
    code, corps = _transition(monde, "referent.59", jeune, "signaler_procureur", date="2026-10-25")
    assert corps["statut"] == "signalement_procureur"
    assert _transition(monde, "referent.59", jeune, "enqueter", motif="sociale")[1]["statut"] == "enquete"
    corps = _transition(monde, "referent.59", jeune, "donner_suite", motif="stage_parentalite")[1]
    assert (corps["statut"], corps["motif"], corps["actions_possibles"]) == (
        "suites",
        "stage_parentalite",
        [],
    )


def test_un_demenagement_efface_le_cas_aussitot_mais_garde_ses_evenements(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    (cas,) = monde.semer_cas(A, [identite("VOYAGEURFICTIF", "ZOE", NAISSANCE)])
    code, corps = _transition(monde, "agent.a", cas, "classer", motif="demenage")
    assert (code, corps["etat"]) == (200, "efface")
    assert (
        monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), **MOTIF}).status_code
        == 404
    )
    with session_base(monde.bdd) as session:
        assert session.get(Cas, cas) is None
        etapes = [
            (e.vers_statut, e.motif)
            for e in session.exec(
                select(EvenementCas).where(EvenementCas.cas_id == cas).order_by(col(EvenementCas.id))
            )
        ]
    assert etapes == [("repere", None), ("classe", "demenage"), ("purge", None)]
    assert [e.cible_id for e in entrees_audit(monde.bdd, "purge")] == [cas]


def test_un_cas_a_verifier_se_resout_par_un_candidat_ou_en_les_ecartant(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    candidat = {"id": "onde-1-12", "score": 0.8, **identite("HESITANTFICTIF", "ANA", NAISSANCE)}
    premier, second = monde.semer_cas(
        A,
        [identite("HESITANTFICTIF", "ANNA", NAISSANCE), identite("DOUTEFICTIF", "EVE", NAISSANCE)],
        resultat="a_verifier",
        candidats=[candidat],
    )
    fiche = monde.client.get(f"/api/v1/cas/{premier}", headers={**monde.entetes("agent.a"), **MOTIF}).json()
    assert [c["id_inscrit"] for c in fiche["candidats"]] == ["onde-1-12"]
    assert _transition(monde, "agent.a", premier, "transmettre")[1]["detail"].startswith(
        "Ce cas est à vérifier"
    )
    assert (
        "ne figure pas parmi les candidats"
        in _transition(monde, "agent.a", premier, "choisir_candidat", id_inscrit="autre")[1]["detail"]
    )
    corps = _transition(monde, "agent.a", premier, "choisir_candidat", id_inscrit="onde-1-12")[1]
    assert (corps["statut"], corps["motif"]) == ("classe", "inscrit_constate")
    corps = _transition(monde, "agent.a", second, "ecarter_candidats")[1]
    assert (corps["statut"], corps["resultat"]) == ("repere", "non_apparie")
    # Les candidats écartés (d'autres enfants) ne sont plus gardés.
    assert corps["candidats"] == []
    assert _transition(monde, "agent.a", second, "transmettre")[1]["statut"] == "transmis_dasen"


def test_la_dasen_ne_recoit_jamais_les_candidats(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    candidat = {"id": "onde-1-7", "score": 0.3, **identite("VOISINFICTIF", "TOM", NAISSANCE)}
    (cas,) = monde.semer_cas(
        A, [identite("SIGNALEFICTIF", "NINA", NAISSANCE)], resultat="non_apparie", candidats=[candidat]
    )
    fiche = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("agent.a"), **MOTIF}).json()
    assert [c["id_inscrit"] for c in fiche["candidats"]] == ["onde-1-7"]
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
    reponse = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("referent.59"), **MOTIF})
    assert reponse.json()["candidats"] == []
    assert "VOISINFICTIF" not in reponse.text
    with session_base(monde.bdd) as session:
        ligne = session.get(Cas, cas)
        assert ligne is not None
        assert (ligne.candidats, ligne.candidats_cle) == (None, None)


def test_meme_enfant_meme_cas_et_evenements_sans_donnee_personnelle(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    # Le même enfant sur deux listes d'un passage, puis de nouveau au passage suivant.
    (premier,) = monde.semer_cas(
        A,
        [
            identite("Élodie-Fictive", "Maëlle Rose", NAISSANCE),
            identite("ELODIE FICTIVE", "MAELLE", NAISSANCE),
        ],
    )
    monde.semer_cas(A, [identite("ELODIE FICTIVE", "MAELLE", NAISSANCE)])
    with session_base(monde.bdd) as session:
        assert list(session.exec(select(Cas.id))) == [premier]
        evenements = list(session.exec(select(EvenementCas)))
    assert len(evenements) == 1
    colonnes = set(EvenementCas.model_fields)
    assert colonnes.isdisjoint({"nom", "prenoms", "date_naissance", "adresse", "identite"})
    assert "ELODIE" not in str([e.model_dump() for e in evenements]).upper()


def test_le_dpo_exerce_le_droit_d_acces_et_lit_le_journal(monde_sqlite: Monde) -> None:
    monde = monde_sqlite
    (cas,) = monde.semer_cas(A, [identite("ACCESFICTIF", "NINA", NAISSANCE)])
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
    dpo = monde.entetes("dpo.test")
    export = monde.client.post(
        "/api/v1/droit-acces",
        headers=dpo,
        json={
            "nom": "accesfictif",
            "prenoms": "Nina",
            "date_naissance": NAISSANCE.isoformat(),
            "motif": "demande_famille",
        },
    ).json()
    assert export["nombre"] == 1
    assert export["cas"][0]["identite"]["nom"] == "ACCESFICTIF"
    assert [h["vers"] for h in export["cas"][0]["historique"]] == ["repere", "transmis_dasen"]
    assert [e.motif for e in entrees_audit(monde.bdd, "export_droit_acces")] == ["demande_famille"]
    journal = monde.client.get("/api/v1/audit", headers=dpo, params={"action": "transition"}).json()
    assert [e["cible_id"] for e in journal["entrees"]] == [cas]
    csv = monde.client.get("/api/v1/audit/export.csv", headers=dpo)
    assert csv.content.startswith("\ufeff".encode())
    assert "transition" in csv.text
    assert "ACCESFICTIF" not in csv.text


def test_le_droit_d_acces_ne_donne_que_les_donnees_de_l_enfant_jamais_ses_candidats(monde: Monde) -> None:
    # Article 15 : la personne reçoit ses propres données. Les candidats d'un cas à vérifier sont
    # d'autres enfants, lus sur un effectif : seul leur nombre paraît, sans nom, naissance, INE ni adresse.
    candidats = [
        {"id": f"onde-1-{rang}", "score": 0.5, **identite(nom, "PAUL", NAISSANCE, ine=ine, adresse=adresse)}
        for rang, (nom, ine, adresse) in enumerate(
            [
                ("TIERSUNFICTIF", "111111111AA", "3 allée des Tiers"),
                ("TIERSDEUXFICTIF", "222222222BB", "5 place Voisine"),
                ("TIERSTROISFICTIF", "333333333CC", "7 impasse Autrui"),
            ]
        )
    ]
    enfant = identite("SUJETFICTIF", "LINA", NAISSANCE)
    (cas,) = monde.semer_cas(A, [enfant], resultat="a_verifier", candidats=candidats)
    demande = {"nom": "SUJETFICTIF", "prenoms": "LINA", "date_naissance": NAISSANCE.isoformat()}

    def exporter() -> httpx.Response:
        return monde.client.post(
            "/api/v1/droit-acces",
            headers=monde.entetes("dpo.test"),
            json={**demande, "motif": "demande_famille"},
        )

    reponse = exporter()
    assert reponse.status_code == 200, reponse.text
    for tiers in ("TIERS", "PAUL", "111111111AA", "222222222BB", "333333333CC", "Voisine", "Autrui"):
        assert tiers not in reponse.text
    (exporte,) = reponse.json()["cas"]
    assert exporte["identite"] == enfant
    assert exporte["candidats"] == "3 fiches d'élèves examinées, aucune retenue."
    assert (exporte["explication"]["score"], exporte["score"]) == (0.1, 0.1)
    assert exporte["explication"]["champs"] == []
    assert [(h["action"], h["vers"]) for h in exporte["historique"]] == [("reperage", "repere")]

    assert _transition(monde, "agent.a", cas, "choisir_candidat", id_inscrit="onde-1-1")[0] == 200
    (exporte,) = exporter().json()["cas"]
    assert exporte["candidats"] == "Une fiche d'élève retenue : l'enfant y a été reconnu inscrit."
    # La fiche retenue est celle de l'enfant lui-même : son identifiant fait partie de ses données.
    assert [(h["vers"], h["donnees"]) for h in exporte["historique"]] == [
        ("repere", {}),
        ("classe", {"id_inscrit": "onde-1-1"}),
    ]


def test_une_date_future_ou_une_rescolarisation_avant_la_mise_en_demeure_est_refusee(
    monde_sqlite: Monde,
) -> None:
    # Ces dates placent l'étape dans les indicateurs : un mois à venir, ou un délai négatif, les fausseraient.
    monde = monde_sqlite
    (cas,) = monde.semer_cas(A, [identite("FUTURFICTIF", "ALIX", NAISSANCE)])
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
    monde.antidater(cas, jour_local() - timedelta(days=30))
    demain = (jour_local() + timedelta(days=1)).isoformat()
    code, corps = _transition(monde, "referent.59", cas, "mettre_en_demeure", date_notification=demain)
    assert code == 409
    assert "dans le futur" in corps["detail"]
    notification = jour_local() - timedelta(days=10)
    code, _ = _transition(
        monde, "referent.59", cas, "mettre_en_demeure", date_notification=notification.isoformat()
    )
    assert code == 200
    avant = (notification - timedelta(days=3)).isoformat()
    code, corps = _transition(
        monde, "referent.59", cas, "constater_rescolarisation", uai="0590001A", date=avant
    )
    assert code == 409
    assert "antérieure à la dernière étape du cas" in corps["detail"]
    code, corps = _transition(
        monde, "referent.59", cas, "constater_rescolarisation", uai="0590001A", date=jour_local().isoformat()
    )
    assert (code, corps["statut"]) == (200, "rescolarise")


def test_un_enfant_dont_la_conservation_est_echue_n_entre_pas_au_registre(monde_sqlite: Monde) -> None:
    # Campagne datée de juin 2025 : né en septembre 2009, l'enfant avait alors 15 ans, mais sa
    # conservation s'est close le 31 août 2026 ; un enfant plus jeune, lui, entre au registre.
    monde = monde_sqlite
    with session_base(monde.bdd) as session:
        campagne = Campagne(commune=A, date_reference=date(2025, 6, 1), libelle="en retard")
        session.add(campagne)
    with session_base(monde.bdd) as session:
        bilan = enregistrer_signalements(
            session,
            campagne,
            [
                Signalement("non_apparie", identite("ECHUFICTIF", "LEO", date(2009, 9, 15)), "{}", 0.1),
                Signalement("non_apparie", identite("GARDEFICTIF", "EVA", NAISSANCE), "{}", 0.1),
            ],
            coffre=monde.coffre(),
            cle_hmac=cle_appariement(monde.reglages),
        )
    assert (bilan["crees"], bilan["hors_conservation"]) == (1, 1)
    with session_base(monde.bdd) as session:
        assert [c.cohorte for c in session.exec(select(Cas))] == [annee_fin_conservation(NAISSANCE)]


def test_un_cas_efface_ne_reste_pas_lisible_dans_le_fichier_sqlite(monde_sqlite: Monde) -> None:
    # Sans effacement sécurisé, SQLite laisse les octets d'une ligne supprimée dans ses pages libres,
    # clé de donnée enveloppée comprise : l'identité resterait récupérable sur le disque.
    monde = monde_sqlite
    (cas,) = monde.semer_cas(A, [identite("EFFACEFICTIF", "IRIS", NAISSANCE)])
    with session_base(monde.bdd) as session:
        ligne = session.get(Cas, cas)
        assert ligne is not None
        assert ligne.identite_cle is not None
        traces = [ligne.identite, ligne.identite_cle]
    assert _transition(monde, "agent.a", cas, "classer", motif="demenage")[0] == 200
    chemin = Path(monde.reglages.base.removeprefix("sqlite:///"))
    monde.bdd.dispose()
    with closing(sqlite3.connect(chemin)) as connexion:
        connexion.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fichier = chemin.read_bytes()
    assert [t for t in traces if t in fichier] == []


def test_chaque_date_saisie_est_verifiee() -> None:
    datees = [t for t in TRANSITIONS if set(t.champs) & set(procedure.CHAMPS_DATES)]
    assert {t.action for t in datees} >= {"controler", "mettre_en_demeure", "constater_rescolarisation"}
    for transition in datees:
        assert set(procedure.GARDES_DES_DATES) <= set(transition.gardes), transition.action


def test_un_enfant_repere_aujourd_hui_n_a_ni_controle_ni_mise_en_demeure_le_mois_dernier(
    monde: Monde,
) -> None:
    (cas,) = monde.semer_cas(A, [identite("RECENTFICTIF", "EDEN", NAISSANCE)])
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
    mois_dernier = (jour_local().replace(day=1) - timedelta(days=3)).isoformat()
    code, corps = _transition(monde, "referent.59", cas, "controler", date=mois_dernier)
    assert code == 409
    assert "antérieure à la dernière étape du cas" in corps["detail"]
    code, corps = _transition(monde, "referent.59", cas, "mettre_en_demeure", date_notification=mois_dernier)
    assert (code, "antérieure à la dernière étape du cas" in corps["detail"]) == (409, True)
    # Rien n'a bougé : le cas reste transmis, et le mois dernier ne compte aucune étape.
    fiche = monde.client.get(f"/api/v1/cas/{cas}", headers={**monde.entetes("referent.59"), **MOTIF}).json()
    assert fiche["statut"] == "transmis_dasen"
    valeurs = monde.client.get(
        "/api/v1/indicateurs",
        params={"mois": mois_dernier[:7], "commune": A},
        headers=monde.entetes("agent.a"),
    ).json()["lignes"][0]["valeurs"]
    assert (valeurs["controles"], valeurs["mises_en_demeure"]) == (0, 0)
    code, corps = _transition(monde, "referent.59", cas, "controler", date=jour_local().isoformat())
    assert (code, corps["statut"]) == (200, "controle")


def test_une_etape_ne_peut_pas_etre_datee_d_avant_la_precedente(monde: Monde) -> None:
    (cas,) = monde.semer_cas(A, [identite("SUITEFICTIF", "IRIS", NAISSANCE)])
    assert _transition(monde, "agent.a", cas, "transmettre")[0] == 200
    monde.antidater(cas, jour_local() - timedelta(days=30))

    def il_y_a(jours: int) -> str:
        return (jour_local() - timedelta(days=jours)).isoformat()

    assert _transition(monde, "referent.59", cas, "controler", date=il_y_a(31))[0] == 409
    assert _transition(monde, "referent.59", cas, "controler", date=il_y_a(20))[0] == 200
    code, corps = _transition(monde, "referent.59", cas, "mettre_en_demeure", date_notification=il_y_a(25))
    assert code == 409
    assert f"({il_y_a(20)[8:10]}/{il_y_a(20)[5:7]}/{il_y_a(20)[:4]})" in corps["detail"]
    assert _transition(monde, "referent.59", cas, "mettre_en_demeure", date_notification=il_y_a(10))[0] == 200
    assert _transition(monde, "referent.59", cas, "signaler_procureur", date=il_y_a(12))[0] == 409
    code, corps = _transition(
        monde, "referent.59", cas, "constater_rescolarisation", uai="0590001A", date=il_y_a(11)
    )
    assert (code, "antérieure à la dernière étape du cas" in corps["detail"]) == (409, True)
    code, corps = _transition(
        monde, "referent.59", cas, "constater_rescolarisation", uai="0590001A", date=il_y_a(10)
    )
    assert (code, corps["statut"]) == (200, "rescolarise")
