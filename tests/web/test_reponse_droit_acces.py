"""La réponse au droit d'accès, écrite pour la famille : accords en mots, étapes nommées, PDF sans
faute d'alphabet. Sans base : l'export du registre est donné tel que ``registre.droit_acces`` le rend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from service.registre.explication import ChampEnfant, ExplicationDroitAcces
from service.web.pdf_droit_acces import en_pdf, latin1
from service.web.reponse_droit_acces import rediger


def _export(**autres: Any) -> dict[str, Any]:
    explication = ExplicationDroitAcces(
        motif="Aucune fiche d'élève assez proche sur les listes reçues.",
        score=2.5,
        probabilite=0.2,
        a_priori=-3.0,
        inversion_nom_prenom=False,
        seuil_apparie=8.0,
        seuil_revue=4.0,
        champs=[
            ChampEnfant(champ="nom", niveau="exact", poids=4.0, enfant={"nom": "ŁUKASZEWSKA"}),
            ChampEnfant(
                champ="date_naissance",
                niveau="jour_mois_inverses",
                poids=1.0,
                enfant={"date_naissance": "2015-03-14"},
            ),
            ChampEnfant(
                champ="adresse",
                niveau="manquant",
                poids=0.0,
                enfant={"adresse": None, "code_postal": None, "commune": None},
            ),
        ],
    )
    cas = {
        "cas": "cas-1",
        "commune": "59001",
        "statut": "mise_en_demeure",
        "motif": None,
        "resultat_appariement": "non_apparie",
        "cree_le": datetime(2026, 10, 3, 8, 30, tzinfo=UTC),
        "cohorte_de_conservation": 2031,
        "identite": {"nom": "ŁUKASZEWSKA", "prenoms": "Zoé", "date_naissance": "2015-03-14", "sexe": "F"},
        "score": 2.5,
        "explication": explication,
        "candidats": "2 fiches d'élèves examinées, aucune retenue.",
        "historique": [
            {
                "survenu_le": datetime(2026, 10, 3, 8, 30, tzinfo=UTC),
                "action": "reperage",
                "de": None,
                "vers": "repere",
                "motif": None,
                "date_effet": None,
                "donnees": {},
            },
            {
                "survenu_le": datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                "action": "mettre_en_demeure",
                "de": "transmis_dasen",
                "vers": "mise_en_demeure",
                "motif": None,
                "date_effet": date(2026, 11, 2),
                "donnees": {"echeance": "2026-11-17", "id_inscrit": "ins-7"},
            },
        ],
    }
    return {**cas, **autres}


def _rediger(export: list[dict[str, Any]]) -> Any:
    return rediger(
        export,
        nom="ŁUKASZEWSKA",
        prenoms="Zoé",
        date_naissance=date(2015, 3, 14),
        communes={"59001": "Ablainville-Fictive"},
        operateur="DSDEN du Nord",
        aujourd_hui=date(2026, 12, 7),
    )


def test_la_reponse_dit_en_mots_la_situation_la_comparaison_et_les_etapes() -> None:
    reponse = _rediger([_export()])
    [situation] = reponse.situations
    assert "Zoé ŁUKASZEWSKA, né(e) le 14/03/2015" in reponse.introduction[0]
    assert "DSDEN du Nord" in reponse.introduction[0]
    assert situation.titre == "Situation n° 1 — commune de Ablainville-Fictive"
    assert any("mise en demeure d'inscrire l'enfant" in texte for texte in situation.resume)
    assert any("Aucune fiche d'élève assez proche" in texte for texte in situation.resume)
    comparaison = {ligne.libelle: ligne.valeur for ligne in situation.comparaison}
    assert comparaison == {
        "Nom": "ŁUKASZEWSKA — identique",
        "Date de naissance": "14/03/2015 — jour et mois inversés",
        "Adresse": "non renseigné — absent sur l'une des listes",
    }
    etapes = [ligne.valeur for ligne in situation.etapes]
    assert etapes[0] == "Repérage par un passage"
    # L'échéance est dite ; la fiche d'élève retenue (un enregistrement d'un effectif) ne l'est pas.
    assert etapes[1] == "Mise en demeure (le 02/11/2026 ; échéance : 17/11/2026)"
    assert "31 août 2031" in situation.conservation
    identite = {ligne.libelle: ligne.valeur for ligne in situation.identite}
    assert identite["Sexe"] == "féminin"
    assert identite["Adresse"] == "non renseigné"


def test_sans_rien_au_registre_la_reponse_le_dit() -> None:
    reponse = _rediger([])
    assert reponse.situations == []
    assert "Le registre ne contient aucune information sur cet enfant." in reponse.introduction[1]


def test_le_pdf_s_ecrit_meme_avec_des_lettres_hors_de_l_alphabet_latin_1() -> None:
    assert latin1("L’enfant — Œuvre ŁUKASZEWSKA") == "L'enfant - OEuvre LUKASZEWSKA"
    pdf = en_pdf(_rediger([_export(), _export(cas="cas-2")]))
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 2000
