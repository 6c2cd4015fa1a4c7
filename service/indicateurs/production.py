"""Les indicateurs tirés de la base : portée de l'utilisateur, audit de chaque export, export mensuel.

La portée vient toujours de la session : un agent voit ses communes, un référent son département,
le pilotage tout, agrégé. Le DPO et l'administrateur n'ont pas accès aux indicateurs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.acteur import SYSTEME, Acteur
from service.autorisation import RefusAutorisation
from service.base.connexion import jour_local, session_base
from service.comptes.roles import Role
from service.indicateurs.calcul import SCHEMA_EVENEMENTS, Commune, Mois, Tableau, calculer
from service.indicateurs.export import exporter
from service.journal_audit import Action, auditer
from service.modeles import Commune as CommuneEnregistree
from service.modeles import EvenementCas

FORMATS_ARCHIVES = ("csv", "xlsx", "ods")


def communes_du_perimetre(session: Session, acteur: Acteur, *, operation: str) -> list[Commune]:
    """Les communes dont l'acteur peut voir les indicateurs ; refus pour les autres rôles."""
    requete = select(CommuneEnregistree)
    if acteur.role == Role.AGENT_COMMUNE:
        requete = requete.where(col(CommuneEnregistree.insee).in_(sorted(acteur.communes)))
    elif acteur.role == Role.REFERENT_DSDEN:
        requete = requete.where(CommuneEnregistree.departement == acteur.departement)
    elif not (acteur.role == Role.PILOTE or acteur is SYSTEME):
        raise RefusAutorisation("Votre rôle ne donne pas accès aux indicateurs.", action=operation)
    return [Commune(c.insee, c.nom, c.departement) for c in session.exec(requete)]


def evenements(session: Session, communes: list[str]) -> pl.DataFrame:
    """Les étapes des cas de ces communes, datées du jour où elles ont pris effet."""
    lignes = session.execute(
        sa.select(
            col(EvenementCas.cas_id),
            col(EvenementCas.commune),
            col(EvenementCas.date_effet),
            col(EvenementCas.survenu_le),
            col(EvenementCas.de_statut),
            col(EvenementCas.vers_statut),
            col(EvenementCas.motif),
        )
        .where(col(EvenementCas.commune).in_(communes))
        .order_by(col(EvenementCas.id))
    ).all()
    return pl.DataFrame(
        [
            (cas, commune, effet or jour_local(survenu), de, vers, motif)
            for cas, commune, effet, survenu, de, vers, motif in lignes
        ],
        schema=SCHEMA_EVENEMENTS,
        orient="row",
    )


def produire(
    session: Session,
    acteur: Acteur,
    mois: Mois,
    *,
    format: str,
    commune: str | None = None,
    seuil_masquage: int | None = None,
) -> Tableau:
    """Le tableau du mois dans la portée de l'acteur ; l'export est écrit au journal d'audit."""
    perimetre = communes_du_perimetre(session, acteur, operation="indicateurs")
    if commune is not None:
        perimetre = [c for c in perimetre if c.insee == commune]
        if not perimetre:
            raise RefusAutorisation(
                "Cette commune n'est pas dans votre périmètre.",
                action="indicateurs",
                cible=("commune", commune),
            )
    tableau = calculer(
        evenements(session, [c.insee for c in perimetre]), mois, perimetre, seuil_masquage=seuil_masquage
    )
    auditer(
        session,
        acteur,
        Action.EXPORT_INDICATEURS,
        cible=("commune", commune) if commune else None,
        details={
            "mois": str(mois),
            "format": format,
            "communes": len(perimetre),
            "seuil_masquage": seuil_masquage,
        },
    )
    return tableau


def chemin_export_mensuel(dossier: Path, mois: Mois, format: str) -> Path:
    return dossier / f"indicateurs-{mois}.{format}"


def chemin_remplace(dossier: Path, mois: Mois, format: str, jour: date) -> Path:
    """Où garder un export remplacé : son nom, et le jour où il a été remplacé."""
    base = f"indicateurs-{mois}-remplace-le-{jour:%Y%m%d}"
    chemin, rang = dossier / f"{base}.{format}", 1
    while chemin.exists():
        rang += 1
        chemin = dossier / f"{base}-{rang}.{format}"
    return chemin


def mois_exportes(dossier: Path) -> set[Mois]:
    """Les mois dont un export est dans le dossier (les exports remplacés mis à part)."""
    return {
        Mois.lire(f.name.removeprefix("indicateurs-").removesuffix(f.suffix))
        for format in FORMATS_ARCHIVES
        for f in dossier.glob(f"indicateurs-[0-9][0-9][0-9][0-9]-[0-9][0-9].{format}")
    }


def _chiffres_changes(bdd: sa.Engine, dossier: Path, mois: Mois) -> bool:
    """Les exports déjà écrits pour ce mois ne portent plus les chiffres que donnent les étapes des cas.

    La comparaison porte sur le CSV (les mêmes chiffres donnent les mêmes octets) ; elle n'exporte
    rien et n'est donc pas inscrite au journal d'audit.
    """
    chemins = {f: chemin_export_mensuel(dossier, mois, f) for f in FORMATS_ARCHIVES}
    if not chemins["csv"].exists():
        return any(c.exists() for c in chemins.values())
    with session_base(bdd) as session:
        territoire = communes_du_perimetre(session, SYSTEME, operation="indicateurs")
        tableau = calculer(evenements(session, [c.insee for c in territoire]), mois, territoire)
    return exporter(tableau, "csv") != chemins["csv"].read_bytes()


def exporter_mois_precedent(bdd: sa.Engine, dossier: Path, aujourd_hui: date) -> list[Path]:
    """Les exports de tout le territoire : le mois précédent s'il manque, et chaque mois déjà
    exporté dont les chiffres ont changé depuis.

    Appelé chaque jour : le 1er du mois il produit le mois écoulé ; si le service était arrêté ce
    jour-là, il le produit au premier jour où il tourne. Une étape saisie après coup (une mise en
    demeure datée d'un mois déjà exporté) change les chiffres de ce mois : ses exports sont alors
    écrits de nouveau, et les anciens gardés à côté sous le nom
    ``indicateurs-AAAA-MM-remplace-le-AAAAMMJJ.format``, pour retrouver ce qui a été diffusé. Les
    fichiers ne portent aucune donnée personnelle et sont gardés.
    """
    dossier.mkdir(parents=True, exist_ok=True)
    ecrits = []
    for mois in sorted({Mois.precedent(aujourd_hui)} | mois_exportes(dossier), key=str):
        changes = _chiffres_changes(bdd, dossier, mois)
        for format in FORMATS_ARCHIVES:
            cible = chemin_export_mensuel(dossier, mois, format)
            if cible.exists() and not changes:
                continue
            provisoire = cible.with_suffix(cible.suffix + ".partiel")
            with session_base(bdd) as session:
                provisoire.write_bytes(exporter(produire(session, SYSTEME, mois, format=format), format))
            # L'ancien export n'est mis de côté qu'une fois le nouveau entièrement écrit.
            if cible.exists():
                cible.replace(chemin_remplace(dossier, mois, format, aujourd_hui))
            provisoire.replace(cible)
            ecrits.append(cible)
    return ecrits
