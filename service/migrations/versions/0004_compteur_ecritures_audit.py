"""Journal d'audit : le compteur d'écritures ne compte plus que les entrées, et ne recule plus.

Révision : 0004
Précédente : 0003

Le compteur de ``audit_verrou`` comptait aussi les points de contrôle signés à la demande ; il est
recalé sur le numéro de la dernière entrée, puis les déclencheurs qui l'empêchent de reculer sont
(ré)installés. ``cellule audit verifier`` compare ensuite ce compteur au journal.
"""

from __future__ import annotations

from alembic import op

from audit.installation import installer, recaler_compteur

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    recaler_compteur(op.get_bind())
    installer(op.get_bind())


def downgrade() -> None:
    # Le compteur recalé reste juste ; seuls les déclencheurs de la révision 0002 sont attendus,
    # et les garder n'empêche rien de ce qu'elle permettait.
    pass
