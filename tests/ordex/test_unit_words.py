"""Words beside a count: an unknown one holds the count (never the SKU's own unit by guess), one learned from
the distributor's history is read on the next message, and a person's correction teaches one (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

from support import codes, lines_of, msg, write_trade

from models.accounting import Knowledge, place_count_word, rule_line_parts
from models.word_learning import Said, Shipped, learn_words, time_split
from ordex.keys import Principal
from ordex.pipeline import Engine
from ordex.resolve import LineFix, Resolution, resolve
from ordex.settings import Settings

OPS = Principal("asha", "ops")


def trade_with(tmp_path: Path, history: list[dict[str, object]] | None = None) -> Path:
    """The test trade's master data, its history replaced when one is given."""
    md = write_trade(tmp_path / "md")
    if history is not None:
        (md / "history.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history), encoding="utf-8")
    return md


def engine_for(tmp_path: Path, history: list[dict[str, object]] | None = None) -> Engine:
    return Engine.open(Settings(data_dir=tmp_path / "var", database_url="", extractor="rules", matcher="rules"),
                       trade_with(tmp_path, history))


def past(text: str, sku: str, qty: int, uom: str, day: int, customer: str = "E100") -> dict[str, object]:
    return {"customer_id": customer, "received_at": f"2026-08-{day:02d}T10:00:00+05:30", "channel": "whatsapp",
            "text": text, "lines": [{"sku": sku, "qty": qty, "uom": uom}]}


def test_an_unknown_word_beside_a_count_is_held_never_released_as_the_skus_unit(tmp_path: Path) -> None:
    e = engine_for(tmp_path)
    answer = e.submit(msg("led bulb 9w 30 jhola", sender="+911110000001"))
    assert answer.status == "exception"
    unclear = [x for x in answer.exceptions if x.code == "QTY_UNCLEAR"]
    assert unclear and "jhola" in unclear[0].detail
    assert all(q is None for _c, _s, q, _u in lines_of(answer))  # no count in the box's unit was guessed


def test_a_known_piece_word_converts_and_a_filler_word_changes_nothing(tmp_path: Path) -> None:
    e = engine_for(tmp_path)
    pieces = e.submit(msg("led bulb 9w 30 nag", sender="+911110000001"))  # Marathi: pieces, from the lexicon
    assert lines_of(pieces) == [("E100", "LED-9W", 3, "BOX")]
    filler = e.submit(msg("mcb double pole 32a 4 pcs jaldi", sender="+911110000001"))
    assert "QTY_UNCLEAR" not in codes(filler)


def test_a_unit_word_learned_from_history_is_read_on_the_next_message(tmp_path: Path) -> None:
    history = [past("led bulb 9w 40 gaddi", "LED-9W", 4, "BOX", 1), past("switch 6a 60 gaddi", "SW-6A", 3, "BOX", 3),
               past("led 12w 20 gaddi", "LED-12W", 2, "BOX", 5, customer="E200")]
    e = engine_for(tmp_path, history)
    assert e.store.learned_units() == {("*", "gaddi"): "PCS"}
    answer = e.submit(msg("led bulb 9w 50 gaddi", sender="+911110000001"))
    assert lines_of(answer) == [("E100", "LED-9W", 5, "BOX")]
    assert "QTY_UNCLEAR" not in codes(answer)


def test_a_misspelt_piece_word_one_past_order_used_is_read_not_taken_as_the_name(tmp_path: Path) -> None:
    e = engine_for(tmp_path, [past("40 peece led bulb 9w", "LED-9W", 4, "BOX", 1)])
    assert e.store.learned_units() == {("E100", "peece"): "PCS"}
    answer = e.submit(msg("50 peece led bulb 9w", sender="+911110000001"))
    assert lines_of(answer) == [("E100", "LED-9W", 5, "BOX")]  # never 50 boxes


def test_a_resolved_exception_teaches_the_unit_word(tmp_path: Path) -> None:
    e = engine_for(tmp_path)
    held = e.submit(msg("led bulb 9w 20 thela", sender="+911110000001"))
    exc = next(x for x in e.store.views.message(held.message_id)["exceptions"] if x["code"] == "QTY_UNCLEAR")
    e.sync()
    answer = resolve(e.store, e.md, exc["exception_id"], Resolution(action="approve", lines=[
        LineFix(sku="LED-9W", qty=2, text="led bulb 9w 20 thela")]), OPS)
    assert {"customer_id": "E100", "unit_word": "thela", "unit": "PCS"} in answer["learned"]
    again = e.submit(msg("led bulb 9w 30 thela", sender="+911110000001"))
    assert lines_of(again) == [("E100", "LED-9W", 3, "BOX")] and "QTY_UNCLEAR" not in codes(again)


def test_learning_needs_agreement_and_reports_its_precision_on_later_orders() -> None:
    know = Knowledge(catalog=frozenset({"bulb", "switch"}))
    box = (Shipped(4, "BOX", 10),)
    said = [Said("A", "bulb 4 lot", box), Said("B", "bulb 4 lot", box), Said("A", "bulb 40 lot", box),
            Said("A", "switch 4 lot", box)]
    assert learn_words(said[:2], know) == [("*", "lot", "CTN", 2)]
    assert learn_words(said[:3], know) == []  # two meanings in three uses: below the agreement asked
    report = time_split([*said[:2], said[3]], know, share=0.67)
    assert (report.learned, report.checked, report.correct) == (1, 1, 1)


def test_a_word_for_any_unit_the_sku_converts_from_is_learned() -> None:
    """ "20 dasta" of a paper sold by the box of 5 reams, shipped as 4 boxes: "dasta" (a word no lexicon holds) is
    a ream word."""
    know = Knowledge(catalog=frozenset({"paper"}))
    boxes = (Shipped(4, "BOX", 0, (("REAM", 5),)),)
    said = [Said("A", "copier paper 20 dasta", boxes), Said("B", "20 dasta paper", boxes)]
    assert learn_words(said, know) == [("*", "dasta", "REAM", 2)]
    across = [Said("A", "copier paper 20\ndelivery by friday", boxes), Said("B", "paper 20\ndelivery asap", boxes)]
    assert learn_words(across, know) == []  # a count that ends a line says nothing of the next line's first word


def test_a_misspelt_unit_word_is_learned_from_one_use_that_decides_the_same_unit() -> None:
    """ "144 peece" of a carton of 48 shipped as 3 cartons: the spelling ("piece") and the arithmetic agree, two
    witnesses in one order; a word spelled like no unit word, or like another unit's, waits for a second use."""
    know = Knowledge(catalog=frozenset({"talcum", "powder"}))
    cartons = (Shipped(3, "CTN", 48),)
    assert learn_words([Said("A", "144 peece talcum powder", cartons)], know) == [("A", "peece", "PCS", 1)]
    assert learn_words([Said("A", "144 jhola talcum powder", cartons)], know) == []
    assert learn_words([Said("A", "3 peece talcum powder", cartons)], know) == []  # "peece" read as cartons: no


def test_a_rule_extractor_line_is_accounted_for_like_the_classifiers() -> None:
    parts, spans = rule_line_parts("bulb 9w 30 jhola", "bulb 9w jhola", 30, None)
    placed = place_count_word("bulb 9w 30 jhola", parts, spans, Knowledge(catalog=frozenset({"bulb"})))
    assert placed.unplaced == "jhola"


def test_an_unknown_word_between_a_count_and_its_product_holds_the_count() -> None:
    from models.tagger import LineParts, Span

    text = "6 thela coconut oil 200ml"  # the classifier read "thela" as a unit; the span rules gave it to the product
    spans = [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 7, 0.9), Span("PRODUCT", 8, 25, 1.0)]
    parts = LineParts(text=text, product="thela coconut oil 200ml", qty=6.0, unit=None, vague=False, price=None,
                      product_score=0.7, qty_score=0.9, qty_at=(0, 1), unit_at=None)
    placed = place_count_word(text, parts, spans, Knowledge(catalog=frozenset({"coconut", "oil"})))
    assert placed.unplaced == "thela"
    assert placed.product == "coconut oil 200ml"  # the word is the count's: the matcher sees the oil, not "thela oil"


