"""Décisions du moteur sur de petites listes fictives : ce qu'un agent de la cellule reconnaît."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from appariement import STATUTS, DonneesInvalides, apparier, comparer_fiches
from tests.appariement.fiches import decisions_par_id, enfant, familles, inscrits

REFERENCE = date(2025, 10, 1)
NE_JUMEAUX = date(2016, 5, 12)
ADRESSE = {"adresse": "4 rue des Acacias", "code_postal": "99001", "commune": "Villefictive"}
SIGNALES = {"a_verifier", "non_apparie"}


def _jumeaux() -> pl.DataFrame:
    return familles(
        enfant("F1", "MARTIN", "LEA CLAIRE", NE_JUMEAUX, "F", nom_allocataire="MARTIN", **ADRESSE),
        enfant("F2", "MARTIN", "LUCAS PAUL", NE_JUMEAUX, "M", nom_allocataire="MARTIN", **ADRESSE),
    )


def test_un_enfant_jumeau_absent_n_est_pas_rattache_a_sa_soeur() -> None:
    ecole = inscrits(enfant("I1", "Martin", "Léa", NE_JUMEAUX, "F", **ADRESSE))
    decisions = decisions_par_id(apparier(_jumeaux(), ecole, REFERENCE).decisions)
    assert decisions["F1"]["statut"] == "apparie"
    assert decisions["F1"]["id_inscrit"] == "I1"
    assert decisions["F2"]["statut"] in SIGNALES
    assert decisions["F2"]["id_inscrit"] is None


def test_jumeau_absent_seul_sur_la_liste_n_est_pas_rattache_a_sa_soeur() -> None:
    # La sœur inscrite n'est pas sur la liste CAF : sa fiche ne doit pas « retrouver » son frère.
    liste = familles(enfant("F2", "MARTIN", "LUCAS", NE_JUMEAUX, "M", **ADRESSE))
    ecole = inscrits(enfant("I1", "MARTIN", "Léa", NE_JUMEAUX, "F", **ADRESSE))
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F2"]
    assert decision["statut"] in SIGNALES
    assert decision["id_inscrit"] is None


def test_jumelles_aux_prenoms_proches_ont_chacune_leur_fiche() -> None:
    liste = familles(
        enfant("F1", "BENALI", "LEA", NE_JUMEAUX, "F", **ADRESSE),
        enfant("F2", "BENALI", "LENA", NE_JUMEAUX, "F", **ADRESSE),
    )
    ecole = inscrits(
        enfant("I7", "BENALI", "Léna", NE_JUMEAUX, "F", **ADRESSE),
        enfant("I8", "BENALI", "Léa", NE_JUMEAUX, "F", **ADRESSE),
    )
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    assert (decisions["F1"]["statut"], decisions["F1"]["id_inscrit"]) == ("apparie", "I8")
    assert (decisions["F2"]["statut"], decisions["F2"]["id_inscrit"]) == ("apparie", "I7")


def test_l_adresse_commune_ne_croise_pas_les_fiches_de_deux_jumelles() -> None:
    # La fiche de LÉNA porte l'adresse de la famille, celle de LÉA n'en a pas, et la CAF a mal écrit
    # le nom de LÉNA : la fiche de LÉNA ressemble plus à LÉA (même nom, même adresse, prénom voisin)
    # qu'à LÉNA. Chacune garde pourtant la sienne : à deux, les prénoms exacts l'emportent sur
    # l'adresse, commune aux deux jumelles.
    liste = familles(
        enfant("F1", "BENALI", "LEA LEONIE", NE_JUMEAUX, "F", **ADRESSE),
        enfant("F2", "BENALY", "LENA ROSE", NE_JUMEAUX, "F", **ADRESSE),
    )
    ecole = inscrits(
        enfant("I7", "BENALI", "Léna", NE_JUMEAUX, "F", **ADRESSE),
        enfant("I8", "BENALI", "Léa", NE_JUMEAUX, "F"),
    )
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    assert (decisions["F1"]["statut"], decisions["F1"]["id_inscrit"]) == ("apparie", "I8")
    assert (decisions["F2"]["statut"], decisions["F2"]["id_inscrit"]) == ("apparie", "I7")


def test_une_fiche_d_inscription_n_appartient_qu_a_un_enfant() -> None:
    # Deux homonymes nés le même jour, une seule fiche : impossible de savoir, les deux vont en revue.
    liste = familles(
        enfant("F1", "TRAORE", "AMINATA", date(2014, 2, 3), "F", code_postal="99001"),
        enfant("F2", "TRAORE", "AMINATA", date(2014, 2, 3), "F", code_postal="99002"),
    )
    ecole = inscrits(enfant("I1", "TRAORE", "Aminata", date(2014, 2, 3), "F"))
    decisions = apparier(liste, ecole, REFERENCE).decisions
    assert decisions.filter(pl.col("id_inscrit") == "I1").height <= 1
    assert set(decisions["statut"]) <= SIGNALES
    candidats = decisions_par_id(decisions)["F1"]["candidats"]
    assert [c["id_inscrit"] for c in candidats] == ["I1"]


def test_erreurs_de_saisie_courantes_sont_rattrapees() -> None:
    liste = familles(
        enfant("F1", "DE OLIVEIRA", "JOAO PEDRO", date(2012, 4, 7), "M"),
        enfant("F2", "BEN ALI", "MOHAMMED", date(2013, 11, 2), "M"),
        enfant("F3", "NGUYEN", "THI LAN", date(2011, 1, 9), "F"),
        enfant("F4", "GABRIEL", "MARTIN", date(2017, 6, 21), "M"),
        enfant("F5", "DUBOIS-LEROY", "CHLOE", date(2018, 9, 30), "F"),
        enfant("F6", "AIT KHERBACHE", "ADRIEN PIERRE", date(2016, 12, 9), "M"),
        enfant("F7", "TRAORE", "EMMA CLOE", date(2015, 3, 14), "F"),
    )
    ecole = inscrits(
        enfant("I1", "OLIVEIRA", "João", date(2012, 7, 4), "M"),  # particule, jour et mois inversés
        enfant("I2", "BENALI", "Mohamed", date(2013, 11, 2), "M"),  # particule collée, translittération
        enfant("I3", "Nguyễn", "Thi Lan", date(2011, 1, 19), "F"),  # accents, un chiffre faux
        enfant("I4", "MARTIN", "Gabriel", date(2017, 6, 21), "M"),  # nom et prénom inversés
        enfant("I5", "LEROY", "Cloé", date(2018, 9, 30), "F", nom_usage="DUBOIS"),  # une partie du nom
        enfant("I6", "ADRIEN PIERRE", "Aït Kherbache", date(2016, 12, 9), "M"),  # inversion, particule
        enfant("I7", "TRAORE", "Chloé", date(2015, 3, 14), "F"),  # prénom secondaire, autre graphie
    )
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    for numero in range(1, 8):
        assert decisions[f"F{numero}"]["statut"] == "apparie", decisions[f"F{numero}"]["explication"]
        assert decisions[f"F{numero}"]["id_inscrit"] == f"I{numero}"


def test_enfant_sur_une_liste_d_instruction_declaree() -> None:
    liste = familles(enfant("F1", "KOWALSKI", "ANNA", date(2014, 2, 3), "F"))
    ief = inscrits(enfant("D1", "KOWALSKI", "Anna", date(2014, 2, 3), "F", mode="ief"))
    decision = decisions_par_id(apparier(liste, ief, REFERENCE).decisions)["F1"]
    assert decision["statut"] == "instruction_declaree"
    assert decision["id_inscrit"] == "D1"


def test_hors_obligation_aux_deux_bouts() -> None:
    liste = familles(
        enfant("F1", "PETIT", "JULES", date(2008, 5, 5), "M"),  # 17 ans
        enfant("F2", "PETIT", "ROSE", date(2023, 1, 10), "F"),  # 2 ans
        enfant("F3", "PETIT", "IRIS", date(2022, 12, 31), "F"),  # rentrée de l'année de ses 3 ans : soumise
    )
    decisions = decisions_par_id(apparier(liste, inscrits(), REFERENCE).decisions)
    assert decisions["F1"]["statut"] == "hors_obligation"
    assert decisions["F2"]["statut"] == "hors_obligation"
    assert decisions["F3"]["statut"] == "non_apparie"


def test_date_de_naissance_manquante_va_en_revue_pas_hors_obligation() -> None:
    # Deux fiches au même nom, nées à deux ans d'écart : sans date, rien ne les départage.
    liste = familles(enfant("F1", "LEROY", "NOAH", None, "M"))
    ecole = inscrits(
        enfant("I1", "LEROY", "Noah", date(2015, 1, 1), "M"),
        enfant("I2", "LEROY", "Noah", date(2017, 6, 2), "M"),
    )
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert decision["statut"] == "a_verifier"
    assert decision["id_inscrit"] is None
    assert sorted(c["id_inscrit"] for c in decision["candidats"]) == ["I1", "I2"]


def test_date_manquante_a_la_caf_lue_sur_la_fiche_retrouvee_sans_doute() -> None:
    # Même nom, même prénom, même sexe, même adresse, aucune autre fiche : l'âge se lit sur la fiche.
    liste = familles(enfant("F1", "LEROY", "NOAH", None, "M", **ADRESSE))
    ecole = inscrits(enfant("I1", "LEROY", "Noah", date(2015, 1, 1), "M", **ADRESSE))
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")
    # Si la fiche retrouvée dit l'enfant hors de l'âge de l'obligation, une personne vérifie.
    agee = inscrits(enfant("I1", "LEROY", "Noah", date(2008, 1, 1), "M", **ADRESSE))
    decision = decisions_par_id(apparier(liste, agee, REFERENCE).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("a_verifier", None)
    # Sans date nulle part, l'enfant retrouvé sans aucun doute est inscrit : rien à signaler.
    sans_date = inscrits(enfant("I1", "LEROY", "Noah", None, "M", **ADRESSE))
    decision = decisions_par_id(apparier(liste, sans_date, REFERENCE).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")


def test_une_decision_par_enfant_dans_l_ordre_de_la_liste() -> None:
    liste = familles(
        *[enfant(f"F{k}", "SIMON", f"ENFANT{k}", date(2015, 1, 1 + k), "M") for k in range(9, 0, -1)]
    )
    decisions = apparier(liste, inscrits(), REFERENCE).decisions
    assert decisions["id_famille"].to_list() == liste["id"].to_list()
    assert set(decisions["statut"]) <= set(STATUTS)
    assert decisions.columns == ["id_famille", "statut", "id_inscrit", "score", "explication", "candidats"]


def test_l_explication_detaille_chaque_champ_et_somme_au_score() -> None:
    liste = familles(enfant("F1", "MOREAU", "ZOE", date(2013, 3, 3), "F", **ADRESSE))
    ecole = inscrits(enfant("I1", "MOREAU", "Zoé", date(2013, 3, 3), "F", **ADRESSE))
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    explication = json.loads(decision["explication"])
    assert [c["champ"] for c in explication["champs"]] == [
        "nom",
        "prenom",
        "date_naissance",
        "sexe",
        "adresse",
        "ecole",
    ]
    # L'école a l'adresse : l'établissement fréquenté n'a pas à la remplacer.
    assert {c["niveau"] for c in explication["champs"]} == {"exact", "exacte", "egal", "egale", "manquant"}
    total = explication["a_priori"] + sum(c["poids"] for c in explication["champs"])
    assert total == pytest.approx(decision["score"], abs=0.05)
    assert 0.99 < explication["probabilite"] <= 1.0
    assert "retrouvée" in explication["motif"]


def test_colonnes_obligatoires_manquantes() -> None:
    with pytest.raises(DonneesInvalides, match="colonnes obligatoires absentes : prenoms"):
        apparier(pl.DataFrame({"id": ["F1"], "nom": ["X"]}), inscrits(), REFERENCE)


@pytest.mark.parametrize(
    ("enfant_caf", "fiche", "niveaux"),
    [
        # Un seul chiffre de l'année diffère, mais quatre ans d'écart et un prénom seulement voisin.
        (("NOAH", date(2019, 3, 4), "M"), ("Noa", date(2015, 3, 4), "M"), ("proche", "annee_chiffre")),
        # Un seul chiffre du mois diffère (dix mois d'écart) et un prénom qui ne fait que ressembler.
        (
            ("MAELYS", date(2016, 1, 5), "F"),
            ("Maëlle", date(2016, 11, 5), "F"),
            ("ressemblant", "un_chiffre"),
        ),
    ],
    ids=["frere_quatre_ans_plus_tot", "soeur_dix_mois_plus_tot"],
)
def test_frere_ou_soeur_au_prenom_voisin_sous_le_meme_toit_n_est_pas_lie(
    enfant_caf: tuple[str, date, str], fiche: tuple[str, date, str], niveaux: tuple[str, str]
) -> None:
    # Même nom, même adresse : le portrait d'un frère ou d'une sœur, que l'adresse commune fait
    # pourtant monter très haut.
    (prenom, ne, sexe), (prenom_i, ne_i, sexe_i) = enfant_caf, fiche
    liste = familles(enfant("F1", "PETIT", prenom, ne, sexe, **ADRESSE))
    ecole = inscrits(enfant("I1", "PETIT", prenom_i, ne_i, sexe_i, **ADRESSE))
    compares = comparer_fiches(liste.row(0, named=True), ecole.row(0, named=True))
    assert (compares["prenom"], compares["date_naissance"]) == niveaux
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert decision["statut"] in SIGNALES
    assert decision["id_inscrit"] is None


def test_faute_dans_le_nom_et_date_approchee_sous_le_meme_toit_sont_rattrapees() -> None:
    # Deux écarts : ni le nom ni la date ne servent de clé, l'adresse et le prénom retrouvent la fiche.
    liste = familles(enfant("F1", "DURAND", "LEA", date(2014, 6, 23), "F", **ADRESSE))
    ecole = inscrits(enfant("I1", "DUROND", "Léa", date(2014, 6, 28), "F", **ADRESSE))
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")


def test_mois_mal_saisi_sous_le_meme_toit_est_rattrape() -> None:
    # Octobre saisi au lieu de mars (deux chiffres faux) : jour et année justes, même adresse, mêmes
    # nom, prénom et sexe. Ce n'est pas une date « sans rapport » qui ferait penser à un frère.
    liste = familles(enfant("F1", "RENAULT", "SAMIRA", date(2014, 3, 14), "F", **ADRESSE))
    ecole = inscrits(enfant("I1", "RENAULT", "Samira", date(2014, 10, 14), "F", **ADRESSE))
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")


def test_date_approchee_demande_plus_de_preuves() -> None:
    liste = familles(enfant("F1", "MOREAU", "ZOE", date(2013, 3, 3), "F"))
    exacte = inscrits(enfant("I1", "MOREAU", "Zoé", date(2013, 3, 3), "F"))
    approchee = inscrits(enfant("I1", "MOREAU", "Zoé", date(2013, 3, 8), "F"))
    seuil_exacte = json.loads(apparier(liste, exacte, REFERENCE).decisions["explication"][0])["seuil_apparie"]
    seuil_approchee = json.loads(apparier(liste, approchee, REFERENCE).decisions["explication"][0])[
        "seuil_apparie"
    ]
    assert seuil_approchee == seuil_exacte + 4.0


def test_fiche_a_l_adresse_abregee_l_emporte_sur_un_homonyme_sans_adresse() -> None:
    # L'école écrit « 3 R DE LA GARE » ; un homonyme d'une autre famille n'a pas d'adresse.
    gare = {"code_postal": "99001", "commune": "Villefictive"}
    liste = familles(
        enfant("F1", "MOREAU", "ZOE", date(2013, 3, 3), "F", adresse="3 rue de la Gare", **gare),
    )
    ecole = inscrits(
        enfant("I1", "MOREAU", "Zoé", date(2013, 3, 3), "F", adresse="3 R DE LA GARE", **gare),
        enfant("I2", "MOREAU", "Zoé", date(2013, 3, 3), "F"),
    )
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("apparie", "I1")
    champs = {c["champ"]: c["niveau"] for c in json.loads(decision["explication"])["champs"]}
    assert champs["adresse"] == "egale"


def test_homonymes_parfaits_de_deux_familles_sans_adresse_a_l_ecole_vont_en_revue() -> None:
    # Deux enfants de familles différentes, mêmes nom, prénom et date ; l'école n'a pas d'adresse.
    # L'une des deux fiches peut appartenir à un élève absent de la liste CAF : rien ne permet de
    # dire laquelle revient à quel enfant, et un enfant absent lié à tort deviendrait invisible.
    ne = date(2014, 6, 2)
    liste = familles(
        enfant("F1", "DIALLO", "AMINATA", ne, "F", adresse="4 rue des Acacias", code_postal="99001"),
        enfant("F2", "DIALLO", "AMINATA", ne, "F", adresse="8 avenue Pasteur", code_postal="99002"),
    )
    ecole = inscrits(
        enfant("I1", "DIALLO", "Aminata", ne, "F"),
        enfant("I2", "DIALLO", "Aminata", ne, "F"),
    )
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    for id_famille in ("F1", "F2"):
        assert decisions[id_famille]["statut"] == "a_verifier"
        assert decisions[id_famille]["id_inscrit"] is None
        assert {c["id_inscrit"] for c in decisions[id_famille]["candidats"]} == {"I1", "I2"}


def test_homonyme_lie_ailleurs_ne_met_pas_en_doute_une_fiche_a_la_meme_adresse() -> None:
    ne = date(2014, 6, 2)
    acacias = {"adresse": "4 rue des Acacias", "code_postal": "99001"}
    liste = familles(
        enfant("F1", "DIALLO", "AMINATA", ne, "F", **acacias),
        enfant("F2", "DIALLO", "AMINATA", ne, "F", adresse="8 avenue Pasteur", code_postal="99002"),
    )
    ecole = inscrits(
        enfant("I1", "DIALLO", "Aminata", ne, "F", **acacias),
        enfant("I2", "DIALLO", "Aminata", ne, "F", adresse="8 AV PASTEUR", code_postal="99002"),
    )
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    assert (decisions["F1"]["statut"], decisions["F1"]["id_inscrit"]) == ("apparie", "I1")
    assert (decisions["F2"]["statut"], decisions["F2"]["id_inscrit"]) == ("apparie", "I2")


def test_jumelles_aux_prenoms_proches_sans_adresse_a_l_ecole_restent_retrouvees() -> None:
    # Lié ailleurs, un concurrent ne met un lien en doute que s'il porte exactement le même nom.
    liste = familles(
        enfant("F1", "BENALI", "LEA", NE_JUMEAUX, "F", **ADRESSE),
        enfant("F2", "BENALI", "LENA", NE_JUMEAUX, "F", **ADRESSE),
    )
    ecole = inscrits(
        enfant("I7", "BENALI", "Léna", NE_JUMEAUX, "F"),
        enfant("I8", "BENALI", "Léa", NE_JUMEAUX, "F"),
    )
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    assert (decisions["F1"]["statut"], decisions["F1"]["id_inscrit"]) == ("apparie", "I8")
    assert (decisions["F2"]["statut"], decisions["F2"]["id_inscrit"]) == ("apparie", "I7")


def _quartiers(taille: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Deux quartiers (codes postaux 99001 et 99002), chacun avec son école (UAI 0990001A et
    0990002B) : ``taille`` enfants de chaque côté, retrouvés à leur adresse."""
    caf: list[dict[str, object]] = []
    ecole: list[dict[str, object]] = []
    for quartier, (code_postal, uai) in enumerate((("99001", "0990001A"), ("99002", "0990002B"))):
        for k in range(taille):
            adresse = {"adresse": f"{k + 1} rue du Quartier {quartier}", "code_postal": code_postal}
            ne = date(2012 + k % 6, 1 + k % 12, 1 + k % 28)
            nom = f"FAMILLE{quartier}X{k}".replace("0", "O").replace("1", "I")
            caf.append(enfant(f"F{quartier}-{k}", nom, "ENZO", ne, "M", **adresse))
            ecole.append(enfant(f"I{quartier}-{k}", nom, "Enzo", ne, "M", uai=uai, **adresse))
    return caf, ecole


