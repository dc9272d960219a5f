"""Test helpers: an invented electrical-trade distributor (never the contract example's data) and message builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.matcher import SkuMatcher
from ordex.catalog import MasterData
from ordex.schema import Attachment, Case, Line, Message, Section
from ordex.stages.match import MatchOptions, match

CUSTOMERS = """customer_id,name,phones,emails,credit_limit,outstanding,currency,active
E100,Volt Electricals,+911110000001,buy@voltelec.example,500000,10000,INR,true
E200,Bright Lights Company,+911110000002;+911110000022,,80000,0,INR,true
E300,Shakti Hardware,+911110000003,,20000,19000,INR,true
E400,Closed Shop Electric,+911110000004,,10000,0,INR,false
E500,Ganesh Wiring Works,+911110000005,,90000,0,INR,true
E600,Northern Power Agencies,+911110000006,purchase@northernpower.example,900000,0,INR,true
"""
PRODUCTS = """sku,description,uom,pack_size,moq,active,conversions
LED-9W,LED Bulb 9 W Cool Day Light,BOX,10 x 9 W,1,true,PCS:10
LED-12W,LED Bulb 12 W Cool Day Light,BOX,10 x 12 W,1,true,PCS:10
MCB-16A,MCB Single Pole 16 A,PCS,1,5,true,
MCB-32A,MCB Double Pole 32 A,PCS,1,2,true,
WIRE-1.5,Copper Wire 1.5 sqmm Red,ROLL,90 m,1,true,
WIRE-2.5,Copper Wire 2.5 sqmm Red,ROLL,90 m,1,true,
FAN-1200,Ceiling Fan 1200 mm Brown,PCS,1,1,false,
SW-6A,Modular Switch 6 A White,BOX,20 x 6 A,1,true,PCS:20
TAPE-PVC,PVC Insulation Tape Black,PKT,10 rolls,1,true,ROLL:10
"""
PRICES = """customer_id,sku,unit_price
*,LED-9W,650
*,LED-12W,820
*,MCB-16A,180
*,MCB-32A,420
*,WIRE-1.5,1450
*,WIRE-2.5,2300
*,FAN-1200,1900
*,TAPE-PVC,120
E100,LED-9W,600
"""
ALIASES = """customer_id,alias,sku
E100,9 watt,LED-9W
*,kala tape,TAPE-PVC
"""
HISTORY = (
    '{"customer_id": "E500", "received_at": "2026-08-01T10:00:00+05:30", "channel": "whatsapp", '
    '"text": "laal taar dedh 3 roll\\nbulb 9 5 dabba", '
    '"lines": [{"sku": "WIRE-1.5", "qty": 3, "uom": "ROLL"}, {"sku": "LED-9W", "qty": 5, "uom": "BOX"}]}\n'
)


def write_trade(d: Path) -> Path:
    """Write the invented electrical trade's master data into a folder."""
    d.mkdir(parents=True, exist_ok=True)
    for name, text in (("customers.csv", CUSTOMERS), ("products.csv", PRODUCTS), ("prices.csv", PRICES),
                       ("aliases.csv", ALIASES), ("history.jsonl", HISTORY)):
        (d / name).write_text(text, encoding="utf-8")
    return d


_counter = iter(range(1, 10**9))


def msg(text: str = "", sender: str = "+911110000001", channel: str = "whatsapp", *, at: str = "2026-11-02T10:00:00+05:30",
        attachments: tuple[Attachment, ...] = (), id: str | None = None, subject: str = "") -> Message:
    """A message as an upstream system would post it."""
    return Message(id=id or f"m-{next(_counter)}", channel=channel, sender=sender, received_at=datetime.fromisoformat(at),
                   subject=subject, text=text, attachments=attachments, raw=text.encode(), raw_kind="json")


def as_json(pred: Any) -> dict[str, Any]:
    """A prediction as JSON: the engine's typed answer or the HTTP API's body alike."""
    return pred if isinstance(pred, dict) else pred.model_dump(mode="json")


def lines_of(pred: Any) -> list[tuple[str | None, str | None, float | None, str | None]]:
    """(customer, sku, qty, uom) of every predicted line, for compact assertions."""
    return [(o["customer_id"], ln["sku"], ln["qty"], ln["uom"]) for o in as_json(pred)["orders"] for ln in o["lines"]]


def codes(pred: Any) -> set[str]:
    """The exception codes of a prediction."""
    return {e["code"] for e in as_json(pred)["exceptions"]}


NOW = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)


def run_together(work: Callable[[int], None], n: int) -> None:
    """``work(0)`` … ``work(n - 1)`` at the same time, each on its own thread; returns when all are done."""
    import threading

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def match_one(m: SkuMatcher, md: MasterData, line: Line, options: MatchOptions, text: str = "") -> Line:
    """One read line through the match stage, for customer C1 writing on WhatsApp from +919000000001."""
    message = Message(id="t", channel="whatsapp", sender="+919000000001", received_at=datetime(2026, 11, 2, 10, 0),
                      text=text or line.text)
    return match(Case(message=message, sections=(Section(customer_id="C1"),), lines=(line,)), m, md, options).lines[0]
