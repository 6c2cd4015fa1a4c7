"""Rétention : le journal est découpé en segments mensuels ; un segment expiré part en entier.

Avant de purger, tout le journal est vérifié (on ne détruit pas une preuve d'altération). Chaque
segment purgé laisse : un point de contrôle signé sur sa dernière entrée (celui écrit à la clôture
du mois, ou un nouveau, signé après l'entrée qui la suit), une ligne dans ``audit_purge`` et un
événement ``purge_journal``, couvert par un point signé en fin de purge. La chaîne qui reste repart
de ce point signé : la vérification passe encore après la purge, et refuse une purge inventée.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from audit.canonique import horodater
from audit.erreurs import JournalAltere
from audit.evenement import Action, Cible, Evenement
from audit.installation import RETENTION_MAX_MOIS, RETENTION_MIN_MOIS
from audit.journal import Horloge, ecrire, enregistrer_point, maintenant, signer_point_de_controle
from audit.signature import Signataire
from audit.tables import journal, points_de_controle, purges
from audit.verification import verifier

RETENTION_PAR_DEFAUT_MOIS = 12


@dataclass(frozen=True)
class SegmentPurge:
    """Un segment mensuel supprimé."""

    segment: str
    premiere_sequence: int
    derniere_sequence: int
    entrees: int


def limite_de_conservation(aujourd_hui: date, retention_mois: int) -> str:
    """Le premier segment conservé (``AAAA-MM``) : les segments strictement antérieurs sont expirés."""
    if not RETENTION_MIN_MOIS <= retention_mois <= RETENTION_MAX_MOIS:
        raise ValueError(
            f"Rétention du journal d'audit de {retention_mois} mois refusée : choisissez entre "
            f"{RETENTION_MIN_MOIS} et {RETENTION_MAX_MOIS} mois (CELLULE_AUDIT_RETENTION_MOIS)."
        )
    mois = aujourd_hui.year * 12 + aujourd_hui.month - 1 - retention_mois
    return f"{mois // 12:04d}-{mois % 12 + 1:02d}"


def purger(
    connexion: sa.Connection,
    signataire: Signataire,
    *,
    retention_mois: int = RETENTION_PAR_DEFAUT_MOIS,
    acteur: str = "systeme",
    role: str = "systeme",
    requete: str | None = None,
    horloge: Horloge = maintenant,
) -> list[SegmentPurge]:
    """Supprime, dans la transaction de ``connexion``, les segments plus vieux que la rétention.

    Lève ``JournalAltere`` si la vérification préalable échoue (rien n'est alors supprimé).
    """
    limite = limite_de_conservation(horloge().date(), retention_mois)
    expires = connexion.execute(
        sa.select(
            journal.c.segment,
            sa.func.min(journal.c.sequence).label("premiere"),
            sa.func.max(journal.c.sequence).label("derniere"),
            sa.func.count().label("entrees"),
        )
        .where(journal.c.segment < limite)
        .group_by(journal.c.segment)
        .order_by(journal.c.segment)
    ).all()
    if not expires:
        return []
    rapport = verifier(connexion, cles={signataire.cle_publique})
    if not rapport.intact:
        raise JournalAltere(
            "Purge du journal d'audit refusée : la vérification a trouvé une altération. "
            f"{rapport.resume()} Faites analyser le journal avant toute purge."
        )
    faits = []
    for ligne in expires:
        segment = SegmentPurge(
            str(ligne.segment), int(ligne.premiere), int(ligne.derniere), int(ligne.entrees)
        )
        tete = connexion.execute(
            sa.select(journal.c.hachage).where(journal.c.sequence == segment.derniere_sequence)
        ).scalar_one()
        ecrire(
            connexion,
            Evenement(
                action=Action.PURGE_JOURNAL,
                acteur=acteur,
                role=role,
                cible=Cible(type="segment_audit", id=segment.segment),
                motif=f"fin de conservation ({retention_mois} mois)",
                requete=requete,
                details={
                    "premiere_sequence": segment.premiere_sequence,
                    "derniere_sequence": segment.derniere_sequence,
                    "entrees": segment.entrees,
                    "tete": tete,
                },
            ),
            signataire=signataire,
            horloge=horloge,
        )
        _attester_cloture(connexion, signataire, segment.derniere_sequence, tete, horloge)
        connexion.execute(
            sa.insert(purges).values(
                segment=segment.segment,
                premiere_sequence=segment.premiere_sequence,
                derniere_sequence=segment.derniere_sequence,
                entrees=segment.entrees,
                tete=tete,
                heure=horodater(horloge()),
            )
        )
        connexion.execute(sa.delete(journal).where(journal.c.segment == segment.segment))
        faits.append(segment)
    # Les événements de purge sont couverts tout de suite par un point signé : la vérification
    # n'accepte une purge que si son événement est ainsi attesté.
    signer_point_de_controle(connexion, signataire, horloge=horloge)
    return faits


def _attester_cloture(
    connexion: sa.Connection, signataire: Signataire, derniere: int, tete: str, horloge: Horloge
) -> None:
    """Garantit un point signé sur la dernière entrée du segment, signé après l'entrée qui la suit.

    La vérification n'accepte que ce point-là comme borne d'une purge (voir
    ``audit.verification``) : un point périodique signé en cours de mois ne suffit pas. L'entrée
    qui suit existe toujours ici, au pire c'est l'événement de purge qui vient d'être écrit.
    """
    suivante = connexion.execute(
        sa.select(journal.c.heure).where(journal.c.sequence == derniere + 1)
    ).scalar_one()
    atteste = connexion.execute(
        sa.select(points_de_controle.c.id)
        .where(points_de_controle.c.taille == derniere)
        .where(points_de_controle.c.tete == tete)
        .where(points_de_controle.c.cle_publique == signataire.cle_publique)
        .where(points_de_controle.c.heure >= suivante)
        .limit(1)
    ).first()
    if atteste is None:
        # L'heure du journal ne recule jamais : le point ne doit pas précéder sa dernière entrée.
        derniere_heure = connexion.execute(sa.select(sa.func.max(journal.c.heure))).scalar_one()
        heure = max(horodater(horloge()), str(derniere_heure))
        enregistrer_point(connexion, signataire.signer(derniere, tete, heure))
