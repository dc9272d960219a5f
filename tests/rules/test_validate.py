"""Each rule on its own: pure functions of an order, the master data and the customer's ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ordex.catalog import MasterData
from ordex.masterdata import load_master_data
from ordex.schema import Code, Line
from rules.validate import OrderView, PastOrder, load_config, signature, validate_order

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def line(sku: str | None, qty: float | None, **kw: object) -> Line:
    return Line(text="t", product="p", sku=sku, qty=qty, sku_qty=qty, **kw)  # type: ignore[arg-type]


def view(md: MasterData, customer: str | None, lines: list[Line], **kw: object) -> OrderView:
    return OrderView(section=0, message_id="m1", received_at=AT, customer=md.customer(customer),
                     lines=list(enumerate(lines)), **kw)  # type: ignore[arg-type]


def found(md: MasterData, o: OrderView) -> list[Code]:
    return [f.code for f in validate_order(o, md)]


def test_queues_come_from_rules_yaml() -> None:
    cfg = load_config()
    assert {c: cfg.queue(c) for c in Code} == {
        Code.CUSTOMER_UNKNOWN: "customer", Code.SKU_UNMATCHED: "catalog", Code.SKU_INACTIVE: "catalog",
        Code.QTY_UNCLEAR: "catalog", Code.CREDIT_LIMIT: "credit", Code.PRICE_MISSING: "commercial",
        Code.BELOW_MOQ: "catalog", Code.DUPLICATE_ORDER: "customer", Code.UNREADABLE: "intake",
    }


def test_a_clean_order_raises_nothing(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    assert found(md, view(md, "E100", [line("LED-9W", 2), line("MCB-16A", 5)])) == []


def test_each_code(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    assert found(md, view(md, None, [line("LED-9W", 2)])) == [Code.CUSTOMER_UNKNOWN]
    assert found(md, view(md, "E400", [line("LED-9W", 2)])) == [Code.CUSTOMER_UNKNOWN]
    assert found(md, view(md, "E100", [line(None, 2)])) == [Code.SKU_UNMATCHED]
    assert found(md, view(md, "E100", [line("FAN-1200", 2)])) == [Code.SKU_INACTIVE]
    assert found(md, view(md, "E100", [line("LED-9W", None)])) == [Code.QTY_UNCLEAR]
    assert found(md, view(md, "E100", [line("SW-6A", 1)])) == [Code.PRICE_MISSING]
    assert found(md, view(md, "E100", [line("MCB-16A", 4)])) == [Code.BELOW_MOQ]
    assert found(md, view(md, "E300", [line("LED-12W", 2)])) == [Code.CREDIT_LIMIT]


def test_credit_counts_released_orders(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    o = [line("LED-12W", 10)]  # 8,200 of E500's 90,000
    assert found(md, view(md, "E500", o, released_value=Decimal(80000))) == []
    assert found(md, view(md, "E500", o, released_value=Decimal(82000))) == [Code.CREDIT_LIMIT]


def test_duplicates_are_the_same_lines_within_the_window(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    lines = [line("LED-9W", 2), line("MCB-16A", 5)]
    sig = signature(lines)
    recent = [PastOrder("m0", AT - timedelta(hours=23), sig)]
    assert found(md, view(md, "E100", lines, recent=recent)) == [Code.DUPLICATE_ORDER]
    old = [PastOrder("m0", AT - timedelta(hours=25), sig)]
    assert found(md, view(md, "E100", lines, recent=old)) == []
    other = [PastOrder("m0", AT - timedelta(hours=1), signature([line("LED-9W", 3)]))]
    assert found(md, view(md, "E100", lines, recent=other)) == []
    itself = [PastOrder("m1", AT, sig)]
    assert found(md, view(md, "E100", lines, recent=itself)) == []


def test_a_repeat_of_an_order_held_for_an_unread_count_is_a_duplicate(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    held = [PastOrder("m0", AT - timedelta(hours=5), signature([line("LED-9W", None), line("MCB-16A", 5)]))]
    assert found(md, view(md, "E100", [line("LED-9W", 2), line("MCB-16A", 5)], recent=held)) == [Code.DUPLICATE_ORDER]
    assert found(md, view(md, "E100", [line("LED-9W", 2), line("MCB-16A", 6)], recent=held)) == []
    assert found(md, view(md, "E100", [line("LED-9W", 2)], recent=held)) == []


def test_a_repeat_of_an_order_held_for_a_line_it_could_not_match_is_a_duplicate(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    held = [PastOrder("m0", AT - timedelta(hours=2), signature([line(None, None), line("MCB-16A", 5)]))]
    assert found(md, view(md, "E100", [line("LED-9W", 2), line("MCB-16A", 5)], recent=held)) == [Code.DUPLICATE_ORDER]
    two_more = [line("LED-9W", 2), line("LED-12W", 1), line("MCB-16A", 5)]  # one unmatched line cannot be two SKUs
    assert Code.DUPLICATE_ORDER not in found(md, view(md, "E100", two_more, recent=held))
    assert found(md, view(md, "E100", [line("LED-9W", 2)], recent=held)) == []  # the earlier MCB-16A is not in it


def test_a_repeat_of_an_order_held_for_a_line_perhaps_not_read_is_a_duplicate(trade_dir: Path) -> None:
    """The first message was held because it may hold a line nothing read; its repeat, read whole, names one SKU
    more: the same order read better, not a new one. Two SKUs more are a new order."""
    md = load_master_data(trade_dir)
    held = [PastOrder("m0", AT - timedelta(hours=1), signature([line("MCB-16A", 5)], unread=1))]
    assert found(md, view(md, "E100", [line("LED-9W", 2), line("MCB-16A", 5)], recent=held)) == [Code.DUPLICATE_ORDER]
    two_more = [line("LED-9W", 2), line("LED-12W", 1), line("MCB-16A", 5)]
    assert Code.DUPLICATE_ORDER not in found(md, view(md, "E100", two_more, recent=held))
    read_whole = [PastOrder("m0", AT - timedelta(hours=1), signature([line("MCB-16A", 5)]))]
    assert found(md, view(md, "E100", [line("LED-9W", 2), line("MCB-16A", 5)], recent=read_whole)) == []


def test_a_repeat_read_worse_than_the_first_still_finds_it(trade_dir: Path) -> None:
    """The repeat could not match a line the first order matched: that line may be the SKU it lacks."""
    md = load_master_data(trade_dir)
    first = [PastOrder("m0", AT - timedelta(hours=1), signature([line("LED-9W", 2), line("MCB-16A", 5)]))]
    worse = [line(None, 2), line("MCB-16A", 5)]
    assert Code.DUPLICATE_ORDER in found(md, view(md, "E100", worse, recent=first))
    assert Code.DUPLICATE_ORDER not in found(md, view(md, "E100", [line("MCB-16A", 5)], recent=first))


def test_an_approved_code_is_not_raised_again(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    o = view(md, "E300", [line("LED-12W", 2)], waived=frozenset({Code.CREDIT_LIMIT}))
    assert found(md, o) == []
