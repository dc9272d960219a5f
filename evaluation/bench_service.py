"""``make bench`` (service part): the real ``ordex serve`` on loopback, driven over HTTP.

Measures, after warm-up: the time to ready (cold start: process start to ``/readyz`` 200, master data loaded),
end-to-end latency per channel (one client, one request at a time: text channels to ``POST /v1/messages``,
raw e-mails to ``/v1/messages/email``, photos, PDFs and spreadsheets as base64 attachments), throughput of text
messages at a fixed concurrency (a bounded number of requests within a bounded time), and the resident memory
of the service's processes. Targets: text p50 <= 30 ms, >= 100 requests/s at concurrency 16, RSS <= 1.5 GB.
Loopback only; the store is a fresh SQLite file (or ``--db``).

usage: python -m evaluation.bench_service --master-data DIR [--requests N] [--concurrency C] [--seconds S]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from evaluation.eval_run import message_kind

ORDEX = Path(sys.executable).with_name("ordex")
TARGET_P50_MS = 30.0
TARGET_RPS = 100.0
TARGET_RSS_MB = 1536.0


@dataclass(frozen=True)
class Result:
    """What the bench measured."""

    p50_ms: float
    p95_ms: float
    latency_n: int
    rps: float
    throughput_n: int
    throughput_s: float
    errors: int
    rss_mb: float
    rss_after_load_mb: float
    ready_s: float
    kinds: dict[str, tuple[float, float, int]]  # per channel (or kind of attachment): p50 ms, p95 ms, requests


@dataclass(frozen=True)
class Request:
    """One message as the API takes it: the route, the body, its content type."""

    path: str
    body: bytes
    content_type: str

    def fresh(self, n: int) -> bytes:
        """The body with a message id of its own (``n``), so that idempotency never answers from the store."""
        if self.content_type == "message/rfc822":
            header = f"Message-ID: <bench-{n}@ordex.bench>".encode()
            new, found = re.subn(rb"(?im)^message-id:[^\r\n]*", header, self.body, count=1)
            return new if found else header + b"\r\n" + self.body
        return json.dumps({**json.loads(self.body), "message_id": f"bench-{n}"}).encode()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cases(master_data: Path) -> list[dict[str, Any]]:
    path = master_data / "cases.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] if path.exists() else []


def text_messages(master_data: Path) -> list[dict[str, Any]]:
    """The text-only cases of the master data folder's cases.jsonl (chat and SMS orders), as API bodies."""
    bodies = [{"channel": c.get("channel", "whatsapp"), "sender": c.get("sender", ""), "text": c["text"]}
              for c in _cases(master_data) if c.get("text") and not c.get("attachments") and not c.get("raw")]
    return bodies or [{"channel": "whatsapp", "sender": "", "text": "10 ctn of the first product please"}]


def kind_of(case: dict[str, Any]) -> str:
    """What a case is timed as: its channel for a text message, else the kind of what it carries."""
    kind = message_kind(case)
    if kind == "email":
        return "email (raw)" if case.get("raw") else "email"
    return case.get("channel", "whatsapp") if kind == "text" else kind


