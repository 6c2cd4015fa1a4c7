"""Campagnes : les lignes illisibles des listes reçues, une par une, dans le rapport de la campagne.

Révision : 0007
Précédente : 0006

Une ligne qui ne désigne personne (ni nom ni prénom, mal découpée…) n'est plus seulement comptée :
la campagne garde son fichier, son numéro, le motif et ce qu'il faut demander au partenaire, sans
aucune valeur lue. Les campagnes déjà passées ont une liste vide.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campagne", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lignes_illisibles", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("campagne", schema=None) as batch_op:
        batch_op.drop_column("lignes_illisibles")
