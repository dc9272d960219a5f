"""Request bodies as the outside world sends them: WhatsApp webhooks, raw e-mails, signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from serving.host import EngineHost
    from serving.settings import ServiceSettings

SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ORDER_TEXT = "bhai 9 watt 5 dabba aur 16 amp mcb 10 pc bhejo"
ORDER_LINES = [("E100", "LED-9W", 5, "BOX"), ("E100", "MCB-16A", 10, "PCS")]
VOLT_PHONE = "+911110000001"


def webhook(value: dict[str, Any]) -> bytes:
    """A WhatsApp Cloud API webhook body around one change value."""
    meta = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111"}}
    body = {"object": "whatsapp_business_account",
            "entry": [{"id": "77", "changes": [{"field": "messages", "value": {**meta, **value}}]}]}
    return json.dumps(body).encode()


def text_webhook(text: str, wamid: str, phone: str = "911110000001") -> bytes:
    """A webhook carrying one inbound text message."""
    message = {"from": phone, "id": wamid, "timestamp": "1793776680", "type": "text", "text": {"body": text}}
    return webhook({"contacts": [{"profile": {"name": "Volt"}, "wa_id": phone}], "messages": [message]})


def status_webhook(wamid: str, status: str = "delivered") -> bytes:
    """A webhook carrying only a delivery status of a message we sent."""
    return webhook({"statuses": [{"id": wamid, "status": status, "timestamp": "1793776700",
                                  "recipient_id": "911110000001"}]})


def signature(body: bytes, secret: str = SECRET) -> str:
    """The ``X-Hub-Signature-256`` header value Meta would send for the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def raw_mail(text: str, message_id: str | None = "<po-77@voltelec.example>",
             sender: str = "Volt Purchase <buy@voltelec.example>") -> bytes:
    """A plain-text RFC 5322 e-mail as bytes."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "orders@distributor.example"
    m["Subject"] = "Order"
    m["Date"] = "Mon, 02 Nov 2026 10:00:00 +0530"
    if message_id:
        m["Message-ID"] = message_id
    m.set_content(text)
    return m.as_bytes(policy=SMTP)



# -- the service's own test helpers -------------------------------------------------------------------------
TOKEN = "test-graph-token"
ROUTE_ROLES = ("ingest", "ops", "credit", "commercial", "ml", "admin")


class MediaServer:
    """A tiny Graph API on 127.0.0.1: ``GET /v21.0/{id}`` answers the media's URL, ``GET /files/{id}`` its bytes.

    ``add`` registers a file; ``fail`` makes an id answer an HTTP status the next ``times`` requests.
    Requests without ``Bearer TOKEN`` get 401, as the real API answers.
    """

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files: dict[str, tuple[bytes, str]] = {}
        self.failures: dict[str, list[int]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                if self.headers.get("authorization") != f"Bearer {TOKEN}":
                    return self.answer(401, b'{"error": "bad token"}', "application/json")
                parts = self.path.strip("/").split("/")
                media_id = parts[-1]
                pending = server.failures.get(media_id)
                if pending:
                    return self.answer(pending.pop(0), b'{"error": "failing"}', "application/json")
                if media_id not in server.files:
                    return self.answer(404, b'{"error": "no such media"}', "application/json")
                data, mime = server.files[media_id]
                if parts[0] == "files":
                    return self.answer(200, data, mime)
                meta = {"url": f"{server.origin}/files/{media_id}", "mime_type": mime, "id": media_id,
                        "sha256": hashlib.sha256(data).hexdigest(), "file_size": len(data)}
                return self.answer(200, json.dumps(meta).encode(), "application/json")

            def answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base_url = f"{self.origin}/v21.0"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, media_id: str, data: bytes, mime: str) -> None:
        self.files[media_id] = (data, mime)

    def fail(self, media_id: str, status: int, times: int = 1) -> None:
        self.failures[media_id] = [status] * times

    def __enter__(self) -> MediaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- the route x role table ---------------------------------------------------------------------------------
QUEUE_ROLES = {"customer": "ops", "catalog": "ops", "intake": "ops", "credit": "credit", "commercial": "commercial"}
# A message that raises an exception in each queue (sender, text, attachments), for the queue boundaries.
QUEUE_MESSAGES: dict[str, dict[str, Any]] = {
    "customer": {"sender": "+919999999999", "text": "led 12w 2 box"},
    "catalog": {"sender": VOLT_PHONE, "text": "flux capacitor deluxe 7 pcs"},
    "intake": {"sender": VOLT_PHONE, "text": "order attached",
               "attachments": [{"filename": "po.pdf", "content_type": "application/pdf",  # cut short: unreadable
                                "content_base64": "JVBERi0xLjQgdHJ1bmNhdGVk"}]},
    "credit": {"sender": "+911110000003", "text": "copper wire 2.5 sqmm 3 roll"},
    "commercial": {"sender": VOLT_PHONE, "text": "modular switch 6a 2 box"},
}


@dataclass(frozen=True)
class Probe:
    """One request of the table: who may make it (admin always may), and a body that changes nothing."""

    method: str
    path: str
    roles: frozenset[str]
    body: bytes = b""
    content_type: str = "application/json"
    params: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.method} {self.path}{'?' + query if query else ''}"


def route_table(message_id: int, order_id: int, external_id: str, exceptions: dict[str, int]) -> list[Probe]:
    """Every route that needs a key, with the roles the contract lets through; probes have no side effects."""
    ingest, ops, ml = frozenset({"ingest"}), frozenset({"ops"}), frozenset({"ml"})
    admin: frozenset[str] = frozenset()
    table = [
        Probe("POST", "/v1/messages", ingest, b"{"),
        Probe("POST", "/v1/messages/email", ingest, b" ", "message/rfc822"),
        Probe("GET", f"/v1/messages/{message_id}", ingest),
        Probe("GET", "/v1/messages", ingest, params=(("external_id", external_id),)),
        Probe("GET", f"/v1/orders/{order_id}", ingest),
        Probe("GET", "/v1/exceptions", frozenset({"ops", "credit", "commercial"})),
        Probe("GET", "/v1/audit", ops, params=(("message_id", str(message_id)),)),
        Probe("POST", "/v1/retrain", ml, b'{"models": []}'),
        Probe("POST", "/v1/master-data", admin, b"{}"),
        Probe("POST", "/v1/keys", admin, b'{"role": "nobody", "name": "x"}'),
        Probe("GET", "/v1/keys", admin),
        Probe("DELETE", "/v1/keys/987654", admin),
    ]
    for queue, exception_id in exceptions.items():
        role = frozenset({QUEUE_ROLES[queue]})
        table += [
            Probe("GET", "/v1/exceptions", role, params=(("queue", queue),)),
            Probe("GET", f"/v1/exceptions/{exception_id}", role),
            Probe("POST", f"/v1/exceptions/{exception_id}/resolve", role, b'{"action": "maybe"}'),
        ]
    return table


def probe_status(send: Any, probe: Probe, headers: dict[str, str]) -> int:
    """Send a probe with ``send(method, path, content=, params=, headers=)``; its status."""
    h = {"content-type": probe.content_type, **headers}
    response = send(probe.method, probe.path, content=probe.body or None, params=dict(probe.params), headers=h)
    return int(response.status_code)


def check_route_table(send: Any, keys: dict[str, str], table: list[Probe]) -> list[str]:
    """Each role x each route: allowed (neither 401 nor 403) or 403; no key and a wrong key: 401. The misses."""
    misses = []
    for probe in table:
        for role in ROUTE_ROLES:
            got = probe_status(send, probe, {"authorization": f"Bearer {keys[role]}"})
            allowed = role == "admin" or role in probe.roles
            if (got in (401, 403)) == allowed or (not allowed and got != 403):
                misses.append(f"{role:10} {probe.name}: {got}, expected {'allowed' if allowed else 403}")
        for headers in ({}, {"authorization": "Bearer ordex_not-a-key"}, {"authorization": "Basic YTpi"}):
            got = probe_status(send, probe, headers)
            if got != 401:
                misses.append(f"{headers or 'no key'} {probe.name}: {got}, expected 401")
    return misses


# -- an in-process service ------------------------------------------------------------------------------------
MAX_BODY = 64 * 1024


def no_ocr(image: Any) -> list[Any]:
    """Stands in for OCR: these tests post no images, and a non-None OCR marks the engine warm."""
    raise AssertionError("no in-process test posts an image")


def service_settings(tmp: Path, **update: Any) -> ServiceSettings:
    """Settings of an in-process service under ``tmp``."""
    from ordex.conversation.options import ConversationOptions
    from serving.settings import ServiceSettings

    # Tests send unrelated orders seconds apart from one sender: no burst merging unless a test asks for it
    # (tests/serving/test_conversation.py does).
    base = ServiceSettings(data_dir=tmp / "var", database_url="", whatsapp_app_secret=SECRET,
                           whatsapp_verify_token=VERIFY_TOKEN, max_body_bytes=MAX_BODY, extractor="rules", matcher="rules",
                           lease_seconds=5, worker_poll_seconds=0.2, conversation=ConversationOptions(burst_minutes=0))
    return base.model_copy(update=update)


def open_host(tmp: Path, md: Path | None, **update: Any) -> EngineHost:
    """A host with its worker running (OCR stubbed, so it is ready at once)."""
    from ordex.pipeline import Engine
    from serving.host import EngineHost

    settings = service_settings(tmp, **update)
    host = EngineHost(Engine.open(settings, md, ocr=no_ocr), settings)
    host.start_worker()
    return host


def client_for(host: EngineHost) -> TestClient:
    """A test client of the API app whose routes reach ``host``."""
    from fastapi.testclient import TestClient

    from serving.api import create_app, current_host

    app = create_app()
    app.dependency_overrides[current_host] = lambda: host
    return TestClient(app)


@dataclass
class Svc:
    """A host, a client for it, a key per role, and the media server its Graph API URL points at."""

    host: EngineHost
    client: TestClient
    keys: dict[str, str]
    media: MediaServer
    md: Path

    def auth(self, role: str, content_type: str = "application/json") -> dict[str, str]:
        """Headers of a request by a key of ``role``."""
        return {"authorization": f"Bearer {self.keys[role]}", "content-type": content_type}




# -- PostgreSQL, when ORDEX_TEST_DATABASE_URL names a server (CI starts one) -----------------------------------
PG_URL = os.environ.get("ORDEX_TEST_DATABASE_URL", "")


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def with_database(url: str, db: str) -> str:
    """The server URL with another database name."""
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + db + (("?" + query) if query else "")


@contextmanager
def fresh_database(url: str = PG_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards; yields its URL."""
    from sqlalchemy import create_engine, text

    db = f"ordex_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_psycopg(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        yield with_database(url, db)
    finally:
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{db}"'))
        admin.dispose()


