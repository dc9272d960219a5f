"""Who an order is from, when the sender is unknown: a customer the text names, by words that tell this
distributor's customers apart, never by the words several of their names share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from ordex.catalog import Customer, MasterData
from ordex.schema import Block, Case, Message
from ordex.stages.split import customer_of_sender, split

NAMES = (("C008", "Pragati Xerox & Stationery"), ("C011", "Shubham Xerox & Stationery"), ("C006", "Rajdhani Stationers"),
         ("C012", "Hegde Pustak Bhandar"))


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


def test_words_that_name_a_kind_of_shop_name_no_customer() -> None:
    """Only one known customer's name holds "Pustak Bhandar" (a book shop, in Hindi), yet a text naming just those
    words may be any book shop: no customer (held as unknown), while "Hegde Pustak" is the known one."""
    assert section_customer("Order from Pustak Bhandar, Ganj Road\ncello tape 12mm box 1") is None
    assert section_customer("Order from Hegde Pustak, Ganj Road\ncello tape 12mm box 1") == "C012"


@pytest.mark.parametrize("written", ["+919812345678", "+91 98123-45678", "919812345678", "098123 45678",
                                     "0091 98123 45678", "9812345678", "(+91) 98123 45678"])
def test_a_senders_phone_is_found_however_it_is_written(written: str) -> None:
    md = MasterData(customers=[Customer(customer_id="C1", name="Volt", phones=("+919812345678",)),
                               Customer(customer_id="C2", name="Other", phones=("+14155550123",))])
    found = customer_of_sender(written, md)
    assert found is not None and found.customer_id == "C1"


def test_the_same_national_number_in_another_country_is_not_the_customer() -> None:
    """Last-ten-digits matching took +44 98123 45678 for the Indian customer; E.164 does not."""
    md = MasterData(customers=[Customer(customer_id="C1", name="Volt", phones=("+919812345678",))])
    assert md.phone_region() == "IN"
    assert customer_of_sender("+44 9812345678", md) is None
    assert customer_of_sender("12345", md) is None and customer_of_sender("not a number", md) is None


def test_national_numbers_are_read_in_the_region_of_the_customers_or_the_one_set() -> None:
    md = MasterData(customers=[Customer(customer_id="U1", name="Acme", phones=("+14155550123",)),
                               Customer(customer_id="U2", name="Bolt", phones=("+14155550124",))])
    assert md.phone_region() == "US" and customer_of_sender("(415) 555-0123", md).customer_id == "U1"  # type: ignore[union-attr]
    md.set_phone_region("in")
    assert customer_of_sender("(415) 555-0123", md) is None


def test_a_line_that_names_the_customer_and_holds_a_count_keeps_its_order_line() -> None:
    """ "Visited Rajdhani Stationers today. gum stick - 5 box": the name is the order's, and the count beside a pack
    word after it is an order line of it, not part of a heading that goes untagged."""
    md = MasterData(customers=tuple(Customer(customer_id=c, name=n) for c, n in NAMES))
    text = "Visited Rajdhani Stationers today. gum stick - 5 box\ncello tape 12mm 2 box"
    message = Message(id="m", channel="agent", sender="agent@distributor.example", received_at=datetime(2026, 11, 22, 8),
                      text=text)
    [section] = split(Case(message=message, blocks=tuple(Block(text=t) for t in text.split("\n"))), md).sections
    assert section.customer_id == "C006" and section.blocks == (0, 1)
    assert "rajdhani stationers" in section.named.lower()
    alone = "Visited Rajdhani Stationers today.\ncello tape 12mm 2 box"  # a name alone is still a heading
    [section] = split(Case(message=message.model_copy(update={"text": alone}),
                           blocks=tuple(Block(text=t) for t in alone.split("\n"))), md).sections
    assert section.customer_id == "C006" and section.blocks == (1,)


def test_an_unknown_name_before_a_colon_beside_a_known_ones_is_an_order_of_its_own() -> None:
    """ "Rajdhani Stationers: gum 5 box\\n\\nMahalaxmi Stores: pins 4 box": the second party is no customer of the
    distributor, and its lines are its own order (CUSTOMER_UNKNOWN), never the first party's."""
    md = MasterData(customers=tuple(Customer(customer_id=c, name=n) for c, n in NAMES))
    text = "Rajdhani Stationers: gum stick 5 box, cello tape 2 box\nMahalaxmi Stores: pins 4 box"
    message = Message(id="m", channel="whatsapp", sender="+919800000000", received_at=datetime(2026, 11, 22, 8), text=text)
    sections = split(Case(message=message, blocks=tuple(Block(text=t) for t in text.split("\n"))), md).sections
    assert [(s.customer_id, s.blocks) for s in sections] == [("C006", (0,)), (None, (1,))]
    assert sections[1].named == "Mahalaxmi Stores"
    alone = "Note: pins 4 box"  # with no known party before a colon, a label is no party
    [section] = split(Case(message=message.model_copy(update={"text": alone}), blocks=(Block(text=alone),)), md).sections
    assert section.blocks == (0,)


def test_an_unknown_name_marked_bold_like_the_known_ones_is_an_order_of_its_own() -> None:
    """ "*Rajdhani Stationers*" … "*Mahalaxmi Stores*" …: a chat's bold party names; the unknown one's lines are
    its own order (CUSTOMER_UNKNOWN), never the party's above it. A bold line with no known bold name beside it is
    no party."""
    md = MasterData(customers=tuple(Customer(customer_id=c, name=n) for c, n in NAMES))
    text = "party wise order\n\n*Rajdhani Stationers*\ngum stick 5 box\n\n*Mahalaxmi Stores*\npins 4 box\n\n" \
           "*Pragati Xerox & Stationery*\ncello tape 2 box"
    message = Message(id="m", channel="whatsapp", sender="+919800000000", received_at=datetime(2026, 11, 22, 8), text=text)
    blocks = tuple(Block(text=t) for t in text.split("\n") if t.strip())
    sections = split(Case(message=message, blocks=blocks), md).sections
    assert [(s.customer_id, s.named) for s in sections if s.blocks] == [
        ("C006", "Rajdhani Stationers"), (None, "Mahalaxmi Stores"), ("C008", "Pragati Xerox & Stationery")]
    alone = "*Urgent*\npins 4 box"
    sections = split(Case(message=message.model_copy(update={"text": alone}),
                          blocks=tuple(Block(text=t) for t in alone.split("\n"))), md).sections
    assert [s.blocks for s in sections] == [(0, 1)]
