"""Procédure du référent DSDEN : attribution, commentaires chiffrés, lettres de mise en demeure.

Révision : 0010
Précédente : 0009

Un cas peut être attribué à un référent nommé (``cas.attribue_a``). Ses commentaires et les lettres
de mise en demeure générées sont chiffrés dans la cohorte du cas et effacés avec lui ; le journal
d'audit n'en garde que l'existence. Chaque DSDEN garde son modèle de lettre (en-tête, formule,
signataire), sans aucune identité.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attribue_a", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_cas_attribue_a", "utilisateur", ["attribue_a"], ["id"])
    op.create_table(
        "commentaire_cas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cas_id", sa.String(length=32), sa.ForeignKey("cas.id"), nullable=False),
        sa.Column("auteur_id", sa.Integer(), sa.ForeignKey("utilisateur.id"), nullable=True),
        sa.Column("auteur_role", sa.String(length=20), nullable=False),
        sa.Column("ecrit_le", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("cle_version", sa.Integer(), nullable=False),
        sa.Column("texte", sa.LargeBinary(), nullable=False),
        sa.Column("texte_cle", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_commentaire_cas_cas_id", "commentaire_cas", ["cas_id"])
    op.create_table(
        "lettre_cas",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("cas_id", sa.String(length=32), sa.ForeignKey("cas.id"), nullable=False),
        sa.Column("generee_par", sa.Integer(), sa.ForeignKey("utilisateur.id"), nullable=True),
        sa.Column("generee_le", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("cle_version", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("document_cle", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_lettre_cas_cas_id", "lettre_cas", ["cas_id"])
    op.create_table(
        "modele_lettre",
        sa.Column("departement", sa.String(length=3), primary_key=True),
        sa.Column("entete", sa.Text(), nullable=False),
        sa.Column("corps", sa.Text(), nullable=False),
        sa.Column("signataire", sa.Text(), nullable=False),
        sa.Column("modifie_par", sa.Integer(), sa.ForeignKey("utilisateur.id"), nullable=True),
        sa.Column("modifie_le", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("modele_lettre")
    op.drop_index("ix_lettre_cas_cas_id", table_name="lettre_cas")
    op.drop_table("lettre_cas")
    op.drop_index("ix_commentaire_cas_cas_id", table_name="commentaire_cas")
    op.drop_table("commentaire_cas")
    with op.batch_alter_table("cas", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cas_attribue_a", type_="foreignkey")
        batch_op.drop_column("attribue_a")
