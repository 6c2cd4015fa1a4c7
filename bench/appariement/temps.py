"""Temps de cellule et de Splink en passages alternés : ``.venv/bin/python -m bench.appariement.temps``.

Sur les fichiers gardés d'un jeu du banc (``--garder``), lance tour à tour chaque version de
cellule (l'arbre de travail courant et, avec ``--ancienne``, un autre arbre de travail, par exemple
``git worktree add /tmp/avant <commit>``) puis Splink, ``--tours`` fois, et garde le meilleur
passage de chacun : sur une machine partagée, un même passage varie de 15 % et plus d'une minute
à l'autre, et seuls des passages alternés se comparent.

Exemple : ``.venv/bin/python -m bench.appariement.temps --dossier /tmp/b/synthetique_1000000 --tours 3
--ancienne /tmp/avant``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bench.appariement.mesures import Execution, arguments_pivot, executer


def _cellule(arbre: Path, dossier: Path, date_reference: date, sortie: Path) -> list[str]:
    """``cellule apparier`` avec le code de ``arbre`` (placé en tête du chemin d'import)."""
    arguments = [
        "cellule",
        "apparier",
        *arguments_pivot(dossier / "familles.csv", dossier / "inscrits.csv", date_reference, sortie),
    ]
    code = (
        f"import sys; sys.path.insert(0, {str(arbre.resolve())!r}); sys.argv = {arguments!r}; "
        "from service.cli import main; main()"
    )
    return [sys.executable, "-c", code]


def _splink(dossier: Path, date_reference: date, sortie: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.appariement.splink_apparier",
        *arguments_pivot(dossier / "familles.csv", dossier / "inscrits.csv", date_reference, sortie),
    ]


def _secondes(valeur: float) -> str:
    return f"{valeur:.2f} s".replace(".", ",")


def main(arguments: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description="Temps de cellule et de Splink en passages alternés.")
    analyse.add_argument("--dossier", type=Path, required=True, help="jeu gardé par le banc (--garder)")
    analyse.add_argument("--tours", type=int, default=3)
    analyse.add_argument("--ancienne", type=Path, help="arbre de travail d'une autre version de cellule")
    analyse.add_argument("--sans-splink", action="store_true")
    analyse.add_argument("--date-reference", type=date.fromisoformat, default=date(2026, 11, 15))
    options = analyse.parse_args(arguments)

    racine = Path(__file__).resolve().parents[2]
    sortie = options.dossier / "decisions_temps.csv"
    outils: dict[str, list[str]] = {}
    if options.ancienne:
        outils[f"cellule ({options.ancienne})"] = _cellule(
            options.ancienne, options.dossier, options.date_reference, sortie
        )
    outils["cellule"] = _cellule(racine, options.dossier, options.date_reference, sortie)
    if not options.sans_splink:
        outils["splink"] = _splink(options.dossier, options.date_reference, sortie)

    meilleurs: dict[str, Execution] = {}
    for tour in range(1, options.tours + 1):
        for outil, commande in outils.items():
            execution = executer(commande, limite_secondes=1500)
            if execution.code != 0:
                print(
                    f"{outil} a échoué (code {execution.code}) : {execution.erreurs[-500:]}", file=sys.stderr
                )
                return 1
            print(f"tour {tour}, {outil} : {_secondes(execution.secondes)}", file=sys.stderr)
            if outil not in meilleurs or execution.secondes < meilleurs[outil].secondes:
                meilleurs[outil] = execution
    sortie.unlink(missing_ok=True)

    splink = meilleurs.get("splink")
    print(f"{options.dossier.name}, meilleur de {options.tours} passages alternés")
    print("| Outil | Temps réel | Temps de calcul | Pic mémoire | Splink / outil |")
    print("|---|---|---|---|---|")
    for outil, execution in meilleurs.items():
        rapport = f"{splink.secondes / execution.secondes:.1f} ×".replace(".", ",") if splink else ""
        memoire = f"{execution.pic_octets / 1e9:.2f} Go".replace(".", ",")
        print(
            f"| {outil} | {_secondes(execution.secondes)} | {_secondes(execution.cpu_secondes)} "
            f"| {memoire} | {rapport} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