def test_homonyme_sans_adresse_dans_l_ecole_d_un_autre_quartier_va_en_revue() -> None:
    # Un enfant du quartier 99001, et une fiche sans adresse à son nom, mais dans l'école qui
    # n'accueille que des enfants de 99002 : ce peut être un homonyme scolarisé ailleurs.
    caf, ecole = _quartiers(40)
    ne = date(2014, 6, 2)
    enfant_absent = enfant(
        "FX", "DIALLO", "AMINATA", ne, "F", adresse="3 place Centrale", code_postal="99001"
    )
    ailleurs = enfant("IX", "DIALLO", "Aminata", ne, "F", uai="0990002B")
    decision = decisions_par_id(
        apparier(familles(*caf, enfant_absent), inscrits(*ecole, ailleurs), REFERENCE).decisions
    )
    assert (decision["FX"]["statut"], decision["FX"]["id_inscrit"]) == ("a_verifier", None)
    explication = json.loads(decision["FX"]["explication"])
    assert "ailleurs" in explication["motif"]
    ecole_champ = next(c for c in explication["champs"] if c["champ"] == "ecole")
    assert ecole_champ["niveau"] == "inhabituelle"
    assert ecole_champ["poids"] < -2


def test_homonyme_a_une_autre_adresse_dans_l_ecole_d_un_autre_quartier_va_en_revue() -> None:
    # L'école a une autre adresse (un déménagement ?) et l'établissement n'accueille que des
    # enfants de 99002 : l'école ne confirme ni l'adresse ni le quartier.
    caf, ecole = _quartiers(40)
    ne = date(2014, 6, 2)
    eleve = enfant("FX", "DIALLO", "AMINATA", ne, "F", adresse="3 place Centrale", code_postal="99001")
    fiche = enfant(
        "IX", "DIALLO", "Aminata", ne, "F", uai="0990002B", adresse="9 rue Basse", code_postal="99002"
    )
    decision = decisions_par_id(apparier(familles(*caf, eleve), inscrits(*ecole, fiche), REFERENCE).decisions)
    assert (decision["FX"]["statut"], decision["FX"]["id_inscrit"]) == ("a_verifier", None)
    champs = {c["champ"]: c["niveau"] for c in json.loads(decision["FX"]["explication"])["champs"]}
    assert (champs["adresse"], champs["ecole"]) == ("differente", "inhabituelle")


