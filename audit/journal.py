"""Écriture du journal, dans la transaction de l'appelant, par un logger structlog.

Le pipeline se lit de haut en bas : les processeurs contrôlent l'événement (aucune identité,
aucun flottant), puis le « logger » final l'inscrit dans la table : il verrouille la ligne
``audit_verrou`` (verrou de ligne sur PostgreSQL, verrou d'écriture de la base sur SQLite),
augmente le compteur d'écritures, lit la tête de chaîne, numérote, horodate, chaîne et insère.
Les écrivains concurrents — fils,
processus ou hôtes — passent donc un par un et forment une seule séquence. Si quoi que ce soit
échoue, l'exception remonte : la transaction de l'appelant est annulée avec l'action tracée.
"""

from __future__ import annotations

import json
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
import structlog

from audit.canonique import ORIGINE, chainer, contenu_entree, horodater, lire_heure, segment_de, serialiser
from audit.erreurs import JournalIndisponible
from audit.evenement import Cible, Entree, Evenement, controler_details
from audit.signature import PointDeControle, Signataire
from audit.tables import journal, points_de_controle, purges, verrou

Horloge = Callable[[], datetime]
INTERVALLE_POINTS = 1000
"""Par défaut, un point de contrôle signé toutes les 1 000 entrées."""


def maintenant() -> datetime:
    """L'heure courante, en UTC."""
    return datetime.now(UTC)


