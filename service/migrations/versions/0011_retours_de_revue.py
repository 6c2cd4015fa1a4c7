"""Retours de revue : ce que les décisions des agents apprennent au moteur, par commune.

Révision : 0011
Précédente : 0010

Quand un agent tranche un cas « à vérifier », chaque fiche candidate regardée devient une ligne :
la commune, l'année scolaire, les niveaux d'accord de chaque champ et la décision (même enfant ou
non). Ni identité, ni identifiant de cas ou d'élève, ni date : l'identifiant de la ligne est tiré
au hasard et ne dit pas l'ordre d'écriture.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retour_revue",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("commune", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("annee_scolaire", sa.Integer(), nullable=False),
        sa.Column("niveaux", sa.JSON(), nullable=False),
        sa.Column("meme_enfant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["commune"], ["commune.insee"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retour_revue_commune_annee", "retour_revue", ["commune", "annee_scolaire"])


def downgrade() -> None:
    op.drop_index("ix_retour_revue_commune_annee", table_name="retour_revue")
    op.drop_table("retour_revue")
