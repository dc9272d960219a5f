"""The review page's session: a signed cookie that names a live API key by its digest, never the key itself.

The cookie is ``base64(payload).signature`` with HMAC-SHA256 under the service's session secret; the payload
holds the key's sha256, an expiry and the session's CSRF token. Every request re-checks that the key is still
live, so revoking a key ends its sessions within the authenticator's few seconds of memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COOKIE = "ordex_review"
MAX_AGE_S = 8 * 3600  # one working shift


@dataclass(frozen=True)
class Session:
    """What a review cookie says: whose key, until when, and the token every form must carry."""

    key_digest: str
    expires: int
    csrf: str


def issue(secret: bytes, key_digest: str, now: float | None = None, max_age_s: int = MAX_AGE_S) -> tuple[str, Session]:
    """A new session for a key (by its digest) and the cookie value that carries it."""
    session = Session(key_digest, int((now or time.time()) + max_age_s), secrets.token_urlsafe(24))
    payload = json.dumps({"k": session.key_digest, "e": session.expires, "c": session.csrf},
                         separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, body)}", session


def read(secret: bytes, cookie: str | None, now: float | None = None) -> Session | None:
    """The session a cookie carries, or None when it is missing, forged, malformed or expired."""
    if not cookie or len(cookie) > 1024 or "." not in cookie:
        return None
    body, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature, _sign(secret, body)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session = Session(str(data["k"]), int(data["e"]), str(data["c"]))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > (now or time.time()) else None


@cache
def signing_secret(configured: str, data_dir: Path) -> bytes:
    """The secret cookies are signed with: the configured one, else one kept in ``data_dir/session.secret``,
    written once (mode 600) and read by every worker process of this machine, so a session holds across them."""
    if configured:
        return configured.encode()
    path = data_dir / "session.secret"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32))
    except FileExistsError:
        pass  # another worker wrote it first
    return path.read_text(encoding="utf-8").strip().encode()


def csrf_ok(session: Session, presented: str | None) -> bool:
    """Whether a form's CSRF token is this session's."""
    return bool(presented) and hmac.compare_digest(session.csrf.encode(), (presented or "").encode())


def _sign(secret: bytes, body: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest()).decode().rstrip("=")
