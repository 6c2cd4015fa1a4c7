"""Chaque règle de normalisation et chaque niveau d'accord, vérifiés sur des paires de fiches fictives."""

from __future__ import annotations

from datetime import date

import pytest

from appariement import comparer_fiches
from appariement.phonetique import cle_phonetique

NE = date(2015, 3, 4)


def _niveaux(nom_f: str, prenoms_f: str, nom_i: str, prenoms_i: str, **autres: object) -> dict[str, str]:
    famille = {"nom": nom_f, "prenoms": prenoms_f, "date_naissance": NE, "sexe": "F"}
    inscrit = {"nom": nom_i, "prenoms": prenoms_i, "date_naissance": NE, "sexe": "F"}
    famille.update({k[2:]: v for k, v in autres.items() if k.startswith("f_")})
    inscrit.update({k[2:]: v for k, v in autres.items() if k.startswith("i_")})
    return comparer_fiches(famille, inscrit)


@pytest.mark.parametrize(
    ("nom_f", "nom_i"),
    [
        ("LEFEVRE", "Lefèvre"),  # accents et casse
        ("N'DIAYE", "NDIAYE"),  # apostrophe
        ("NDIAYE", "N’Diaye"),  # apostrophe typographique
        ("MARTIN-DUPONT", "MARTIN DUPONT"),  # tiret ou espace
        ("MARTIN DUPONT", "MARTINDUPONT"),  # espace ou rien
        ("SAINT-JUST.", "Saint Just"),  # ponctuation
        ("D'ALMEIDA", "ALMEIDA"),  # particule élidée
        ("DE OLIVEIRA", "OLIVEIRA"),  # particule
        ("DOS SANTOS", "SANTOS"),
        ("VAN DER BERG", "BERG"),
        ("BEN ALI", "Ali"),
        ("EL AMRANI", "ELAMRANI"),  # particule collée
        ("AIT AHMED", "AHMED"),
        ("ŒUVRARD", "OEUVRARD"),  # ligature
        ("Đặng", "DANG"),  # lettre vietnamienne sans décomposition Unicode
        ("Łukasiewicz", "LUKASIEWICZ"),
        ("Sørensen", "SORENSEN"),
    ],
)
def test_un_meme_nom_ecrit_autrement_est_exact(nom_f: str, nom_i: str) -> None:
    assert _niveaux(nom_f, "ANNA", nom_i, "Anna")["nom"] == "exact"


@pytest.mark.parametrize(
    ("nom_f", "nom_i"),
    [
        ("MARTIN DUPONT", "DUPONT MARTIN"),  # double nom dans l'autre ordre
        ("MARTIN DUPONT", "DUPONT"),  # une seule partie
        ("MARTIN-DUPONT", "MARTIN"),
        ("DE LA FONTAINE", "LAFONTAINE"),  # particule collée d'un côté
    ],
)
def test_nom_compose_dans_l_autre_ordre_ou_en_partie(nom_f: str, nom_i: str) -> None:
    assert _niveaux(nom_f, "ANNA", nom_i, "Anna")["nom"] == "compose"


def test_nom_d_usage_de_l_ecole_reconnu() -> None:
    niveaux = _niveaux("KOWALSKA", "ANNA", "MARTIN", "Anna", i_nom_usage="Kowalska")
    assert niveaux["nom"] == "exact"


def test_nom_de_l_allocataire_reconnu() -> None:
    niveaux = _niveaux("KOWALSKA", "ANNA", "MARTIN", "Anna", f_nom_allocataire="MARTIN")
    assert niveaux["nom"] == "famille"


def test_faute_de_frappe_dans_le_nom_est_proche() -> None:
    assert _niveaux("BERTRAND", "ANNA", "BETRAND", "Anna")["nom"] == "proche"


@pytest.mark.parametrize(("nom_f", "nom_i"), [("KEITA", "KEOTA"), ("COLIN", "COLEN"), ("PETIT", "PETOT")])
def test_une_seule_faute_dans_un_nom_court_reste_proche(nom_f: str, nom_i: str) -> None:
    # Jaro-Winkler seul les classait « ressemblant », comme deux noms voisins de familles différentes.
    assert _niveaux(nom_f, "ANNA", nom_i, "Anna")["nom"] == "proche"


