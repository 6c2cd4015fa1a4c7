"""Journal d'audit inviolable : ajout, points de contrôle signés, vérification, rétention par segments.

Installation (dans une migration Alembic) : ``installer(op.get_bind())``.
Écriture (dans la transaction de l'action) : ``ecrire(session.connection(), Evenement(...))``.
"""

from audit.erreurs import (
    CleInvalide,
    ErreurAudit,
    EvenementRefuse,
    JournalAltere,
    JournalIndisponible,
    PointDeControleIllisible,
)
from audit.evenement import (
    ACTIONS_AVEC_MOTIF,
    CLES_IDENTITE,
    Aboutissement,
    Action,
    Cible,
    Entree,
    Evenement,
    est_cle_identite,
)
from audit.installation import RETENTION_MAX_MOIS, RETENTION_MIN_MOIS, desinstaller, est_installe, installer
from audit.journal import INTERVALLE_POINTS, dernier_point_de_controle, ecrire, signer_point_de_controle
from audit.lecture import COLONNES_CSV, Filtre, Page, exporter_csv, lire, proteger_cellule
from audit.retention import RETENTION_PAR_DEFAUT_MOIS, SegmentPurge, limite_de_conservation, purger
from audit.signature import NOM_CLE, PointDeControle, Signataire
from audit.tables import metadata
from audit.verification import Anomalie, Rapport, verifier

__all__ = [
    "ACTIONS_AVEC_MOTIF",
    "CLES_IDENTITE",
    "COLONNES_CSV",
    "INTERVALLE_POINTS",
    "NOM_CLE",
    "RETENTION_MAX_MOIS",
    "RETENTION_MIN_MOIS",
    "RETENTION_PAR_DEFAUT_MOIS",
    "Aboutissement",
    "Action",
    "Anomalie",
    "Cible",
    "CleInvalide",
    "Entree",
    "ErreurAudit",
    "Evenement",
    "EvenementRefuse",
    "Filtre",
    "JournalAltere",
    "JournalIndisponible",
    "Page",
    "PointDeControle",
    "PointDeControleIllisible",
    "Rapport",
    "SegmentPurge",
    "Signataire",
    "dernier_point_de_controle",
    "desinstaller",
    "ecrire",
    "est_cle_identite",
    "est_installe",
    "exporter_csv",
    "installer",
    "limite_de_conservation",
    "lire",
    "metadata",
    "proteger_cellule",
    "purger",
    "signer_point_de_controle",
    "verifier",
]
