"""Le moteur apprend des personnes qui tranchent les cas « à vérifier » (identités fictives)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import polars as pl
import pytest

from appariement import Reglages, Retour, RetourInvalide, apparier, comparer_fiches, comparer_lots_de_fiches
from appariement.comparaisons import CHAMPS, NIVEAUX
from fictif import generer
from tests.appariement.fiches import decisions_par_id, enfant, familles, inscrits

REFERENCE = date(2025, 10, 1)
ADRESSE = {"adresse": "4 rue des Acacias", "code_postal": "99001", "commune": "Villefictive"}
SIGNALES = {"a_verifier", "non_apparie"}
LIES = {"apparie", "instruction_declaree"}
# Assez de réponses concordantes pour que la borne basse (ou haute) d'un motif passe le seuil.
NOMBRE = 80


def _retours(famille: dict[str, object], inscrit: dict[str, object], meme: bool) -> list[Retour]:
    return [Retour(comparer_fiches(famille, inscrit), meme)] * NOMBRE


def _liens(decisions: pl.DataFrame) -> set[tuple[str, str]]:
    lies = decisions.filter(pl.col("statut").is_in(list(LIES)))
    return set(zip(lies["id_famille"], lies["id_inscrit"], strict=True))


def test_un_retour_ne_contient_que_des_niveaux_d_accord_et_la_decision() -> None:
    famille = enfant("F1", "LEROUX", "INES CLAIRE", date(2016, 5, 12), "F", nom_allocataire="ROY", **ADRESSE)
    inscrit = enfant("I1", "Leroux", "Inès", date(2016, 5, 13), "F", ine="0123456789A", **ADRESSE)
    retour = Retour(comparer_fiches(famille, inscrit), meme_enfant=True)

    assert {champ.name for champ in dataclasses.fields(Retour)} == {"niveaux", "meme_enfant"}
    assert set(retour.niveaux) == {*CHAMPS, "inversion"}
    for champ in CHAMPS:
        assert retour.niveaux[champ] in (*NIVEAUX[champ], "manquant")
    assert retour.niveaux["inversion"] in ("oui", "non")
    texte = repr(retour).upper()
    identite = ("LEROUX", "ROY", "INES", "CLAIRE", "2016", "ACACIAS", "99001", "VILLEFICTIVE", "0123456789A")
    for valeur in (*identite, "F1", "I1"):
        assert valeur not in texte


def test_les_fiches_comparees_par_lots_le_sont_comme_une_a_une() -> None:
    # EMMA est à la CAF sous le nom de sa mère, son frère sous celui du père, que l'école donne aux
    # deux : comparées ensemble, les fiches du frère ne doivent pas prêter leur nom à EMMA.
    mere = {**ADRESSE, "nom_allocataire": "VERLIMONT", "prenom_allocataire": "SOPHIE"}
    emma = enfant("F1", "VERLIMONT", "EMMA", date(2014, 2, 3), "F", **mere)
    noah = enfant("F2", "RITEARDIER", "NOAH", date(2017, 6, 1), "M", **mere)
    autre = enfant("F3", "MOREAU", "JADE", date(2015, 1, 9), "F", nom_allocataire="MOREAU")
    fiches = [
        enfant("I1", "RITEARDIER", "Emma", date(2014, 2, 3), "F"),
        enfant("I2", "RITEARDIER", "Noah", date(2017, 6, 1), "M"),
        enfant("I3", "Jade", "MOREAU", date(2015, 1, 19), "F", **ADRESSE),
    ]
    paires = [(f, i) for f in (emma, noah, autre) for i in fiches]
    assert comparer_lots_de_fiches(paires) == [comparer_fiches(f, i) for f, i in paires]
    assert comparer_lots_de_fiches(paires)[0]["nom"] == "different"


def test_un_retour_au_niveau_inconnu_est_refuse() -> None:
    liste = familles(enfant("F1", "LEROUX", "INES", date(2016, 5, 12), "F"))
    ecole = inscrits(enfant("I1", "LEROUX", "Ines", date(2016, 5, 12), "F"))
    with pytest.raises(RetourInvalide, match="niveau inconnu"):
        apparier(liste, ecole, REFERENCE, retours=[Retour({"nom": "presque"}, True)])


def _second_prenom_a_l_ecole() -> tuple[pl.DataFrame, pl.DataFrame]:
    # La CAF ne donne que le premier prénom, l'école que le prénom usuel : un prénom « sans rapport »,
    # que le moteur envoie en revue (c'est aussi le portrait d'un frère ou d'une sœur).
    liste = familles(enfant("F1", "LEROUX", "INES", date(2016, 5, 12), "F", **ADRESSE))
    ecole = inscrits(enfant("I1", "LEROUX", "Claire", date(2016, 5, 12), "F"))
    return liste, ecole


def test_un_motif_dit_meme_enfant_en_revue_n_est_plus_envoye_en_revue() -> None:
    liste, ecole = _second_prenom_a_l_ecole()
    avant = decisions_par_id(apparier(liste, ecole, REFERENCE).decisions)["F1"]
    assert avant["statut"] == "a_verifier"

    retours = _retours(liste.row(0, named=True), ecole.row(0, named=True), meme=True)
    apres = decisions_par_id(apparier(liste, ecole, REFERENCE, retours=retours).decisions)["F1"]
    assert (apres["statut"], apres["id_inscrit"]) == ("apparie", "I1")
    assert "même enfant" in json.loads(apres["explication"])["retours"]


def test_trop_peu_de_retours_ne_changent_pas_la_decision() -> None:
    liste, ecole = _second_prenom_a_l_ecole()
    retours = [Retour(comparer_fiches(liste.row(0, named=True), ecole.row(0, named=True)), True)] * 5
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE, retours=retours).decisions)["F1"]
    assert decision["statut"] == "a_verifier"


def test_un_motif_dit_pas_le_meme_ressort_non_retrouve_avec_ses_candidats() -> None:
    liste, ecole = _second_prenom_a_l_ecole()
    retours = _retours(liste.row(0, named=True), ecole.row(0, named=True), meme=False)
    decision = decisions_par_id(apparier(liste, ecole, REFERENCE, retours=retours).decisions)["F1"]
    assert (decision["statut"], decision["id_inscrit"]) == ("non_apparie", None)
    assert [c["id_inscrit"] for c in decision["candidats"]] == ["I1"]
    assert "pas le même" in json.loads(decision["explication"])["retours"]


def test_sans_retours_les_decisions_sont_celles_d_avant() -> None:
    jeu = generer(800, graine=5, date_reference=REFERENCE)
    sans = apparier(jeu.familles, jeu.inscrits, REFERENCE)
    vide = apparier(jeu.familles, jeu.inscrits, REFERENCE, retours=())
    assert vide.decisions.equals(sans.decisions)
    assert vide.modele == sans.modele
    assert "retours" not in json.loads(sans.decisions["explication"][0])


@pytest.fixture(scope="module")
def campagne():  # type: ignore[no-untyped-def]
    """Un jeu, ses décisions sans retours, et des retours construits sur ses cas à vérifier."""
    jeu = generer(800, graine=11, date_reference=REFERENCE)
    sans = apparier(jeu.familles, jeu.inscrits, REFERENCE)
    familles_par_id = {ligne["id"]: ligne for ligne in jeu.familles.iter_rows(named=True)}
    inscrits_par_id = {ligne["id"]: ligne for ligne in jeu.inscrits.iter_rows(named=True)}
    paires = [
        (familles_par_id[d["id_famille"]], inscrits_par_id[c["id_inscrit"]])
        for d in sans.decisions.iter_rows(named=True)
        if d["statut"] == "a_verifier"
        for c in d["candidats"]
    ]
    assert paires
    return jeu, sans, paires


def test_des_reponses_pas_le_meme_ne_creent_jamais_de_lien(campagne) -> None:  # type: ignore[no-untyped-def]
    jeu, sans, paires = campagne
    non = [r for f, i in paires for r in _retours(f, i, meme=False)]
    oui = [r for f, i in paires for r in _retours(f, i, meme=True)]

    avec_non = apparier(jeu.familles, jeu.inscrits, REFERENCE, retours=non)
    assert _liens(avec_non.decisions) <= _liens(sans.decisions)
    # Les cas démentis ressortent non retrouvés : il y a moins de cas à vérifier.
    assert avec_non.comptes()["a_verifier"] < sans.comptes()["a_verifier"]

    # Ajoutées à des réponses « même enfant », elles ne font que retirer des liens.
    avec_oui = apparier(jeu.familles, jeu.inscrits, REFERENCE, retours=oui)
    avec_les_deux = apparier(jeu.familles, jeu.inscrits, REFERENCE, retours=oui + non[: len(non) // 2])
    assert _liens(avec_les_deux.decisions) <= _liens(avec_oui.decisions)
    # Elles n'entrent pas dans m : le modèle est le même.
    assert avec_les_deux.modele == avec_oui.modele


def test_les_liens_confirmes_entrent_dans_m(campagne) -> None:  # type: ignore[no-untyped-def]
    jeu, _, paires = campagne
    oui = [Retour(comparer_fiches(f, i), True) for f, i in paires]
    # Liste trop petite pour estimer : m du modèle par défaut est mis à jour.
    petite = Reglages(taille_min_estimation=10_000)
    sans = apparier(jeu.familles, jeu.inscrits, REFERENCE, reglages=petite)
    avec = apparier(jeu.familles, jeu.inscrits, REFERENCE, reglages=petite, retours=oui)
    assert (sans.modele.origine, avec.modele.origine) == ("defaut", "defaut+retours")
    # Estimée (EM) : les liens confirmés y entrent.
    estimee = Reglages(taille_min_estimation=500)
    em = apparier(jeu.familles, jeu.inscrits, REFERENCE, reglages=estimee)
    em_avec = apparier(jeu.familles, jeu.inscrits, REFERENCE, reglages=estimee, retours=oui)
    assert (em.modele.origine, em_avec.modele.origine) == ("em", "em+retours")
    for resultat, reference in ((avec, sans), (em_avec, em)):
        assert resultat.modele.champs != reference.modele.champs
        for champ, parametres in resultat.modele.champs.items():
            assert sum(parametres.m) == pytest.approx(1.0, abs=1e-6)
            assert parametres.u == reference.modele.champs[champ].u


NE_JUMEAUX = date(2016, 5, 12)


def test_un_jumeau_absent_reste_protege_malgre_des_retours_sur_un_motif_voisin() -> None:
    # Des personnes ont souvent dit « même enfant » pour un prénom sans rapport quand l'école n'a pas
    # l'adresse (second prénom à l'école). La fiche de la sœur jumelle, elle, a l'adresse et l'autre
    # sexe : un motif voisin, pas le même.
    liste, ecole = _second_prenom_a_l_ecole()
    retours = _retours(liste.row(0, named=True), ecole.row(0, named=True), meme=True)
    seul = familles(enfant("F2", "MARTIN", "LUCAS", NE_JUMEAUX, "M", **ADRESSE))
    soeur = inscrits(enfant("I1", "MARTIN", "Léa", NE_JUMEAUX, "F", **ADRESSE))
    decision = decisions_par_id(apparier(seul, soeur, REFERENCE, retours=retours).decisions)["F2"]
    assert decision["statut"] in SIGNALES
    assert decision["id_inscrit"] is None


def test_un_jumeau_absent_n_est_pas_lie_a_la_fiche_de_sa_soeur_meme_si_son_motif_est_confirme() -> None:
    # Même le motif exact de la jumelle confirmé par des retours : sa sœur, sur la liste, lui dispute
    # la fiche (au pire, les deux vont en revue) ; elle n'est jamais liée à la fiche de sa sœur.
    liste = familles(
        enfant("F1", "MARTIN", "LEA", NE_JUMEAUX, "F", **ADRESSE),
        enfant("F2", "MARTIN", "LOUISE", NE_JUMEAUX, "F", **ADRESSE),
    )
    ecole = inscrits(enfant("I1", "MARTIN", "Léa", NE_JUMEAUX, "F", **ADRESSE))
    retours = _retours(liste.row(1, named=True), ecole.row(0, named=True), meme=True)
    decisions = decisions_par_id(apparier(liste, ecole, REFERENCE, retours=retours).decisions)
    assert decisions["F1"]["id_inscrit"] in ("I1", None)
    assert decisions["F2"]["statut"] in SIGNALES
    assert decisions["F2"]["id_inscrit"] is None