def test_une_lettre_changee_dans_un_nom_de_trois_lettres_n_est_pas_une_faute_sure() -> None:
    assert _niveaux("DIA", "ANNA", "DIO", "Anna")["nom"] == "ressemblant"


def test_noms_sans_rapport_sont_differents() -> None:
    assert _niveaux("BERTRAND", "ANNA", "KOWALSKI", "Anna")["nom"] == "different"


@pytest.mark.parametrize(
    ("prenom_f", "prenom_i"),
    [
        ("MOHAMMED", "Mohamed"),
        ("MUHAMMAD", "MOHAMED"),
        ("AISHA", "Aïcha"),
        ("YOUCEF", "Youssef"),
        ("KHADIDJA", "Khadija"),
        ("JEAN-PIERRE", "Jean Pierre"),
        ("JEANPIERRE", "JEAN-PIERRE"),
        ("LÉA MARIE", "Léa"),  # un seul prénom d'un côté
        ("MARIE-ANGE IRIS", "MarieAnge"),  # prénom composé, et d'autres prénoms d'un côté
        ("NDEYE", "N'Deye"),
    ],
)
def test_variantes_de_prenom_sont_exactes(prenom_f: str, prenom_i: str) -> None:
    assert _niveaux("TRAORE", prenom_f, "TRAORE", prenom_i)["prenom"] == "exact"


def test_prenom_usuel_en_deuxieme_position() -> None:
    assert _niveaux("TRAORE", "MARIE LOUISE", "TRAORE", "Louise")["prenom"] == "autre_prenom"


@pytest.mark.parametrize(
    ("nom_f", "nom_i"),
    [
        ("KOWALCZYK NOWAK", "NOWAK KOWALCZIK"),  # ordre inversé, faute dans une partie
        ("BERTRAND", "BETRAND LEFEVRE"),  # une partie seulement, mal tapée
    ],
)
def test_faute_dans_une_partie_d_un_nom_compose_est_proche(nom_f: str, nom_i: str) -> None:
    assert _niveaux(nom_f, "ANNA", nom_i, "Anna")["nom"] == "proche"


def test_deux_noms_composes_qui_ne_partagent_qu_une_partie_ne_sont_pas_proches() -> None:
    # Deux familles : MARTIN DUPONT et MARTIN DURAND.
    assert _niveaux("MARTIN DUPONT", "ANNA", "MARTIN DURAND", "Anna")["nom"] not in {
        "exact",
        "compose",
        "proche",
    }


@pytest.mark.parametrize(
    ("caf", "ecole"), [("EMMA CLOE ZOE", "Chloé"), ("SAFIA RIM", "Rym"), ("Margaux", "MANON MARGOT")]
)
def test_prenom_usuel_secondaire_ecrit_autrement(caf: str, ecole: str) -> None:
    # Même son qu'un prénom suivant le premier, d'un côté ou de l'autre.
    assert _niveaux("TRAORE", caf, "TRAORE", ecole)["prenom"] == "autre_prenom"


def test_premier_prenom_au_meme_son_reste_proche() -> None:
    # Le son du premier prénom n'est pas celui d'un prénom secondaire : le niveau ne change pas.
    assert _niveaux("TRAORE", "CLOE", "TRAORE", "Chloé")["prenom"] == "proche"


def test_seul_le_premier_prenom_commun() -> None:
    assert _niveaux("TRAN", "MINH DUC", "TRAN", "Minh Anh")["prenom"] == "premier_commun"


@pytest.mark.parametrize(
    ("prenom_f", "prenom_i"), [("AIL", "Ali"), ("LEO", "Lo"), ("MA", "Mia"), ("NE", "Noé")]
)
def test_faute_dans_un_prenom_court(prenom_f: str, prenom_i: str) -> None:
    # Jaro-Winkler ne voit rien entre deux prénoms de deux ou trois lettres : une lettre de plus, de
    # moins, changée, ou deux lettres échangées restent une faute, pas un autre prénom.
    assert _niveaux("TRAORE", prenom_f, "TRAORE", prenom_i)["prenom"] == "ressemblant"


def test_prenoms_differents() -> None:
    assert _niveaux("TRAORE", "LUCAS", "TRAORE", "Inès")["prenom"] == "different"


