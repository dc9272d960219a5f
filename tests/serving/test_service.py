"""The real service: ``ordex serve`` in a subprocess on a free port, spoken to over HTTP, on a real SQLite file
and (when ORDEX_TEST_DATABASE_URL names a server, as CI does) on PostgreSQL.

One server per backend (it loads OCR models and the machine has few cores); the tests share it and post
messages with ids of their own. The last test kills it with SIGKILL while its worker is busy and restarts it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from builders import blank_png, csv_bytes, whatsapp_media_webhook
from support import PRICES, lines_of, write_trade
from support_serving import (
    HOSTILE,
    ORDER_LINES,
    ORDER_TEXT,
    PG_URL,
    QUEUE_MESSAGES,
    ROUTE_ROLES,
    SECRET,
    TOKEN,
    VERIFY_TOKEN,
    VOLT_PHONE,
    MediaServer,
    Probe,
    check_route_table,
    fresh_database,
    raw_mail,
    route_table,
    signature,
    status_webhook,
    text_webhook,
)

from evaluation.bench_service import free_port, kill_tree, process_tree

pytestmark = pytest.mark.slow

ORDEX = Path(sys.executable).with_name("ordex")
READY_TIMEOUT_S = 180.0
PROCESS_TIMEOUT_S = 180.0


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@dataclass
class Server:
    """A running ``ordex serve``, its store, a key per role, and what ``/readyz`` answered while it started."""

    tmp: Path
    db: str
    md: Path
    env: dict[str, str]
    media: MediaServer
    process: subprocess.Popen[bytes] | None = None
    client: httpx.Client = field(default_factory=httpx.Client)
    readiness: list[int] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    starts: list[float] = field(default_factory=list)
    port: int = 0

    @property
    def log(self) -> Path:
        return self.tmp / "server.log"

    def start(self, master_data: bool = True) -> None:
        """Start the server (loading the master data the first time) and wait until it is ready."""
        port = self.port = free_port()
        cmd = [str(ORDEX), "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(port)]
        if master_data:
            cmd += ["--master-data", str(self.md)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(cmd, cwd=self.tmp, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.client.close()
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
        t0 = time.monotonic()
        self.readiness = self.wait_ready()
        self.starts.append(time.monotonic() - t0)
        print(f"\nordex serve ready in {self.starts[-1]:.1f} s; /readyz said {self.readiness}")

    def wait_ready(self) -> list[int]:
        """Poll /readyz until 200; the statuses seen on the way (0: not listening yet)."""
        assert self.process is not None
        seen: list[int] = []
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"ordex serve exited with {self.process.returncode}:\n{self.log.read_text()[-4000:]}")
            try:
                seen.append(self.client.get("/readyz").status_code)
            except httpx.TransportError:
                seen.append(0)
            if seen[-1] == 200:
                return seen
            time.sleep(0.25)
        pytest.fail(f"not ready after {READY_TIMEOUT_S} s (saw {sorted(set(seen))}):\n{self.log.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the whole server (BentoML's supervisor and its workers), as a crash or an OOM kill would."""
        assert self.process is not None
        tree = process_tree(self.process.pid)
        assert len(tree) >= 2, f"expected BentoML's supervisor and a worker, found {tree}"
        kill_tree(self.process.pid)
        self.process.wait()
        deadline = time.monotonic() + 10
        while any(alive(p) for p in tree) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(p) for p in tree), "a process of the killed server is still running"

    def stop(self) -> int | None:
        """SIGTERM the server's process group, as a supervisor would; then SIGKILL whatever is left of it."""
        assert self.process is not None
        tree = process_tree(self.process.pid)
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            code: int | None = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = None
        except ProcessLookupError:
            code = self.process.poll()
        deadline = time.monotonic() + 15
        while any(alive(p) for p in tree[1:]) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in tree if alive(p)]
        for p in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        self.process.wait()
        return code if not left else None

    def auth(self, role: str, content_type: str = "application/json") -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[role]}", "content-type": content_type}

    def post(self, body: dict[str, Any] | bytes, role: str = "ingest", content_type: str = "application/json") -> httpx.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post("/v1/messages", content=data, headers=self.auth(role, content_type))

    def message(self, external_id: str) -> dict[str, Any]:
        r = self.client.get("/v1/messages", params={"external_id": external_id}, headers=self.auth("ingest"))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def processed(self, external_id: str, timeout_s: float = PROCESS_TIMEOUT_S) -> dict[str, Any]:
        """A message once the background worker has its result."""
        deadline = time.monotonic() + timeout_s
        while True:
            view = self.message(external_id)
            if view["state"] in ("done", "failed"):
                return view
            if time.monotonic() > deadline:
                pytest.fail(f"{external_id} not processed after {timeout_s} s: {view['state']}")
            time.sleep(0.1)

    def events(self, message_id: int) -> list[str]:
        r = self.client.get("/v1/audit", params={"message_id": message_id}, headers=self.auth("ops"))
        return [e["event"] for e in r.json()["events"]]


