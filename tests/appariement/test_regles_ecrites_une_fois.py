"""Les règles du moteur nomment les niveaux d'accord ; les colonnes canoniques sont écrites une fois.

Ajouter un niveau à une comparaison (un rang de plus dans ``NIVEAUX``) ne doit décaler aucune règle
en silence : une règle écrit ``niveau("nom", "compose")``, jamais ``NIVEAUX["nom"].index(...)`` ni un
rang (``== 0`` pour « exact ») ; ce que vaut une comparaison manquante porte un nom (``ABSENT_…``).
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from appariement.comparaisons import CHAMPS, NIVEAUX, niveau
from conventions.profil import COLONNES, INDISPENSABLES, OBLIGATOIRES

RACINE = Path(__file__).resolve().parents[2]
MOTEUR = sorted((RACINE / "appariement").rglob("*.py"))
PRODUIT = ("appariement", "audit", "chiffrement", "conventions", "fictif", "service")


def test_niveau_rend_le_rang_du_niveau_nomme() -> None:
    for champ, niveaux in NIVEAUX.items():
        assert [niveau(champ, nom) for nom in niveaux] == list(range(len(niveaux)))


@pytest.mark.parametrize(("champ", "nom"), [("nom", "composé"), ("prenom", "compose"), ("ecole", "exact")])
def test_un_niveau_mal_nomme_est_refuse_aussitot(champ: str, nom: str) -> None:
    with pytest.raises(ValueError, match="niveau inconnu"):
        niveau(champ, nom)


def _est_colonne_de_niveau(noeud: ast.expr, alias: set[str]) -> bool:
    """``pl.col("<champ comparé>")`` (ou ``pl.col(champ)``), éventuellement suivi de méthodes
    (``.fill_null(…)``, ``.gather(…)``), ou un nom local qui en tient une."""
    while isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute):
        if (
            noeud.func.attr == "col"
            and isinstance(noeud.func.value, ast.Name)
            and noeud.func.value.id == "pl"
        ):
            argument = noeud.args[0] if len(noeud.args) == 1 else None
            return isinstance(argument, ast.Name) or (
                isinstance(argument, ast.Constant) and argument.value in CHAMPS
            )
        noeud = noeud.func.value
    return isinstance(noeud, ast.Name) and noeud.id in alias


def _entier(noeud: ast.expr) -> bool:
    return isinstance(noeud, ast.Constant) and type(noeud.value) is int


def _regles_par_rang(source: str) -> list[str]:
    """Les endroits d'un module qui écrivent un niveau par son rang plutôt que par son nom."""
    arbre = ast.parse(source)
    alias = {
        cible.id
        for noeud in ast.walk(arbre)
        if isinstance(noeud, ast.Assign)
        for cible in noeud.targets
        if isinstance(cible, ast.Name) and _est_colonne_de_niveau(noeud.value, set())
    }
    fautes = []
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute):
            cible = noeud.func.value
            if (
                noeud.func.attr == "index"
                and isinstance(cible, ast.Subscript)
                and isinstance(cible.value, ast.Name)
                and cible.value.id == "NIVEAUX"
            ):
                fautes.append(f"ligne {noeud.lineno} : NIVEAUX[…].index(…) au lieu de niveau(…)")
            if (
                noeud.func.attr == "fill_null"
                and noeud.args
                and _entier(noeud.args[0])
                and _est_colonne_de_niveau(cible, alias)
            ):
                fautes.append(
                    f"ligne {noeud.lineno} : fill_null({ast.unparse(noeud.args[0])}) sans nom ABSENT_…"
                )
        if isinstance(noeud, ast.Compare):
            termes = [noeud.left, *noeud.comparators]
            for gauche, droite in itertools.pairwise(termes):
                if (_entier(gauche) and _est_colonne_de_niveau(droite, alias)) or (
                    _entier(droite) and _est_colonne_de_niveau(gauche, alias)
                ):
                    fautes.append(
                        f"ligne {noeud.lineno} : niveau comparé à un rang écrit ({ast.unparse(noeud)})"
                    )
    return fautes


def test_le_controle_reconnait_une_regle_ecrite_par_rang() -> None:
    """Le contrôle ci-dessous refuse bien les trois façons d'écrire un rang (il ne passe pas à vide)."""
    fautes = _regles_par_rang(
        "import polars as pl\n"
        'a = pl.col("nom") <= NIVEAUX["nom"].index("compose")\n'
        'date = pl.col("date_naissance").fill_null(0)\n'
        "b = date > 0\n"
        "c = pl.col(champ) == 0\n"
        'd = pl.col("score").fill_null(0) >= 2\n'
    )
    assert sorted({faute.split(" : ")[0] for faute in fautes}) == ["ligne 2", "ligne 3", "ligne 4", "ligne 5"]


@pytest.mark.parametrize("module", MOTEUR, ids=lambda chemin: str(chemin.relative_to(RACINE)))
def test_les_regles_du_moteur_nomment_les_niveaux(module: Path) -> None:
    assert _regles_par_rang(module.read_text(encoding="utf-8")) == []


def _listes_de_textes(source: str) -> list[tuple[int, tuple[str, ...]]]:
    return [
        (noeud.lineno, tuple(element.value for element in noeud.elts))  # type: ignore[attr-defined]
        for noeud in ast.walk(ast.parse(source))
        if isinstance(noeud, ast.Tuple | ast.List)
        and noeud.elts
        and all(
            isinstance(element, ast.Constant) and isinstance(element.value, str) for element in noeud.elts
        )
    ]


def test_les_colonnes_canoniques_ne_sont_ecrites_qu_une_fois() -> None:
    """Colonnes des tables familles et inscrits, indispensables et obligatoires : écrites dans
    conventions/profil.py seulement ; le moteur les y lit."""
    listes = {tuple(COLONNES["familles"]), tuple(COLONNES["inscrits"]), INDISPENSABLES, OBLIGATOIRES}
    recopies = [
        f"{chemin.relative_to(RACINE)}, ligne {ligne}"
        for paquet in PRODUIT
        for chemin in sorted((RACINE / paquet).rglob("*.py"))
        if chemin != RACINE / "conventions" / "profil.py"
        for ligne, textes in _listes_de_textes(chemin.read_text(encoding="utf-8"))
        if textes in listes
    ]
    assert recopies == []
