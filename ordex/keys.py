"""API keys and roles: what each role may do (the contract's section 4), how keys are made, hashed and checked.

A key is 256 random bits shown once; the store keeps its sha256 only. A presented key is hashed, looked up
by that hash, and the hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from ordex.store import Store
from ordex.store.queries import KEYS_VERSION

Role = Literal["ingest", "ops", "credit", "commercial", "ml", "admin"]
Queue = Literal["customer", "catalog", "intake", "credit", "commercial"]
ROLES: tuple[str, ...] = get_args(Role)
QUEUES: tuple[str, ...] = get_args(Queue)
KEY_PREFIX = "ordex_"

# What each role may do, by permission; admin may do everything.
GRANTS: dict[str, frozenset[str]] = {
    "ingest": frozenset({"messages.write", "messages.read", "orders.read"}),
    "ops": frozenset({"queue.customer", "queue.catalog", "queue.intake", "audit.read", "deliveries", "kpis.read"}),
    "credit": frozenset({"queue.credit"}),
    "commercial": frozenset({"queue.commercial"}),
    "ml": frozenset({"retrain", "metrics.read", "kpis.read"}),
    "admin": frozenset(),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name and role (the audit trail's actor)."""

    name: str
    role: str

    def may(self, permission: str) -> bool:
        """Whether this role grants the permission."""
        return self.role == "admin" or permission in GRANTS.get(self.role, frozenset())

    def queues(self) -> tuple[str, ...]:
        """The exception queues this role works."""
        return tuple(q for q in QUEUES if self.may(f"queue.{q}"))


SYSTEM = Principal("system", "")


def new_key() -> str:
    """A fresh API key: 256 random bits, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The sha256 the store keeps of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(store: Store, role: str, name: str, actor: Principal = SYSTEM) -> str:
    """Make a key for a role, store its hash (and an audit event) and return the key itself, once."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("name must be 1 to 200 characters")
    key = new_key()
    store.keys.add(name, role, hash_key(key), actor=actor.name, actor_role=actor.role)
    return key


def save_key_file(path: Path, key: str) -> None:
    """Write a key to a new file only its owner can read (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")


class Authenticator:
    """Checks presented keys against the store, remembering good ones for a few seconds (one read per key). The
    store's keys version is read on every check (one primary-key read): a key revoked by any process or replica is
    refused at once."""

    def __init__(self, store: Store, ttl_s: float = 10.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._version = -1
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget the remembered keys (after a revocation in this process)."""
        with self._lock:
            self._cache.clear()

    def check(self, presented: str) -> Principal | None:
        """The key's principal, or None when it is no live key."""
        if not presented or len(presented) > 200:
            return None
        return self.check_digest(hash_key(presented))

    def check_digest(self, digest: str) -> Principal | None:
        """The principal of the live key whose sha256 this is (a review session keeps the digest, never the key)."""
        now = time.monotonic()
        version = self.store.version(KEYS_VERSION)
        with self._lock:
            if version != self._version:  # a key was revoked somewhere: forget them all
                self._cache.clear()
                self._version = version
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        record = self.store.keys.find(digest)
        if record is None or not hmac.compare_digest(record.key_hash.encode(), digest.encode()):
            return None
        principal = Principal(record.name, record.role)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now + self.ttl_s, principal)
        return principal
