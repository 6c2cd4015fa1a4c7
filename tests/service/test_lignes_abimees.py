"""Issue n° 17, points 1 et 2, de bout en bout (vrai travailleur confiné, SQLite puis PostgreSQL) :
une liste CAF abîmée ne perd aucun enfant, et la campagne dit lesquelles de ses lignes sont illisibles."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa

from chiffrement import fabriquer_archive
from service.campagnes.boucle import traiter_un
from service.registre.cle import cle_enfant
from service.registre.consultation import ENTETE_MOTIF, MotifConsultation
from service.registre.registre import cle_de
from tests.service.fabriques import A, Archive, Monde, archives, jeu, pivot

MOTIF = {ENTETE_MOTIF: MotifConsultation.VERIFICATION.value}
DATE_IMPOSSIBLE = "2011-02-29"
CATEGORIES = ("apparies", "instruction_declaree", "a_verifier", "non_apparies", "hors_obligation")


def _liste_abimee(familles: pl.DataFrame, absent: str) -> bytes:
    """La liste en format pivot avec : l'enfant ``absent`` sans prénom, une ligne sans nom, une date
    impossible, une ligne qui ne nomme personne (la 5e du fichier) et une ligne répétée (la dernière)."""
    autres = [i for i in familles["id"].to_list() if i != absent]
    sans_nom, date_impossible, personne = autres[0], autres[1], autres[2]
    texte = familles.with_columns(pl.col("date_naissance").dt.strftime("%Y-%m-%d"))
    identifiant = pl.col("id")
    texte = texte.with_columns(
        pl.when(identifiant.is_in([absent, personne]))
        .then(None)
        .otherwise(pl.col("prenoms"))
        .alias("prenoms"),
        pl.when(identifiant.is_in([sans_nom, personne])).then(None).otherwise(pl.col("nom")).alias("nom"),
        pl.when(identifiant == date_impossible)
        .then(pl.lit(DATE_IMPOSSIBLE))
        .otherwise(pl.col("date_naissance"))
        .alias("date_naissance"),
    )
    # La ligne qui ne nomme personne en 4e enregistrement (ligne 5, l'en-tête étant la ligne 1).
    ordre = [i for i in texte["id"].to_list() if i != personne]
    ordre.insert(3, personne)
    texte = (
        texte.join(pl.DataFrame({"id": ordre}).with_row_index("_rang"), on="id").sort("_rang").drop("_rang")
    )
    return pivot(pl.concat([texte, texte.tail(1)]))


def _passage(monde: Monde, agent: dict[str, str], caf: Archive, onde: Archive) -> dict[str, Any]:
    campagne = monde.client.post(
        "/api/v1/campagnes",
        headers=agent,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Abîmée"},
    ).json()["id"]
    for archive in (caf, onde):
        depot = monde.client.post(
            f"/api/v1/campagnes/{campagne}/sources",
            headers=agent,
            files={"archive": ("liste.7z", archive.octets)},
            data={"convention": archive.convention, "mot_de_passe": archive.mot_de_passe},
        )
        assert depot.status_code == 201, depot.text
    lancement = monde.client.post(
        f"/api/v1/campagnes/{campagne}/lancer", headers=agent, json={"confirmer_avertissements": True}
    )
    assert lancement.status_code == 202, lancement.text
    assert traiter_un(monde.bdd, monde.reglages, "travailleur-test")
    etat: dict[str, Any] = monde.client.get(f"/api/v1/campagnes/{campagne}", headers=agent).json()
    return etat


def test_une_liste_abimee_ne_perd_aucun_enfant_et_le_rapport_nomme_chaque_ligne_illisible(
    monde: Monde,
) -> None:
    agent = monde.entetes("agent.a")
    donnees = jeu(40, graine=5)
    absent = donnees.verite.filter(pl.col("statut") == "non_apparie")["id_famille"][0]
    _, onde = archives(donnees.familles, donnees.inscrits)
    caf = Archive(
        fabriquer_archive({"caf.csv": _liste_abimee(donnees.familles, absent)}, "Mot-de-passe-CAF-1"),
        "Mot-de-passe-CAF-1",
        "caf-test",
    )

    etat = _passage(monde, agent, caf, onde)

    assert etat["etat"] == "terminee", etat["erreurs"]
    comptes = etat["comptes"]
    # Chaque enfant listé est dans une seule catégorie ; la ligne répétée n'est pas un enfant de plus.
    assert comptes["enfants_listes"] == donnees.familles.height
    assert sum(comptes[c] for c in CATEGORIES) + comptes["lignes_illisibles"] == comptes["enfants_listes"]
    assert (comptes["lignes_illisibles"], comptes["lignes_incompletes"], comptes["doublons"]) == (1, 3, 1)
    # La ligne qui ne nomme personne : un élément du rapport, avec quoi demander au partenaire.
    [illisible] = etat["lignes_illisibles"]
    assert (illisible["fichier"], illisible["ligne"]) == (1, 5)
    assert illisible["motif"] == "ni nom ni prénom : la ligne ne désigne personne"
    assert illisible["a_demander"] == "demandez au partenaire le nom et le prénom de l'enfant de cette ligne"
    assert illisible["nom_fichier"] == "liste.7z"

    # L'enfant absent dont la CAF n'a pas donné le prénom : un cas à vérifier, la remarque dans sa fiche.
    cas = monde.client.get("/api/v1/cas", headers={**agent, **MOTIF}, params={"par_page": 200}).json()["cas"]
    fiches = [monde.client.get(f"/api/v1/cas/{c['id']}", headers={**agent, **MOTIF}).json() for c in cas]
    sans_prenom = [f for f in fiches if f["identite"].get("remarque") == "prénom absent de la liste CAF"]
    assert [(f["resultat"], f["identite"]["prenoms"]) for f in sans_prenom] == [("a_verifier", None)]


def test_la_remarque_qui_cite_la_valeur_lue_n_est_en_clair_nulle_part_dans_la_base(monde: Monde) -> None:
    agent = monde.entetes("agent.a")
    donnees = jeu(40, graine=5)
    absent = donnees.verite.filter(pl.col("statut") == "non_apparie")["id_famille"][0]
    _, onde = archives(donnees.familles, donnees.inscrits)
    caf = Archive(
        fabriquer_archive({"caf.csv": _liste_abimee(donnees.familles, absent)}, "Mot-de-passe-CAF-1"),
        "Mot-de-passe-CAF-1",
        "caf-test",
    )

    etat = _passage(monde, agent, caf, onde)

    assert etat["etat"] == "terminee", etat["erreurs"]
    assert DATE_IMPOSSIBLE not in str(etat)
    tables = sa.MetaData()
    tables.reflect(bind=monde.bdd)
    with monde.bdd.connect() as connexion:
        for table in tables.sorted_tables:
            for ligne in connexion.execute(sa.select(table)):
                assert DATE_IMPOSSIBLE not in str(ligne), table.name


def test_deux_enfants_sans_prenom_ni_date_ne_se_confondent_pas_en_un_seul_cas() -> None:
    cle = b"k" * 32
    aine = {"nom": "GARNIER", "prenoms": None, "date_naissance": None, "sexe": "F", "adresse": "1 rue Haute"}
    cadet = {**aine, "sexe": "M"}
    voisin = {**aine, "adresse": "9 rue Basse"}
    assert len({cle_de(cle, aine), cle_de(cle, cadet), cle_de(cle, voisin)}) == 3
    # Une identité complète garde la clé d'avant : les cas déjà ouverts sont retrouvés.
    complete = {**aine, "prenoms": "Lucie", "date_naissance": "2015-04-02"}
    assert cle_de(cle, complete) == cle_enfant(
        cle, nom="GARNIER", prenoms="Lucie", date_naissance=date(2015, 4, 2)
    )
