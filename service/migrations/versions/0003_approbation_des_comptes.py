"""Approbation des comptes par une seconde personne (séparation des tâches).

Révision : 0003
Précédente : 0002

Un compte ne sert qu'une fois approuvé par le DPO ou par un administrateur autre que celui qui l'a
demandé. Les comptes déjà présents sont réputés approuvés à la migration (``approuve_par`` vide) :
le DPO les relit avec ``cellule utilisateurs lister``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demande_par", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approuve_le", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("approuve_par", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_utilisateur_demande_par", "utilisateur", ["demande_par"], ["id"])
        batch_op.create_foreign_key("fk_utilisateur_approuve_par", "utilisateur", ["approuve_par"], ["id"])
    op.execute(sa.text("update utilisateur set approuve_le = cree_le"))


def downgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.drop_constraint("fk_utilisateur_approuve_par", type_="foreignkey")
        batch_op.drop_constraint("fk_utilisateur_demande_par", type_="foreignkey")
        batch_op.drop_column("approuve_par")
        batch_op.drop_column("approuve_le")
        batch_op.drop_column("demande_par")
