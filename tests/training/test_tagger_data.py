"""The tagger's training lines: seeded, spans that still fit the text after sizes and invented words go in."""

from __future__ import annotations

import random

from models.units import SIZE_WORDS, UNIT_WORDS
from training.tagger_data import add_size, numbered_names, rewrite_spans, swap_words, synthetic_lines


def test_rewritten_spans_cover_their_new_text() -> None:
    text = "need 5 ctn kalam gel pen blue and 2 box eraser"
    spans = [(5, 6, "QTY"), (7, 10, "UNIT"), (11, 29, "PRODUCT"), (34, 35, "QTY"), (36, 39, "UNIT"), (40, 46, "PRODUCT")]
    new, moved = rewrite_spans(text, spans, lambda label, piece: piece.upper() + " XL" if label == "PRODUCT" else piece)
    assert [new[a:b] for a, b, _ in moved] == ["5", "ctn", "KALAM GEL PEN BLUE XL", "2", "box", "ERASER XL"]


def test_invented_words_replace_one_word_of_a_name_in_its_case() -> None:
    swap = swap_words(random.Random(1), {"PRODUCT": 1.0})
    out = swap("PRODUCT", "Kalam Gel Pen")
    assert out != "Kalam Gel Pen" and len(out.split()) == 3 and all(w[0].isupper() for w in out.split())
    assert swap("QTY", "24") == "24"
    sized = add_size(random.Random(2), 1.0)("PRODUCT", "envelope")
    assert sized != "envelope" and "envelope" in sized


def test_a_numbered_name_begins_the_product_with_a_number_and_a_word_no_unit_list_has() -> None:
    """ "4 2 door wardrobe": the number and its word join the product's span, never a unit or size word."""
    number = numbered_names(random.Random(3), 1.0)
    new, moved = number("4 wardrobe walnut", [(0, 1, "QTY"), (2, 17, "PRODUCT")])
    qty, product = (new[a:b] for a, b, _ in moved)
    head, _word, rest = product.split(" ", 2)
    assert qty == "4" and head.isdigit() and rest == "wardrobe walnut" and [lab for *_, lab in moved] == ["QTY", "PRODUCT"]
    words = {number("5 pen", [(0, 1, "QTY"), (2, 5, "PRODUCT")])[0].split()[2] for _ in range(200)}
    assert len(words) > 20 and not words & (UNIT_WORDS.keys() | SIZE_WORDS.keys())
    assert number("5 ctn", [(0, 1, "QTY"), (2, 5, "UNIT")])[0] == "5 ctn"
    assert number("12 pen", [(0, 6, "PRODUCT")])[0] == "12 pen"
    assert number("2 sides pen 5", [(0, 12, "PRODUCT"), (13, 14, "QTY")])[0] == "2 sides pen 5"  # no count before it


def test_the_same_seed_gives_the_same_lines() -> None:
    a = synthetic_lines(["electrical"], 15, seed=3, size_rate=0.25, swap_rate=0.25)
    assert a == synthetic_lines(["electrical"], 15, seed=3, size_rate=0.25, swap_rate=0.25)
    for text, spans in a:
        assert all(0 <= s < e <= len(text) and text[s:e].strip() for s, e, _ in spans)


def test_history_teaches_only_orders_its_shipped_lines_vouch_for() -> None:
    from training.synth.generator import generate_trade
    from training.tagger_data import history_lines

    md = generate_trade("hardware", 7).master_data()
    lines = history_lines(md)
    texts = {ln for o in md.history for ln in o.text.split("\n") if ln.strip()}
    assert lines and {t for t, _ in lines} <= texts
    assert len({t for t, _ in lines}) < len(texts)  # some orders were not read cleanly enough to teach
    assert any(lab == "PRODUCT" for _, spans in lines for _, _, lab in spans)


def test_lines_the_pipeline_never_reads_are_no_training_lines() -> None:
    """A quoted earlier mail's order is unlabelled (it is no new order); trained on, it would teach the tagger to
    drop a plain order line, which it only ever sees alone."""
    from training.tagger_data import message_lines

    text = ("Hi team,\n25 bag maida flour\n\nRegards,\nRohit\n\n-----Original Message-----\nFrom: sales@x.example\n"
            "Sent: Mon\n\n14 bori basmati rice 25kg\nPlease confirm.")
    spans = [(9, 11, "QTY"), (12, 15, "UNIT"), (16, 27, "PRODUCT")]
    assert message_lines(text, spans) == [("Hi team,", ()), ("25 bag maida flour", ((0, 2, "QTY"), (3, 6, "UNIT"),
                                                                                     (7, 18, "PRODUCT")))]


def test_a_pack_word_joined_to_a_word_about_the_pack_is_one_unit_span() -> None:
    """ "5 peti-packed": the tokenizer cuts it in three, and the hyphen is no "product - count" dash; the training
    lines label the joined word as one unit, which the readers' vocabulary reads as the pack word's unit unless
    the word joined is another unit ("ctn-pcs": which one counts? the count is held); "ctn-pack" is packed by the
    carton, as the training lines label it."""
    from models.units import unit_word
    from training.synth.generator import PACK_SUFFIXES

    lines = synthetic_lines(["fmcg", "hardware", "electrical"], 400, seed=5, ocr_rate=0.0)  # OCR noise respells them
    joined = [text[s:e] for text, spans in lines for s, e, lab in spans if lab == "UNIT" and "-" in text[s:e]]
    assert joined and all(w.lower().rsplit("-", 1)[1] in PACK_SUFFIXES for w in joined)
    assert all(unit_word(w) is not None for w in joined)
    assert unit_word("ctn-pack") == unit_word("peti-packed") == "CTN" and unit_word("ctn-pcs") is None
