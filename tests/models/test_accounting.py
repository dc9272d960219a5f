"""What a customer asks on an item is no order line; a catalog word nothing took still is one."""

from __future__ import annotations

from models.accounting import Knowledge, asked_on, unread_words
from models.tagger import Span


def _zones(text: str, starts: tuple[int, ...] = ()) -> list[str]:
    return [text[a:b].strip() for a, b in asked_on(text, starts)]


def test_toppings_and_requests_run_until_the_next_item() -> None:
    text = "i'd like a large pizza with ham and pineapple and a coke"
    assert _zones(text) == ["with ham and pineapple and"]
    assert _zones("a burger with onions but no mustard, some fries") == ["with onions but no mustard,"]
    assert _zones("2 shakes no ice\n3 colas") == ["no ice"]


def test_a_count_after_no_is_no_request() -> None:
    assert _zones("12 no fevicol 50g") == []


def test_a_span_start_ends_the_zone() -> None:
    text = "pizza with olives dosa 2"
    assert _zones(text, (text.index("dosa"),)) == ["with olives"]


def test_catalog_words_asked_on_an_item_are_not_unread() -> None:
    text = "a dosa with onion and a cola"
    spans = [Span("QTY", 0, 1, 1.0), Span("PRODUCT", 2, 6, 1.0), Span("QTY", 22, 23, 1.0), Span("PRODUCT", 24, 28, 1.0)]
    know = Knowledge(catalog=frozenset({"dosa", "onion", "cola"}))
    assert unread_words(text, spans, know) == []
    # the same word outside any request is a line nobody read
    assert unread_words("a dosa onion uttapam", spans[:2], Knowledge(catalog=frozenset({"dosa", "onion", "uttapam"}))) == [
        "onion", "uttapam"]
