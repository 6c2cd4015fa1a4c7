"""Les tables du journal d'audit (SQLAlchemy Core), sur leur propre ``MetaData``.

- ``audit_journal`` : les entrées, en ajout seul, numérotées sans trou et chaînées ;
- ``audit_point_de_controle`` : les points de contrôle signés (ajout seul) ;
- ``audit_purge`` : les segments mensuels purgés (ajout seul), chacun adossé à un point signé ;
- ``audit_verrou`` : une ligne unique que chaque écrivain verrouille pour sérialiser les ajouts ;
  elle porte le compteur d'écritures (``ecritures`` : entrées jamais ajoutées, donc le numéro de
  la dernière), augmenté dans la transaction de chaque ajout, que la vérification compare au
  journal : une fin de journal coupée se voit même sans point de contrôle.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

journal = sa.Table(
    "audit_journal",
    metadata,
    # Sur SQLite, INTEGER PRIMARY KEY est la clé de ligne : lecture dans l'ordre sans index à part.
    sa.Column(
        "sequence", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    sa.Column("heure", sa.String(27), nullable=False),
    sa.Column("segment", sa.String(7), nullable=False),
    sa.Column("acteur", sa.String(128), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("cible_type", sa.String(40)),
    sa.Column("cible_id", sa.String(128)),
    sa.Column("motif", sa.Text),
    sa.Column("resultat", sa.String(10), nullable=False),
    sa.Column("requete", sa.String(128)),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("hachage", sa.String(64), nullable=False),
    sa.Index("ix_audit_journal_segment", "segment"),
    sa.Index("ix_audit_journal_heure", "heure"),
    sa.Index("ix_audit_journal_acteur", "acteur"),
    sa.Index("ix_audit_journal_action", "action"),
    sa.Index("ix_audit_journal_cible", "cible_type", "cible_id"),
)

points_de_controle = sa.Table(
    "audit_point_de_controle",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("taille", sa.BigInteger, nullable=False, index=True),
    sa.Column("tete", sa.String(64), nullable=False),
    sa.Column("heure", sa.String(27), nullable=False),
    sa.Column("cle_publique", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
)

purges = sa.Table(
    "audit_purge",
    metadata,
    sa.Column("segment", sa.String(7), primary_key=True),
    sa.Column("premiere_sequence", sa.BigInteger, nullable=False),
    sa.Column("derniere_sequence", sa.BigInteger, nullable=False),
    sa.Column("entrees", sa.BigInteger, nullable=False),
    sa.Column("tete", sa.String(64), nullable=False),
    sa.Column("heure", sa.String(27), nullable=False),
)

verrou = sa.Table(
    "audit_verrou",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ecritures", sa.BigInteger, nullable=False),
)
