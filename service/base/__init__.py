"""La base de données : connexion (moteur SQLAlchemy), sessions, migrations."""

from service.base.connexion import creer_moteur, maintenant, moteur, session_base
from service.base.migrations import migrer

__all__ = ["creer_moteur", "maintenant", "migrer", "moteur", "session_base"]