def test_a_use_that_fits_two_units_supports_the_one_another_use_decides() -> None:
    """ "2 thappi" of a carton of 12 reads the same as two cartons or two dozen: it decides nothing alone, and
    supports "thappi" = carton once "4 thappi" of a carton of 24 (96 pieces, not 8 dozen) shows it."""
    know = Knowledge(catalog=frozenset({"essence", "yeast"}))
    twelve, twenty_four = (Shipped(2, "CTN", 12),), (Shipped(4, "CTN", 24),)
    either = [Said("A", "essence 2 thappi", twelve), Said("B", "essence 2 thappi", twelve)]
    assert learn_words(either, know) == []  # never decided: a carton or a dozen
    said = [*either, Said("C", "yeast 4 thappi", twenty_four)]
    assert learn_words(said, know) == [("*", "thappi", "CTN", 3)]
    assert learn_words([either[0], said[2]], know) == [("*", "thappi", "CTN", 2)]
    assert learn_words([said[2], Said("C", "yeast 96 thappi", twenty_four)], know) == []  # a carton, then pieces


def test_the_line_checks_are_named_and_each_can_be_switched_off(tmp_path: Path) -> None:
    import pydantic
    import pytest

    from ordex.stages import TagOptions

    with pytest.raises(pydantic.ValidationError, match="unknown line check"):
        TagOptions(checks=("count_word", "guess_harder"))
    md = write_trade(tmp_path / "md")
    off = Engine.open(Settings(data_dir=tmp_path / "off", database_url="", extractor="rules", matcher="rules",
                               line_checks=()), md)
    answer = off.submit(msg("led bulb 9w 30 jhola", sender="+911110000001"))
    assert "jhola" not in " ".join(x.detail for x in answer.exceptions)  # the count_word check is what holds it
    assert "checks none" in next(s.version for s in off.stages if s.name == "tag")


