"""API keys in the store: only a key's sha256 is kept, with its name and role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from ordex.store.queries import KEYS_VERSION, bump_in
from ordex.store.tables import ApiKeyRow, AuditRow, utcnow

if TYPE_CHECKING:
    from ordex.store.store import Store


@dataclass(frozen=True)
class KeyRecord:
    """A stored key, without its secret."""

    id: int
    name: str
    role: str
    key_hash: str
    created_at: datetime
    revoked: bool


class ApiKeys:
    """Create, find, list and revoke API keys; every creation and revocation is an audit event."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, role: str, key_hash: str, *, actor: str = "system", actor_role: str = "") -> int:
        """Store a new key's hash; returns its id."""
        with self.store.write() as s:
            row = ApiKeyRow(name=name, role=role, key_hash=key_hash, created_by=actor)
            s.add(row)
            s.flush()
            s.add(AuditRow(actor=actor, role=actor_role, event="key_created",
                           detail={"key_id": row.id, "name": name, "role": role}))
            return row.id

    def find(self, key_hash: str) -> KeyRecord | None:
        """The live key with this hash, if any."""
        with self.store.session() as s:
            row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None)))
            return _record(row) if row is not None else None

    def all(self) -> list[KeyRecord]:
        """Every key, oldest first (revoked ones included, marked)."""
        with self.store.session() as s:
            return [_record(r) for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def revoke(self, key_id: int, *, actor: str = "system", actor_role: str = "") -> bool:
        """Revoke a key; False when there is no live key with that id."""
        with self.store.write() as s:
            row = s.get(ApiKeyRow, key_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            bump_in(s, KEYS_VERSION)  # every process, every replica, forgets the keys it remembered
            s.add(AuditRow(actor=actor, role=actor_role, event="key_revoked",
                           detail={"key_id": key_id, "name": row.name, "role": row.role}))
            return True


def _record(row: ApiKeyRow) -> KeyRecord:
    """A key row as a KeyRecord."""
    return KeyRecord(row.id, row.name, row.role, row.key_hash, row.created_at, row.revoked_at is not None)
