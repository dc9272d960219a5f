"""Who an order is from, when the sender is unknown: a customer the text names, by words that tell this
distributor's customers apart, never by the words several of their names share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ordex.catalog import Customer, MasterData
from ordex.schema import Block, Case, Message
from ordex.stages.split import split

NAMES = (("C008", "Pragati Xerox & Stationery"), ("C011", "Shubham Xerox & Stationery"), ("C006", "Rajdhani Stationers"))


def section_customer(text: str) -> str | None:
    md = MasterData(customers=tuple(Customer(customer_id=c, name=n, phones=(), emails=(), credit_limit=Decimal(10**6),
                                             outstanding=Decimal(0), currency="INR", active=True) for c, n in NAMES))
    message = Message(id="m", channel="email", sender="someone@gmail.com", received_at=datetime(2026, 11, 22, 8), text=text)
    case = Case(message=message, blocks=tuple(Block(text=t) for t in text.split("\n")))
    return split(case, md).sections[0].customer_id


def test_a_name_is_told_by_its_own_words_not_the_ones_customers_share() -> None:
    assert section_customer("Hello, this is Silverline Xerox & Stationery, new shop.\nNeed cello tape 12mm box 1") is None
    assert section_customer("From Pragati Xerox (Ganj Road)\ncello tape 12mm box 1") == "C008"
    assert section_customer("Rajdhani Stationers\ncello tape 12mm box 1") == "C006"
