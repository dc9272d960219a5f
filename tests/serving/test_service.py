"""The real service: ``ordex serve`` in a subprocess on a free port, spoken to over HTTP.

One server per module (it loads OCR models and the machine has few cores); every test shares it and
posts messages with ids of its own.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support import lines_of, write_trade
from support_serving import (
    ORDER_LINES,
    ORDER_TEXT,
    SECRET,
    VERIFY_TOKEN,
    VOLT_PHONE,
    raw_mail,
    signature,
    text_webhook,
)

pytestmark = pytest.mark.slow

ORDEX = Path(sys.executable).with_name("ordex")
READY_TIMEOUT_S = 120.0


@dataclass
class Server:
    """A running ``ordex serve`` and what it answered on ``/readyz`` while it started."""

    process: subprocess.Popen[bytes]
    client: httpx.Client
    log: Path
    readiness: list[int]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(process: subprocess.Popen[bytes], client: httpx.Client, log: Path) -> list[int]:
    """Poll /readyz until 200; the statuses seen on the way (0: not listening yet)."""
    seen: list[int] = []
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ordex serve exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            seen.append(client.get("/readyz").status_code)
        except httpx.TransportError:
            seen.append(0)
        if seen[-1] == 200:
            return seen
        time.sleep(0.25)
    pytest.fail(f"not ready after {READY_TIMEOUT_S} s (saw {sorted(set(seen))}):\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM the server's process group, as a supervisor would; SIGKILL if it has not stopped in 30 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None
    except ProcessLookupError:
        return process.poll()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    md = write_trade(tmp / "md")
    port = free_port()
    env = {**os.environ, "ORDEX_DATA_DIR": str(tmp / "var"), "ORDEX_WHATSAPP_APP_SECRET": SECRET,
           "ORDEX_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN}
    env.pop("ORDEX_DATABASE_URL", None)
    log = tmp / "server.log"
    cmd = [str(ORDEX), "serve", "--master-data", str(md), "--db", f"sqlite:///{tmp / 'x.db'}",
           "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        t0 = time.monotonic()
        readiness = wait_ready(process, client, log)
        print(f"\nordex serve ready in {time.monotonic() - t0:.1f} s; /readyz said {readiness}")
        yield Server(process, client, log, readiness)
    finally:
        client.close()
        code = stop(process)
    assert code == 0, f"ordex serve did not stop cleanly on SIGTERM ({code}):\n{log.read_text()[-4000:]}"


def post_json(server: Server, body: dict[str, object] | bytes, content_type: str = "application/json") -> httpx.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return server.client.post("/v1/messages", content=data, headers={"content-type": content_type})


def test_readyz_answers_503_or_nothing_until_the_engine_is_warm(server: Server) -> None:
    assert server.readiness[-1] == 200
    assert set(server.readiness[:-1]) <= {0, 503}


def test_health_and_metrics(server: Server) -> None:
    for path in ("/healthz", "/livez", "/readyz", "/metrics"):
        assert server.client.get(path).status_code == 200, path


def test_a_chat_order_from_a_known_phone_goes_through(server: Server) -> None:
    r = post_json(server, {"channel": "whatsapp", "sender": VOLT_PHONE, "text": ORDER_TEXT, "message_id": "svc-1"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "auto" and r.json()["id"] == "svc-1"
    assert lines_of(r.json()) == ORDER_LINES


def test_a_retry_gets_the_same_answer_and_a_reused_id_is_409(server: Server) -> None:
    body: dict[str, object] = {"channel": "whatsapp", "sender": VOLT_PHONE, "text": "led 12w 3 box",
                               "message_id": "svc-2"}
    first = post_json(server, body)
    assert first.status_code == 200
    assert post_json(server, body).json() == first.json()
    r = post_json(server, {**body, "text": "led 12w 4 box"})
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_conflict")


def test_malformed_json_and_wrong_content_type_are_refused(server: Server) -> None:
    r = post_json(server, b'{"text": ')
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
    r = post_json(server, {"text": "hi"}, content_type="text/plain")
    assert (r.status_code, r.json()["code"]) == (415, "unsupported_media_type")


def test_a_raw_email_gives_its_orders(server: Server) -> None:
    mail = raw_mail(ORDER_TEXT, message_id="<svc-mail-1@voltelec.example>")
    r = server.client.post("/v1/messages/email", content=mail, headers={"content-type": "message/rfc822"})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "svc-mail-1@voltelec.example"
    assert lines_of(r.json()) == ORDER_LINES


def test_webhook_handshake(server: Server) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8675309"}
    r = server.client.get("/v1/webhooks/whatsapp", params=params)
    assert (r.status_code, r.text) == (200, "8675309")
    r = server.client.get("/v1/webhooks/whatsapp", params={**params, "hub.verify_token": "wrong"})
    assert r.status_code == 403


def test_webhook_signature_is_checked(server: Server) -> None:
    body = text_webhook(ORDER_TEXT, "wamid.SVC1")
    headers = {"content-type": "application/json"}
    r = server.client.post("/v1/webhooks/whatsapp", content=body,
                           headers={**headers, "x-hub-signature-256": signature(body, "not-the-secret")})
    assert (r.status_code, r.json()["code"]) == (401, "bad_signature")
    r = server.client.post("/v1/webhooks/whatsapp", content=body, headers=headers)
    assert r.status_code == 401
    r = server.client.post("/v1/webhooks/whatsapp", content=body,
                           headers={**headers, "x-hub-signature-256": signature(body)})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok" and r.json()["id"] == "wamid.SVC1"


def test_openapi_pages_document_the_routes(server: Server) -> None:
    ours = {"/v1/messages", "/v1/messages/email", "/v1/webhooks/whatsapp"}
    bento = server.client.get("/docs.json").json()  # BentoML's page at / reads this
    assert ours | {"/readyz", "/healthz", "/metrics"} <= set(bento["paths"])
    assert ours <= set(server.client.get("/openapi.json").json()["paths"])  # FastAPI's, page at /docs
    assert server.client.get("/").status_code == 200
    assert server.client.get("/docs").status_code == 200