@contextmanager
def launched(tmp: Path, db: str, media: MediaServer, **env: str) -> Iterator[Server]:
    """``ordex serve`` on ``db`` with the test's settings (plus ``env``), a key per role; stopped cleanly after."""
    full = {**os.environ, "ORDEX_DATA_DIR": str(tmp / "var"), "ORDEX_WHATSAPP_APP_SECRET": SECRET,
            "ORDEX_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN, "ORDEX_WHATSAPP_ACCESS_TOKEN": TOKEN,
            "ORDEX_WHATSAPP_GRAPH_URL": media.base_url, "ORDEX_LEASE_SECONDS": "3",
            "ORDEX_WORKER_POLL_SECONDS": "0.2", "ORDEX_EXTRACTOR": "rules", "ORDEX_MATCHER": "rules",
            "ORDEX_WORKERS": "1",  # one worker: the test machine has two cores and other tests run beside
            "ORDEX_CONVERSATION__BURST_MINUTES": "0", **env}  # unrelated orders seconds apart: no burst merging
    full.pop("ORDEX_DATABASE_URL", None)
    srv = Server(tmp, db, write_trade(tmp / "md"), full, media)
    made = subprocess.run([str(ORDEX), "keys", "create", "--role", "admin", "--name", "admin-tester", "--db", db, "--new-store"],
                          env=full, capture_output=True, text=True, timeout=120, check=True)
    srv.keys["admin"] = made.stdout.strip().splitlines()[-1]
    srv.start()
    for role in ROUTE_ROLES[:-1]:
        r = srv.client.post("/v1/keys", json={"role": role, "name": f"{role}-tester"}, headers=srv.auth("admin"))
        assert r.status_code == 201, r.text
        srv.keys[role] = r.json()["key"]
    try:
        yield srv
    finally:
        srv.client.close()
        code = srv.stop()
    assert code == 0, f"ordex serve did not stop cleanly on SIGTERM ({code}):\n{srv.log.read_text()[-4000:]}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("ORDEX_TEST_DATABASE_URL is not set (CI sets it)")
    tmp = tmp_path_factory.mktemp(f"serve-{request.param}")
    with ExitStack() as stack:
        db = stack.enter_context(fresh_database()) if request.param == "postgresql" else f"sqlite:///{tmp / 'x.db'}"
        media = stack.enter_context(MediaServer())
        yield stack.enter_context(launched(tmp, db, media))


def test_readyz_answers_503_or_nothing_until_the_engine_is_warm(server: Server) -> None:
    assert server.readiness[-1] == 200
    assert set(server.readiness[:-1]) <= {0, 503}


def test_health_needs_no_key_and_metrics_needs_the_ml_role(server: Server) -> None:
    for path in ("/healthz", "/livez", "/readyz"):
        assert server.client.get(path).status_code == 200, path
    assert server.client.get("/metrics").status_code == 401
    assert server.client.get("/metrics", headers=server.auth("ops")).status_code == 403
    assert server.client.get("/metrics", headers=server.auth("ml")).status_code == 200


