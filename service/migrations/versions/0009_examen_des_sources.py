"""Sources : le résumé de leur examen au dépôt.

Révision : 0009
Précédente : 0008

Une archive est ouverte et lue par le travailleur confiné dès son dépôt ; refusée, elle n'est pas
gardée ; acceptée, elle est gardée avec le résumé de l'examen (lignes lues, valides, illisibles et
leurs motifs : numéro de ligne, champ, motif, jamais de valeur). Les sources déjà déposées n'en ont
pas : elles seront lues au lancement, comme avant.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("examen", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("examen")
