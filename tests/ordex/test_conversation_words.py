"""How a dealer's short reply is read: an option picked, a correction, a repeat, a cancel; and what is sent back
(templates per language, the delivery day)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ordex.catalog import Customer, MasterData, Product
from ordex.conversation.compose import Composer, NothingToSay, delivery_day
from ordex.conversation.options import ConversationOptions
from ordex.conversation.replies import Correction, addition, cancel_order, choice, correction, repeat
from ordex.store.outbox import Outbound

OPTIONS = ["Rubi Oil 500 ml", "Rubi Oil 1 L", "Rubi Oil 5 L"]


@pytest.mark.parametrize("text, picked", [
    ("2", 2), ("2.", 2), ("option 2", 2), ("#3", 3), ("२", 2), ("second", 2), ("dusra", 2), ("2. Rubi Oil 1 L", 2),
    ("rubi oil 1 l", 2), ("2\n\nOn Mon, 2 Nov 2026 ordex wrote:\n> 1. Rubi Oil 500 ml", 2),
])
def test_a_reply_picks_an_option_by_number_ordinal_or_words(text: str, picked: int) -> None:
    assert choice(text, OPTIONS) == picked


@pytest.mark.parametrize("text", ["4", "0", "the big one", "rubi", "2 and 3", "", "24 rubi 1 l"])
def test_anything_else_is_no_option(text: str) -> None:
    assert choice(text, OPTIONS) is None


@pytest.mark.parametrize("text, expected", [
    ("paneer 20 not 30", Correction("paneer", 20.0, 30.0)),
    ("Paneer 20 pc not 30", Correction("paneer", 20.0, 30.0)),
    ("make juice 10", Correction("juice", 10.0)),
    ("change tetra 1l to 12", Correction("tetra 1l", 12.0)),
    ("cancel the juice", Correction("juice", None, drop=True)),
    ("juice hata do", Correction("juice", None, drop=True)),
])
def test_a_correction_names_a_line_and_its_new_quantity_or_drops_it(text: str, expected: Correction) -> None:
    assert correction(text) == expected


@pytest.mark.parametrize("text", ["cancel today's order", "paneer 20 pc", "thanks", "24 ctn tetra 1l, 30 pc paneer"])
def test_orders_and_whole_cancels_are_not_line_corrections(text: str) -> None:
    assert correction(text) is None


@pytest.mark.parametrize("text, yesterday", [
    ("same as last time", False), ("Same as last time pls", False), ("repeat last order", False),
    ("send yesterday's order again", True), ("kal wala order phir se", True), ("wahi bhejo", False),
])
def test_asking_for_an_earlier_order_again(text: str, yesterday: bool) -> None:
    found = repeat(text)
    assert found is not None and found.yesterday == yesterday


@pytest.mark.parametrize("text", ["same as last time but 5 ctn paneer", "when is delivery?", "last order was late"])
def test_an_order_with_counts_or_a_question_is_not_a_repeat(text: str) -> None:
    assert repeat(text) is None


def test_cancelling_the_whole_order() -> None:
    assert cancel_order("cancel today's order") and cancel_order("Cancel my order please")
    assert cancel_order("order cancel karo") and not cancel_order("cancel the juice")


def test_delivery_is_the_next_working_day_counted_from_the_cutoff() -> None:
    opts = ConversationOptions(delivery_days=1, delivery_cutoff_hour=14, timezone="Asia/Kolkata")
    morning = datetime(2026, 11, 6, 4, 0, tzinfo=UTC)  # Friday 09:30 in India
    evening = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)  # Friday 15:30: after the cutoff
    assert delivery_day(morning, opts).isoformat() == "2026-11-07"  # Saturday
    assert delivery_day(evening, opts).isoformat() == "2026-11-09"  # Sunday skipped: Monday
    assert delivery_day(evening, opts.model_copy(update={"delivery_sunday": True})).isoformat() == "2026-11-08"


MD = MasterData(
    customers=(Customer(customer_id="C1", name="Asha Dairy", phones=("+919000000001",), language="hi"),
               Customer(customer_id="C2", name="Brij Stores", phones=("+919000000002",))),
    products=(Product(sku="OIL-500", description="Rubi Oil 500 ml", uom="CTN", conversions={"PCS": 24}),
              Product(sku="OIL-1L", description="Rubi Oil 1 L", uom="CTN", conversions={"PCS": 12})),
)


def outbound(kind: str, customer: str, lines: list[dict], state: str, payload: dict | None = None) -> Outbound:
    return Outbound(id=1, key=f"{kind}:1", kind=kind, channel="whatsapp", recipient="+919000000001", state="pending",
                    attempts=1, payload=payload or {}, body="", exception_id=7, order_id=41, message_id=3,
                    received_at=datetime(2026, 11, 6, 4, 0, tzinfo=UTC), customer_id=customer, order_lines=lines,
                    order_state=state)


def test_a_confirmation_is_written_in_the_customers_language_with_names_and_escaped_html() -> None:
    lines = [{"sku": "OIL-1L", "qty": 24, "uom": "CTN", "text": "rubi 1l 24"}]
    hindi = Composer(ConversationOptions()).compose(outbound("confirmation", "C1", lines, "released"), MD)
    assert "ऑर्डर ORD-41 दर्ज हो गया" in hindi.text and "24 ctn Rubi Oil 1 L" in hindi.text
    english = Composer(ConversationOptions()).compose(outbound("confirmation", "C2", lines, "released"), MD)
    assert english.text.startswith("Order ORD-41 noted, Brij Stores:") and "Delivery: Sat 07 Nov 2026" in english.text
    odd = MasterData(customers=(Customer(customer_id="C3", name="<b>Tom & Co</b>"),), products=MD.products)
    html = Composer(ConversationOptions()).compose(outbound("confirmation", "C3", lines, "released"), odd).html
    assert "&lt;b&gt;Tom &amp; Co&lt;/b&gt;" in html and "<b>Tom" not in html


def test_a_question_offers_the_candidates_the_count_converts_to() -> None:
    line = {"sku": None, "qty": 24, "count": 24, "unit": "PCS", "uom": None, "text": "rubi 24 pcs",
            "candidates": [{"sku": "OIL-500", "probability": 0.5}, {"sku": "OIL-1L", "probability": 0.45}]}
    asked = Composer(ConversationOptions()).compose(
        outbound("question", "C2", [line], "held", {"code": "SKU_UNMATCHED", "line": 0}), MD)
    assert [(o.n, o.sku, o.qty, o.uom) for o in asked.options] == [(1, "OIL-500", 24.0, "PCS"), (2, "OIL-1L", 24.0, "PCS")]
    assert "1. Rubi Oil 500 ml\n2. Rubi Oil 1 L" in asked.text


def test_no_question_when_another_line_is_open_too_or_the_order_moved_on() -> None:
    open_line = {"sku": None, "qty": 2, "text": "x", "candidates": [{"sku": "OIL-500", "probability": 0.5},
                                                                    {"sku": "OIL-1L", "probability": 0.5}]}
    composer = Composer(ConversationOptions())
    with pytest.raises(NothingToSay):
        composer.compose(outbound("question", "C2", [open_line, {**open_line}], "held",
                                  {"code": "SKU_UNMATCHED", "line": 0}), MD)
    with pytest.raises(NothingToSay):
        composer.compose(outbound("question", "C2", [open_line], "released", {"code": "SKU_UNMATCHED", "line": 0}), MD)


@pytest.mark.parametrize("text, line", [
    ("add 2 more peti of Rubi 1L", "2 peti of Rubi 1L"), ("aur 3 ctn paneer bhi", "3 ctn paneer"),
    ("please add 5 box led 9w to my order", "5 box led 9w"), ("add paneer", None), ("2 ctn paneer", None),
])
def test_adding_to_the_order_just_confirmed(text: str, line: str | None) -> None:
    assert addition(text) == line
