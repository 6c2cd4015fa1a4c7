"""Les pièces du code à leur place (docs/architecture.md) : qui importe qui, et ce qui est installé."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from setuptools import find_packages

RACINE = Path(__file__).resolve().parent.parent
PRODUIT = ("service", "audit", "appariement", "conventions", "chiffrement", "fictif")


def _pieces_importees(paquet: str) -> set[str]:
    """Les autres paquets du produit qu'importe un module de ``paquet``, même au milieu d'une fonction."""
    importes: set[str] = set()
    for fichier in (RACINE / paquet).rglob("*.py"):
        for noeud in ast.walk(ast.parse(fichier.read_bytes())):
            if isinstance(noeud, ast.Import):
                importes |= {alias.name.split(".")[0] for alias in noeud.names}
            elif isinstance(noeud, ast.ImportFrom) and noeud.level == 0 and noeud.module:
                importes.add(noeud.module.split(".")[0])
    return importes & set(PRODUIT) - {paquet}


def test_les_donnees_fictives_sont_un_paquet_installe_et_verifie_avec_le_produit() -> None:
    # La démonstration (cellule serveur --demo) tire ses familles et ses élèves de fictif :
    # le paquet doit être dans la distribution installée, et mypy doit le lire.
    reglages = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    installes = find_packages(
        where=str(RACINE), include=reglages["setuptools"]["packages"]["find"]["include"]
    )
    assert "fictif" in installes
    assert "fictif" in reglages["mypy"]["packages"]


def test_ni_le_moteur_ni_les_conventions_ni_le_chiffrement_ni_l_audit_n_importent_les_donnees_fictives() -> (
    None
):
    for paquet in ("appariement", "conventions", "chiffrement", "audit"):
        assert "fictif" not in _pieces_importees(paquet), paquet


def test_les_donnees_fictives_n_importent_que_le_moteur_et_les_conventions() -> None:
    # L'âge de l'obligation (appariement.age) et les colonnes canoniques (conventions) ; jamais le
    # service, ni le chiffrement (la démonstration chiffre elle-même ses archives).
    assert _pieces_importees("fictif") == {"appariement", "conventions"}


def test_aucun_module_du_produit_ne_depasse_500_lignes() -> None:
    # Au-delà, un module fait plusieurs métiers : le découper par métier (docs/architecture.md).
    trop_longs = {
        str(fichier.relative_to(RACINE)): lignes
        for paquet in PRODUIT
        for fichier in (RACINE / paquet).rglob("*.py")
        if (lignes := len(fichier.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert trop_longs == {}


def test_resultat_n_a_qu_un_sens_la_sortie_du_moteur() -> None:
    # L'issue d'une action au journal d'audit est un Aboutissement ; Resultat est réservé au moteur.
    definitions = sorted(
        str(fichier.relative_to(RACINE))
        for paquet in PRODUIT
        for fichier in (RACINE / paquet).rglob("*.py")
        for noeud in ast.walk(ast.parse(fichier.read_bytes()))
        if isinstance(noeud, ast.ClassDef) and noeud.name == "Resultat"
    )
    assert definitions == ["appariement/moteur.py"]


def test_moteur_ne_designe_que_le_moteur_d_appariement() -> None:
    # La connexion à la base s'appelle bdd ; un nom de code contenant « moteur » hors d'appariement/
    # ne peut désigner que le moteur d'appariement, importé sous ce nom.
    noms = sorted(
        f"{fichier.relative_to(RACINE)}:{noeud.lineno} {nom}"
        for paquet in ("service", "audit", "conventions", "chiffrement", "fictif")
        for fichier in (RACINE / paquet).rglob("*.py")
        for noeud in ast.walk(ast.parse(fichier.read_bytes()))
        for nom in _noms_definis_ou_lus(noeud)
        if "moteur" in nom
    )
    assert noms == []


def _noms_definis_ou_lus(noeud: ast.AST) -> list[str]:
    if isinstance(noeud, ast.Name):
        return [noeud.id]
    if isinstance(noeud, ast.Attribute):
        return [noeud.attr]
    if isinstance(noeud, ast.arg):
        return [noeud.arg]
    if isinstance(noeud, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [noeud.name]
    if isinstance(noeud, ast.alias):
        return [noeud.asname or noeud.name]
    return []
