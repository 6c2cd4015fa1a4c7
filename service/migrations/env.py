"""Environnement Alembic : la connexion est toujours fournie par ``service.base.migrer``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import service.modeles  # noqa: F401  (enregistre les tables dans les métadonnées)

connexion = context.config.attributes.get("connection")
if connexion is None:
    raise RuntimeError("Lancez les migrations par « cellule base migrer ».")

context.configure(
    connection=connexion,
    target_metadata=SQLModel.metadata,
    render_as_batch=connexion.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
