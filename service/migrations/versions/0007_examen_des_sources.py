"""Sources : le résumé de leur examen au dépôt.

Révision : 0007
Précédente : 0006

Une archive est ouverte et lue par le travailleur confiné dès son dépôt ; refusée, elle n'est pas
gardée ; acceptée, elle est gardée avec le résumé de l'examen (lignes lues, valides, illisibles et
leurs motifs : numéro de ligne, champ, motif, jamais de valeur). Les sources déjà déposées n'en ont
pas : elles seront lues au lancement, comme avant.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("examen", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("examen")