@pytest.mark.parametrize(
    ("nom_i", "prenoms_i", "nom", "prenom"),
    [
        ("Martin", "Gabriel", "exact", "exact"),  # échange net : deux accords exacts
        ("Martin", "Gabriell", "proche", "exact"),  # échange et faute dans le nom
        ("Marttin", "Gabriel", "exact", "proche"),  # échange et faute dans le prénom
    ],
)
def test_inversion_nom_prenom_reconnue(nom_i: str, prenoms_i: str, nom: str, prenom: str) -> None:
    # Comparés une seconde fois, la fiche remise à l'endroit.
    niveaux = _niveaux("GABRIEL", "MARTIN", nom_i, prenoms_i)
    assert (niveaux["inversion"], niveaux["nom"], niveaux["prenom"]) == ("oui", nom, prenom)


def test_inversion_avec_nom_compose() -> None:
    assert _niveaux("GABRIEL", "MARTIN BRUN", "MARTIN BRUN", "Gabriel")["inversion"] == "oui"
    assert _niveaux("NUNO", "DE SOUSA", "DE SOUSA", "Nuno")["inversion"] == "oui"


@pytest.mark.parametrize(
    ("ecole", "niveau"),
    [
        (date(2015, 3, 4), "exacte"),
        (date(2015, 4, 3), "jour_mois_inverses"),
        (date(2015, 3, 9), "un_chiffre"),
        (date(2015, 8, 4), "un_chiffre"),
        (date(2016, 3, 4), "annee_voisine"),
        (date(2015, 3, 10), "quelques_jours"),
        (date(2015, 2, 27), "quelques_jours"),
        (date(2014, 3, 4), "annee_voisine"),
        (date(2015, 3, 24), "un_chiffre"),
        (date(2019, 3, 4), "annee_chiffre"),  # un chiffre de l'année, mais quatre ans : un frère ?
        (date(2019, 3, 5), "differente"),
        (date(2015, 11, 21), "differente"),
        # Jour, mois et année regardés à part : le mois seul faux, ou le jour seul, n'est pas une
        # date sans rapport.
        (date(2015, 10, 4), "jour_ou_mois"),
        (date(2015, 12, 4), "jour_ou_mois"),
        (date(2015, 3, 28), "jour_ou_mois"),
        # Deux chiffres voisins échangés : une seule faute de frappe (04/03 saisi 40/03 est invalide,
        # 2015 saisi 2051 est à plus d'un an).
        (date(2015, 3, 14), "un_chiffre"),
        (date(2051, 3, 4), "annee_chiffre"),
        (None, "manquant"),
    ],
)
def test_niveaux_de_date(ecole: date | None, niveau: str) -> None:
    famille = {"nom": "TRAORE", "prenoms": "ANNA", "date_naissance": NE}
    inscrit = {"nom": "TRAORE", "prenoms": "ANNA", "date_naissance": ecole}
    assert comparer_fiches(famille, inscrit)["date_naissance"] == niveau


def test_chiffres_voisins_echanges_dans_le_jour() -> None:
    famille = {"nom": "TRAORE", "prenoms": "ANNA", "date_naissance": date(2015, 3, 12)}
    inscrit = {"nom": "TRAORE", "prenoms": "ANNA", "date_naissance": date(2015, 3, 21)}
    assert comparer_fiches(famille, inscrit)["date_naissance"] == "un_chiffre"


def test_date_manquante_cote_caf() -> None:
    famille = {"nom": "TRAORE", "prenoms": "ANNA", "date_naissance": None}
    inscrit = {"nom": "TRAORE", "prenoms": "ANNA", "date_naissance": NE}
    assert comparer_fiches(famille, inscrit)["date_naissance"] == "manquant"


def test_deux_residences_au_debut_commun_ne_sont_pas_la_meme_adresse() -> None:
    # Jaro-Winkler sur la voie entière voit surtout « RESIDENCE DES » : le nom de la voie doit suivre.
    famille = {
        "nom": "ALI",
        "prenoms": "SAID",
        "adresse": "2 RESIDENCE DES HIRONDELLES",
        "code_postal": "99001",
    }
    autre = {"nom": "ALI", "prenoms": "SAID", "adresse": "2, Résidence des Jardins", "code_postal": "99001"}
    meme = {"nom": "ALI", "prenoms": "SAID", "adresse": "2 RES DES HIRONDELES", "code_postal": "99001"}
    assert comparer_fiches(famille, autre)["adresse"] == "meme_commune"
    assert comparer_fiches(famille, meme)["adresse"] == "egale"


