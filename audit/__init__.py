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
    Action,
    Cible,
    Entree,
    Evenement,
    Resultat,
    est_cle_identite,
)
from audit.installation import RETENTION_MAX_MOIS, RETENTION_MIN_MOIS, desinstaller, est_installe, installer
from audit.journal import INTERVALLE_POINTS, dernier_point_de_controle, ecrire, signer_point_de_controle
from audit.signature import NOM_CLE, PointDeControle, Signataire
from audit.tables import metadata

__all__ = [
    "ACTIONS_AVEC_MOTIF",
    "CLES_IDENTITE",
    "INTERVALLE_POINTS",
    "NOM_CLE",
    "RETENTION_MAX_MOIS",
    "RETENTION_MIN_MOIS",
    "Action",
    "Cible",
    "CleInvalide",
    "Entree",
    "ErreurAudit",
    "Evenement",
    "EvenementRefuse",
    "JournalAltere",
    "JournalIndisponible",
    "PointDeControle",
    "PointDeControleIllisible",
    "Resultat",
    "Signataire",
    "dernier_point_de_controle",
    "desinstaller",
    "ecrire",
    "est_cle_identite",
    "est_installe",
    "installer",
    "metadata",
    "signer_point_de_controle",
]
