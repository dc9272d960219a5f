"""The work queue and its workers on real stores (SQLite, and PostgreSQL when configured), and the Graph API
media client against a local HTTP server: claims are exclusive, lapsed leases are taken over, each message
gets one result, a crash is held for a person.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from builders import blank_png
from support import lines_of, msg, run_together
from support_serving import TOKEN, MediaServer, no_ocr, text_webhook, webhook

from ordex.media import GraphMediaClient, MediaError
from ordex.messages import ApiMessage, message_from_api
from ordex.pipeline import Engine
from ordex.schema import Attachment, Message
from ordex.store import Store
from ordex.store.store import Lease
from ordex.worker import Processor, Worker, WorkerOptions, single_message_body


def api_message(text: str, message_id: str, sender: str = "+911110000001") -> Message:
    """A message as ``POST /v1/messages`` stores it: the raw body is the JSON that was posted."""
    raw = json.dumps({"sender": sender, "text": text, "message_id": message_id}).encode()
    return message_from_api(ApiMessage.model_validate_json(raw), message_id, raw)


def accept(store: Store, n: int, prefix: str) -> list[int]:
    return [store.accept(m, m.raw or b"", "json").id
            for m in (api_message(f"led 12w {k + 1} box", f"{prefix}-{k}") for k in range(n))]


def test_claims_are_exclusive_across_workers(backend_engine: Engine) -> None:
    rows = accept(backend_engine.store, 30, "claim")
    stores = [Store(backend_engine.store.url) for _ in range(4)]
    claimed: list[list[int]] = [[] for _ in stores]

    def work(k: int) -> None:
        lease = Lease(f"w{k}", 30)
        while (row := stores[k].queue.claim_next(lease)) is not None:
            claimed[k].append(row)

    run_together(work, len(stores))
    for s in stores:
        s.engine.dispose()
    everything = [r for c in claimed for r in c]
    assert sorted(everything) == rows  # each message claimed once, none left behind


def test_a_lapsed_lease_is_taken_over_and_a_live_one_is_not(backend_engine: Engine) -> None:
    (row,) = accept(backend_engine.store, 1, "lease")
    queue = backend_engine.store.queue
    assert queue.claim(row, Lease("a", 30))
    assert not queue.claim(row, Lease("b", 30)) and queue.claim_next(Lease("b", 30)) is None
    queue.renew([row], Lease("b", 0.01))  # only the holder renews: this changes nothing
    assert queue.claim_next(Lease("b", 30)) is None
    queue.renew([row], Lease("a", 0.2))  # the holder's last beat, then it dies
    time.sleep(0.4)
    assert queue.claim_next(Lease("b", 30)) == row
    assert queue.stored(row).attempts == 2  # type: ignore[union-attr]


def test_two_workers_on_one_message_give_one_result(backend_engine: Engine) -> None:
    m = msg("led 12w 2 box", id="race-1")
    row = backend_engine.store.accept(m, m.raw or b"", "json").id
    a = Processor(backend_engine, WorkerOptions())
    other = Engine(Store(backend_engine.store.url), backend_engine.settings, ocr=no_ocr)
    b = Processor(other, WorkerOptions())
    first = a.run(row, m)
    second = b.run(row, m)  # its lease lapsed, it ran too: the store keeps the first result
    assert second == first
    events = [e["event"] for e in backend_engine.store.audit_events(row)]
    assert events.count("processed") == 1
    assert len(backend_engine.store.views.message(row)["order_ids"]) == 1  # type: ignore[index]
    other.store.engine.dispose()


def test_a_crash_in_the_pipeline_is_held_as_unreadable_and_kept(backend_engine: Engine) -> None:
    def crashing_ocr(image: Any) -> list[Any]:
        raise RuntimeError("the OCR runtime died")

    crashing = Engine(Store(backend_engine.store.url), backend_engine.settings, ocr=crashing_ocr)
    crashing.sync()
    processor = Processor(crashing, WorkerOptions())
    photo = Attachment(filename="list.png", content_type="image/png", data=blank_png())
    m = msg("see photo", id="crash-1", attachments=(photo,))
    answer = processor.submit(m, "json")
    assert answer.status == "exception" and answer.exceptions[0].code == "UNREADABLE"
    assert "processing failed" in answer.exceptions[0].detail
    assert processor.submit(m, "json") == answer  # the retry gets the stored answer
    view = backend_engine.store.views.message(answer.message_id)
    assert view is not None and view["state"] == "failed" and view["exceptions"][0]["queue"] == "intake"
    assert view["attachments"][0]["bytes"] == len(photo.data)  # the raw bytes stay


def test_a_message_interrupted_too_often_is_held_for_a_person(backend_engine: Engine) -> None:
    (row,) = accept(backend_engine.store, 1, "poison")
    processor = Processor(backend_engine, WorkerOptions(max_attempts=2, max_interruptions=5))
    for owner in ("dead-1", "dead-2", "dead-3"):  # claimed and never started (its worker died waiting)
        assert backend_engine.store.queue.claim(row, Lease(owner, 0.01))
        time.sleep(0.05)
    answer = processor.run_stored(row)
    assert answer is not None and "interrupted 2 times" in answer.exceptions[0].detail


def crash_while_processing(store: Store, row: int) -> None:
    """A worker claims the message, starts the pipeline on it and dies (its lease lapses)."""
    dead = Lease("died-mid-message", 0.05)
    assert store.queue.claim(row, dead)
    store.queue.started(row, dead)
    time.sleep(0.1)


def test_a_message_that_brought_its_worker_down_once_is_held_on_the_next_lease(backend_engine: Engine) -> None:
    store = backend_engine.store
    (row,) = accept(store, 1, "killer")
    crash_while_processing(store, row)
    processor = Processor(backend_engine, WorkerOptions())
    assert store.queue.claim_next(processor.lease) == row  # the next worker leases it
    answer = processor.run_stored(row)
    assert answer is not None and answer.status == "exception" and answer.exceptions[0].code == "UNREADABLE"
    assert "interrupted once" in answer.exceptions[0].detail and "held for a person" in answer.exceptions[0].detail
    view = store.views.message(row)
    assert view is not None and view["state"] == "failed" and view["exceptions"][0]["queue"] == "intake"
    assert json.loads(store.queue.stored(row).raw)["text"] == "led 12w 1 box"  # type: ignore[union-attr]


def test_a_synchronous_retry_of_a_message_that_brought_its_worker_down_is_held_too(backend_engine: Engine) -> None:
    store = backend_engine.store
    m = api_message("led 12w 3 box", "killer-sync")
    row = store.accept(m, m.raw or b"", "json", lease=Lease("a-process-that-died", 0.05)).id
    store.queue.started(row, Lease("a-process-that-died", 0.05))
    time.sleep(0.1)
    answer = Processor(backend_engine, WorkerOptions()).submit(m, "json")  # the client retries its post
    assert answer.exceptions[0].code == "UNREADABLE" and "interrupted once" in answer.exceptions[0].detail


def test_waiting_and_planned_retries_are_no_interruptions(backend_engine: Engine) -> None:
    store = backend_engine.store
    rows = accept(store, 2, "innocent")
    waiting = Lease("died-before-its-turn", 0.05)  # accepted with a lease, never started: the lock was busy
    assert store.queue.claim(rows[0], waiting)
    retrying = Lease("media-later", 30)
    assert store.queue.claim(rows[1], retrying)
    store.queue.started(rows[1], retrying)
    store.queue.retry_later(rows[1], retrying, 0.05)  # a passing media failure: planned
    time.sleep(0.1)
    processor = Processor(backend_engine, WorkerOptions())
    for k, row in enumerate(rows):
        assert store.queue.claim(row, processor.lease)
        answer = processor.run_stored(row)
        assert answer is not None and answer.status == "auto", answer
        assert store.queue.stored(row).interruptions == 0  # type: ignore[union-attr]
        assert lines_of(store.prediction(row)) == [("E100", "LED-12W", k + 1, "BOX")]  # type: ignore[arg-type]


def test_the_background_worker_drains_the_queue_and_picks_up_a_dead_workers_messages(backend_engine: Engine) -> None:
    rows = accept(backend_engine.store, 5, "bg")
    assert backend_engine.store.queue.claim(rows[0], Lease("a-dead-process", 0.2))  # claimed, then its process died
    processor = Processor(backend_engine, WorkerOptions(poll_seconds=0.1, lease_seconds=2))
    worker = Worker(processor)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while backend_engine.store.queue.depth() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    for k, row in enumerate(rows):
        pred = backend_engine.store.prediction(row)
        assert pred is not None and lines_of(pred) == [("E100", "LED-12W", k + 1, "BOX")]
        assert [e["event"] for e in backend_engine.store.audit_events(row)].count("processed") == 1


def test_stored_webhooks_rebuild_each_message_of_a_batch(backend_engine: Engine) -> None:
    one = {"from": "911110000002", "id": "wamid.W1", "timestamp": "1793776680", "type": "text",
           "text": {"body": "led 9w 2 box"}}
    two = {**one, "id": "wamid.W2", "from": "911110000005", "text": {"body": "mcb 32a 4 pc"}}
    body = webhook({"messages": [one, two]})
    assert json.loads(single_message_body(body, "wamid.W2"))["entry"][0]["changes"][0]["value"]["messages"] == [two]
    solo = text_webhook("hi", "wamid.W3")
    assert single_message_body(solo, "wamid.W3") is solo
    processor = Processor(backend_engine, WorkerOptions())
    now = datetime.now(UTC)
    rows = [backend_engine.store.accept(Message(id=w, channel="whatsapp", received_at=now, raw=body, raw_kind="whatsapp"),
                                   body, "whatsapp").id for w in ("wamid.W1", "wamid.W2")]
    for row in rows:
        assert backend_engine.store.queue.claim(row, processor.lease)
        processor.run_stored(row)
    first, second = (backend_engine.store.prediction(r) for r in rows)
    assert lines_of(first) == [("E200", "LED-9W", 2, "BOX")]  # type: ignore[arg-type]
    assert lines_of(second) == [("E500", "MCB-32A", 4, "PCS")]  # type: ignore[arg-type]


# -- the Graph API media client ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graph() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


def client(graph: MediaServer, token: str = TOKEN, max_bytes: int = 1 << 20) -> GraphMediaClient:
    return GraphMediaClient(graph.base_url, token, max_bytes, timeout_s=5)


def test_media_is_fetched_by_id_with_the_token(graph: MediaServer) -> None:
    graph.add("m-ok", b"%PDF-1.4 hello", "application/pdf")
    media = client(graph).fetch("m-ok")
    assert (media.data, media.mime_type) == (b"%PDF-1.4 hello", "application/pdf")
    assert graph.requests[-2:] == ["/v21.0/m-ok", "/files/m-ok"]


@pytest.mark.parametrize(("setup", "transient", "reason"), [
    (lambda g: None, False, "HTTP 404"),
    (lambda g: (g.add("m-x", b"x", "image/jpeg"), g.fail("m-x", 503)), True, "HTTP 503"),
    (lambda g: (g.add("m-x", b"x", "image/jpeg"), g.fail("m-x", 429)), True, "HTTP 429"),
    (lambda g: (g.add("m-x", b"x" * 5000, "image/jpeg")), False, "larger than"),
])
def test_media_failures_say_whether_to_retry(graph: MediaServer, setup: Any, transient: bool, reason: str) -> None:
    graph.files.pop("m-x", None)
    setup(graph)
    with pytest.raises(MediaError) as failed:
        client(graph, max_bytes=1000).fetch("m-x")
    assert failed.value.transient is transient and reason in failed.value.reason


def test_a_wrong_token_a_bad_id_and_no_server_are_refused(graph: MediaServer) -> None:
    graph.add("m-ok2", b"data", "image/png")
    with pytest.raises(MediaError, match="HTTP 401"):
        client(graph, token="wrong").fetch("m-ok2")
    with pytest.raises(MediaError, match="bad media id"):
        client(graph).fetch("../etc")
    with pytest.raises(MediaError) as down:
        GraphMediaClient("http://127.0.0.1:9", TOKEN, 100, timeout_s=2).fetch("m-ok2")
    assert down.value.transient
