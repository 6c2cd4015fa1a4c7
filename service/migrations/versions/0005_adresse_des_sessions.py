"""Sessions : l'adresse du client vue à la connexion.

Révision : 0005
Précédente : 0004

L'utilisateur retrouve ses sessions ouvertes (création, dernière activité, adresse) pour fermer
celles qu'il ne reconnaît pas. Les sessions ouvertes avant la migration n'ont pas d'adresse.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("session_web", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("adresse_client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("session_web", schema=None) as batch_op:
        batch_op.drop_column("adresse_client")
