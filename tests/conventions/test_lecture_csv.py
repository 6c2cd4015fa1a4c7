"""Lecture des fichiers CSV : ce que l'agent dépose, ce qui est lu, ce qui est refusé."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from chiffrement import SIGNATURE_7Z
from conventions import COLONNES, Profil, lire, profil_integre
from tests.conventions.fabrique import (
    AUJOURD_HUI,
    ENFANTS,
    ENTETES_ONDE,
    csv_caf,
    csv_familles,
    csv_texte,
    lignes_onde,
)

PIVOT = profil_integre("pivot-familles")


def _noms(table: pl.DataFrame) -> list[str]:
    return table.get_column("nom").to_list()


def test_le_format_pivot_des_familles_donne_la_table_canonique_complete() -> None:
    lecture = lire(csv_familles().encode(), PIVOT, aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte
    assert lecture.rapport.lignes == lecture.rapport.valides == len(ENFANTS)
    assert dict(lecture.table.schema) == COLONNES["familles"]
    premier = lecture.table.row(0, named=True)
    assert premier["id"] == "F1"
    assert premier["prenoms"] == "Zoé Anaïs"
    assert premier["date_naissance"] == date(2015, 3, 14)
    assert premier["sexe"] == "F"
    assert premier["commune"] == "Lille"
    assert premier["adresse"] is None


def test_le_format_pivot_des_inscrits_met_le_mode_ecole_par_defaut() -> None:
    texte = csv_texte(
        ["id", "nom", "prenoms", "date_naissance", "sexe", "mode"],
        [["E1", "DUBOIS", "Noé", "2017-11-02", "M", ""], ["E2", "DURAND", "Lou", "2016-01-05", "F", "cned"]],
    )
    lecture = lire(texte.encode(), profil_integre("pivot-inscrits"), aujourd_hui=AUJOURD_HUI)

    assert lecture.table.get_column("mode").to_list() == ["ecole", "cned"]
    assert dict(lecture.table.schema) == COLONNES["inscrits"]


@pytest.mark.parametrize("encodage", ["utf-8", "utf-8-sig", "windows-1252", "iso-8859-15", "utf-16"])
@pytest.mark.parametrize("separateur", [";", ",", "\t"])
def test_une_liste_caf_se_lit_quel_que_soit_son_encodage_et_son_separateur(
    encodage: str, separateur: str
) -> None:
    octets = csv_caf(separateur=separateur).encode(encodage)

    lecture = lire(octets, profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert _noms(lecture.table) == [nom for nom, *_ in ENFANTS]
    assert "CŒURDEROY" in _noms(lecture.table)
    assert lecture.table.get_column("sexe").to_list() == [sexe for *_, sexe in ENFANTS]
    # L'adresse contient « ; » : elle est entre guillemets et reste entière.
    assert set(lecture.table.get_column("adresse")) == {"3 rue des Lilas; bât. B"}
    # Sans colonne d'identifiant, l'enfant est désigné par son numéro de ligne.
    assert lecture.table.get_column("id").to_list() == ["L2", "L3", "L4", "L5"]


def test_une_liste_msa_se_lit_avec_ses_propres_en_tetes() -> None:
    texte = csv_texte(
        [
            "Nom de l'enfant",
            "Prénoms de l'enfant",
            "Date de naissance de l'enfant",
            "Sexe de l'enfant",
            "Nom de l'assuré",
            "Prénom de l'assuré",
        ],
        [["MOREAU", "Lina", "05/05/2016", "F", "MOREAU", "Sam"]],
    )
    lecture = lire(texte.encode("windows-1252"), profil_integre("msa"), aujourd_hui=AUJOURD_HUI)

    ligne = lecture.table.row(0, named=True)
    assert (ligne["nom"], ligne["prenom_allocataire"], ligne["sexe"]) == ("MOREAU", "Sam", "F")


def test_les_en_tetes_sont_reconnus_sans_casse_ni_accents_ni_espaces() -> None:
    texte = csv_texte(
        ["  NOM ENFANT ", "prenoms enfant", "DATE DE NAISSANCE", "sexe"],
        [["LEFEBVRE", "Zoé", "14/03/2015", "f"]],
    )
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte
    assert lecture.table.row(0, named=True)["sexe"] == "F"


def test_un_export_onde_se_lit_avec_ses_prenoms_reunis_et_ses_colonnes_de_classe_ignorees() -> None:
    octets = csv_texte(ENTETES_ONDE, lignes_onde(), fin_de_ligne="\r\n").encode("windows-1252")

    lecture = lire(octets, profil_integre("onde"), aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    zoe = lecture.table.row(0, named=True)
    assert zoe["prenoms"] == "Zoé Anaïs"
    assert zoe["sexe"] == "F"
    assert zoe["mode"] == "ecole"
    assert zoe["ine"] == "0000000001X"
    assert zoe["code_postal"] == "59000"
    assert zoe["nom_usage"] is None


def test_un_export_onde_dont_les_colonnes_sont_dans_un_autre_ordre_donne_la_meme_table() -> None:
    ordre = list(reversed(range(len(ENTETES_ONDE))))
    dans_l_ordre = csv_texte(ENTETES_ONDE, lignes_onde()).encode()
    melange = csv_texte(
        [ENTETES_ONDE[i] for i in ordre], [[ligne[i] for i in ordre] for ligne in lignes_onde()]
    ).encode()

    attendu = lire(dans_l_ordre, profil_integre("onde"), aujourd_hui=AUJOURD_HUI).table
    obtenu = lire(melange, profil_integre("onde"), aujourd_hui=AUJOURD_HUI).table

    assert obtenu.equals(attendu)
    assert obtenu.height == len(ENFANTS)


def test_un_ancien_en_tete_base_eleves_est_reconnu() -> None:
    texte = csv_texte(
        ["Nom Elève", "Prénom Elève", "Date naissance", "Sexe"], [["DUBOIS", "Noé", "02/11/2017", "M"]]
    )
    lecture = lire(texte.encode(), profil_integre("onde"), aujourd_hui=AUJOURD_HUI)
    assert _noms(lecture.table) == ["DUBOIS"]


def test_les_dates_jj_mm_aaaa_et_aaaa_mm_jj_sont_lues_toutes_deux() -> None:
    texte = csv_texte(
        ["Nom", "Prénom", "Date de naissance", "Sexe"],
        [
            ["A", "Un", "14/03/2015", "M"],
            ["B", "Deux", "2015-03-14", "F"],
            ["C", "Trois", "14/03/2015 00:00:00", "F"],
            ["D", "Quatre", "2015-03-14T00:00", "F"],
        ],
    )
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.table.get_column("date_naissance").to_list() == [date(2015, 3, 14)] * 4


def test_une_annee_a_deux_chiffres_n_est_pas_devinee_et_la_ligne_est_gardee_sans_date() -> None:
    lignes = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(10)] + [["X", "P", "14/03/15", "M"]]
    texte = csv_texte(["Nom", "Prénom", "Date de naissance", "Sexe"], lignes)
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert [(e.ligne, e.motif, e.gardee) for e in lecture.rapport.erreurs] == [
        (12, "date invraisemblable (avant 1900 ; l'année s'écrit sur 4 chiffres ; ligne gardée)", True)
    ]
    assert lecture.table.filter(pl.col("nom") == "X")["date_naissance"].to_list() == [None]
    # L'année sur deux chiffres n'est pas devinée : ni année ni mois gardés pour la comparaison.
    assert lecture.remarques.rows() == [("L12", "date de naissance invraisemblable : 14/03/15", None, None)]


@pytest.mark.parametrize(
    ("code", "attendu"),
    [
        ("M", "M"),
        ("F", "F"),
        ("1", "M"),
        ("2", "F"),
        ("MASCULIN", "M"),
        ("FÉMININ", "F"),
        ("feminin", "F"),
        ("G", "M"),
        ("", None),
    ],
)
def test_le_sexe_accepte_les_codes_des_partenaires(code: str, attendu: str | None) -> None:
    texte = csv_texte(["Nom", "Prénom", "Date de naissance", "Sexe"], [["A", "Un", "14/03/2015", code]])
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.table.get_column("sexe").to_list() == [attendu]


def test_une_date_impossible_garde_la_ligne_et_sa_remarque_reste_hors_du_rapport() -> None:
    lignes = [[f"E{i}", f"NOM{i}", "Prénom", "14/03/2015", "F"] for i in range(20)]
    lignes[4] = ["E4", "SECRETNOM", "Secretprenom", "29/02/2011", "X"]
    texte = csv_texte(["Identifiant", "Nom", "Prénoms", "Date de naissance", "Sexe"], lignes)

    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    rapport = lecture.rapport
    assert rapport.accepte
    assert (rapport.lignes, rapport.valides, rapport.rejetees, rapport.incompletes) == (20, 20, 0, 1)
    assert [(e.ligne, e.champ, e.gardee) for e in rapport.erreurs] == [
        (6, "Date de naissance", True),
        (6, "Sexe", True),
    ]
    assert "date illisible" in rapport.erreurs[0].motif
    gardee = lecture.table.filter(pl.col("id") == "E4").row(0, named=True)
    assert (gardee["nom"], gardee["date_naissance"], gardee["sexe"]) == ("SECRETNOM", None, None)
    # L'année et le mois restent lisibles : le moteur les comparera (un 28/02/2011 ressemble).
    assert lecture.remarques.rows() == [
        ("E4", "date de naissance impossible : 29/02/2011 ; sexe illisible : X", 2011, 2),
    ]
    assert lecture.table_avec_remarques().filter(pl.col("id") == "E4")["annee_naissance"].to_list() == [2011]
    json_rapport = rapport.model_dump_json()
    for valeur in ("SECRETNOM", "Secretprenom", "29/02/2011", '"X"'):
        assert valeur not in json_rapport


def test_une_ligne_sans_nom_ni_prenom_est_rejetee_avec_ce_qu_il_faut_demander_au_partenaire() -> None:
    lignes = [[f"E{i}", f"NOM{i}", "Prénom", "14/03/2015", "F"] for i in range(20)]
    lignes[3] = ["E3", "", "", "14/03/2015", "F"]
    lignes[7] = ["E7", "", "Jade", "14/03/2015", "F"]
    lignes[9] = ["E9", "ROUX", "", "14/03/2015", "F"]
    texte = csv_texte(["Identifiant", "Nom", "Prénoms", "Date de naissance", "Sexe"], lignes)

    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    rapport = lecture.rapport
    assert (rapport.valides, rapport.rejetees, rapport.illisibles, rapport.incompletes) == (19, 1, 1, 2)
    rejetee = rapport.erreurs[0]
    assert (rejetee.ligne, rejetee.gardee) == (5, False)
    assert "nom et le prénom" in (rejetee.a_demander or "")
    assert "E3" not in lecture.table["id"].to_list()
    assert dict(lecture.remarques.select("id", "remarque").rows()) == {
        "E7": "nom absent du fichier",
        "E9": "prénom absent du fichier",
    }


def test_une_date_de_naissance_dans_le_futur_est_laissee_vide_avec_une_remarque() -> None:
    lignes = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(10)]
    lignes.append(["FUTUR", "P", "01/01/2030", "M"])
    lecture = lire(
        csv_texte(["Nom", "Prénom", "Date de naissance", "Sexe"], lignes).encode(),
        profil_integre("caf"),
        aujourd_hui=AUJOURD_HUI,
    )
    assert [(e.ligne, e.motif) for e in lecture.rapport.erreurs] == [
        (12, "date dans le futur (ligne gardée)")
    ]
    assert lecture.table.height == 11
    assert lecture.remarques.rows() == [("L12", "date de naissance dans le futur : 01/01/2030", None, None)]


def test_une_date_vide_est_permise_et_la_ligne_gardee() -> None:
    texte = csv_texte(["Nom", "Prénom", "Date de naissance", "Sexe"], [["A", "Un", "", ""]])
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.rapport.valides == 1
    assert lecture.table.row(0, named=True)["date_naissance"] is None


def test_les_doublons_sont_signales_et_lus_une_seule_fois() -> None:
    ligne = ["DUBOIS", "Noé", "02/11/2017", "M"]
    autres = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(10)]
    texte = csv_texte(["Nom", "Prénom", "Date de naissance", "Sexe"], [ligne, *autres, ligne])

    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    assert lecture.rapport.doublons == 1
    assert lecture.rapport.valides == 11
    assert [(e.ligne, e.motif) for e in lecture.rapport.erreurs] == [(13, "doublon de la ligne 2")]
    assert _noms(lecture.table).count("DUBOIS") == 1


def test_un_identifiant_repris_pour_un_autre_enfant_est_rejete() -> None:
    lignes = [[f"F{i}", f"N{i}", "P", "2015-03-14", "M"] for i in range(10)]
    lignes.append(["F3", "AUTRE", "Q", "2016-03-14", "F"])
    lecture = lire(csv_familles(lignes).encode(), PIVOT, aujourd_hui=AUJOURD_HUI)

    assert [(e.ligne, e.champ, e.motif) for e in lecture.rapport.erreurs] == [
        (12, "id", "identifiant déjà utilisé à la ligne 5")
    ]


def test_une_ligne_avec_trop_de_champs_est_rejetee() -> None:
    texte = "Nom;Prénom;Date de naissance;Sexe\n" + "A;Un;14/03/2015;M\n" * 0
    texte += "".join(f"N{i};P;14/03/2015;M\n" for i in range(10)) + "B;Deux;14/03/2015;F;en trop\n"
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert [(e.ligne, e.champ) for e in lecture.rapport.erreurs] == [(12, "toute la ligne")]


def test_les_lignes_vides_et_le_separateur_final_sont_toleres() -> None:
    texte = "Nom;Prénom;Date de naissance;Sexe;\r\nA;Un;14/03/2015;M;\r\n\r\nB;Deux;14/03/2015;F;\r\n"
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.accepte
    assert lecture.rapport.lignes == 2
    assert _noms(lecture.table) == ["A", "B"]


def test_trop_de_lignes_rejetees_refuse_le_fichier_selon_le_seuil_du_profil() -> None:
    lignes = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(8)] + [["", "", "14/03/2015", "M"]] * 2
    octets = csv_texte(["Nom", "Prénom", "Date de naissance", "Sexe"], lignes).encode()
    strict = profil_integre("caf")
    tolerant = strict.model_copy(update={"seuil_rejets": 0.25})

    refuse = lire(octets, strict, aujourd_hui=AUJOURD_HUI)
    accepte = lire(octets, tolerant, aujourd_hui=AUJOURD_HUI)

    assert refuse.rapport.refus is not None
    assert "2 lignes sur 10" in refuse.rapport.refus
    assert refuse.table.height == 0
    assert refuse.rapport.rejetees == 2
    assert accepte.accepte
    assert accepte.table.height == 8


@pytest.mark.parametrize("colonne", ["NIR", "Numéro de sécurité sociale", "Nationalité"])
def test_une_colonne_interdite_refuse_tout_le_fichier_en_la_nommant(colonne: str) -> None:
    texte = csv_texte(
        ["Nom", "Prénom", "Date de naissance", "Sexe", colonne], [["A", "Un", "14/03/2015", "M", "x"]]
    )

    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    assert not lecture.accepte
    assert f"« {colonne} »" in (lecture.rapport.refus or "")
    assert "en entier" in (lecture.rapport.refus or "")
    assert lecture.table.height == 0


def test_une_colonne_inconnue_refuse_le_fichier_en_la_nommant() -> None:
    texte = csv_texte(
        ["Nom", "Prénom", "Date de naissance", "Sexe", "Lieu de naissance"],
        [["A", "Un", "14/03/2015", "M", "x"]],
    )
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert "« Lieu de naissance »" in (lecture.rapport.refus or "")


def test_une_colonne_obligatoire_absente_refuse_le_fichier_en_disant_quel_en_tete_est_attendu() -> None:
    texte = csv_texte(["Nom", "Prénom", "Sexe"], [["A", "Un", "M"]])
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    refus = lecture.rapport.refus or ""
    assert "date_naissance" in refus
    assert "« Date de naissance »" in refus


def test_une_colonne_en_double_refuse_le_fichier() -> None:
    texte = csv_texte(
        ["Nom", "Prénom", "Date de naissance", "Sexe", "nom"], [["A", "Un", "14/03/2015", "M", "B"]]
    )
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert "deux fois" in (lecture.rapport.refus or "")


def test_un_fichier_vide_est_refuse() -> None:
    for octets in (b"", b"  \r\n\n"):
        lecture = lire(octets, profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
        assert lecture.rapport.refus is not None
        assert "vide" in lecture.rapport.refus


def test_un_fichier_reduit_a_sa_ligne_d_en_tete_est_refuse() -> None:
    lecture = lire(
        b"Nom;Pr\xc3\xa9nom;Date de naissance;Sexe\r\n", profil_integre("caf"), aujourd_hui=AUJOURD_HUI
    )
    assert "ligne d'en-tête" in (lecture.rapport.refus or "")
    assert lecture.rapport.lignes == 0


@pytest.mark.parametrize(
    ("octets", "indice"),
    [
        (bytes(range(256)) * 40, "pas un fichier texte"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 10, "pas un fichier texte"),
        (b"PK\x03\x04" + b"\x00" * 100, "classeur Excel"),
        (b"7z\xbc\xaf\x27\x1c" + b"\x00" * 100, "7-Zip"),
        (b"%PDF-1.7\n" + b"x" * 100, "PDF"),
    ],
)
def test_un_fichier_binaire_donne_comme_csv_est_refuse_sans_planter(octets: bytes, indice: str) -> None:
    lecture = lire(octets, profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert indice in (lecture.rapport.refus or "")


def test_la_signature_7z_n_est_ecrite_qu_une_fois_dans_le_code_du_produit() -> None:
    racine = Path(__file__).resolve().parents[2]
    ecrite_dans = sorted(
        str(fichier.relative_to(racine))
        for paquet in ("service", "audit", "appariement", "conventions", "chiffrement")
        for fichier in (racine / paquet).rglob("*.py")
        for noeud in ast.walk(ast.parse(fichier.read_bytes()))
        if isinstance(noeud, ast.Constant)
        and isinstance(noeud.value, bytes)
        and noeud.value.startswith(SIGNATURE_7Z)
    )
    assert ecrite_dans == ["chiffrement/archives.py"]


def test_un_guillemet_jamais_referme_refuse_le_fichier_au_lieu_d_avaler_la_suite() -> None:
    texte = 'Nom;Prénom;Date de naissance;Sexe\nA;"Un;14/03/2015;M\nB;Deux;14/03/2015;F\n'
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert "guillemet non refermé" in (lecture.rapport.refus or "")


def test_un_guillemet_isole_dans_un_champ_est_lu_comme_un_caractere() -> None:
    texte = 'Nom;Prénom;Date de naissance;Sexe\r\nA;Un"e;14/03/2015;F\r\nB;"Deux\r\nsuite";14/03/2015;M\r\n'
    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.table.get_column("prenoms").to_list() == ['Un"e', "Deux suite"]


def test_une_liste_d_instruction_declaree_porte_son_mode_par_colonne() -> None:
    texte = csv_texte(
        ["Nom", "Prénoms", "Date de naissance", "Sexe", "Mode"],
        [
            ["A", "Un", "14/03/2015", "M", "IEF"],
            ["B", "Deux", "14/03/2016", "F", "Médico-social"],
            ["C", "Trois", "14/03/2014", "F", "Hors contrat"],
            ["D", "Quatre", "14/03/2014", "M", "CNED"],
        ],
    )
    lecture = lire(texte.encode(), profil_integre("declarations"), aujourd_hui=AUJOURD_HUI)
    assert lecture.table.get_column("mode").to_list() == ["ief", "medico_social", "hors_contrat", "cned"]


def test_une_liste_declaree_sans_mode_ni_convention_est_refusee() -> None:
    texte = csv_texte(["Nom", "Prénoms", "Date de naissance", "Sexe"], [["A", "Un", "14/03/2015", "M"]])
    lecture = lire(texte.encode(), profil_integre("declarations"), aujourd_hui=AUJOURD_HUI)
    assert "mode d'instruction" in (lecture.rapport.refus or "")


def test_un_profil_sans_separateur_impose_lit_un_fichier_a_une_seule_colonne_sans_planter() -> None:
    profil = Profil(
        nom="noms",
        table="familles",
        colonnes={"Nom": "nom", "Prénoms": "prenoms", "Naissance": "date_naissance", "Sexe": "sexe"},
        id_par_ligne=True,
    )
    lecture = lire(b"Nom\nA\n", profil, aujourd_hui=AUJOURD_HUI)
    assert "Colonnes obligatoires absentes" in (lecture.rapport.refus or "")


def test_un_fichier_sans_ligne_d_en_tete_est_refuse_sans_citer_sa_premiere_ligne() -> None:
    texte = csv_texte(["LEFEBVRE", "Zoé", "14/03/2015", "F"], [["DUBOIS", "Noé", "02/11/2017", "M"]])

    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    refus = lecture.rapport.refus or ""
    assert "aucun des en-têtes du profil « caf »" in refus
    assert "LEFEBVRE" not in refus
    assert "Zoé" not in refus


def test_le_ctrl_z_final_d_un_vieil_export_ne_fait_pas_prendre_le_fichier_pour_un_binaire() -> None:
    texte = csv_texte(["Nom", "Prénoms", "Date de naissance", "Sexe"], [["A", "Un", "14/03/2015", "M"]])
    lecture = lire(texte.encode("cp1252") + b"\x1a", profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert lecture.accepte, lecture.rapport.refus
    assert _noms(lecture.table) == ["A"]


def test_un_export_utf8_avec_bom_lignes_vides_en_tete_et_ctrl_z_est_lu_a_l_octet_pres() -> None:
    # En UTF-8, polars lit les octets du fichier : BOM, lignes vides et Ctrl-Z en sont ôtés aussi.
    lignes = [["Éloïse", "Zoé", "14/03/2015", "F"], ["Noël", "Anaïs", "02/11/2017", "M"]]
    texte = "\r\n \r\n" + csv_texte(
        ["Nom", "Prénoms", "Date de naissance", "Sexe"], lignes, fin_de_ligne="\r\n"
    )

    lecture = lire(b"\xef\xbb\xbf" + texte.encode() + b"\x1a", profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert lecture.rapport.lignes == 2
    assert _noms(lecture.table) == ["Éloïse", "Noël"]
    assert lecture.table.get_column("id").to_list() == ["L4", "L5"]
    assert lecture.table.get_column("sexe").to_list() == ["F", "M"]


def test_un_fichier_de_blancs_suivis_d_un_ctrl_z_est_vide() -> None:
    lecture = lire(b" \r\n\t\x1a\x1a", profil_integre("caf"), aujourd_hui=AUJOURD_HUI)
    assert "vide" in (lecture.rapport.refus or "")


def test_des_lignes_vides_avant_l_en_tete_sont_sautees_sans_fausser_les_numeros() -> None:
    lignes = [[f"N{i}", "P", "14/03/2015", "M"] for i in range(10)] + [["X", "P", "32/01/2015", "M"]]
    texte = "\r\n  \r\n" + csv_texte(
        ["Nom", "Prénoms", "Date de naissance", "Sexe"], lignes, fin_de_ligne="\r\n"
    )

    lecture = lire(texte.encode(), profil_integre("caf"), aujourd_hui=AUJOURD_HUI)

    assert lecture.accepte, lecture.rapport.refus
    assert [e.ligne for e in lecture.rapport.erreurs] == [14]
    assert lecture.table.get_column("id").to_list()[0] == "L4"
