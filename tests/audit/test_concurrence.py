"""Des écrivains concurrents (fils, processus) forment une seule séquence valide."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

import audit
from tests.audit.conftest import verifier
from tests.audit.ecrivain import ecrire

RACINE = Path(__file__).resolve().parents[2]


def _auteurs(bdd: sa.Engine) -> Counter[str]:
    with bdd.connect() as connexion:
        return Counter(connexion.execute(sa.select(audit.tables.journal.c.acteur)).scalars())


def test_des_fils_concurrents_forment_une_seule_sequence(
    bdd: sa.Engine, url_base: str, signataire: audit.Signataire
) -> None:
    erreurs: list[BaseException] = []
    depart = threading.Barrier(6)

    def travailler(nom: str) -> None:
        try:
            depart.wait(timeout=30)  # tous les fils écrivent en même temps
            ecrire(url_base, 15, nom)
        except BaseException as erreur:  # remonté au fil principal
            erreurs.append(erreur)

    fils = [threading.Thread(target=travailler, args=(f"fil-{rang}",)) for rang in range(6)]
    for un_fil in fils:
        un_fil.start()
    for un_fil in fils:
        un_fil.join()
    assert erreurs == []
    rapport = verifier(bdd, signataire)
    assert rapport.intact, rapport.resume()
    assert (rapport.entrees, rapport.taille) == (90, 90)
    assert _auteurs(bdd) == {f"fil-{rang}": 15 for rang in range(6)}


def test_des_processus_concurrents_forment_une_seule_sequence(
    bdd: sa.Engine, url_base: str, signataire: audit.Signataire
) -> None:
    processus = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.audit.ecrivain", url_base, "10", f"processus-{rang}"],
            cwd=RACINE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rang in range(3)
    ]
    for un_processus in processus:
        _, erreur = un_processus.communicate(timeout=120)
        assert un_processus.returncode == 0, erreur
    rapport = verifier(bdd, signataire)
    assert rapport.intact, rapport.resume()
    assert (rapport.entrees, rapport.taille) == (30, 30)
    assert _auteurs(bdd) == {f"processus-{rang}": 10 for rang in range(3)}


def test_verifier_pendant_que_d_autres_ecrivent_ne_donne_pas_de_fausse_alerte(
    bdd: sa.Engine, url_base: str, signataire: audit.Signataire
) -> None:
    # Le compteur d'écritures avance pendant la vérification : il est lu avant et après le parcours.
    ecrivain = subprocess.Popen(
        [sys.executable, "-m", "tests.audit.ecrivain", url_base, "150", "processus-ecrivain"],
        cwd=RACINE,
        stderr=subprocess.PIPE,
        text=True,
    )
    rapports = []
    while ecrivain.poll() is None:
        rapports.append(verifier(bdd, signataire))
    _, erreur = ecrivain.communicate(timeout=120)
    assert ecrivain.returncode == 0, erreur
    rapports.append(verifier(bdd, signataire))
    assert [r.resume() for r in rapports if not r.intact] == []
    assert rapports[-1].taille == 150
