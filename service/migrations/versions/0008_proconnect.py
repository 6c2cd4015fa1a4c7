"""Comptes : courriel et SIRET pour la connexion ProConnect, identifiant ProConnect lié ; jeton d'identité
de la session, rendu à ProConnect à la déconnexion.

Révision : 0008
Précédente : 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.add_column(sa.Column("courriel", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("siret", sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column("proconnect_sub", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint("uq_utilisateur_courriel", ["courriel"])
        batch_op.create_unique_constraint("uq_utilisateur_proconnect_sub", ["proconnect_sub"])
    with op.batch_alter_table("session_web", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proconnect_id_token", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_web", schema=None) as batch_op:
        batch_op.drop_column("proconnect_id_token")
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.drop_constraint("uq_utilisateur_proconnect_sub", type_="unique")
        batch_op.drop_constraint("uq_utilisateur_courriel", type_="unique")
        batch_op.drop_column("proconnect_sub")
        batch_op.drop_column("siret")
        batch_op.drop_column("courriel")