def test_sexe_et_adresse() -> None:
    niveaux = _niveaux(
        "TRAORE",
        "ANNA",
        "TRAORE",
        "Anna",
        f_adresse="12, rue de l'Église",
        f_code_postal="99001",
        i_adresse="12 RUE DE L EGLISE",
        i_code_postal="99 001",
        i_sexe="M",
    )
    assert niveaux["adresse"] == "egale"
    assert niveaux["sexe"] == "different"
    autre_rue = _niveaux(
        "TRAORE", "ANNA", "TRAORE", "Anna", f_adresse="3 rue Haute", f_code_postal="99001",
        i_adresse="40 avenue des Tilleuls", i_code_postal="99001",
    )  # fmt: skip
    assert autre_rue["adresse"] == "meme_commune"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("MOHAMED", "MOHAMMED"),
        ("YOUCEF", "YOUSSEF"),
        ("AICHA", "AISHA"),
        ("KHADIJA", "KHADIDJA"),
        ("WALID", "OUALID"),
        ("PHILIPPE", "FILIPE"),
        ("CHLOE", "CLOE"),
        ("ZEYNEP", "ZEINEP"),
        ("GAUTHIER", "GOTHIER"),
        ("ARNAUD", "ARNAULT"),
    ],
)
def test_cle_phonetique_rapproche_les_graphies_d_un_meme_son(a: str, b: str) -> None:
    assert cle_phonetique(a) == cle_phonetique(b)


@pytest.mark.parametrize(
    ("a", "b"), [("LOUIS", "LOUISE"), ("MARTIN", "MARTINE"), ("LEA", "LINA"), ("PAUL", "PAULA")]
)
def test_cle_phonetique_distingue_les_prenoms_differents(a: str, b: str) -> None:
    assert cle_phonetique(a) != cle_phonetique(b)


@pytest.mark.parametrize(
    ("adresse_f", "adresse_i"),
    [
        ("3 RUE DE LA GARE", "3 R DE LA GARE"),
        ("12 BOULEVARD DU GENERAL DE GAULLE", "12 BD DU GÉNÉRAL DE GAULLE"),
        ("12 BOULEVARD DU GENERAL DE GAULLE", "12 Bd du Gal de Gaulle"),
        ("5 AVENUE VICTOR HUGO", "5 AV VICTOR HUGO"),
        ("7 ALLÉE DES LILAS", "7 ALL DES LILAS"),
        ("2 IMPASSE DU MOULIN", "2 IMP DU MOULIN"),
        ("40 CHEMIN DES ÉCOLES", "40 CH DES ECOLES"),
        ("1 PLACE DE LA RÉPUBLIQUE", "1 PL DE LA REPUBLIQUE"),
        ("9 ROUTE DE LYON", "9 RTE DE LYON"),
        ("RÉSIDENCE LES TILLEULS", "RES LES TILLEULS"),
        ("4 SQUARE PASTEUR", "4 SQ PASTEUR"),
        ("18 FAUBOURG SAINT ANTOINE", "18 FG ST ANTOINE"),
        ("6 QUAI DES ORFÈVRES", "6 QU DES ORFEVRES"),
        ("11 COURS GAMBETTA", "11 CRS GAMBETTA"),
        ("3 BIS RUE DE LA GARE", "3 R DE LA GARE"),
        ("3, rue de la Gare", "3BIS, R. de la Gare"),
        ("15 TER AVENUE JEAN JAURÈS", "15 AV JEAN JAURES"),
    ],
)
def test_adresse_abregee_est_la_meme_adresse(adresse_f: str, adresse_i: str) -> None:
    niveaux = _niveaux(
        "TRAORE", "ANNA", "TRAORE", "Anna",
        f_adresse=adresse_f, f_code_postal="99001", i_adresse=adresse_i, i_code_postal="99001",
    )  # fmt: skip
    assert niveaux["adresse"] == "egale"


