"""Comptes : le mot de passe initial, fixé par un autre, est à changer à la première connexion.

Révision : 0006
Précédente : 0005

Tant que ``mot_de_passe_a_changer`` est vrai, seuls la session et le changement de mot de passe
répondent. Les comptes déjà présents sont en service : ils ne sont pas marqués.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mot_de_passe_a_changer", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.drop_column("mot_de_passe_a_changer")