def test_fiche_sans_adresse_dans_l_ecole_du_quartier_est_retrouvee() -> None:
    caf, ecole = _quartiers(40)
    ne = date(2014, 6, 2)
    eleve = enfant("FX", "DIALLO", "AMINATA", ne, "F", adresse="3 place Centrale", code_postal="99001")
    fiche = enfant("IX", "DIALLO", "Aminata", ne, "F", uai="0990001A")
    decision = decisions_par_id(apparier(familles(*caf, eleve), inscrits(*ecole, fiche), REFERENCE).decisions)
    assert (decision["FX"]["statut"], decision["FX"]["id_inscrit"]) == ("apparie", "IX")
    champs = {c["champ"]: c for c in json.loads(decision["FX"]["explication"])["champs"]}
    assert champs["ecole"]["niveau"] == "habituelle"
    assert champs["ecole"]["poids"] > 0


@pytest.mark.parametrize(("uai", "seuil"), [("0990001A", 8.0), ("0990002B", 10.0), (None, 10.0)])
def test_date_approchee_dans_l_ecole_du_quartier_demande_moins_de_preuves(
    uai: str | None, seuil: float
) -> None:
    # Date à trois jours, fiche sans adresse : l'école du quartier de la famille (0990001A) rend un
    # homonyme d'ailleurs moins probable ; celle d'un autre quartier, ou pas d'école, non. Des
    # enfants d'un troisième quartier, sans fiche, font de 99001 un code postal parmi d'autres.
    caf, ecole = _quartiers(40)
    caf += [
        enfant(
            f"FT{k}",
            f"TIERS{chr(65 + k % 26)}{chr(65 + k // 26)}",
            "LOUIS",
            date(2015, 1, 1),
            "M",
            code_postal="99003",
        )
        for k in range(80)
    ]
    eleve = enfant(
        "FX", "DIALLO", "AMINATA", date(2014, 6, 2), "F", adresse="3 place Centrale", code_postal="99001"
    )
    fiche = enfant("IX", "DIALLO", "Aminata", date(2014, 6, 5), "F", uai=uai)
    decision = decisions_par_id(apparier(familles(*caf, eleve), inscrits(*ecole, fiche), REFERENCE).decisions)
    assert json.loads(decision["FX"]["explication"])["seuil_apparie"] == seuil


