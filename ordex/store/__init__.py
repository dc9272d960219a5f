"""The store: SQLAlchemy tables, migrations and the Store that reads and writes them."""

from ordex.store.store import Accepted, IdempotencyConflict, OrderRecord, Store, identity_digest

__all__ = ["Accepted", "IdempotencyConflict", "OrderRecord", "Store", "identity_digest"]
