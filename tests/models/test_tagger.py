"""The tagger's run-time pieces that need no model: BIO decoding, quantity and unit parsing, span grouping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.artifacts import ArtifactMissing, ModelSource, find_tagger
from models.span_rules import ALL_RULES, apply_span_rules, check_rules, read_lines
from models.tagger import BIO, Span, decode, lines_from_spans
from models.units import read_qty, read_unit


def tidy(text: str, spans: list[Span]) -> list[Span]:
    """Every span rule, as the served pipeline applies them."""
    return apply_span_rules(text, spans, ALL_RULES)


def test_bio_decoding_joins_word_pieces_and_inside_tokens() -> None:
    tags = ["O", "B-PRODUCT", "I-PRODUCT", "B-QTY", "B-UNIT", "O"]
    probs = np.zeros((len(tags), len(BIO)))
    for k, t in enumerate(tags):
        probs[k, BIO.index(t)] = 0.9
    offsets = [(0, 0), (0, 4), (5, 9), (10, 12), (13, 16), (0, 0)]  # "bolt m8x2 24 ctn"
    special = [1, 0, 0, 0, 0, 1]
    got = decode(BIO, probs, offsets, special)
    assert [(s.label, s.start, s.end) for s in got] == [("PRODUCT", 0, 9), ("QTY", 10, 12), ("UNIT", 13, 16)]


def probs_for(tags: list[str]) -> np.ndarray:
    probs = np.zeros((len(tags), len(BIO)))
    for k, t in enumerate(tags):
        probs[k, BIO.index(t)] = 0.9
    return probs


def test_a_word_takes_the_label_of_its_first_piece() -> None:
    text = "20 paneer"  # 20 | pan | ##eer, the pieces read apart by the model
    offsets = [(0, 0), (0, 2), (3, 6), (6, 9), (0, 0)]
    got = decode(BIO, probs_for(["O", "B-QTY", "B-UNIT", "B-PRODUCT", "O"]), offsets, [1, 0, 0, 0, 1], text)
    assert [(s.label, text[s.start : s.end]) for s in got] == [("QTY", "20"), ("UNIT", "paneer")]


def test_digits_glued_to_letters_are_two_words() -> None:
    text = "1box pen"
    offsets = [(0, 0), (0, 1), (1, 4), (5, 8), (0, 0)]
    got = decode(BIO, probs_for(["O", "B-QTY", "B-UNIT", "B-PRODUCT", "O"]), offsets, [1, 0, 0, 0, 1], text)
    assert [(s.label, text[s.start : s.end]) for s in got] == [("QTY", "1"), ("UNIT", "box"), ("PRODUCT", "pen")]


def test_letters_joined_by_a_hyphen_are_one_word_and_a_range_is_not() -> None:
    text = "2 peti-bandh 4-5"  # 2 | peti | - | bandh | 4 | - | 5
    offsets = [(0, 0), (0, 1), (2, 6), (6, 7), (7, 12), (13, 14), (14, 15), (15, 16), (0, 0)]
    tags = ["O", "B-QTY", "B-UNIT", "I-UNIT", "B-QTY", "B-QTY", "I-QTY", "I-QTY", "O"]
    got = decode(BIO, probs_for(tags), offsets, [1, 0, 0, 0, 0, 0, 0, 0, 1], text)
    assert [(s.label, text[s.start : s.end]) for s in got] == [("QTY", "2"), ("UNIT", "peti-bandh"), ("QTY", "4-5")]


def test_unknown_unit_words_are_products_and_names_stay_names() -> None:
    def read(text: str, spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
        at, out = 0, []
        for label, piece in spans:
            a = text.index(piece, at)
            out.append(Span(label, a, a + len(piece), 0.9))
            at = a + len(piece)
        return [(s.label, text[s.start : s.end]) for s in tidy(text, out)]

    assert read("tetra 1L 10 ctn and 20 paneer", [("PRODUCT", "tetra 1L"), ("QTY", "10"), ("UNIT", "ctn"),
                                                  ("QTY", "20"), ("UNIT", "paneer")])[-1] == ("PRODUCT", "paneer")
    assert read("5 bhoomika drip 12mm", [("QTY", "5"), ("UNIT", "bhoomika"), ("PRODUCT", "drip 12mm")]) == \
        [("QTY", "5"), ("PRODUCT", "bhoomika drip 12mm")]
    assert read("5 ctn soap", [("QTY", "5"), ("UNIT", "ctn"), ("PRODUCT", "soap")])[1] == ("UNIT", "ctn")
    assert read("Om Sai Stores: soap 2", [("CUSTOMER", "Om Sai Stores"), ("PRODUCT", "soap"), ("QTY", "2")])[0] == \
        ("CUSTOMER", "Om Sai Stores")


@pytest.mark.parametrize(("text", "qty", "vague"), [
    ("24", 24, False), ("1,200", 1200, False), ("2.5", 2.5, False), ("x 12", 12, False), ("do", 2, False),
    ("twenty", 20, False), ("twenty five", 25, False), ("paanch sau", 500, False), ("2-3", None, True),
    ("some", None, True), ("abc", None, False),
])
def test_quantities_are_read_with_the_shared_vocabulary(text: str, qty: float | None, vague: bool) -> None:
    got = read_qty(text)
    assert (got.value, got.vague) == (qty, vague)


def test_a_quantity_reading_says_how_sure_it_is() -> None:
    assert read_qty("24").certainty == 1.0
    assert read_qty("paanch").certainty == 0.9
    assert read_qty("do").certainty < read_qty("paanch").certainty
    assert read_qty("2-3").certainty == 0.0


def test_units_are_read_with_the_shared_vocabulary() -> None:
    assert [read_unit(u).canonical for u in ("ctn", "Peti", "pcs.", "kg", "Rolle", "zork")] == ["CTN", "CTN", "PCS", "KG",
                                                                                              "ROLL", "ZORK"]
    assert [read_unit(u).kind for u in ("ctn", "kg", "zork")] == ["pack", "measure", "unknown"]
    assert read_unit("zork").certainty == 0.0


def test_each_hand_rule_is_switchable_by_name_and_an_unknown_name_is_refused() -> None:
    text = "5 bhoomika drip 12mm"
    spans = spans_of(text, [("QTY", "5"), ("UNIT", "bhoomika"), ("PRODUCT", "drip 12mm")])
    with_rule = [(p.product, p.qty, p.unit) for p in read_lines(text, spans, ALL_RULES)]
    without = [(p.product, p.qty, p.unit) for p in read_lines(text, spans, [r for r in ALL_RULES if r != "known_units"])]
    assert with_rule == [("bhoomika drip 12mm", 5, None)] and without == [("drip 12mm", 5, "BHOOMIKA")]
    with pytest.raises(ValueError, match="unknown span rule"):
        check_rules(["known_units", "bare_products"])  # deleted after the ablation


def test_a_unit_word_between_two_product_words_is_the_names() -> None:
    text = 'cake box 8x8" chaar bdl'  # the Cake Box 8x8, counted by the bundle
    spans = spans_of(text, [("PRODUCT", "cake"), ("UNIT", "box"), ("PRODUCT", '8x8"'), ("QTY", "chaar"), ("UNIT", "bdl")])
    assert [(p.product, p.qty, p.unit) for p in read_lines(text, spans)] == [('cake box 8x8"', 4, "BUNDLE")]
    text = "soap box 5"  # a unit beside its count stays the count's
    spans = spans_of(text, [("PRODUCT", "soap"), ("UNIT", "box"), ("QTY", "5")])
    assert [(p.product, p.qty, p.unit) for p in read_lines(text, spans)] == [("soap", 5, "BOX")]


def test_spans_group_into_lines_where_a_new_product_or_quantity_starts() -> None:
    text = "bolt m8 24 ctn, 10 pcs washer 8mm @ 2"
    spans = [Span("PRODUCT", 0, 7, 0.9), Span("QTY", 8, 10, 0.95), Span("UNIT", 11, 14, 0.9),
             Span("QTY", 16, 18, 0.9), Span("UNIT", 19, 22, 0.9), Span("PRODUCT", 23, 33, 0.8), Span("PRICE", 36, 37, 0.9)]
    got = [(p.product, p.qty, p.unit, p.price) for p in lines_from_spans(text, spans)]
    assert got == [("bolt m8", 24, "CTN", None), ("washer 8mm", 10, "PCS", 2)]


def test_a_missing_model_names_the_command_that_builds_it(tmp_path: Path) -> None:
    src = ModelSource(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", cache_dir=tmp_path / "cache")
    with pytest.raises(ArtifactMissing, match="ordex train tagger"):
        find_tagger(src.model_copy(update={"tagger_path": tmp_path}))
    with pytest.raises(ArtifactMissing, match="no `ordex-tagger` champion"):
        find_tagger(src)


def spans_of(text: str, spans: list[tuple[str, str]]) -> list[Span]:
    at, out = 0, []
    for label, piece in spans:
        a = text.index(piece, at)
        out.append(Span(label, a, a + len(piece), 0.9))
        at = a + len(piece)
    return out


def test_a_count_without_a_product_of_its_own_is_not_guessed_onto_the_line_before() -> None:
    """The ``fold_orphans`` rule that did so was deleted: no measured gain on any set (README's ablation). The line
    keeps its product without a count, which the rules hold as QTY_UNCLEAR for a person."""
    def read(text: str, spans: list[tuple[str, str]]) -> list[tuple[str, float | None, str | None]]:
        return [(p.product, p.qty, p.unit) for p in lines_from_spans(text, tidy(text, spans_of(text, spans)))]

    assert read("tyre 12x1L, 5 ctn", [("PRODUCT", "tyre 12x1L"), ("QTY", "5"), ("UNIT", "ctn")]) == [("tyre 12x1L", None, None)]


def test_a_comma_ends_a_line() -> None:
    """ "zinc 21% 5, 6 ctn chlor" is two lines; the number the model left in the first product is not guessed to
    be its count (the trailing_count rule was deleted after the ablation): that line is held for a person."""
    got = [(p.product, p.qty) for p in lines_from_spans("zinc 21% 5, 6 ctn chlor", tidy("zinc 21% 5, 6 ctn chlor", spans_of(
        "zinc 21% 5, 6 ctn chlor", [("PRODUCT", "zinc 21% 5"), ("QTY", "6"), ("UNIT", "ctn"), ("PRODUCT", "chlor")])))]
    assert got == [("zinc 21% 5", None), ("chlor", 6)]


def test_a_joining_word_after_a_product_ends_its_line() -> None:
    """ "hold the lemon plus three caesar salads": the count after "plus" is the next item's, so the unknown dish
    keeps its count (and is held as unmatched) instead of its count going to the word before."""
    def read(text: str, spans: list[tuple[str, str]]) -> list[tuple[str, float | None]]:
        return [(p.product, p.qty) for p in lines_from_spans(text, spans_of(text, spans))]

    text = "hold the lemon plus three caesar salads"
    assert read(text, [("PRODUCT", "lemon"), ("QTY", "three"), ("PRODUCT", "caesar salads")]) == \
        [("lemon", None), ("caesar salads", 3)]
    assert read("rice and 5 sugar", [("PRODUCT", "rice"), ("QTY", "5"), ("PRODUCT", "sugar")]) == \
        [("rice", None), ("sugar", 5)]
    assert read("rice - 5 and sugar", [("PRODUCT", "rice"), ("QTY", "5"), ("PRODUCT", "sugar")]) == \
        [("rice", 5), ("sugar", None)]  # a count before the joiner stays with its product
    assert read("nand 5", [("PRODUCT", "nand"), ("QTY", "5")]) == [("nand", 5)]  # a joiner is a whole word


def test_a_unit_word_nobody_knows_is_kept_as_a_unit_never_dropped() -> None:
    """The contract: a word beside a count that cannot be placed is not dropped (``models.accounting`` holds it)."""
    def read(text: str, spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(s.label, text[s.start : s.end]) for s in tidy(text, spans_of(text, spans))]

    assert read("imida 2 bill bhejna", [("PRODUCT", "imida"), ("QTY", "2"), ("UNIT", "bill")]) == \
        [("PRODUCT", "imida"), ("QTY", "2"), ("UNIT", "bill")]


def test_a_long_line_is_read_in_windows_cut_at_its_item_breaks() -> None:
    from models.tagger import WINDOW_WORDS, windows

    items = [f"item{k} soda 750 ml {k} ctn" for k in range(20)]
    text = ", ".join(items)
    got = windows(text)
    assert len(got) > 1 and all(text[a : a + len(p)] == p and len(p.split()) <= WINDOW_WORDS for a, p in got)
    assert all(p.rstrip(",").endswith("ctn") for _, p in got)  # cut between items, never inside one
    assert windows("tetra 1L 24 ctn") == [(0, "tetra 1L 24 ctn")]


def test_a_count_with_no_product_is_no_line() -> None:
    """No rule invents a product for a count (bare_products was deleted after the ablation: the model reads the
    words after "5 carton" itself, see the golden case words_after_a_count_are_its_product_5_carton_curd)."""
    text = "5 ctn bhej do"
    assert lines_from_spans(text, tidy(text, spans_of(text, [("QTY", "5"), ("UNIT", "ctn")]))) == []


def test_a_count_that_ends_a_range_reads_the_whole_range_as_vague() -> None:
    text = "4 or 5 valve gunmetal 2 inch"
    spans = [Span("QTY", 5, 6, 0.9), Span("PRODUCT", 7, 28, 0.9)]  # the classifier took "5" alone
    [line] = read_lines(text, spans)
    assert line.qty is None and line.vague and line.text.startswith("4 or 5")
    [unruled] = read_lines(text, spans, [r for r in ALL_RULES if r != "whole_ranges"])
    assert unruled.qty == 5  # what it read before the rule
    assert read_lines("valve 2 inch 4", [Span("PRODUCT", 0, 12, 0.9), Span("QTY", 13, 14, 0.9)])[0].qty == 4
    [dashed] = read_lines("2-3 cocoa powder", [Span("QTY", 2, 3, 0.9), Span("PRODUCT", 4, 16, 0.9)])
    assert dashed.qty is None and dashed.vague  # "2-3" with the classifier taking "3" alone
    assert read_lines("cocoa - 3", [Span("PRODUCT", 0, 5, 0.9), Span("QTY", 8, 9, 0.9)])[0].qty == 3


def test_a_count_and_a_size_word_read_into_the_product_start_it_with_its_count() -> None:
    """ "1 lg veggie pizza" read whole as a product: a size word of the lexicon is no measure unit, so the number
    before it is the count; "500 ml shampoo" and a name beginning with a word that is no number stay whole."""
    [line] = read_lines("1 lg veggie pizza", [Span("PRODUCT", 0, 17, 0.9)])
    assert (line.qty, line.product) == (1, "lg veggie pizza")
    [two] = read_lines("two large pies", [Span("PRODUCT", 0, 14, 0.9)])
    assert (two.qty, two.product) == (2, "large pies")
    assert read_lines("500 ml shampoo", [Span("PRODUCT", 0, 14, 0.9)])[0].qty is None  # a size, no count
    [unruled] = read_lines("1 lg veggie pizza", [Span("PRODUCT", 0, 17, 0.9)],
                           [r for r in ALL_RULES if r != "size_counts"])
    assert unruled.qty is None  # what it read before the rule