# Requests no client should send: each must be refused with a 4xx JSON error (or accepted), never a 500.
HOSTILE: list[tuple[str, str, bytes, str, int]] = [
    ("GET", "/v1/messages/99999999999999999999", b"", "ingest", 422),
    ("GET", "/v1/orders/0", b"", "ingest", 422),
    ("GET", "/v1/exceptions/2147483648", b"", "ops", 422),
    ("GET", "/v1/messages?external_id=a%00b", b"", "ingest", 422),
    ("GET", "/v1/audit?event=x%00", b"", "ops", 422),
    ("GET", "/v1/exceptions?offset=99999999999999", b"", "ops", 422),
    ("POST", "/v1/messages", b'{"message_id": "a\\u0000b", "text": "x"}', "ingest", 422),
    ("POST", "/v1/messages", b'{"received_at": "9999-12-31T23:59:59-14:00", "text": "x"}', "ingest", 422),
    ("POST", "/v1/messages", b"[" * 50_000, "ingest", 400),
    ("POST", "/v1/messages", b'{"sender": "+91\\u0000", "subject": "\\u0000", "text": "led 9w 2 box \\u0000 zz\\u0000z 3 pc",'
                             b' "attachments": [{"filename": "a\\u0000.pdf", "content_type": "x\\u0000", "content_base64": "!!"}]}',
     "ingest", 200),
    ("POST", "/v1/keys", b'{"role": "ops", "name": "a\\u0000"}', "admin", 422),
    ("POST", "/v1/retrain", b'{"models": "tagger"}', "ml", 422),
]


def wait_for(check: Any, timeout_s: float = 15.0) -> Any:
    """Poll ``check`` until it answers something truthy (what a background dispatcher delivers); that answer."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {check}")