def test_deux_enfants_de_la_liste_pour_une_seule_fiche_vont_en_revue() -> None:
    # Deux enfants de la liste CAF, deux familles, ont chacun de quoi être liés sans revue à la
    # même fiche (l'un porte un troisième prénom, l'autre a une date à quelques jours) : l'un des
    # deux n'est pas scolarisé là, et le score seul ne dit pas lequel.
    ne = date(2016, 1, 31)
    liste = familles(
        enfant("F1", "ALI", "MOHAMED AMINE", ne, "M", adresse="1 rue Haute", code_postal="99001"),
        enfant("F2", "ALI", "MOHAMED", date(2016, 1, 30), "M", adresse="4 rue Basse", code_postal="99001"),
    )
    ecole = inscrits(enfant("I1", "ALI", "Mohamed", ne, "M"))
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)
    for id_famille in ("F1", "F2"):
        assert (decisions[id_famille]["statut"], decisions[id_famille]["id_inscrit"]) == ("a_verifier", None)
        assert [c["id_inscrit"] for c in decisions[id_famille]["candidats"]] == ["I1"]


def test_nom_et_prenom_qui_vont_souvent_ensemble_pesent_moins() -> None:
    # Mamadou et Anatole sont aussi portés l'un que l'autre, mais Mamadou presque toujours avec
    # TRAORE : un TRAORE Mamadou de plus prouve moins qu'un TRAORE Anatole.
    def eleve(id: str, nom: str, prenom: str, k: int) -> dict[str, object]:
        return enfant(id, nom, prenom, date(2010 + k % 8, 1 + k % 12, 1 + k % 28), "M")

    def nom(k: int) -> str:
        return "".join("ABCDEFGHIJ"[int(c)] for c in str(k)) + "ESCU"

    ecole = [eleve(f"I{k}", "TRAORE", "Mamadou", k) for k in range(40)]
    ecole += [eleve(f"J{k}", nom(k), "Anatole", k) for k in range(40)]
    ecole += [eleve(f"K{k}", nom(100 + k), f"Prenom {nom(k)}", k) for k in range(200)]
    ne = date(2014, 11, 24)
    ecole += [enfant("IA", "TRAORE", "Anatole", ne, "M"), enfant("IM", "TRAORE", "Mamadou", ne, "M")]
    liste = familles(enfant("FA", "TRAORE", "ANATOLE", ne, "M"), enfant("FM", "TRAORE", "MAMADOU", ne, "M"))
    decisions = decisions_par_id(apparier(liste, inscrits(*ecole), REFERENCE).decisions)
    prenom = {
        f: next(c for c in json.loads(decisions[f]["explication"])["champs"] if c["champ"] == "prenom")
        for f in ("FA", "FM")
    }
    assert prenom["FM"]["poids"] < prenom["FA"]["poids"] - 2
    assert decisions["FM"]["score"] < decisions["FA"]["score"] - 2


