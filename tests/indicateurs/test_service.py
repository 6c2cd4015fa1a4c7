"""Les indicateurs servis par l'API et la commande : portée de chaque rôle, formats, audit, export mensuel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import audit
from service.base.connexion import session_base
from service.cli import app
from service.indicateurs import INDICATEURS
from service.indicateurs.production import exporter_mois_precedent
from service.modeles import EvenementCas
from tests.indicateurs.test_calcul import SUITE
from tests.service.fabriques import A, B, C, Monde, identite

# Les communes de la suite écrite à la main, rapportées à celles du monde de test.
COMMUNE = {"59001": A, "59002": B, "62001": C}


def semer_suite(monde: Monde) -> None:
    with session_base(monde.bdd) as session:
        for cas, commune, jour, de, etape, motif in SUITE:
            session.add(
                EvenementCas(
                    cas_id=cas,
                    commune=COMMUNE[commune],
                    departement=COMMUNE[commune][:2],
                    survenu_le=datetime.fromisoformat(jour).replace(hour=10, tzinfo=UTC),
                    action="semé",
                    de_statut=de,
                    vers_statut=etape,
                    motif=motif,
                    acteur_role="systeme",
                )
            )


def lignes(monde: Monde, compte: str, **parametres: str) -> dict[str, dict[str, object]]:
    reponse = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-10", **parametres}, headers=monde.entetes(compte)
    )
    assert reponse.status_code == 200, reponse.text
    return {ligne["libelle"]: ligne["valeurs"] for ligne in reponse.json()["lignes"]}


def test_chaque_role_voit_sa_portee_et_les_memes_chiffres(monde: Monde) -> None:
    semer_suite(monde)
    pilote = lignes(monde, "pilote.test")
    assert list(pilote) == [
        "Ablainville-Fictive (59001)",
        "Bourg-Imaginaire (59002)",
        "Total département 59",
        "Calonne-Inventee (62001)",
        "Total département 62",
    ]
    assert pilote["Ablainville-Fictive (59001)"]["reperes"] == 3
    assert pilote["Ablainville-Fictive (59001)"]["rescolarisations"] == 1
    assert pilote["Total département 59"]["delai_transmission"] == 15.0
    assert pilote["Total département 62"]["enquetes_sociales"] == 1

    assert list(lignes(monde, "agent.a")) == ["Ablainville-Fictive (59001)", "Total département 59"]
    assert lignes(monde, "agent.a")["Ablainville-Fictive (59001)"] == pilote["Ablainville-Fictive (59001)"]
    referent = lignes(monde, "referent.59")
    assert list(referent) == [
        "Ablainville-Fictive (59001)",
        "Bourg-Imaginaire (59002)",
        "Total département 59",
    ]
    assert referent["Total département 59"] == pilote["Total département 59"]
    assert list(lignes(monde, "referent.62")) == ["Calonne-Inventee (62001)", "Total département 62"]


@pytest.mark.parametrize("compte", ["dpo.test", "admin.test"])
def test_ni_le_dpo_ni_l_administrateur_n_ont_les_indicateurs(monde: Monde, compte: str) -> None:
    reponse = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-10"}, headers=monde.entetes(compte)
    )
    assert reponse.status_code == 403
    assert "indicateurs" in reponse.json()["detail"]


def journal(monde: Monde, action: str) -> list[audit.Entree]:
    with monde.bdd.connect() as connexion:
        return audit.lire(connexion, audit.Filtre(action=action)).entrees


def test_un_agent_ne_peut_pas_demander_une_autre_commune_et_le_refus_est_audite(monde: Monde) -> None:
    reponse = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-10", "commune": B}, headers=monde.entetes("agent.a")
    )
    assert reponse.status_code == 403
    refus = journal(monde, "autorisation_refusee")
    assert [(e.acteur, e.cible.id if e.cible else None) for e in refus] == [("agent.a", B)]


def test_sans_session_pas_d_indicateurs(monde: Monde) -> None:
    assert monde.client.get("/api/v1/indicateurs", params={"mois": "2026-10"}).status_code == 401


def test_un_mois_mal_ecrit_est_explique(monde: Monde) -> None:
    reponse = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "octobre"}, headers=monde.entetes("pilote.test")
    )
    assert reponse.status_code == 422
    assert "AAAA-MM" in reponse.json()["detail"]


def test_les_fichiers_de_l_api_se_relisent_et_chaque_export_est_audite(monde: Monde) -> None:
    semer_suite(monde)
    entetes = monde.entetes("referent.59")
    csv_ = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-10", "format": "csv"}, headers=entetes
    )
    assert csv_.headers["content-type"].startswith("text/csv")
    rangees = list(csv.reader(io.StringIO(csv_.content.decode("utf-8-sig")), delimiter=";"))
    assert rangees[2][:3] == ["59", "Ablainville-Fictive (59001)", "3"]
    xlsx = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-10", "format": "xlsx", "masquage": "3"}, headers=entetes
    )
    feuille = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    valeurs = [list(r) for r in feuille.iter_rows(values_only=True)]
    # 3 repérés ici, masqués quand même : sinon le « < 3 » de la commune voisine se déduirait du total.
    assert valeurs[4][:4] == ["59", "Ablainville-Fictive (59001)", "masqué", "< 3"]
    ods = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-10", "format": "ods"}, headers=entetes
    )
    assert ods.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    exports = journal(monde, "export_indicateurs")
    assert sorted(e.details["format"] for e in exports) == ["csv", "ods", "xlsx"]
    assert {e.details["mois"] for e in exports} == {"2026-10"}


def test_une_vraie_transmission_compte_dans_le_mois(monde: Monde) -> None:
    [cas] = monde.semer_cas(A, [identite("LEGRAND-FICTIF", "NOA", date(2017, 3, 2))])
    reponse = monde.client.post(
        f"/api/v1/cas/{cas}/transitions", json={"action": "transmettre"}, headers=monde.entetes("agent.a")
    )
    assert reponse.status_code == 200, reponse.text
    mois = date.today().strftime("%Y-%m")
    valeurs = monde.client.get(
        "/api/v1/indicateurs", params={"mois": mois, "commune": A}, headers=monde.entetes("agent.a")
    ).json()["lignes"][0]["valeurs"]
    assert valeurs["reperes"] == 1
    assert valeurs["verifiees"] == 1
    assert valeurs["transmissions"] == 1
    assert valeurs["ouverts_fin_de_mois"] == 1
    assert valeurs["delai_transmission"] == 0.0


def test_la_commande_exporte_et_refuse_une_commune_inconnue(monde: Monde, tmp_path) -> None:  # type: ignore[no-untyped-def]
    semer_suite(monde)
    sortie = tmp_path / "octobre.xlsx"
    resultat = CliRunner().invoke(
        app, ["indicateurs", "exporter", "--mois", "2026-10", "--format", "xlsx", "--sortie", str(sortie)]
    )
    assert resultat.exit_code == 0, resultat.output
    valeurs = [list(r) for r in openpyxl.load_workbook(sortie).active.iter_rows(values_only=True)]
    assert [v[1] for v in valeurs[4:9]] == [
        "Ablainville-Fictive (59001)",
        "Bourg-Imaginaire (59002)",
        "Total département 59",
        "Calonne-Inventee (62001)",
        "Total département 62",
    ]
    inconnue = CliRunner().invoke(
        app,
        [
            "indicateurs",
            "exporter",
            "--mois",
            "2026-10",
            "--format",
            "csv",
            "--sortie",
            str(tmp_path / "x.csv"),
            "--commune",
            "99999",
        ],
    )
    assert inconnue.exit_code == 1
    assert "Commune 99999 inconnue" in inconnue.output
    mauvais = CliRunner().invoke(
        app, ["indicateurs", "exporter", "--mois", "2026-10", "--format", "pdf", "--sortie", str(sortie)]
    )
    assert mauvais.exit_code == 2


def test_l_export_du_mois_precedent_est_produit_une_fois_et_garde(monde: Monde, tmp_path) -> None:  # type: ignore[no-untyped-def]
    semer_suite(monde)
    dossier = tmp_path / "exports"
    ecrits = exporter_mois_precedent(monde.bdd, dossier, date(2026, 11, 1))
    assert sorted(p.name for p in ecrits) == [
        "indicateurs-2026-10.csv",
        "indicateurs-2026-10.ods",
        "indicateurs-2026-10.xlsx",
    ]
    contenu = (dossier / "indicateurs-2026-10.csv").read_bytes()
    assert "Ablainville-Fictive (59001);3;2" in contenu.decode("utf-8-sig")
    assert exporter_mois_precedent(monde.bdd, dossier, date(2026, 11, 2)) == []
    assert [e.acteur for e in journal(monde, "export_indicateurs")] == ["systeme"] * 3


def semer_etapes(monde: Monde, etapes: list[tuple[str, str, str | None, str, str | None]]) -> None:
    """Des étapes de cas de A, dans l'ordre de leur enregistrement : (cas, saisie, de, vers, date d'effet)."""
    with session_base(monde.bdd) as session:
        for cas, saisie, de, vers, effet in etapes:
            session.add(
                EvenementCas(
                    cas_id=cas,
                    commune=A,
                    departement=A[:2],
                    survenu_le=datetime.fromisoformat(saisie).replace(hour=10, tzinfo=UTC),
                    action="semé",
                    de_statut=de,
                    vers_statut=vers,
                    date_effet=date.fromisoformat(effet) if effet else None,
                    acteur_role="systeme",
                )
            )
            session.flush()


def test_un_cas_rescolarise_n_est_pas_compte_ouvert_en_fin_de_mois(monde: Monde) -> None:
    # Transmis le 7 décembre ; la rescolarisation, saisie le 8, est datée du 5 : c'est pourtant la
    # dernière étape du cas, qui n'est plus ouvert le 31 décembre.
    semer_etapes(
        monde,
        [
            ("d1", "2026-12-01", None, "repere", None),
            ("d1", "2026-12-07", "repere", "transmis_dasen", None),
            ("d1", "2026-12-08", "transmis_dasen", "rescolarise", "2026-12-05"),
            ("d2", "2026-12-02", None, "repere", None),
        ],
    )
    reponse = monde.client.get(
        "/api/v1/indicateurs", params={"mois": "2026-12", "commune": A}, headers=monde.entetes("agent.a")
    )
    valeurs = reponse.json()["lignes"][0]["valeurs"]
    assert (valeurs["reperes"], valeurs["transmissions"], valeurs["ouverts_fin_de_mois"]) == (2, 1, 1)


def test_un_mois_dont_les_chiffres_changent_est_exporte_de_nouveau_et_l_ancien_garde(  # type: ignore[no-untyped-def]
    monde: Monde, tmp_path
) -> None:
    semer_etapes(monde, [("e1", "2026-10-02", None, "repere", None)])
    dossier = tmp_path / "exports"
    assert len(exporter_mois_precedent(monde.bdd, dossier, date(2026, 11, 1))) == 3
    diffuse = (dossier / "indicateurs-2026-10.csv").read_bytes()
    # Le 15 novembre, une transmission d'octobre est saisie après coup : octobre change.
    semer_etapes(monde, [("e1", "2026-11-15", "repere", "transmis_dasen", "2026-10-20")])
    ecrits = exporter_mois_precedent(monde.bdd, dossier, date(2026, 11, 15))
    assert sorted(p.name for p in ecrits) == [
        "indicateurs-2026-10.csv",
        "indicateurs-2026-10.ods",
        "indicateurs-2026-10.xlsx",
    ]
    assert sorted(p.name for p in dossier.glob("*-remplace-le-*")) == [
        "indicateurs-2026-10-remplace-le-20261115.csv",
        "indicateurs-2026-10-remplace-le-20261115.ods",
        "indicateurs-2026-10-remplace-le-20261115.xlsx",
    ]
    assert (dossier / "indicateurs-2026-10-remplace-le-20261115.csv").read_bytes() == diffuse
    [_, _, ablainville, *_] = lire_csv(dossier / "indicateurs-2026-10.csv")
    transmissions = 2 + [i.cle for i in INDICATEURS].index("transmissions")
    assert ablainville[transmissions] == "1"
    # Les chiffres ne bougent plus : rien n'est réécrit, et aucun export n'est inscrit au journal.
    assert exporter_mois_precedent(monde.bdd, dossier, date(2026, 11, 16)) == []
    assert len(journal(monde, "export_indicateurs")) == 6


def lire_csv(chemin: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(chemin.read_text(encoding="utf-8-sig")), delimiter=";"))
