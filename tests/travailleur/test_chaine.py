"""La chaîne complète d'une campagne dans l'enfant confiné, sur de vraies archives 7z chiffrées."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
import pytest

from appariement import apparier
from chiffrement import Limites
from fictif import generer
from service.travailleur import EchecTravail, executer
from service.travailleur.parent import MODULE_ENFANT, decoder_reponse, lancer
from service.travailleur.protocole import ReponseEnfant
from tests.travailleur.fabrique import (
    DATE_REFERENCE,
    Campagne,
    archive_7z_plusieurs,
    convention,
    csv_pivot,
    familles,
    inscrits,
    protections_disponibles,
    reglages,
    sept_zip,
)


@pytest.fixture(autouse=True)
def _sept_zip() -> None:
    sept_zip()


def _famille(
    id_: str, nom: str, prenoms: str, naissance: dt.date, sexe: str, **autres: str
) -> dict[str, object]:
    return {"id": id_, "nom": nom, "prenoms": prenoms, "date_naissance": naissance, "sexe": sexe, **autres}


def _petite_campagne(nom_absent: str = "MARTINEAU") -> Campagne:
    campagne = Campagne()
    campagne.ajouter(
        "caf-1",
        "caf",
        familles(
            _famille("1", "LEFEBVRE", "Lucas Marie", dt.date(2016, 3, 4), "M", nom_allocataire="LEFEBVRE"),
            _famille(
                "2",
                nom_absent,
                "Zoé",
                dt.date(2015, 7, 21),
                "F",
                nom_allocataire=nom_absent,
                prenom_allocataire="Paul",
                adresse="12 allée des Peupliers",
                code_postal="59350",
                commune="Exempleville",
            ),
            _famille("3", "BERTHIER", "Hugo", dt.date(2017, 1, 9), "M"),
            _famille("4", "CARON", "Léa", dt.date(2007, 5, 2), "F"),
        ),
    )
    campagne.ajouter(
        "onde-1",
        "onde",
        inscrits(_famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M", uai="0590001A")),
    )
    campagne.ajouter("ief-1", "ief", inscrits(_famille("1", "BERTHIER", "Hugo", dt.date(2017, 1, 9), "M")))
    return campagne


def test_une_campagne_signale_l_enfant_absent_des_listes_avec_son_identite_telle_que_recue() -> None:
    campagne = _petite_campagne()

    reponse = executer(campagne.demande(), reglages=reglages())

    assert reponse.statut == "termine"
    assert reponse.appariement_effectue
    assert reponse.erreurs == []
    total = reponse.total
    assert (total.lignes, total.valides, total.rejetees) == (6, 6, 0)
    assert (total.apparies, total.instruction_declaree, total.hors_obligation) == (1, 1, 1)
    assert (total.a_verifier, total.non_apparies) == (0, 1)
    [signale] = reponse.signales
    assert (signale.source, signale.fichier, signale.id_ligne, signale.statut) == (
        "caf-1",
        1,
        "2",
        "non_apparie",
    )
    identite = signale.identite
    assert (identite.nom, identite.prenoms, identite.date_naissance) == (
        "MARTINEAU",
        "Zoé",
        dt.date(2015, 7, 21),
    )
    assert (identite.nom_allocataire, identite.prenom_allocataire) == ("MARTINEAU", "Paul")
    assert (identite.adresse, identite.code_postal) == ("12 allée des Peupliers", "59350")
    assert signale.explication


def test_chaque_source_a_ses_comptes_et_l_empreinte_de_son_archive() -> None:
    campagne = _petite_campagne()

    reponse = executer(campagne.demande(), reglages=reglages())

    par_source = {s.identifiant: s for s in reponse.sources}
    assert {i: s.sha256 for i, s in par_source.items()} == {
        s.identifiant: hashlib.sha256(s.archive).hexdigest() for s in campagne.sources
    }
    assert [par_source[i].source for i in ("caf-1", "onde-1", "ief-1")] == ["caf", "onde", "ief"]
    caf = par_source["caf-1"].comptes
    assert (caf.lignes, caf.apparies, caf.instruction_declaree, caf.hors_obligation, caf.non_apparies) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert par_source["onde-1"].comptes.apparies == 1
    assert par_source["ief-1"].comptes.instruction_declaree == 1


def test_les_protections_actives_sont_rapportees() -> None:
    reponse = executer(_petite_campagne().demande(), reglages=reglages())
    assert set(reponse.protections) == {
        "mort_avec_parent",
        "memoire_protegee",
        "limites",
        "sans_nouveaux_privileges",
        "espaces_de_noms",
        "landlock",
        "seccomp",
    }
    assert {nom for nom, active in reponse.protections.items() if active} == protections_disponibles()
    assert reponse.memoire_crete_mio is not None
    assert reponse.memoire_crete_mio < reglages().memoire // (1024 * 1024)


def test_un_mot_de_passe_faux_refuse_la_source_et_aucun_enfant_n_est_signale_a_tort() -> None:
    campagne = Campagne()
    campagne.ajouter("caf-1", "caf", familles(_famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M")))
    campagne.ajouter(
        "onde-1",
        "onde",
        inscrits(_famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M")),
        mot_de_passe_scelle="Mauvais-Mot-De-Passe-1",
    )

    reponse = executer(campagne.demande(), reglages=reglages())

    assert reponse.statut == "termine"
    assert not reponse.appariement_effectue
    assert reponse.signales == []
    onde = next(s for s in reponse.sources if s.identifiant == "onde-1")
    assert onde.refus is not None
    assert onde.refus.startswith("mot de passe incorrect ou archive corrompue")
    assert [e.motif for e in reponse.erreurs] == ["appariement non lancé : au moins une source est refusée"]


def test_une_convention_echue_refuse_sa_source_avant_ouverture_de_l_archive() -> None:
    campagne = Campagne()
    campagne.ajouter(
        "caf-1",
        "caf",
        familles(_famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M")),
        convention_json=convention("caf", fin=dt.date(2025, 12, 31)),
    )
    campagne.ajouter("onde-1", "onde", inscrits(_famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M")))

    reponse = executer(campagne.demande(), reglages=reglages())

    caf = next(s for s in reponse.sources if s.identifiant == "caf-1")
    assert caf.refus is not None
    assert "a pris fin le 31/12/2025" in caf.refus
    assert caf.fichiers == 0
    assert not reponse.appariement_effectue


def _repartir(jeu_inscrits: pl.DataFrame) -> dict[str, tuple[str, pl.DataFrame]]:
    """Répartit les inscrits en listes ONDE, SIECLE et déclarations, chacune numérotée de 1 à n."""
    ecole = jeu_inscrits.filter(pl.col("mode") == "ecole")
    moitie = ecole.height // 2
    listes = {
        "onde-1": ("onde", ecole.head(moitie)),
        "siecle-1": ("siecle", ecole.tail(ecole.height - moitie)),
    }
    for mode in ("ief", "cned", "hors_contrat", "medico_social"):
        table = jeu_inscrits.filter(pl.col("mode") == mode)
        if table.height:
            listes[f"{mode}-1"] = (mode, table)
    return {
        cle: (source, table.with_columns(pl.int_range(1, table.height + 1).cast(pl.Utf8).alias("id")))
        for cle, (source, table) in listes.items()
    }


def test_la_chaine_isolee_decide_comme_le_moteur_malgre_des_identifiants_repetes_d_une_liste_a_l_autre() -> (
    None
):
    jeu = generer(400, graine=3, date_reference=DATE_REFERENCE)
    listes = _repartir(jeu.inscrits)
    campagne = Campagne()
    campagne.ajouter("caf-1", "caf", jeu.familles)
    for identifiant, (source, table) in listes.items():
        campagne.ajouter(identifiant, source, table)

    reponse = executer(campagne.demande(), reglages=reglages())

    attendu = apparier(jeu.familles, jeu.inscrits, DATE_REFERENCE).decisions
    comptes = dict(attendu.group_by("statut").len().iter_rows())
    total = reponse.total
    assert total.apparies == comptes.get("apparie", 0)
    assert total.instruction_declaree == comptes.get("instruction_declaree", 0)
    assert total.hors_obligation == comptes.get("hors_obligation", 0)
    assert (total.a_verifier, total.non_apparies) == (
        comptes.get("a_verifier", 0),
        comptes.get("non_apparie", 0),
    )
    signales_attendus = set(
        attendu.filter(pl.col("statut").is_in(["a_verifier", "non_apparie"]))["id_famille"]
    )
    assert {s.id_ligne for s in reponse.signales} == signales_attendus
    # Les élèves rattachés se répartissent entre les listes, qui numérotent toutes à partir de 1.
    rattaches = sum(s.comptes.apparies + s.comptes.instruction_declaree for s in reponse.sources[1:])
    assert rattaches == total.apparies + total.instruction_declaree
    for signale in reponse.signales:
        for candidat in signale.candidats:
            assert candidat.source in listes
            fiche = listes[candidat.source][1].filter(pl.col("id") == candidat.id_ligne).row(0, named=True)
            assert (candidat.identite.nom, candidat.identite.date_naissance) == (
                fiche["nom"],
                fiche["date_naissance"],
            )


def _fichiers_recents(dossier: Path, depuis: float) -> list[Path]:
    trouves = []
    for racine, _, noms in os.walk(dossier, onerror=lambda _erreur: None):
        for nom in noms:
            chemin = Path(racine) / nom
            try:
                if (
                    chemin.is_file()
                    and chemin.stat().st_mtime >= depuis
                    and chemin.stat().st_size < 64 * 1024 * 1024
                ):
                    trouves.append(chemin)
            except OSError:
                continue
    return trouves


def test_aucun_texte_clair_ne_reste_dans_les_dossiers_temporaires_et_de_donnees(
    dossier_donnees: Path, tmp_path: Path
) -> None:
    marqueur = f"PLUMERAIE{uuid.uuid4().hex[:12].upper()}"
    campagne = _petite_campagne(nom_absent=marqueur)
    debut = time.time() - 1

    reponse = executer(campagne.demande(), reglages=reglages())

    assert reponse.signales[0].identite.nom == marqueur  # le texte clair a bien existé, en mémoire
    dossiers = {Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/dev/shm"), dossier_donnees, tmp_path}
    examines = [f for d in dossiers if d.exists() for f in _fichiers_recents(d, debut)]
    contenant = []
    for fichier in examines:
        try:
            if marqueur.encode() in fichier.read_bytes():
                contenant.append(fichier)
        except OSError:
            continue
    assert contenant == []


def test_un_travail_trop_long_est_interrompu() -> None:
    with pytest.raises(EchecTravail, match=r"dépassé sa durée maximale \(0\.3 s\)"):
        executer(_petite_campagne().demande(), reglages=reglages(duree=0.3))


def test_un_plafond_de_memoire_trop_bas_est_un_echec_clair() -> None:
    with pytest.raises(EchecTravail, match="mémoire"):
        executer(_petite_campagne().demande(), reglages=reglages(memoire=256 * 1024 * 1024))


def test_une_demande_corrompue_est_refusee_par_l_enfant_sans_trace() -> None:
    # Version 1, une trame annoncée de 100 octets, dont 7 seulement sont là.
    tronquee = (
        b"CELLULE-DEMANDE\x00" + b"\x00\x01" + b"\x00\x00\x00\x01" + (100).to_bytes(8, "big") + b"tronque"
    )
    sortie = lancer(MODULE_ENFANT, reglages().arguments(), tronquee, reglages())
    reponse = decoder_reponse(sortie, ReponseEnfant)
    assert reponse.statut == "echec"
    assert reponse.motif == "demande illisible (message tronqué : trame incomplète)"


def test_les_limites_d_archive_du_deploiement_s_appliquent_dans_l_enfant() -> None:
    limites = Limites(taille_archive_max=100)

    reponse = executer(_petite_campagne().demande(), reglages=reglages(limites_archive=limites))

    assert all(s.refus is not None and s.refus.startswith("archive trop grande") for s in reponse.sources)
    assert not reponse.appariement_effectue


def test_une_archive_de_plusieurs_ecoles_est_lue_fichier_par_fichier_sans_melanger_les_identifiants() -> None:
    campagne = Campagne()
    campagne.ajouter(
        "caf-1",
        "caf",
        familles(
            _famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M"),
            _famille("2", "NAVARRO", "Inès", dt.date(2012, 11, 23), "F"),
        ),
    )
    ecoles = {
        "ecole-des-tilleuls.csv": csv_pivot(
            inscrits(_famille("1", "LEFEBVRE", "Lucas", dt.date(2016, 3, 4), "M"))
        ),
        "college-du-canal.csv": csv_pivot(
            inscrits(_famille("1", "NAVARRO", "Inès", dt.date(2012, 11, 23), "F"))
        ),
    }
    campagne.ajouter_archive(
        "onde-1", archive_7z_plusieurs(ecoles, "Tableau-Craie-2026"), "Tableau-Craie-2026", convention("onde")
    )

    reponse = executer(campagne.demande(), reglages=reglages())

    onde = next(s for s in reponse.sources if s.identifiant == "onde-1")
    assert (onde.fichiers, onde.comptes.lignes, onde.comptes.apparies) == (2, 2, 2)
    assert (reponse.total.apparies, reponse.signales) == (2, [])


def _suivis(*lignes: dict[str, object]) -> pl.DataFrame:
    """Des cas suivis comme les envoie la passe de contrôle : table des familles, id du cas."""
    return familles(*lignes)


def test_les_cas_suivis_sont_compares_aux_inscrits_dans_le_meme_enfant() -> None:
    campagne = _petite_campagne()
    suivis = _suivis(
        _famille("cas-inscrit", "LEFEBVRE", "Lucas Marie", dt.date(2016, 3, 4), "M"),
        _famille("cas-absent", "MARTINEAU", "Zoé", dt.date(2015, 7, 21), "F"),
        _famille("cas-ief", "BERTHIER", "Hugo", dt.date(2017, 1, 9), "M"),
    )

    reponse = executer(dataclasses.replace(campagne.demande(), suivis=suivis), reglages=reglages())

    assert reponse.controle is not None
    assert (reponse.controle.lignes, reponse.controle.refus) == (3, None)
    assert reponse.controle.encore_signales == ["cas-absent"]
    # Les cas suivis ne comptent ni parmi les sources ni parmi les enfants signalés de la campagne.
    assert [s.identifiant for s in reponse.sources] == ["caf-1", "onde-1", "ief-1"]
    assert [(s.source, s.id_ligne) for s in reponse.signales] == [("caf-1", "2")]
    assert reponse.total.lignes == 6


def test_sans_cas_suivis_la_reponse_ne_porte_aucun_controle() -> None:
    reponse = executer(_petite_campagne().demande(), reglages=reglages())

    assert reponse.appariement_effectue
    assert reponse.controle is None


def test_des_cas_suivis_mal_formes_sont_refuses_sans_empecher_la_campagne() -> None:
    campagne = _petite_campagne()
    suivis = pl.DataFrame({"id": ["cas-1"], "nom": ["LEFEBVRE"]})

    reponse = executer(dataclasses.replace(campagne.demande(), suivis=suivis), reglages=reglages())

    assert reponse.appariement_effectue
    assert len(reponse.signales) == 1
    assert reponse.controle is not None
    assert reponse.controle.refus == "cas suivis illisibles : colonnes de la table des familles attendues"
    assert reponse.controle.encore_signales == []
