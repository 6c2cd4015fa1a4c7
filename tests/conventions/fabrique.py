"""Fabrique de fichiers synthétiques (identités fictives) pour les tests des lecteurs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

AUJOURD_HUI = date(2025, 10, 1)

#: Enfants fictifs : (nom, prénoms, date JJ/MM/AAAA, sexe).
ENFANTS: tuple[tuple[str, str, str, str], ...] = (
    ("LEFEBVRE", "Zoé Anaïs", "14/03/2015", "F"),
    ("DUBOIS", "Noé", "02/11/2017", "M"),
    ("FRANÇOIS", "Inès Maëlle", "30/06/2013", "F"),
    ("CŒURDEROY", "Jérôme", "01/01/2019", "M"),
)


def csv_texte(
    entetes: Sequence[str],
    lignes: Sequence[Sequence[str]],
    *,
    separateur: str = ";",
    fin_de_ligne: str = "\n",
) -> str:
    """Un CSV en texte ; une cellule qui contient le séparateur ou un guillemet est mise entre guillemets."""

    def cellule(valeur: str) -> str:
        if separateur in valeur or '"' in valeur or "\n" in valeur:
            return '"' + valeur.replace('"', '""') + '"'
        return valeur

    rangs = [entetes, *lignes]
    return fin_de_ligne.join(separateur.join(cellule(v) for v in rang) for rang in rangs) + fin_de_ligne


def csv_familles(lignes: Sequence[Sequence[str]] | None = None) -> str:
    """Un fichier au format pivot des familles."""
    entetes = ["id", "nom", "prenoms", "date_naissance", "sexe", "nom_allocataire", "commune"]
    if lignes is None:
        lignes = [
            [f"F{rang}", nom, prenoms, _iso(naissance), sexe, "PARENT", "Lille"]
            for rang, (nom, prenoms, naissance, sexe) in enumerate(ENFANTS, start=1)
        ]
    return csv_texte(entetes, lignes)


def csv_caf(*, separateur: str = ";", fin_de_ligne: str = "\r\n") -> str:
    """Une liste CAF type : capitales, dates JJ/MM/AAAA, sexe 1/2."""
    entetes = ["Nom enfant", "Prénoms enfant", "Date de naissance", "Sexe", "Nom allocataire", "Adresse"]
    lignes = [
        [nom, prenoms, naissance, "1" if sexe == "M" else "2", "PARENT", "3 rue des Lilas; bât. B"]
        for nom, prenoms, naissance, sexe in ENFANTS
    ]
    return csv_texte(entetes, lignes, separateur=separateur, fin_de_ligne=fin_de_ligne)


ENTETES_ONDE = [
    "Nom élève",
    "Nom d'usage élève",
    "Prénom élève",
    "Deuxième prénom",
    "Date naissance",
    "Sexe",
    "INE",
    "Adresse1",
    "Cp1",
    "Commune1",
    "Pays1",
    " Cycle",
    "Niveau",
    "Libellé classe",
]


def lignes_onde() -> list[list[str]]:
    """Les enfants fictifs tels qu'ONDE les exporte (MASCULIN / FEMININ, prénoms séparés)."""
    lignes = []
    for rang, (nom, prenoms, naissance, sexe) in enumerate(ENFANTS, start=1):
        premier, _, second = prenoms.partition(" ")
        lignes.append(
            [
                nom,
                "",
                premier,
                second,
                naissance,
                "MASCULIN" if sexe == "M" else "FEMININ",
                f"{rang:010d}X",
                "1 place du Marché",
                "59000",
                "Lille",
                "France",
                "2",
                "CE1",
                "CE1 A",
            ]
        )
    return lignes


#: En-tête de l'extraction ONDE standard, dans l'ordre réel (l'espace avant « Cycle » compris) :
#: voir docs/conventions.md, « Colonnes des exports réels ».
ENTETES_ONDE_EXTRACTION = [
    "Nom élève",
    "Nom d'usage élève",
    "Prénom élève",
    "Date naissance",
    "Sexe",
    "INE",
    "Adresse1",
    "Cp1",
    "Commune1",
    "Pays1",
    "Adresse2",
    "Cp2",
    "Commune2",
    "Pays2",
    " Cycle",
    "Niveau",
    "Libellé classe",
    "Identifiant classe",
    "Attestation fournie",
    "Autorisation associations",
    "Autorisation photo",
    "Décision de passage",
]

#: Valeurs des colonnes non lues : assez singulières pour qu'un test les cherche partout.
VALEURS_NON_LUES_ONDE = {
    "Pays1": "Principauté-Témoin",
    "Adresse2": "7 impasse des Glycines-Témoin",
    "Cp2": "59999",
    "Commune2": "Hameau-Témoin",
    "Pays2": "Principauté-Témoin",
    " Cycle": "CYCLE-TÉMOIN",
    "Niveau": "NIVEAU-TÉMOIN",
    "Libellé classe": "Classe de Mme Témoin",
    "Identifiant classe": "424242",
    "Attestation fournie": "Attestation-Témoin",
    "Autorisation associations": "Associations-Témoin",
    "Autorisation photo": "Photo-Témoin",
    "Décision de passage": "Passage-Témoin",
}