def test_nom_d_usage_inconnu_de_l_ecole_retrouve_a_la_meme_adresse() -> None:
    # L'école connaît l'enfant sous le nom de l'autre parent, sans nom d'usage ; même prénom, même
    # date, même adresse : sous un même toit, seul un frère ou une sœur pourrait ressembler, et le
    # prénom et la date les distinguent.
    liste = familles(enfant("F1", "VERLIMONT", "EMMA SOLENE", date(2014, 2, 3), "F", **ADRESSE))
    ecole = inscrits(enfant("I1", "RITEARDIER", "Emma", date(2014, 2, 3), "F", **ADRESSE))
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    explication = json.loads(decision["explication"])
    assert explication["seuil_apparie"] == 6.0
    assert {c["champ"]: c["niveau"] for c in explication["champs"]}["nom"] == "different"


def _foyer(
    prenom_allocataire_du_frere: str = "SOPHIE", adresse_du_frere: str = ADRESSE["adresse"]
) -> pl.DataFrame:
    # La mère allocataire ; EMMA inscrite à la CAF sous son nom, son frère sous celui du père.
    mere = {**ADRESSE, "nom_allocataire": "VERLIMONT"}
    frere = {**mere, "prenom_allocataire": prenom_allocataire_du_frere, "adresse": adresse_du_frere}
    return familles(
        enfant("F1", "VERLIMONT", "EMMA", date(2014, 2, 3), "F", prenom_allocataire="Sophie", **mere),
        enfant("F2", "RITEARDIER", "NOAH", date(2017, 6, 1), "M", **frere),
    )