def _controler(_logger: Any, _methode: str, champs: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Refuse, au moment d'écrire, toute clé d'identité et tout flottant dans les détails."""
    controler_details(champs["details"])
    return champs


def _nommer_action(_logger: Any, _methode: str, champs: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    champs["action"] = champs.pop("event")
    return champs


# Requêtes construites une fois : leur clé de cache SQLAlchemy ne dépend plus des valeurs.
# Le verrou d'un ajout compte l'entrée ; celui d'un point de contrôle seul ne compte rien.
_VERROUILLER_AJOUT = sa.update(verrou).where(verrou.c.id == 1).values(ecritures=verrou.c.ecritures + 1)
_VERROUILLER = sa.update(verrou).where(verrou.c.id == 1).values(ecritures=verrou.c.ecritures)
_DERNIERE = (
    sa.select(journal.c.sequence, journal.c.hachage, journal.c.heure)
    .order_by(journal.c.sequence.desc())
    .limit(1)
)
_DERNIERE_PURGE = (
    sa.select(purges.c.derniere_sequence, purges.c.tete).order_by(purges.c.derniere_sequence.desc()).limit(1)
)
_INSERER = sa.insert(journal)
_INSERER_POINT = sa.insert(points_de_controle)


def _verrouiller(connexion: sa.Connection, *, ajout: bool = False) -> None:
    resultat = connexion.execute(_VERROUILLER_AJOUT if ajout else _VERROUILLER)
    if resultat.rowcount != 1:
        raise JournalIndisponible(
            "La ligne de verrou du journal d'audit manque : "
            "relancez les migrations (« cellule base migrer »)."
        )


def _tete(connexion: sa.Connection) -> tuple[int, str, str | None]:
    """(numéro, empreinte, heure) de la dernière entrée ; après purge totale, la borne de la purge."""
    derniere = connexion.execute(_DERNIERE).first()
    if derniere is not None:
        return int(derniere.sequence), str(derniere.hachage), str(derniere.heure)
    purge = connexion.execute(_DERNIERE_PURGE).first()
    if purge is not None:
        return int(purge.derniere_sequence), str(purge.tete), None
    return 0, ORIGINE, None


def enregistrer_point(connexion: sa.Connection, point: PointDeControle) -> None:
    """Ajoute un point de contrôle signé à la table des points."""
    connexion.execute(
        _INSERER_POINT,
        {
            "taille": point.taille,
            "tete": point.tete,
            "heure": point.heure,
            "cle_publique": point.cle_publique,
            "signature": point.signature,
        },
    )


class _Table:
    """La sortie du logger : une ligne de ``audit_journal``, dans la transaction de la connexion."""

    def __init__(
        self, connexion: sa.Connection, signataire: Signataire | None, intervalle: int, horloge: Horloge
    ) -> None:
        self._connexion = connexion
        self._signataire = signataire
        self._intervalle = intervalle
        self._horloge = horloge

    def info(self, **champs: Any) -> Entree:
        connexion = self._connexion
        _verrouiller(connexion, ajout=True)
        precedente, empreinte_precedente, heure_precedente = _tete(connexion)
        sequence = precedente + 1
        # L'heure ne recule jamais d'une entrée à la suivante, même si les horloges des hôtes divergent.
        heure = max(horodater(self._horloge()), heure_precedente or "")
        segment = segment_de(heure)
        if (
            self._signataire is not None
            and heure_precedente is not None
            and segment_de(heure_precedente) != segment
        ):
            # Un segment se clôt : sa dernière entrée est attestée tout de suite, pour sa future purge.
            enregistrer_point(connexion, self._signataire.signer(precedente, empreinte_precedente, heure))
        hachage = chainer(empreinte_precedente, contenu_entree(sequence=sequence, heure=heure, **champs))
        details = serialiser(champs["details"]).decode("utf-8")
        colonnes = {"sequence": sequence, "heure": heure, "segment": segment, "details": details}
        connexion.execute(_INSERER, {**champs, **colonnes, "hachage": hachage})
        if self._signataire is not None and sequence % self._intervalle == 0:
            enregistrer_point(connexion, self._signataire.signer(sequence, hachage, heure))
        cible = None
        if champs["cible_type"] is not None:
            cible = Cible(type=champs["cible_type"], id=champs["cible_id"])
        return Entree(
            sequence=sequence,
            heure=lire_heure(heure),
            acteur=champs["acteur"],
            role=champs["role"],
            action=champs["action"],
            resultat=champs["resultat"],
            cible=cible,
            motif=champs["motif"],
            requete=champs["requete"],
            details=json.loads(details),
            hachage=hachage,
        )


def ecrire(
    connexion: sa.Connection,
    evenement: Evenement,
    *,
    signataire: Signataire | None = None,
    intervalle_points: int = INTERVALLE_POINTS,
    horloge: Horloge = maintenant,
) -> Entree:
    """Inscrit ``evenement`` dans la transaction en cours de ``connexion`` et renvoie l'entrée écrite.

    Avec un ``signataire``, un point de contrôle signé est ajouté toutes les ``intervalle_points``
    entrées et à chaque changement de mois. Lève ``EvenementRefuse`` (identité, flottant) ou
    ``JournalIndisponible`` (base) : l'appelant laisse l'exception annuler sa transaction.
    """
    if intervalle_points < 1:
        raise ValueError("intervalle_points doit être un entier positif.")
    logger = structlog.wrap_logger(
        _Table(connexion, signataire, intervalle_points, horloge),
        processors=[_controler, _nommer_action],
        wrapper_class=structlog.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=False,
    )
    cible = evenement.cible
    try:
        return cast(
            Entree,
            logger.info(
                evenement.action.value,
                acteur=evenement.acteur,
                role=evenement.role,
                resultat=evenement.resultat.value,
                cible_type=cible.type if cible else None,
                cible_id=cible.id if cible else None,
                motif=evenement.motif,
                requete=evenement.requete,
                details=evenement.details,
            ),
        )
    except sa.exc.SQLAlchemyError as erreur:
        raise JournalIndisponible(
            "Le journal d'audit n'a pas pu être écrit : l'action est annulée. "
            f"Vérifiez la base et ses migrations ({type(erreur).__name__})."
        ) from erreur


def signer_point_de_controle(
    connexion: sa.Connection, signataire: Signataire, *, horloge: Horloge = maintenant
) -> PointDeControle:
    """Signe et enregistre un point de contrôle sur la tête actuelle du journal (à la demande)."""
    _verrouiller(connexion)
    taille, tete, _heure = _tete(connexion)
    point = signataire.signer(taille, tete, horodater(horloge()))
    enregistrer_point(connexion, point)
    return point


def dernier_point_de_controle(connexion: sa.Connection) -> PointDeControle | None:
    """Le point de contrôle enregistré qui couvre le plus d'entrées (le plus récent à taille égale)."""
    ligne = connexion.execute(
        sa.select(points_de_controle)
        .order_by(points_de_controle.c.taille.desc(), points_de_controle.c.id.desc())
        .limit(1)
    ).first()
    if ligne is None:
        return None
    return PointDeControle(ligne.taille, ligne.tete, ligne.heure, ligne.cle_publique, ligne.signature)