def test_a_quantity_far_over_what_was_ever_ordered_is_held_with_the_usual_one(tmp_path: Path) -> None:
    e = engine_for(tmp_path)  # the trade's history: 5 boxes of LED-9W, the most anyone ordered
    held = e.submit(msg("led bulb 9w 60 box", sender="+911110000001"))
    unclear = [x.detail for x in held.exceptions if x.code == "QTY_UNCLEAR"]
    assert unclear and "(5)" in unclear[0]
    usual = e.submit(msg("led bulb 9w 40 box", sender="+911110000001"))  # 8x: within the factor of 10
    assert "QTY_UNCLEAR" not in codes(usual)


def test_a_request_an_alias_learned_from_history_took_in_is_no_catalog_word(tmp_path: Path) -> None:
    """Past orders ask "with giftwrap" and "no giftwrap": an alias learned as "led bulb giftwrap" took the request
    into the name, so "giftwrap" left beside an order line is no dropped line. Without that history it stays the
    alias's word."""
    from ordex.masterdata import load_master_data
    from ordex.unit_words import asked_in_history, knowledge

    history = [past("led bulb 9w 5 box with giftwrap", "LED-9W", 5, "BOX", 3),
               past("led bulb 9w 2 box, no giftwrap", "LED-9W", 2, "BOX", 9)]
    md = load_master_data(trade_with(tmp_path, history))
    learned = [("E100", "led bulb giftwrap", "LED-9W", 1)]
    assert not knowledge(md, learned, asked=asked_in_history(md)).in_catalog("giftwrap")
    assert knowledge(md, learned).in_catalog("giftwrap")
    assert knowledge(md, learned, asked=asked_in_history(md)).in_catalog("bulb")  # a word of the description


def test_a_short_name_with_its_size_and_a_count_word_that_is_a_common_word_teach_no_unit() -> None:
    """ "2 tpl 300g" shipped as 2 cartons: "tpl" is the customer's name for a toothpaste, followed by its size, not
    a carton word. "das lot" (das: ten, and a common word) supports "lot" once a sure count decides it, never alone."""
    know = Knowledge(catalog=frozenset({"toothpaste", "essence"}))
    two, ten = (Shipped(2, "CTN", 24),), (Shipped(10, "CTN", 24),)
    assert learn_words([Said("A", "2 tpl 300g", two), Said("B", "2 tpl 300g", two)], know) == []
    unsure = [Said("A", "essence das lot", ten), Said("B", "essence das lot", ten)]
    assert learn_words(unsure, know) == []
    assert learn_words([*unsure, Said("C", "essence 2 lot", two)], know) == [("*", "lot", "CTN", 3)]
    assert learn_words([Said("A", "a lot of essence", (Shipped(1, "CTN", 24),))] * 3, know) == []  # an article


def test_a_word_of_hyphen_joined_parts_is_learned_as_one() -> None:
    """ "bulb 4 gathri-bandh" shipped as 4 boxes by two customers: the joined word is one unit word."""
    know = Knowledge(catalog=frozenset({"bulb"}))
    box = (Shipped(4, "BOX", 10),)
    said = [Said("A", "bulb 4 gathri-bandh", box), Said("B", "4 gathri-bandh bulb", box)]
    assert learn_words(said, know) == [("*", "gathri-bandh", "CTN", 2)]
    assert learn_words([Said("A", "bulb 4 x-7", box), Said("B", "bulb 4 x-7", box)], know) == []  # no word