def csv_onde_extraction(en_plus: dict[str, str] | None = None) -> str:
    """Une extraction ONDE complète des enfants fictifs ; ``en_plus`` : colonnes ajoutées (nom → valeur)."""
    en_plus = en_plus or {}
    lignes = []
    for rang, (nom, prenoms, naissance, sexe) in enumerate(ENFANTS, start=1):
        identite = {
            "Nom élève": nom,
            "Nom d'usage élève": "",
            "Prénom élève": prenoms,
            "Date naissance": naissance,
            "Sexe": sexe,
            "INE": f"{rang:010d}X",
            "Adresse1": "1 place du Marché",
            "Cp1": "59000",
            "Commune1": "Lille",
        }
        cellules = {**identite, **VALEURS_NON_LUES_ONDE}
        lignes.append([cellules[entete] for entete in ENTETES_ONDE_EXTRACTION] + list(en_plus.values()))
    return csv_texte([*ENTETES_ONDE_EXTRACTION, *en_plus], lignes, fin_de_ligne="\r\n")


#: Éléments d'un ELEVE SIECLE jamais lus, avec une valeur singulière (voir VALEURS_NON_LUES_ONDE).
VALEURS_NON_LUES_SIECLE = {
    "ELENOET": "777001",
    "ID_ELEVE_ETAB": "777002",
    "DOUBLEMENT": "DOUBLEMENT-TÉMOIN",
    "CODE_REGIME": "REGIME-TÉMOIN",
    "DATE_ENTREE": "02/09/2024",
    "CODE_MOTIF_SORTIE": "MOTIF-TÉMOIN",
    "CODE_PAYS": "PAYS-TÉMOIN",
    "CODE_DEPARTEMENT_NAISS": "DEPT-TÉMOIN",
    "CODE_COMMUNE_INSEE_NAISS": "COMMUNE-TÉMOIN",
    "VILLE_NAISS": "Ville-Témoin",
    "CODE_MEF": "MEF-TÉMOIN",
    "CODE_STATUT": "STATUT-TÉMOIN",
    "CODE_PAYS_NAT": "NATIONALITÉ-TÉMOIN",
    "MEL": "eleve.temoin@example.invalid",
    "TEL_PORTABLE": "0600000000",
    "ACCEPTE_SMS": "SMS-TÉMOIN",
    "ADHESION_TRANSPORT": "TRANSPORT-TÉMOIN",
    "CODE_PROVENANCE": "PROVENANCE-TÉMOIN",
}


def eleves_siecle_complets(en_plus: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Les élèves fictifs avec tous les éléments documentés d'un ELEVE SIECLE, et ``en_plus``."""
    return [
        {**eleve, "NOM_USAGE": "", "DATE_SORTIE": "", **VALEURS_NON_LUES_SIECLE, **(en_plus or {})}
        for eleve in eleves_siecle()
    ]


def siecle_xml(
    eleves: Sequence[dict[str, str]],
    *,
    encodage: str = "ISO-8859-15",
    uai: str = "0599999X",
    avec_adresses: bool = False,
) -> bytes:
    """Un export SIECLE BEE_ELEVES ; chaque élève est un dict élément → texte (``@ELEVE_ID`` compris)."""
    corps = []
    for eleve in eleves:
        attributs = f'ELEVE_ID="{eleve["@ELEVE_ID"]}" ELENOET="{eleve["@ELEVE_ID"]}"'
        enfants = "".join(
            f"<{cle}>{escape(valeur)}</{cle}>" for cle, valeur in eleve.items() if not cle.startswith("@")
        )
        if avec_adresses:
            enfants += (
                "<ADRESSE_ID>7</ADRESSE_ID>"
                "<SCOLARITE_AN_DERNIER><CODE_RNE>0590000A</CODE_RNE></SCOLARITE_AN_DERNIER>"
            )
        corps.append(f"<ELEVE {attributs}>{enfants}</ELEVE>")
    texte = (
        f'<?xml version="1.0" encoding="{encodage}"?>\n'
        '<BEE_ELEVES VERSION="3.1">'
        f"<PARAMETRES><UAJ>{uai}</UAJ><ANNEE_SCOLAIRE>2025</ANNEE_SCOLAIRE></PARAMETRES>"
        f"<DONNEES><ELEVES>{''.join(corps)}</ELEVES></DONNEES></BEE_ELEVES>"
    )
    return texte.encode(encodage)


def eleves_siecle() -> list[dict[str, str]]:
    """Les enfants fictifs tels que SIECLE les exporte (CODE_SEXE 1/2, prénoms séparés)."""
    eleves = []
    for rang, (nom, prenoms, naissance, sexe) in enumerate(ENFANTS, start=1):
        premier, _, second = prenoms.partition(" ")
        eleve = {
            "@ELEVE_ID": str(1000 + rang),
            "ID_NATIONAL": f"{rang:010d}Y",
            "NOM_DE_FAMILLE": nom,
            "PRENOM": premier,
            "DATE_NAISS": naissance,
            "CODE_SEXE": "1" if sexe == "M" else "2",
        }
        if second:
            eleve["PRENOM2"] = second
        eleves.append(eleve)
    return eleves


def _iso(jour: str) -> str:
    j, m, a = jour.split("/")
    return f"{a}-{m}-{j}"
