"""Journal d'audit : tables en ajout seul et déclencheurs (fournis par le paquet ``audit``).

Révision : 0002
Précédente : 0001
"""

from __future__ import annotations

from alembic import op

from audit.installation import desinstaller, installer

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    installer(op.get_bind())


def downgrade() -> None:
    desinstaller(op.get_bind())