def requests_by_kind(master_data: Path) -> dict[str, list[Request]]:
    """Every case of the folder's cases.jsonl as an API request, grouped by ``kind_of`` (a raw WhatsApp webhook,
    which needs the app's signature, is left out)."""
    out: dict[str, list[Request]] = {}
    for c in _cases(master_data):
        raw = c.get("raw")
        if raw and not str(raw).lower().endswith(".eml"):
            continue
        if raw:
            req = Request("/v1/messages/email", (master_data / raw).read_bytes(), "message/rfc822")
        else:
            body = {k: c[k] for k in ("channel", "sender", "received_at", "subject", "text") if c.get(k)}
            body["attachments"] = [{"filename": Path(a["path"]).name, "content_type": a.get("content_type"),
                                    "content_base64": base64.b64encode((master_data / a["path"]).read_bytes()).decode()}
                                   for a in c.get("attachments") or []]
            req = Request("/v1/messages", json.dumps(body).encode(), "application/json")
        out.setdefault(kind_of(c), []).append(req)
    return out


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                out[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return out


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (BentoML's workers run in sessions of their own, so not its group)."""
    parents = _parents()
    tree, frontier = [pid], [pid]
    while frontier:
        children = [c for c, p in parents.items() if p in frontier and c not in tree]
        tree += children
        frontier = children
    return tree


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process and every descendant (found first: a killed parent's children are re-parented)."""
    for p in process_tree(pid):
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (the service's supervisor and workers), in MB."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


def pct(values: Sequence[float], q: float) -> float:
    """The q-quantile of values (nearest rank; NaN for none): every bench's percentile."""
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


class Service:
    """``ordex serve`` in its own process group on a free loopback port, with an ingest key."""

    def __init__(self, master_data: Path | None, db: str, tmp: Path, workers: int) -> None:
        self.port = free_port()
        self.env = {**os.environ, "BENTOML_DO_NOT_TRACK": "True", "ORDEX_WORKERS": str(workers)}
        made = subprocess.run([str(ORDEX), "keys", "create", "--role", "ingest", "--name", "bench", "--db", db, "--new-store"],
                              env=self.env, capture_output=True, text=True, check=True, timeout=300)
        self.key = made.stdout.strip().splitlines()[-1]
        self.log = (tmp / "serve.log").open("wb")
        cmd = [str(ORDEX), "serve", *(["--master-data", str(master_data)] if master_data else []), "--db", db,
               "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.headers = {"authorization": f"Bearer {self.key}", "content-type": "application/json"}

    def wait_ready(self, timeout_s: float = 300) -> float:
        """Seconds until /readyz answered 200."""
        t0 = time.monotonic()
        with httpx.Client(base_url=self.url, timeout=5) as c:
            while time.monotonic() - t0 < timeout_s:
                if self.process.poll() is not None:
                    raise RuntimeError(f"ordex serve exited with {self.process.returncode}; see {self.log.name}")
                try:
                    if c.get("/readyz").status_code == 200:
                        return time.monotonic() - t0
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        raise RuntimeError(f"ordex serve not ready after {timeout_s} s; see {self.log.name}")

    def stop(self) -> None:
        """SIGTERM the service, then SIGKILL whatever of its process tree is left."""
        tree = process_tree(self.process.pid)
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        for pid in tree:  # whatever did not stop with its supervisor
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self.log.close()


HEAVY = ("photo", "pdf", "spreadsheet", "email (raw)")  # kinds timed with fewer requests (OCR takes a second)


def bench(master_data: Path, db: str, requests: int, concurrency: int, seconds: float, warmup: int,
          workers: int, per_kind: int = 30) -> Result:
    """Start the service, warm it up, then measure latency (text, and per kind), throughput and memory."""
    bodies = text_messages(master_data)
    kinds = requests_by_kind(master_data)
    counter = iter(range(10**9))
    lock = threading.Lock()

    def fresh() -> int:
        with lock:
            return next(counter)

    def body() -> bytes:
        """The next request body (a text case with a fresh message id)."""
        n = fresh()
        return json.dumps({**bodies[n % len(bodies)], "message_id": f"bench-{n}"}).encode()

    with tempfile.TemporaryDirectory(prefix="ordex-bench-") as tmp:
        service = Service(master_data, db.format(tmp=tmp), Path(tmp), workers)
        try:
            ready_s = service.wait_ready()
            with httpx.Client(base_url=service.url, headers=service.headers, timeout=120) as c:
                warm(c, body, warmup)
                rss = rss_mb(service.process.pid)
                latencies = []
                for _ in range(requests):
                    t = time.perf_counter()
                    c.post("/v1/messages", content=body()).raise_for_status()
                    latencies.append((time.perf_counter() - t) * 1000)
                per: dict[str, tuple[float, float, int]] = {}
                for kind, reqs in sorted(kinds.items()):
                    times = []
                    for i in range(min(per_kind, 8) if kind in HEAVY else per_kind):
                        req = reqs[i % len(reqs)]
                        t = time.perf_counter()
                        c.post(req.path, content=req.fresh(fresh()),
                               headers={"content-type": req.content_type}).raise_for_status()
                        times.append((time.perf_counter() - t) * 1000)
                    per[kind] = (pct(times, 0.5), pct(times, 0.95), len(times))
            done, errors, elapsed = load(service, body, concurrency, requests * 4, seconds)
            rss_after = rss_mb(service.process.pid)
        finally:
            service.stop()
    return Result(pct(latencies, 0.5), pct(latencies, 0.95), len(latencies), done / elapsed, done, elapsed, errors,
                  rss, rss_after, ready_s, per)


def warm(client: httpx.Client, body: Any, n: int, timeout_s: float = 300.0) -> None:
    """Post ``n`` messages before measuring; a worker still loading answers 503 (``/readyz`` asks one worker):
    wait for it rather than time it."""
    deadline = time.monotonic() + timeout_s
    done = 0
    while done < n:
        r = client.post("/v1/messages", content=body())
        if r.status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
            continue
        r.raise_for_status()
        done += 1


def load(service: Service, body: Any, concurrency: int, total: int, seconds: float) -> tuple[int, int, float]:
    """``concurrency`` clients posting until ``total`` requests are done or ``seconds`` have passed.

    The clients use the standard library's keep-alive HTTP connections: they share the machine's cores
    with the service, and a lighter client leaves more of them to what is measured.
    """
    done = errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        """One client: post until the count or the time is up."""
        nonlocal done, errors
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if done + errors >= total:
                        return
                try:
                    conn.request("POST", "/v1/messages", body=body(), headers=service.headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
                    ok = False
                with lock:
                    done, errors = (done + 1, errors) if ok else (done, errors + 1)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, errors, time.monotonic() - t0


def main() -> int:
    """Run the bench and print the table; exit 1 if a target is missed."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--master-data", type=Path, required=True)
    p.add_argument("--db", default="sqlite:///{tmp}/bench.db", help="store URL ({tmp}: a temporary folder)")
    p.add_argument("--requests", type=int, default=300, help="sequential requests for the latency figures")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0, help="longest the throughput run may take")
    p.add_argument("--warmup", type=int, default=30, help="requests before measuring (per worker)")
    p.add_argument("--workers", type=int, default=2, help="service worker processes (ORDEX_WORKERS; 2, as served)")
    p.add_argument("--per-kind", type=int, default=30, help="sequential requests per channel (8 at most for files)")
    args = p.parse_args()
    r = bench(args.master_data, args.db, args.requests, args.concurrency, args.seconds, args.warmup * args.workers,
              args.workers, args.per_kind)
    checks = [("latency p50 (ms)", r.p50_ms, f"<= {TARGET_P50_MS:g}", r.p50_ms <= TARGET_P50_MS),
              ("latency p95 (ms)", r.p95_ms, "", True),
              (f"throughput at {args.concurrency} (req/s)", r.rps, f">= {TARGET_RPS:g}", r.rps >= TARGET_RPS),
              ("RSS after warm-up (MB)", r.rss_mb, f"<= {TARGET_RSS_MB:g}", r.rss_mb <= TARGET_RSS_MB),
              ("RSS after the load (MB)", r.rss_after_load_mb, f"<= {TARGET_RSS_MB:g}", r.rss_after_load_mb <= TARGET_RSS_MB)]
    table = Table(title=f"ordex serve, {args.workers} workers, over HTTP (text messages; {r.latency_n} sequential, {r.throughput_n} in "
                        f"{r.throughput_s:.1f} s concurrent, {r.errors} errors; ready in {r.ready_s:.1f} s)")
    for col in ("measure", "value", "target", "ok"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for name, value, target, ok in checks:
        table.add_row(name, f"{value:.1f}", target, "yes" if ok else "NO")
    for kind, (p50, p95, n) in r.kinds.items():
        table.add_row(f"{kind}: p50 / p95 (ms), {n} requests", f"{p50:.0f} / {p95:.0f}", "", "")
    Console().print(table)
    return 0 if all(ok for *_, ok in checks) and r.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
