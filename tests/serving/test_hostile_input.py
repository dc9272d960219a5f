"""What an attacker with an ingest key can send costs bounded time and memory: a 5 MB text, a megabyte of prose,
thousands of order lines and one endless line are each answered in seconds (held UNREADABLE beyond the limits,
the raw message kept), read with the trained tagger and matcher the service runs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import lines_of, msg, write_trade
from support_serving import Svc, client_for, open_host

from ordex.keys import create_key
from ordex.settings import Settings

LIMIT_S = 10.0
LIMIT_MB = 300.0


def rss_mb() -> float:
    """This process's resident memory now (the in-process service's worker is this process)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture(scope="module")
def armed(tmp_path_factory: pytest.TempPathFactory, champions: Settings) -> Iterator[Svc]:
    """The in-process service with the trained models, as served."""
    tmp = tmp_path_factory.mktemp("hostile")
    md = write_trade(tmp / "md")
    host = open_host(tmp, md, extractor="auto", matcher="auto", pinned_tagger=champions.pinned_tagger, max_body_bytes=25 * 2**20,
                     pinned_ranker=champions.pinned_ranker)
    keys = {"ingest": create_key(host.store, "ingest", "attacker"), "ops": create_key(host.store, "ops", "ops")}
    yield Svc(host, client_for(host), keys, None, md)  # type: ignore[arg-type]
    host.close()


def post(svc: Svc, text: str, message_id: str) -> tuple[dict[str, object], float, float]:
    """Post a text message; its answer, the seconds it took and the memory it added (MB)."""
    before = rss_mb()
    t = time.perf_counter()
    r = svc.client.post("/v1/messages", json={"sender": "+911110000001", "text": text, "message_id": message_id},
                        headers=svc.auth("ingest"))
    took = time.perf_counter() - t
    assert r.status_code == 200, r.text[:500]
    return r.json(), took, rss_mb() - before


PROSE = ("The quarterly review of our regional warehouses noted that deliveries were punctual, that the staff "
         "were courteous and that the monsoon had delayed two trucks near the ghats. ")


@pytest.mark.parametrize("label, text", [
    ("5 MB of text", "x" * (5 * 2**20)),
    ("1 MB of prose", PROSE * (2**20 // len(PROSE))),
    ("5,000 order lines", "\n".join(f"led 12w {k % 90 + 1} box" for k in range(5000))),
    ("600 short lines under the character limit", "\n".join(f"mcb {k}" for k in range(600))),
])
def test_a_message_beyond_the_limits_is_held_unreadable_at_once_and_kept(armed: Svc, label: str, text: str) -> None:
    answer, took, grew = post(armed, text, f"hostile-{label}")
    print(f"\n{label}: {took:.2f} s, +{grew:.0f} MB")
    assert took <= LIMIT_S and grew <= LIMIT_MB, (label, took, grew)
    assert answer["status"] == "exception" and [e["code"] for e in answer["exceptions"]] == ["UNREADABLE"]  # type: ignore[index]
    assert "ordex reads at most" in answer["exceptions"][0]["detail"]  # type: ignore[index]
    view = armed.client.get(f"/v1/messages/{answer['message_id']}", headers=armed.auth("ingest")).json()
    assert view["exceptions"][0]["queue"] == "intake"


def test_the_longest_message_within_the_limits_is_read_in_bounded_time_and_memory(armed: Svc) -> None:
    lines = [f"led 12w {k % 90 + 1} box" for k in range(480)]  # under the line limit, every one an order line
    answer, took, grew = post(armed, "\n".join(lines), "long-but-allowed")
    print(f"\n480 order lines: {took:.2f} s, +{grew:.0f} MB")
    assert took <= LIMIT_S and grew <= LIMIT_MB
    assert sum(len(o["lines"]) for o in answer["orders"]) == 480  # type: ignore[union-attr]
    endless = " ".join(["led 12w 5 box and"] * 2400)  # one line of 9,600 words, under the character limit
    answer, took, grew = post(armed, endless[:49_000], "one-endless-line")
    print(f"one line of {len(endless[:49_000]):,} characters: {took:.2f} s, +{grew:.0f} MB")
    assert took <= LIMIT_S and grew <= LIMIT_MB


def test_the_limits_are_settings(tmp_path: Path) -> None:
    from ordex.pipeline import Engine

    settings = Settings(data_dir=tmp_path, extractor="rules", matcher="rules", max_message_chars=60, max_message_lines=2)
    engine = Engine.open(settings, write_trade(tmp_path / "md"))
    long = engine.submit(msg("led 12w 5 box, mcb 32a 2 pcs, wire 2.5 sqmm 1 roll, led 9w 4 box", id="chars"))
    assert "at most 60 per message" in long.exceptions[0].detail
    many = engine.submit(msg("led 12w 5 box\nmcb 32a 2 pcs\nwire 1 roll", id="lines"))
    assert "at most 2 per message" in many.exceptions[0].detail
    fine = engine.submit(msg("led 12w 5 box", id="fine"))
    assert fine.status == "auto"
    engine.store.engine.dispose()


def test_a_long_line_is_read_in_pieces_cut_between_items_and_loses_no_item(armed: Svc) -> None:
    items = [f"led 12w {k + 1} box" for k in range(80)]
    line = ", ".join(items)  # one line of 1,300+ characters: read in pieces cut after a comma
    assert len(line) > 1_000
    answer, took, _grew = post(armed, line, "one-long-order-line")
    got = [ln["qty"] for o in answer["orders"] for ln in o["lines"]]  # type: ignore[union-attr]
    assert len(got) == 80 and {q for q in got if q is not None} <= set(range(1, 81))  # every item is a line
    assert sum(q is not None for q in got) >= 76, got


def test_pieces_cut_after_an_item_separator() -> None:
    from ordex.intake.text import pieces

    assert pieces("paneer 30 pc", 1_000) == ["paneer 30 pc"]
    line = ", ".join(f"item {k} 5 box" for k in range(100))
    cut = pieces(line, 200)
    assert all(len(p) <= 200 for p in cut) and all(p.endswith("box,") for p in cut[:-1])
    assert " ".join(cut) == line
    assert [len(p) for p in pieces("x" * 450, 200)] == [200, 200, 50]  # no separator: cut at the limit


def test_attachments_beyond_the_count_or_the_size_are_held_unreadable_and_kept(tmp_path: Path) -> None:
    from builders import csv_bytes

    from ordex.pipeline import Engine
    from ordex.schema import Attachment

    settings = Settings(data_dir=tmp_path, extractor="rules", matcher="rules", max_attachments=2,
                        max_attachment_bytes=200)
    engine = Engine.open(settings, write_trade(tmp_path / "md"))
    small = csv_bytes([["product", "qty", "unit"], ["led 12w", "5", "box"]])
    big = csv_bytes([["product", "qty", "unit"], *[["led 12w", str(k), "box"] for k in range(1, 40)]])
    assert len(small) <= 200 < len(big)
    atts = tuple(Attachment(filename=f"{name}.csv", content_type="text/csv", data=data)
                 for name, data in (("small", small), ("big", big), ("third", small)))
    answer = engine.submit(msg("po attached", id="many-attachments", attachments=atts))
    details = [e.detail for e in answer.exceptions if e.code == "UNREADABLE"]
    assert any(d.startswith("big.csv:") and "at most 200 bytes" in d for d in details), details
    assert any("1 attachment(s) from third.csv on not read" in d for d in details), details
    assert lines_of(answer) == [("E100", "LED-12W", 5, "BOX")]  # the attachment within the limits is read
    engine.store.engine.dispose()
