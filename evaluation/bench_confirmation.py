"""Confirmation latency: from a text order's receipt to its confirmation arriving at a WhatsApp Cloud API.

The service's own parts (the worker's Processor with the conversation, the outbox dispatcher and its WhatsApp
sender) against a local Graph API over real HTTP. Each WhatsApp text case of a set is received one at a time
(as the synchronous API does) and the time until its confirmation's POST reaches the server is measured.

    python -m evaluation.bench_confirmation --master-data DIR [--cases CASES.jsonl] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rich.console import Console

from ordex.batch import read_cases
from ordex.conversation.dealer import Conversation
from ordex.conversation.dispatcher import Dispatcher
from ordex.conversation.options import ConversationOptions
from ordex.conversation.senders import WhatsAppSender
from ordex.messages import message_from_case
from ordex.pipeline import Engine
from ordex.settings import Settings
from ordex.store.kpis import percentile
from ordex.worker import Processor, WorkerOptions


class GraphSink:
    """A local Graph API that records when each message to a number arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                ctx = (body.get("context") or {}).get("message_id") or body.get("to")
                sink.arrived.setdefault(str(ctx), time.perf_counter())
                data = json.dumps({"messages": [{"id": f"wamid.bench.{len(sink.arrived)}"}]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v21.0"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()



def bench(master_data: Path, cases_path: Path, repeat: int, settle_seconds: float = 0.0) -> dict[str, Any]:
    """p50/p95 milliseconds from receipt to the confirmation's arrival, over the released WhatsApp text orders.

    ``settle_seconds`` is the wait a chat confirmation gives the rest of a burst (the service's default is
    ``ConversationOptions().settle_seconds``); 0 measures ordex's own path: pipeline, outbox, dispatcher, HTTP."""
    cases = [c for c in read_cases(cases_path) if c.get("channel") == "whatsapp" and not c.get("attachments")
             and not c.get("raw")]
    sink = GraphSink()
    opts = ConversationOptions(poll_seconds=0.5, settle_seconds=settle_seconds, burst_minutes=0)
    waits: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ordex-bench-conf-") as tmp:
        for r in range(repeat):
            engine = Engine.open(Settings(database_url=f"sqlite:///{Path(tmp) / f'run{r}.db'}"), master_data)
            dispatcher = Dispatcher(engine.store, lambda e=engine: e.md,  # type: ignore[misc]
                                    {"whatsapp": WhatsAppSender(sink.url, "bench-token", "1555000111")}, opts)
            conversation = Conversation(engine, opts, dispatcher.notify)
            processor = Processor(engine, WorkerOptions(), None, lambda _c, d=dispatcher: d.notify(),  # type: ignore[misc]
                                  conversation.intercept)
            dispatcher.start()
            try:
                for k, case in enumerate(cases):
                    now = datetime.now(UTC).isoformat()  # inside the 24-hour window: a free-form reply
                    message = message_from_case({**case, "id": f"wamid.bench.{r}.{k}", "received_at": now},
                                                cases_path.parent)
                    t0 = time.perf_counter()
                    answer = processor.submit(message, "json")
                    if answer.status != "auto":
                        continue
                    deadline = time.monotonic() + 10 + settle_seconds
                    while message.id not in sink.arrived and time.monotonic() < deadline:
                        time.sleep(0.001)
                    if message.id in sink.arrived:
                        waits.append((sink.arrived[message.id] - t0) * 1000)
            finally:
                dispatcher.stop()
                engine.store.engine.dispose()
    return {"confirmations": len(waits), "settle_s": settle_seconds, "p50_ms": _ms(waits, 0.5), "p95_ms": _ms(waits, 0.95)}


def _ms(values: list[float], q: float) -> float:
    """A percentile in milliseconds to one decimal (NaN for no values)."""
    p = percentile(values, q)
    return round(p, 1) if p is not None else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master-data", type=Path, required=True)
    parser.add_argument("--cases", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--settle", type=float, default=0.0, help="Seconds a chat confirmation waits for a burst")
    args = parser.parse_args(argv)
    result = bench(args.master_data, args.cases or args.master_data / "cases.jsonl", args.repeat, args.settle)
    Console().print_json(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