def test_une_abreviation_ne_rapproche_pas_deux_rues_differentes() -> None:
    niveaux = _niveaux(
        "TRAORE", "ANNA", "TRAORE", "Anna",
        f_adresse="3 R DE LA GARE", f_code_postal="99001", i_adresse="3 AV DE LA GARE", i_code_postal="99001",
    )  # fmt: skip
    assert niveaux["adresse"] == "meme_commune"


@pytest.mark.parametrize(
    ("prenom_f", "prenom_i"),
    [
        ("MARWAN", "Merouane"),
        ("MARWANE", "MEROUANE"),
        ("SOFIA", "Sophia"),
        ("SAHIN", "Chahine"),
        ("SHAHIN", "CHAHINE"),
        ("FATMA", "Fatima"),
        ("HAJAR", "Hadjer"),
        ("OUMAR", "Omar"),
        ("ABOUBACAR", "Boubacar"),
        ("HATICE", "Hatidje"),
    ],
)
def test_translitterations_d_un_meme_prenom_sont_exactes(prenom_f: str, prenom_i: str) -> None:
    assert _niveaux("TRAORE", prenom_f, "TRAORE", prenom_i)["prenom"] == "exact"


@pytest.mark.parametrize(
    ("nom_f", "nom_i"), [("SAHIN", "Chahine"), ("SHAHIN", "CHAHINE"), ("MOHAMMED", "MOHAMED")]
)
def test_translitterations_d_un_meme_nom_sont_exactes(nom_f: str, nom_i: str) -> None:
    assert _niveaux(nom_f, "ANNA", nom_i, "Anna")["nom"] == "exact"


@pytest.mark.parametrize(
    ("adresse_f", "adresse_i", "niveau"),
    [
        ("1 rue du Lavoir", "1, R. du lavoir", "egale"),
        ("3bis rue du Lavoir", "3 R DU LAVOIR", "egale"),
        ("rue du Lavoir", "1 R DU LAVOIR", "egale"),  # numéro d'un seul côté
        ("1 rue du Lavoir", "7 R DU LAVOIR", "meme_commune"),  # deux foyers voisins
        ("12 rue du Lavoir", "12 place du Marché", "meme_commune"),
    ],
)
def test_une_meme_adresse_porte_le_meme_numero(adresse_f: str, adresse_i: str, niveau: str) -> None:
    lieu = {"f_code_postal": "99001", "i_code_postal": "99001"}
    assert (
        _niveaux("TRAORE", "ANNA", "TRAORE", "Anna", f_adresse=adresse_f, i_adresse=adresse_i, **lieu)[
            "adresse"
        ]
        == niveau
    )


def test_faute_dans_une_variante_de_la_table() -> None:
    # ABDOULAYE est dans la table des variantes, ABDOULAYYE (faute) non : comparés tels qu'écrits.
    assert _niveaux("KEITA", "ABDOULAYE SIAKA", "KEITA", "Abdoulayye")["prenom"] == "proche"
    assert _niveaux("MARCHAND", "YUUF", "MARCHAND", "Yusuf")["prenom"] == "proche"


def test_abdoulaye_et_abdallah_sont_deux_prenoms() -> None:
    assert _niveaux("KEITA", "ABDOULAYE", "KEITA", "Abdallah")["prenom"] == "different"


@pytest.mark.parametrize(
    ("champ", "gauche", "droite"),
    [
        ("prenom", "ARNINA", "Amina"),  # lecture optique : rn pour m, une lettre de plus
        ("prenom", "TIAGO", "Tuagq"),  # deux lettres changées
        ("nom", "MOREL", "NORKL"),  # deux touches voisines
    ],
)
def test_deux_fautes_dans_un_mot_long_ressemblent(champ: str, gauche: str, droite: str) -> None:
    if champ == "prenom":
        niveaux = _niveaux("DURAND", gauche, "DURAND", droite)
    else:
        niveaux = _niveaux(gauche, "LEA", droite, "LEA")
    assert niveaux[champ] == "ressemblant"


def test_deux_fautes_dans_un_mot_court_restent_differentes() -> None:
    # LEA et LOU : deux lettres sur trois, deux prénoms, pas deux fautes.
    assert _niveaux("DURAND", "LEA", "DURAND", "LOU")["prenom"] == "different"
