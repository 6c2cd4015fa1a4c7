"""La base de données : connexion (l'Engine SQLAlchemy, « bdd » dans le service), sessions, migrations."""

from service.base.connexion import bdd_du_service, creer_bdd, maintenant, session_base
from service.base.migrations import migrer

__all__ = ["bdd_du_service", "creer_bdd", "maintenant", "migrer", "session_base"]
