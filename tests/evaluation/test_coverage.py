"""Coverage of the alias library on a time split, on a tiny invented bicycle-parts history with known answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from evaluation.coverage import AliasBook, coverage, months_before, time_split
from ordex.catalog import Customer, HistoryLine, HistoryOrder, MasterData, Product

IST = timezone(timedelta(hours=5, minutes=30))
PRODUCTS = (
    Product(sku="TUBE-26", description="Cycle Tube 26 inch Black - Roadking", uom="BOX", conversions={"PCS": Decimal(10)}),
    Product(sku="CHAIN-HD", description="Cycle Chain Heavy Duty - Swiftline", uom="PCS"),
    Product(sku="BELL-CR", description="Cycle Bell Chrome - Tringo", uom="PCS"),
    Product(sku="GREASE", description="Bearing Grease - Lubro", uom="KG"),
)
CUSTOMERS = tuple(Customer(customer_id=c, name=f"Cycle Shop {c}") for c in ("B01", "B02", "B03"))


def order(customer: str, day: int, text: str, *lines: tuple[str, int]) -> HistoryOrder:
    uom = {p.sku: p.uom for p in PRODUCTS}
    return HistoryOrder(customer_id=customer, received_at=datetime(2026, 6, 1, 11, tzinfo=IST) + timedelta(days=day),
                        text=text, lines=tuple(HistoryLine(sku=s, qty=Decimal(q), uom=uom[s]) for s, q in lines))


HISTORY = (
    order("B01", 0, "mota wala 26 - 20 pcs\nswiftline chain 5 pcs", ("TUBE-26", 2), ("CHAIN-HD", 5)),
    order("B01", 20, "mota wala 26 - 30 pcs", ("TUBE-26", 3)),
    order("B02", 25, "tringo bell 2 pcs", ("BELL-CR", 2)),
    order("B03", 30, "tringo bell 4 pcs", ("BELL-CR", 4)),
    # the test month (after 9 August): known words, known words in another order, a global name, new words
    order("B01", 90, "chain swiftline 2 pcs\nmota wala 26 - 10 pcs\ntringo bell 3 pcs",
          ("CHAIN-HD", 2), ("TUBE-26", 1), ("BELL-CR", 3)),
    order("B01", 100, "lubro grease 5 kg", ("GREASE", 5), ("BELL-CR", 7)),  # the bell was shipped, never written
)


def test_months_before_keeps_the_day_within_the_month() -> None:
    assert months_before(datetime(2026, 3, 31, 9, tzinfo=IST), 1) == datetime(2026, 2, 28, 9, tzinfo=IST)
    assert months_before(datetime(2026, 1, 15, tzinfo=IST), 2) == datetime(2025, 11, 15, tzinfo=IST)


def test_the_split_is_by_time() -> None:
    train, test, cutoff = time_split(list(reversed(HISTORY)), 1)
    assert cutoff == datetime(2026, 8, 9, 11, tzinfo=IST)
    assert [o.received_at.day for o in test] == [30, 9] and len(train) == 4
    assert all(o.received_at <= cutoff for o in train)


def test_coverage_figures_on_a_tiny_history() -> None:
    c = coverage(MasterData(customers=CUSTOMERS, products=PRODUCTS, history=HISTORY), months_test=1)
    assert (c.train_orders, c.test_orders, c.test_lines, c.unaligned) == (4, 2, 5, 1)
    assert c.seed == 0.4  # "mota wala 26" (the customer's own) and "tringo bell" (global): exact strings
    assert c.ours == 0.6  # ... and "chain swiftline", the same words in another order
    assert (c.ceiling_own, c.ceiling_any) == (0.4, 0.6)
    assert c.misses == {"new_to_customer": 1, "unaligned": 1}
    assert c.global_aliases == 1


def test_the_customers_own_alias_wins_over_a_global_one() -> None:
    book = AliasBook([("*", "red one", "BELL-CR", 5), ("B01", "red one", "TUBE-26", 1)])
    assert book.top("B01", "one red") == "TUBE-26"
    assert book.top("B02", "Red  One") == "BELL-CR"
    assert book.seed_hit("B02", "red   ONE", "BELL-CR") and not book.seed_hit("B02", "one red", "BELL-CR")
