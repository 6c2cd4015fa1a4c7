"""Banc du journal d'audit : écrire N entrées, les vérifier toutes, les exporter.

    .venv/bin/python bench/bench_audit.py                 # SQLite, 100 000 entrées
    .venv/bin/python bench/bench_audit.py --postgres URL  # et PostgreSQL (schéma jetable)

Affiche un tableau Markdown à reporter dans bench/RESULTS.md (section « Journal d'audit »).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

import audit

TRANSACTION = 1000


@contextmanager
def _base(url: str | None) -> Iterator[tuple[str, sa.Engine]]:
    if url is None:
        with tempfile.TemporaryDirectory() as dossier:
            bdd = sa.create_engine(f"sqlite:///{Path(dossier) / 'banc.sqlite'}")
            yield "SQLite", bdd
            bdd.dispose()
        return
    schema = f"banc_audit_{uuid.uuid4().hex[:8]}"
    administration = sa.create_engine(url)
    with administration.begin() as connexion:
        connexion.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separateur = "&" if "?" in url else "?"
    bdd = sa.create_engine(f"{url}{separateur}options={quote(f'-csearch_path={schema}')}")
    try:
        yield "PostgreSQL", bdd
    finally:
        bdd.dispose()
        with administration.begin() as connexion:
            connexion.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        administration.dispose()


def _evenement(rang: int) -> audit.Evenement:
    return audit.Evenement(
        action=audit.Action.CONSULTATION,
        acteur=f"agent-{rang % 37}",
        role="agent_commune",
        cible=audit.Cible(type="cas", id=f"cas-{rang % 5000:05d}"),
        motif="instruction du cas",
        requete=f"req-{rang:08d}",
        details={"campagne": "camp-2026-09", "rang": rang},
    )


def mesurer(url: str | None, entrees: int) -> list[tuple[str, str, str]]:
    """Écrit, vérifie et exporte ; renvoie les lignes du tableau."""
    signataire = audit.Signataire.generer()
    with _base(url) as (nom, bdd):
        with bdd.begin() as connexion:
            audit.installer(connexion)
        debut = time.perf_counter()
        for lot in range(0, entrees, TRANSACTION):
            with bdd.begin() as connexion:
                for rang in range(lot, min(lot + TRANSACTION, entrees)):
                    audit.ecrire(connexion, _evenement(rang), signataire=signataire)
        ecriture = time.perf_counter() - debut

        debut = time.perf_counter()
        with bdd.connect() as connexion:
            rapport = audit.verifier(connexion, cles={signataire.cle_publique})
        verification = time.perf_counter() - debut
        if not rapport.intact or rapport.entrees != entrees:
            raise SystemExit(f"Vérification inattendue : {rapport.resume()}")

        debut = time.perf_counter()
        with bdd.connect() as connexion:
            taille_csv = sum(len(morceau) for morceau in audit.exporter_csv(connexion))
        export = time.perf_counter() - debut

        debut = time.perf_counter()
        with bdd.connect() as connexion:
            page = audit.lire(connexion, audit.Filtre(acteur="agent-3"), page=10, par_page=100)
        lecture = time.perf_counter() - debut
    return [
        (nom, f"écriture de {entrees} entrées (lots de {TRANSACTION})", f"{ecriture:.1f} s"),
        (nom, "débit d'écriture", f"{entrees / ecriture:,.0f} entrées/s".replace(",", " ")),
        (nom, f"vérification complète ({rapport.points_verifies} points signés)", f"{verification:.2f} s"),
        (nom, f"export CSV complet ({taille_csv / 1e6:.1f} Mo)", f"{export:.2f} s"),
        (nom, f"lecture filtrée, page 10 ({page.total} entrées au filtre)", f"{lecture * 1000:.0f} ms"),
    ]


def main() -> None:
    parametres = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parametres.add_argument("--entrees", type=int, default=100_000)
    parametres.add_argument("--postgres", help="URL PostgreSQL (SQLAlchemy) à mesurer en plus de SQLite")
    arguments = parametres.parse_args()
    lignes = mesurer(None, arguments.entrees)
    if arguments.postgres:
        lignes += mesurer(arguments.postgres, arguments.entrees)
    print("| Base | Mesure | Résultat |")
    print("|---|---|---|")
    for ligne in lignes:
        print(f"| {' | '.join(ligne)} |")


if __name__ == "__main__":
    main()
