"""La commande de test vérifie aussi le style (ruff) et les types (mypy) de tout le dépôt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
OUTILS = Path(sys.executable).parent


@pytest.mark.parametrize(
    "commande",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_le_depot_est_propre(commande: list[str]) -> None:
    resultat = subprocess.run(
        [str(OUTILS / commande[0]), *commande[1:]], cwd=RACINE, capture_output=True, text=True, check=False
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
