"""The synthetic data generator: reproducible, contract-valid folders, consistent spans and gold, no example words."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from ordex.catalog import MasterData
from ordex.masterdata import load_master_data
from training.synth import TRADES, generate_messages, generate_trade
from training.synth.__main__ import main, resolve_trades
from training.synth.generator import LABELS, exceptions_for

# Words of the contract's example distributor (a dairy): no generated catalog may use them.
EXAMPLE_WORDS = ("dairy", "milk", "paneer", "dahi", "ghee", "butter", "lassi", "tetra", "cheese", "curd", "cream",
                 "toned", "fcm", "sharma", "gupta", "metro", "krishna", "balaji")
UNIT_NAMES = {"pcs": "PCS", "pc": "PCS", "nos": "PCS", "pieces": "PCS", "piece": "PCS"}


def _write(tmp_path: Path, trade: str, seed: int, n: int) -> Path:
    out = tmp_path / trade
    assert main(["--trade", trade, "--seed", str(seed), "--cases", str(n), "--out", str(out)]) == 0
    return out


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_at_least_seven_trades() -> None:
    assert len(TRADES) >= 7
    assert resolve_trades(["all-but", "autoparts", "stationery"]) == [t for t in TRADES if t not in ("autoparts", "stationery")]
    with pytest.raises(ValueError):
        resolve_trades(["nope"])


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a = _files(_write(tmp_path / "a", "hardware", 3, 60))
    b = _files(_write(tmp_path / "b", "hardware", 3, 60))
    c = _files(_write(tmp_path / "c", "hardware", 4, 60))
    assert a == b
    assert a["products.csv"] != c["products.csv"] and a["cases.jsonl"] != c["cases.jsonl"]
    assert {"customers.csv", "products.csv", "prices.csv", "aliases.csv", "history.jsonl", "cases.jsonl", "spans.jsonl"} <= set(a)


@pytest.mark.parametrize("trade", sorted(TRADES))
def test_every_trade_writes_a_folder_the_loader_accepts(tmp_path: Path, trade: str) -> None:
    d = _write(tmp_path, trade, 11, 40)
    md = load_master_data(d)
    assert len(md.products) >= 15 and any(not p.active for p in md.products)
    assert sum(1 for c in md.customers if not c.active) == 1 and md.history and md.aliases
    cases = [json.loads(x) for x in (d / "cases.jsonl").read_text().splitlines()]
    times = [c["received_at"] for c in cases]
    assert times == sorted(times) and len(cases) == 40
    for c in cases:
        for att in c["attachments"]:
            assert (d / att["path"]).is_file()
        if c["raw"]:
            assert (d / c["raw"]).is_file()
        _check_gold(c["expected"], md)


def _check_gold(expected: dict, md: MasterData) -> None:
    codes = set(expected["exceptions"])
    for o in expected["orders"]:
        assert o["lines"]
        assert (o["customer_id"] is None) <= ("CUSTOMER_UNKNOWN" in codes)
        if o["customer_id"] is not None:
            c = md.customer(o["customer_id"])
            assert c is not None and c.active
        for ln in o["lines"]:
            if ln["sku"] is None:
                assert "SKU_UNMATCHED" in codes
                continue
            p = md.product(ln["sku"])
            assert p is not None and p.uom == ln["uom"]
            if ln["qty"] is None:
                assert "QTY_UNCLEAR" in codes
            elif p.uom not in ("KG", "M", "L"):
                assert float(ln["qty"]) == int(ln["qty"]) and ln["qty"] > 0
    assert "CREDIT_LIMIT" not in codes and "DUPLICATE_ORDER" not in codes


def test_no_example_words_in_any_catalog() -> None:
    pattern = re.compile(r"\b(" + "|".join(EXAMPLE_WORDS) + r")", re.IGNORECASE)
    for name, trade in TRADES.items():
        text = repr(trade)
        assert not pattern.search(text), (name, pattern.search(text))
        td = generate_trade(name, 1)
        md = td.master_data()
        blob = " ".join([*(p.description for p in md.products), *(c.name for c in md.customers),
                         *(a.alias for a in md.aliases), *(h.text for h in md.history[:50])])
        assert not pattern.search(blob), (name, pattern.search(blob))


def test_spans_match_text_and_gold_quantities_convert() -> None:
    td = generate_trade("pharmacy", 5)
    md = td.master_data()
    seen_conversion = 0
    for ex in generate_messages(td, 250, 5, ocr_rate=0.2):
        assert ex.exceptions == exceptions_for(ex.orders, md)
        last = -1
        for s in sorted(ex.spans, key=lambda s: s.start):
            piece = ex.text[s.start:s.end]
            assert s.label in LABELS and piece and piece == piece.strip() and s.start >= last
            last = s.end
        products = [s for s in ex.spans if s.label == "PRODUCT"]
        lines = [ln for o in ex.orders for ln in o.lines]
        if not ex.sheet and ex.channel != "portal":
            assert len(products) >= len(lines)
        for ln in lines:
            if ln.sku is None or ln.qty is None or not ln.written:
                continue
            p = md.product(ln.sku)
            assert p is not None
            seen_conversion += _converts(ln.written, Fraction(str(ln.qty)), p.uom, p.conversions)
    assert seen_conversion > 10


def _converts(written: str, qty: Fraction, uom: str, conversions: dict[str, Decimal]) -> int:
    """Check a gold quantity against the text it was written as; 1 when a conversion was involved."""
    numbers = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "twelve": 12, "twenty": 20, "ek": 1, "do": 2,
               "teen": 3, "char": 4, "paanch": 5, "das": 10, "barah": 12, "bees": 20, "half": Fraction(1, 2)}
    m = re.match(r"^(\d+|[a-z]+(?: [a-z]+)?)\s*(\S*)$", written.strip().lower())
    if not m or (not m.group(1).isdigit() and m.group(1) not in numbers):
        return 0
    n = Fraction(int(m.group(1))) if m.group(1).isdigit() else Fraction(numbers[m.group(1)])
    unit = m.group(2)
    conv = {k.upper(): Fraction(str(v)) for k, v in conversions.items()}
    if unit in ("dozen", "doz", "dzn"):
        per = conv.get("PCS", Fraction(1)) if uom != "PCS" else Fraction(1)
        assert qty == n * 12 / per, (written, qty)
        return 1
    if unit in UNIT_NAMES and uom != "PCS":
        assert qty == n / conv["PCS"], (written, qty, conversions)
        return 1
    if unit in ("strip", "strips", "sachet", "sachets") and unit.rstrip("s").upper() in conv:
        assert qty == n / conv[unit.rstrip("s").upper()], (written, qty)
        return 1
    if unit == "" or unit.upper() == uom:
        assert qty == n, (written, qty)
    return 0


def test_generate_messages_works_on_a_plain_master_data_folder(tmp_path: Path) -> None:
    d = _write(tmp_path, "stationery", 2, 5)
    md = load_master_data(d)
    examples = generate_messages(md, 60, 9)
    assert len(examples) == 60 and len({e.id for e in examples}) == 60
    assert any(s.label == "PRODUCT" for e in examples for s in e.spans)
    skus = {p.sku for p in md.products}
    for e in examples:
        for o in e.orders:
            assert all(ln.sku is None or ln.sku in skus for ln in o.lines)
    assert generate_messages(md, 20, 9)[5].text == generate_messages(md, 20, 9)[5].text


def test_images_option_writes_photos_with_transcripts(tmp_path: Path) -> None:
    out = tmp_path / "img"
    assert main(["--trade", "foodservice", "--seed", "2", "--cases", "40", "--out", str(out), "--images"]) == 0
    cases = [json.loads(x) for x in (out / "cases.jsonl").read_text().splitlines()]
    photos = [c for c in cases if c["channel"] == "image"]
    assert photos
    for c in photos:
        assert c["text"] == "" and c["expected"]["transcript"]
        assert (out / c["attachments"][0]["path"]).read_bytes()[:4] == b"\x89PNG"


def test_a_menu_is_ordered_in_sentences_with_requests_left_unlabelled() -> None:
    td = generate_trade("quickservice", 3)
    examples = [ex for ex in generate_messages(td, 200, 3) if ex.orders and ex.channel != "spreadsheet"]
    counts = [ex.text[s.start:s.end].lower() for ex in examples for s in ex.spans if s.label == "QTY"]
    assert {"a", "an"} & set(counts)  # "a large pizza": the article is the count
    asked = 0
    for ex in examples:
        for m in re.finditer(r"\b(?:with|without|extra)\b [a-z ]+", ex.text.lower()):
            inside = [s for s in ex.spans if s.start < m.end() and m.start() < s.end]
            if not inside:
                asked += 1
    assert asked >= 20  # what a customer asks on an item is no product, count or unit
    # the plain dish: a catalog sells pizza with no variant beside named ones, and orders name it without one
    plain = {p.sku for p in td.catalog.products if td.catalog.facets[p.sku].variant is None}
    assert any(ln.sku in plain for ex in examples for o in ex.orders for ln in o.lines)
