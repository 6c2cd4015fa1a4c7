"""Communes et conventions : ce que l'administrateur enregistre avant toute campagne."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from conventions import Convention, ConventionInvalide, charger_convention
from service.acteur import Acteur
from service.journal_audit import Action, auditer
from service.modeles import Commune, ConventionEnregistree

CODE_INSEE = re.compile(r"(\d{5}|2[AB]\d{3})")
_DEPARTEMENT = re.compile(r"(\d{2,3}|2[AB])")


class ReferentielInvalide(ValueError):
    """Commune ou convention refusée ; le message dit quoi corriger."""


def ajouter_commune(session: Session, *, insee: str, nom: str, departement: str, par: Acteur) -> Commune:
    insee, departement, nom = insee.strip().upper(), departement.strip().upper(), nom.strip()
    if not CODE_INSEE.fullmatch(insee):
        raise ReferentielInvalide(f"Code INSEE « {insee} » invalide : 5 caractères, par exemple 59350.")
    if not _DEPARTEMENT.fullmatch(departement) or not insee.startswith(departement[:2]):
        raise ReferentielInvalide(
            f"Département « {departement} » invalide pour la commune {insee} (par exemple 59 pour 59350)."
        )
    if not nom:
        raise ReferentielInvalide("Le nom de la commune est obligatoire.")
    commune = session.get(Commune, insee)
    if commune is None:
        commune = Commune(insee=insee, nom=nom, departement=departement)
    else:
        commune.nom, commune.departement = nom, departement
    session.add(commune)
    # Le catalogue d'audit n'a pas d'action propre aux communes : elles relèvent des conventions.
    auditer(
        session,
        par,
        Action.CONVENTION_MODIFIEE,
        cible=("commune", insee),
        details={"departement": departement},
    )
    return commune


def lister_communes(session: Session) -> list[Commune]:
    return list(session.exec(select(Commune).order_by(col(Commune.insee))))


def enregistrer_convention(session: Session, texte_toml: str, *, par: Acteur) -> Convention:
    """Enregistre (ou remplace) une convention lue depuis son TOML signé."""
    try:
        convention = charger_convention(texte_toml)
    except ConventionInvalide as erreur:
        raise ReferentielInvalide(str(erreur)) from None
    inconnues = sorted(set(convention.communes) - {c.insee for c in lister_communes(session)})
    if inconnues:
        raise ReferentielInvalide(
            f"Commune(s) de la convention non enregistrée(s) : {', '.join(inconnues)}. Ajoutez-les d'abord."
        )
    existante = session.get(ConventionEnregistree, convention.identifiant)
    if existante is None:
        existante = ConventionEnregistree(
            identifiant=convention.identifiant, source=convention.source, texte_toml=""
        )
        action = Action.CONVENTION_AJOUTEE
    else:
        action = Action.CONVENTION_MODIFIEE
    existante.source = convention.source
    existante.texte_toml = texte_toml
    existante.convention = convention.model_dump(mode="json")
    existante.enregistree_par = par.id
    session.add(existante)
    auditer(
        session,
        par,
        action,
        cible=("convention", convention.identifiant),
        details={"source": convention.source, "communes": list(convention.communes)},
    )
    return convention


def convention(session: Session, identifiant: str) -> Convention | None:
    ligne = session.get(ConventionEnregistree, identifiant)
    return Convention.model_validate(ligne.convention) if ligne else None


def conventions_de(session: Session, communes: frozenset[str] | None) -> list[Convention]:
    """Les conventions enregistrées, limitées à celles qui couvrent l'une des communes données."""
    toutes = [
        Convention.model_validate(ligne.convention)
        for ligne in session.exec(
            select(ConventionEnregistree).order_by(col(ConventionEnregistree.identifiant))
        )
    ]
    if communes is None:
        return toutes
    return [c for c in toutes if communes & set(c.communes)]
