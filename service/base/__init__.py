"""La base de données : fabrique de moteur, sessions, migrations."""

from service.base.migrations import migrer
from service.base.moteur import creer_moteur, maintenant, moteur, session_base

__all__ = ["creer_moteur", "maintenant", "migrer", "moteur", "session_base"]
