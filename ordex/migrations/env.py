"""Alembic environment: runs on the connection the Store hands over, or on ORDEX_DATABASE_URL."""

from alembic import context
from sqlalchemy import create_engine

from ordex.settings import Settings
from ordex.store.tables import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    engine = create_engine(Settings().store_url())
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