# L'école n'a pas l'adresse : seul le nom du frère peut désigner la famille.
_ECOLE_DU_FOYER = inscrits(
    enfant("I1", "RITEARDIER", "Emma", date(2014, 2, 3), "F", uai="0990001A"),
    enfant("I2", "RITEARDIER", "Noah", date(2017, 6, 1), "M", uai="0990001A"),
)


def test_nom_du_frere_a_l_ecole_est_le_nom_de_la_famille() -> None:
    decisions = decisions_par_id(apparier(_foyer(), _ECOLE_DU_FOYER, REFERENCE).decisions)
    emma = decisions["F1"]
    assert {c["champ"]: c["niveau"] for c in json.loads(emma["explication"])["champs"]}["nom"] == "famille"
    assert (emma["statut"], emma["id_inscrit"]) == ("apparie", "I1")
    assert (decisions["F2"]["statut"], decisions["F2"]["id_inscrit"]) == ("apparie", "I2")


@pytest.mark.parametrize(
    "autre_foyer",
    [{"prenom_allocataire_du_frere": "KARIMA"}, {"adresse_du_frere": "12 avenue des Tilleuls"}],
    ids=["autre_prenom_d_allocataire", "autre_adresse"],
)
def test_nom_d_un_enfant_d_un_autre_foyer_n_est_pas_celui_de_la_famille(autre_foyer: dict[str, str]) -> None:
    # Un allocataire homonyme : deux foyers, le nom du garçon ne dit rien d'EMMA.
    emma = decisions_par_id(apparier(_foyer(**autre_foyer), _ECOLE_DU_FOYER, REFERENCE).decisions)["F1"]
    assert {c["champ"]: c["niveau"] for c in json.loads(emma["explication"])["champs"]}["nom"] == "different"
    meme_foyer = decisions_par_id(apparier(_foyer(), _ECOLE_DU_FOYER, REFERENCE).decisions)["F1"]
    assert emma["score"] < meme_foyer["score"] - 5