def test_every_role_reaches_exactly_the_routes_of_the_contract(server: Server) -> None:
    first = server.post({"sender": VOLT_PHONE, "text": "led 9w 1 box", "message_id": "table-1"}).json()
    exceptions = {}
    for queue, body in QUEUE_MESSAGES.items():
        answer = server.post({**body, "message_id": f"table-{queue}"}).json()
        view = server.message(f"table-{queue}")
        exceptions[queue] = next(e["exception_id"] for e in view["exceptions"] if e["queue"] == queue)
        assert answer["status"] == "exception"
    table = route_table(first["message_id"], first["order_ids"][0], "table-1", exceptions)
    table.append(Probe("GET", "/metrics", frozenset({"ml"})))
    misses = check_route_table(server.client.request, server.keys, table)
    assert not misses, "\n".join(misses)


def test_a_chat_order_goes_through_and_can_be_read_back(server: Server) -> None:
    r = server.post({"channel": "whatsapp", "sender": VOLT_PHONE, "text": ORDER_TEXT, "message_id": "svc-1"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "auto" and r.json()["id"] == "svc-1"
    assert lines_of(r.json()) == ORDER_LINES
    order = server.client.get(f"/v1/orders/{r.json()['order_ids'][0]}", headers=server.auth("ingest")).json()
    assert order["state"] == "released" and [ln["sku"] for ln in order["lines"]] == ["LED-9W", "MCB-16A"]


def test_the_same_id_twice_is_one_message_one_order_and_another_body_is_409(server: Server) -> None:
    body: dict[str, Any] = {"channel": "whatsapp", "sender": "+911110000005", "text": "led 12w 3 box",
                            "message_id": "svc-2"}
    first = server.post(body)
    assert first.status_code == 200
    assert server.post(body).json() == first.json()
    view = server.message("svc-2")
    assert len(view["order_ids"]) == 1 and server.events(view["message_id"]).count("received") == 1
    r = server.post({**body, "text": "led 12w 4 box"})
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_conflict")
    assert len(server.message("svc-2")["order_ids"]) == 1


def test_malformed_json_and_wrong_content_type_are_refused(server: Server) -> None:
    r = server.post(b'{"text": ')
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
    r = server.post({"text": "hi"}, content_type="text/plain")
    assert (r.status_code, r.json()["code"]) == (415, "unsupported_media_type")
    r = server.client.get("/v1/nowhere", headers=server.auth("admin"))
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_nothing_a_client_sends_yields_a_500(server: Server) -> None:
    for method, path, body, role, status in HOSTILE:
        r = server.client.request(method, path, content=body or None, headers=server.auth(role))
        assert r.status_code == status, (path, body[:80], r.status_code, r.text)
        assert "code" in r.json() or status == 200


def test_a_raw_email_gives_its_orders(server: Server) -> None:
    mail = raw_mail(ORDER_TEXT, message_id="<svc-mail-1@voltelec.example>")
    r = server.client.post("/v1/messages/email", content=mail, headers=server.auth("ingest", "message/rfc822"))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "svc-mail-1@voltelec.example"
    assert lines_of(r.json()) == ORDER_LINES


def test_webhook_handshake(server: Server) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8675309"}
    r = server.client.get("/v1/webhooks/whatsapp", params=params)
    assert (r.status_code, r.text) == (200, "8675309")
    r = server.client.get("/v1/webhooks/whatsapp", params={**params, "hub.verify_token": "wrong"})
    assert r.status_code == 403


def post_webhook(server: Server, body: bytes, sig: str | None) -> httpx.Response:
    headers = {"content-type": "application/json", **({"x-hub-signature-256": sig} if sig is not None else {})}
    return server.client.post("/v1/webhooks/whatsapp", content=body, headers=headers)


def test_a_forged_signature_is_401_and_a_signed_webhook_is_processed(server: Server) -> None:
    body = text_webhook(ORDER_TEXT, "wamid.SVC1")
    r = post_webhook(server, body, signature(body, "not-the-secret"))
    assert (r.status_code, r.json()["code"]) == (401, "bad_signature")
    assert post_webhook(server, body, None).status_code == 401
    r = post_webhook(server, body, signature(body))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok" and r.json()["id"] == "wamid.SVC1"
    assert lines_of(server.processed("wamid.SVC1")["prediction"]) == ORDER_LINES


def test_a_status_update_webhook_is_200_and_no_order(server: Server) -> None:
    body = status_webhook("wamid.OUT9", status="read")
    r = post_webhook(server, body, signature(body))
    assert r.status_code == 200 and r.json()["id"].startswith("wa-status-")
    view = server.processed(r.json()["id"])
    assert view["status"] == "no_order" and view["order_ids"] == [] and view["exceptions"] == []


def test_a_document_sent_on_whatsapp_is_fetched_and_read(server: Server) -> None:
    server.media.add("svc-media-1", csv_bytes([["Item", "Qty"], ["Copper Wire 1.5 sqmm", 7]]), "text/csv")
    body = whatsapp_media_webhook("911110000005", "document", "svc-media-1", "text/csv", filename="po.csv",
                                  wamid="wamid.SVCDOC")
    assert post_webhook(server, body, signature(body)).status_code == 200
    assert lines_of(server.processed("wamid.SVCDOC")["prediction"]) == [("E500", "WIRE-1.5", 7, "ROLL")]


def test_a_correction_teaches_the_customer_at_once_and_only_that_customer(server: Server) -> None:
    first = server.post({"sender": "+911110000002", "text": "glow stick deluxe 4 pcs", "message_id": "learn-1"}).json()
    assert first["status"] == "exception" and {e["code"] for e in first["exceptions"]} == {"SKU_UNMATCHED"}
    exc = first["exception_ids"][0]
    listed = server.client.get("/v1/exceptions", params={"queue": "catalog"}, headers=server.auth("ops")).json()
    view = next(e for e in listed["exceptions"] if e["exception_id"] == exc)
    assert view["message"]["text"] == "glow stick deluxe 4 pcs" and view["needs"]["fields"] == ["customer_id", "lines"]
    body = {"action": "approve", "lines": [{"sku": "MCB-32A", "qty": 4}]}
    r = server.client.post(f"/v1/exceptions/{exc}/resolve", json=body, headers=server.auth("ops"))
    assert r.status_code == 200, r.text
    assert r.json()["released"] and r.json()["learned"][0]["alias"] == "glow stick deluxe"
    again = server.client.post(f"/v1/exceptions/{exc}/resolve", json=body, headers=server.auth("ops"))
    assert again.json()["replayed"] and again.json()["released_order_ids"] == r.json()["released_order_ids"]
    same = server.post({"sender": "+911110000002", "text": "glow stick deluxe 2 pcs", "message_id": "learn-2"}).json()
    assert same["status"] == "auto" and lines_of(same) == [("E200", "MCB-32A", 2, "PCS")]
    other = server.post({"sender": "+911110000005", "text": "glow stick deluxe 2 pcs", "message_id": "learn-3"}).json()
    assert other["status"] == "exception" and lines_of(other)[0][1] is None
    trail = server.events(first["message_id"])
    assert trail[-2:] == ["resolved", "released"]


def test_ordex_load_reaches_the_running_service(server: Server) -> None:
    before = server.post({"sender": "+911110000006", "text": "modular switch 6a 2 box", "message_id": "load-1"}).json()
    assert {e["code"] for e in before["exceptions"]} == {"PRICE_MISSING"}
    newer = write_trade(server.tmp / "md-newer")
    (newer / "prices.csv").write_text(PRICES + "*,SW-6A,310\n")
    subprocess.run([str(ORDEX), "load", "--master-data", str(newer), "--db", server.db], env=server.env,
                   capture_output=True, timeout=120, check=True)
    after = server.post({"sender": "+911110000006", "text": "modular switch 6a 3 box", "message_id": "load-2"}).json()
    assert after["status"] == "auto"
    held = server.client.get(f"/v1/exceptions/{before['exception_ids'][0]}", headers=server.auth("commercial")).json()
    assert held["state"] == "open"


def test_metrics_count_messages_exceptions_stages_queue_and_models(server: Server) -> None:
    text = server.client.get("/metrics", headers=server.auth("ml")).text
    for needle in ('ordex_messages{channel="whatsapp",status="auto"}', 'ordex_exceptions{code="SKU_UNMATCHED",queue="catalog"',
                   "ordex_queue_depth", 'ordex_stage_seconds_bucket{', 'stage="match"', 'ordex_model_info{model="matcher"',
                   "ordex_messages_processed_total", 'ordex_first_pass_release_ratio{channel="whatsapp"}',
                   "ordex_manual_touches_per_order", "ordex_alias_coverage_ratio",
                   'ordex_receipt_to_release_seconds_bucket{le="+Inf"}', "ordex_confirmation_latency_seconds_count"):
        assert needle in text, needle
    # this instance's own Prometheus folder (another instance on the host has its own port's)
    assert list((server.tmp / "var" / "metrics" / str(server.port)).glob("*.db"))


def test_openapi_pages_document_the_routes(server: Server) -> None:
    ours = {"/v1/messages", "/v1/messages/email", "/v1/webhooks/whatsapp", "/v1/exceptions",
            "/v1/exceptions/{exception_id}/resolve", "/v1/retrain", "/v1/audit", "/v1/master-data"}
    from openapi_spec_validator import validate

    bento = server.client.get("/docs.json").json()  # BentoML's page at / reads this
    assert ours | {"/readyz", "/healthz", "/metrics"} <= set(bento["paths"])
    validate(bento)  # a valid OpenAPI 3.0 document, as it declares
    fastapi = server.client.get("/openapi.json").json()  # FastAPI's, page at /docs
    assert ours <= set(fastapi["paths"])
    validate(fastapi)  # a valid OpenAPI 3.1 document
    assert server.client.get("/").status_code == 200
    assert server.client.get("/docs").status_code == 200


def test_every_accepted_message_is_processed_exactly_once_across_a_sigkill(server: Server) -> None:
    """Webhooks pile up for the background worker and synchronous posts are in flight; SIGKILL; restart."""
    lines = "\n".join(f"led 12w {k} box" for k in range(1, 13))
    webhooks: list[str] = []
    sync_sent: dict[str, dict[str, Any]] = {}
    stop = threading.Event()

    def post_sync(worker: int) -> None:
        k = 0
        while not stop.is_set():
            body = {"sender": "+911110000005", "text": f"mcb 32a {worker * 1000 + k} pc", "message_id": f"crash-s{worker}-{k}"}
            sync_sent[body["message_id"]] = body
            try:
                server.post(body)
            except httpx.TransportError:
                return
            k += 1

    def post_hook(n: int) -> None:
        wamid = f"wamid.CRASH{n}"
        body = text_webhook(f"{lines}\nwire 2.5 sqmm {n} roll", wamid, phone="911110000006")
        r = post_webhook(server, body, signature(body))
        assert r.status_code == 200, r.text
        webhooks.append(wamid)

    senders = [threading.Thread(target=post_sync, args=(w,)) for w in range(3)]
    for t in senders:
        t.start()
    busy = False
    with ThreadPoolExecutor(8) as pool:
        for batch in range(6):
            list(pool.map(post_hook, range(batch * 40, batch * 40 + 40)))
            if server.message(webhooks[-1])["state"] != "done":
                busy = True
                break
    waiting = sum(server.message(w)["state"] != "done" for w in webhooks[-5:])
    server.kill()
    stop.set()
    for t in senders:
        t.join()
    assert busy, "the worker kept up with every batch: nothing was left to recover"
    print(f"\nkilled with {waiting} of the last 5 of {len(webhooks)} webhooks unprocessed, "
          f"{len(sync_sent)} synchronous posts sent")
    server.start(master_data=False)
    for body in sync_sent.values():  # each client retries what it sent; accepted or not, one result each
        r = server.post(body)
        assert r.status_code == 200, r.text
    held = []
    for external_id in [*webhooks, *sync_sent]:
        view = server.processed(external_id)
        events = server.events(view["message_id"])
        assert events.count("received") == 1, (external_id, events)
        if view["state"] == "failed":  # the pipeline was on it when the process died: held, never run again
            assert "interrupted once" in view["exceptions"][0]["detail"] and not view["order_ids"], view
            assert events.count("failed") == 1 and "processed" not in events, (external_id, events)
            held.append(external_id)
            continue
        assert view["state"] == "done", view
        assert len(view["order_ids"]) == 1, (external_id, view["order_ids"])
        assert events.count("processed") == 1, (external_id, events)
    assert len(held) <= 1, held  # one worker runs one message at a time: only that one was interrupted


KILLER = """
import os, signal
from pathlib import Path

def ocr(image):
    \"\"\"An OCR engine that brings its worker process down, as a native crash or the OOM killer would.\"\"\"
    with Path(os.environ["KILLER_LOG"]).open("a") as f:
        f.write(f"{os.getpid()}\\n")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_message_that_kills_its_worker_is_held_on_the_next_lease_and_never_read_again(
        tmp_path: Path) -> None:
    """A photo whose reading kills the worker process: BentoML starts a new worker, which holds the message for a
    person (UNREADABLE, the raw photo kept) instead of reading it into the next crash; the service keeps serving.

    Attachments are read in a child process by default, where such a crash costs only the file
    (``tests/ordex/intake/test_isolated.py``); here the reader runs in the worker (``ORDEX_READ_ISOLATED=0``) to
    stand for any crash of the worker itself (native code in the tagger, the OOM killer)."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "killer.py").write_text(KILLER)
    log = tmp_path / "killer.log"
    pythonpath = os.pathsep.join(p for p in (str(tmp_path / "plugins"), os.environ.get("PYTHONPATH", "")) if p)
    with MediaServer() as media, launched(tmp_path, f"sqlite:///{tmp_path / 'k.db'}", media,
                                          ORDEX_OCR_ENGINE="killer:ocr", KILLER_LOG=str(log), ORDEX_READ_ISOLATED="0",
                                          PYTHONPATH=pythonpath) as srv:
        photo = {"sender": "+911110000001", "text": "", "message_id": "the-killer-photo",
                 "attachments": [{"filename": "list.png", "content_type": "image/png",
                                  "content_base64": base64.b64encode(blank_png()).decode()}]}
        with contextlib.suppress(httpx.TransportError):
            r = srv.post(photo)  # the worker dies under the request
            assert r.status_code >= 500, r.text
        view = srv.processed("the-killer-photo", timeout_s=120)
        assert view["state"] == "failed", view
        assert view["exceptions"][0]["code"] == "UNREADABLE" and "interrupted once" in view["exceptions"][0]["detail"]
        assert view["attachments"][0]["bytes"] == len(blank_png())  # the raw photo is kept
        assert len(log.read_text().split()) == 1  # read once: the next worker did not read it into a crash
        deadline = time.monotonic() + 60
        while True:  # the service serves on (a new worker took over)
            with contextlib.suppress(httpx.TransportError):
                r = srv.post({"sender": "+911110000001", "text": "led 12w 5 box", "message_id": "after-the-crash"})
                if r.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.5)
        assert r.json()["status"] == "auto"


@pytest.mark.skipif(not PG_URL, reason="ORDEX_TEST_DATABASE_URL is not set (CI sets it)")
def test_two_replicas_on_one_postgresql_share_the_queue_the_aliases_and_the_keys(tmp_path: Path) -> None:
    """Two ``ordex serve`` on one PostgreSQL under load: every message processed once, whichever replica took
    it; a person's fix on one replica teaches the other at once; a key revoked on one is refused by the other."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with ExitStack() as stack:
        db = stack.enter_context(fresh_database())
        media = stack.enter_context(MediaServer())
        a = stack.enter_context(launched(tmp_path / "a", db, media))
        b = stack.enter_context(launched(tmp_path / "b", db, media))
        replicas = (a, b)
        webhooks: list[str] = []

        def post_hook(n: int) -> None:
            wamid = f"wamid.TWO{n}"
            body = text_webhook(f"led 12w {n % 40 + 1} box", wamid, phone="911110000006")
            r = post_webhook(replicas[n % 2], body, signature(body))
            assert r.status_code == 200, r.text
            webhooks.append(wamid)

        def post_sync(n: int) -> str:
            body = {"sender": "+911110000005", "text": f"mcb 32a {n + 1} pc", "message_id": f"two-s{n}"}
            r = replicas[n % 2].post(body)
            assert r.status_code == 200, r.text
            return body["message_id"]

        with ThreadPoolExecutor(8) as pool:
            hooks = pool.map(post_hook, range(60))
            synced = list(pool.map(post_sync, range(40)))
            list(hooks)
        for external_id in [*webhooks, *synced]:
            view = replicas[hash(external_id) % 2].processed(external_id)
            assert view["state"] == "done" and len(view["order_ids"]) == 1, view
            events = a.events(view["message_id"])
            assert events.count("received") == 1 and events.count("processed") == 1, (external_id, events)

        first = a.post({"sender": "+911110000002", "text": "glow stick deluxe 4 pcs", "message_id": "two-learn-1"}).json()
        assert first["status"] == "exception"
        r = a.client.post(f"/v1/exceptions/{first['exception_ids'][0]}/resolve", headers=a.auth("ops"),
                          json={"action": "approve", "lines": [{"sku": "MCB-32A", "qty": 4}]})
        assert r.status_code == 200 and r.json()["learned"], r.text
        same = b.post({"sender": "+911110000002", "text": "glow stick deluxe 2 pcs", "message_id": "two-learn-2"}).json()
        assert same["status"] == "auto" and lines_of(same) == [("E200", "MCB-32A", 2, "PCS")]  # B learned at once

        assert b.client.get("/v1/exceptions", headers=b.auth("ops")).status_code == 200  # B remembers A's ops key
        keys = a.client.get("/v1/keys", headers=a.auth("admin")).json()["keys"]
        ops_a = min((k for k in keys if k["name"] == "ops-tester"), key=lambda k: k["key_id"])  # A made it first
        assert a.client.delete(f"/v1/keys/{ops_a['key_id']}", headers=a.auth("admin")).json()["revoked"]
        refused = [r.client.get("/v1/exceptions", headers=a.auth("ops")).status_code for r in replicas]
        assert refused == [401, 401]


@pytest.mark.skipif(not PG_URL, reason="ORDEX_TEST_DATABASE_URL is not set (CI sets it)")
def test_a_replica_killed_under_load_loses_nothing_the_other_takes_over_and_it_rejoins(tmp_path: Path) -> None:
    """Two replicas on one PostgreSQL; webhooks pile up on both; SIGKILL one while its worker is busy. The other
    takes over its leases at once (holding the one message that was being read when it died) and answers the
    clients' retries; the killed replica restarts and serves. Every message is received once and processed once."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    lines = "\n".join(f"led 12w {k} box" for k in range(1, 13))
    with ExitStack() as stack:
        db = stack.enter_context(fresh_database())
        media = stack.enter_context(MediaServer())
        a = stack.enter_context(launched(tmp_path / "a", db, media))
        b = stack.enter_context(launched(tmp_path / "b", db, media))
        webhooks: list[str] = []

        def post_hook(n: int) -> None:
            wamid = f"wamid.RCRASH{n}"
            body = text_webhook(f"{lines}\nwire 2.5 sqmm {n} roll", wamid, phone="911110000006")
            r = post_webhook((a, b)[n % 2], body, signature(body))
            assert r.status_code == 200, r.text
            webhooks.append(wamid)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(post_hook, range(160)))
        busy = a.message(webhooks[-1])["state"] != "done"
        a.kill()
        assert busy, "the workers kept up with every webhook: nothing was left to take over"
        synced = []
        for n in range(20):  # clients go on posting to the replica that is up
            body = {"sender": "+911110000005", "text": f"mcb 32a {n + 1} pc", "message_id": f"rcrash-s{n}"}
            assert b.post(body).status_code == 200
            synced.append(body["message_id"])
        held = []
        for external_id in [*webhooks, *synced]:
            view = b.processed(external_id)
            events = b.events(view["message_id"])
            assert events.count("received") == 1, (external_id, events)
            if view["state"] == "failed":  # A's worker was reading it when A died: held, never read twice
                assert "interrupted once" in view["exceptions"][0]["detail"] and not view["order_ids"], view
                held.append(external_id)
                continue
            assert view["state"] == "done" and len(view["order_ids"]) == 1, view
            assert events.count("processed") == 1, (external_id, events)
        assert len(held) <= 1, held
        print(f"\nA killed under {len(webhooks)} webhooks; B processed what was left, {len(held)} held")
        a.start(master_data=False)  # A rejoins and serves
        r = a.post({"sender": "+911110000005", "text": "mcb 32a 77 pc", "message_id": "rcrash-after"})
        assert r.status_code == 200 and lines_of(r.json()) == [("E500", "MCB-32A", 77, "PCS")], r.text