def test_ecole_hors_du_quartier_courante_dans_la_commune_n_envoie_pas_en_revue() -> None:
    # Huit quartiers de 100 enfants, chacun avec son école ; dans chaque école, un enfant de chacun
    # des sept autres quartiers, sans adresse à l'école (privé, option…). Chaque fiche, prise seule,
    # est dans un établissement « inhabituel » ; mais 56 enfants sur 800 sont dans ce cas : c'est la
    # façon dont on se scolarise ici, pas un homonyme venu d'ailleurs. Ils sont retrouvés.
    caf: list[dict[str, object]] = []
    ecole: list[dict[str, object]] = []
    for quartier in range(8):
        for k in range(100):
            adresse = {"adresse": f"{k + 1} rue du Quartier {quartier}", "code_postal": f"9900{quartier}"}
            ne = date(2012 + k % 6, 1 + k % 12, 1 + k % 28)
            nom = f"FAMILLE{quartier}X{k}".translate(str.maketrans("0123456789", "OIZEASGTBP"))
            caf.append(enfant(f"F{quartier}-{k}", nom, "ENZO", ne, "M", **adresse))
            # Les enfants 0 à 6 vont à l'école d'un autre quartier, sans que l'école ait leur adresse.
            if k < 7:
                autre = (quartier + k + 1) % 8
                ecole.append(enfant(f"I{quartier}-{k}", nom, "Enzo", ne, "M", uai=f"099000{autre}A"))
            else:
                ecole.append(
                    enfant(f"I{quartier}-{k}", nom, "Enzo", ne, "M", uai=f"099000{quartier}A", **adresse)
                )
    decisions = decisions_par_id(apparier(familles(*caf), inscrits(*ecole), REFERENCE).decisions)
    ailleurs = [d for d in decisions.values() if d["id_famille"].split("-")[1] in {str(k) for k in range(7)}]
    assert len(ailleurs) == 56
    motifs = [json.loads(d["explication"])["motif"] for d in ailleurs if d["statut"] != "apparie"]
    assert motifs == []
    assert all(d["id_inscrit"] == "I" + d["id_famille"][1:] for d in decisions.values())
