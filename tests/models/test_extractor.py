"""The rule-based extractor reads quantities, units, sizes and prices the way dealers write them."""

from __future__ import annotations

import pytest

from models.extractor import extract_block_lines, serial_numbers
from ordex.schema import Block


def lines(text: str) -> list[tuple[str, float | None, str | None]]:
    blocks = [Block(text=t) for t in text.split("\n")]
    return [(ln.product, ln.qty, ln.unit) for ln in extract_block_lines(blocks, range(len(blocks)), 0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bhai widget 2L 24 ctn aur gizmo half 10 bhej do", [("widget 2L", 24, "CTN"), ("gizmo half", 10, None)]),
        ("5 gear, 2 ctn bolt, 48 pcs nut 6 mm", [("gear", 5, None), ("bolt", 2, "CTN"), ("nut 6 mm", 48, "PCS")]),
        ("Rotor 400g - 3 peti", [("Rotor 400g", 3, "CTN")]),
        ("Valve 200 - 20 pc", [("Valve 200", 20, "PCS")]),
        ("1 Brake pad 1000 ml kit 60 ctn", [("Brake pad 1000 ml kit", 60, "CTN")]),
        ("1. hose 1L - 30", [("hose 1L", 30, None)]),
        ("- wiper blade 500 gm x 2 ctn", [("wiper blade 500 gm", 2, "CTN")]),
        ("do peti cement, oil 6 jar", [("cement", 2, "CTN"), ("oil", 6, "JAR")]),
        ("qty: 5 filter cup", [("filter cup", 5, None)]),
        ("Tyre 12x1L 5 ctn @ 780", [("Tyre 12x1L", 5, "CTN")]),
        ("2 dozen spark plug", [("spark plug", 2, "DOZ")]),
        ("paint three boxes", [("paint", 3, "BOX")]),
        ("pipe sch 40 3/4 inch = 10", [("pipe sch 40 3/4 inch", 10, None)]),
        ("2- pipe sch 80 1/2inch 6 nos.", [("pipe sch 80 1/2inch", 6, "PCS")]),
    ],
)
def test_quantities_units_and_products(text: str, expected: list[tuple[str, float | None, str | None]]) -> None:
    assert lines(text) == expected


def test_a_vague_count_is_flagged_not_guessed() -> None:
    (ln,) = extract_block_lines([Block(text="2-3 ctn wire")], [0], 0)
    assert ln.qty is None and ln.qty_vague and ln.product == "wire" and ln.unit == "CTN"


def test_dates_phones_and_prices_are_not_quantities() -> None:
    blocks = [Block(text="Order 07/11"), Block(text="call +91 98100 12345"), Block(text="bolt 5 ctn @ 450")]
    got = extract_block_lines(blocks, range(3), 0)
    assert [(ln.product, ln.qty, ln.price) for ln in got if ln.qty is not None] == [("bolt", 5, 450)]


def test_a_label_before_a_colon_is_not_part_of_the_product() -> None:
    assert lines("ACME STORES ORDER: PUMP 1HP 2 PCS, HOSE 10 M 3 ROLL")[-2:] == [("PUMP 1HP", 2, "PCS"),
                                                                                ("HOSE 10 M", 3, "ROLL")]


def test_a_number_that_ends_a_heading_before_a_colon_counts_nothing() -> None:
    """ "for table 4: a cold drink orange": the 4 names the table; "by 1:30 pm" is a time, and a count after the
    colon stays the line's."""
    assert [q for _p, q, _u in lines("for table 4: a cold drink orange 600 ml")] != [4]
    assert lines("FOR TABLE 4: SHAKE KESAR PISTA REGULAR - 2") == [("SHAKE KESAR PISTA REGULAR", 2, None)]
    assert lines("hose pipe : 6 rolls") == [("hose pipe", 6, "ROLL")]
    switched_off = extract_block_lines([Block(text="FOR TABLE 4: SHAKE KESAR PISTA REGULAR")], [0], 0, headings=False)
    assert [ln.qty for ln in switched_off] == [4]  # the heading_number check off: the heading's number is read


def test_an_article_counts_one_of_an_item_with_no_other_count() -> None:
    """ "a sprite", "a box of pens": the second reader counts one as the contract reads a typed sentence (its
    silence on such lines read as doubt held right orders); never after a word that begins a request."""
    assert lines("a sprite and 2 burgers") == [("sprite", 1, None), ("burgers", 2, None)]
    assert lines("a box of pens") == [("pens", 1, "BOX")]
    assert lines("2 colas with a straw") == [("colas a straw", 2, None)]


def test_spreadsheet_fields_are_taken_as_they_are() -> None:
    (ln,) = extract_block_lines([Block(text="Bolt M8  12  box", fields={"product": "Bolt M8", "qty": "12", "unit": "box"})], [0], 0)
    assert (ln.product, ln.qty, ln.unit) == ("Bolt M8", 12, "BOX")


def test_a_quantity_on_the_next_line_completes_the_product() -> None:
    assert lines("Brake pad front\n5 ctn") == [("Brake pad front", 5, "CTN")]


def test_rate_and_amount_columns_are_not_product() -> None:
    (ln,) = extract_block_lines([Block(text="1 Wiper blade 18 inch  48 pcs  640  30720")], [0], 0)
    assert (ln.product, ln.qty, ln.unit, ln.price) == ("Wiper blade 18 inch", 48, "PCS", 640)


def test_table_cells_of_a_row_stay_one_line() -> None:
    assert lines("Bolt M8 | 12 | box") == [("Bolt M8", 12, "BOX")]
    assert lines("Bolt M8\t12\tbox") == [("Bolt M8", 12, "BOX")]
    assert lines("Bolt M8        12      box") == [("Bolt M8", 12, "BOX")]


def test_a_fraction_before_a_measure_is_a_size_and_without_one_a_date() -> None:
    from models.extractor import tokenize

    assert [(t.text, t.kind, t.value) for t in tokenize("3/4 inch")][0] == ("3/4", "num", 0.75)
    assert [t.kind for t in tokenize("deliver by 3/4")][-1] == "date"


def test_a_serial_column_is_no_count() -> None:
    """A PO's rows numbered 1, 2, 3 ("3 powder dark 20 KG"): the leading number is the row's, the count is later."""
    def serials(*texts: str) -> list[int]:
        blocks = [Block(text=t) for t in texts]
        return sorted(serial_numbers(blocks, list(range(len(blocks)))))

    assert serials("1 icing sugar 1 kg 10", "2 maida 50 kg 20 bag", "3 powder dark 20 KG") == [0, 1, 2]
    assert serials("Sr Item Qty Unit", "1 butter paper roll 8", "2 cocoa powder 5 kg") == [1, 2]  # under a heading
    assert serials("1 butter paper roll 8", "2 cocoa powder 5 kg") == []  # two rows alone may be counts
    assert serials("1 ctn sugar 5kg", "2 ctn rice 10 kg", "3 ctn dal 1 kg") == []  # a unit word: they are counts
    assert serials("1 sugar", "2 rice", "3 dal") == []  # no other number on the row: they are counts
    blocks = [Block(text=t) for t in ("1 icing sugar 1 kg 10", "2 maida 50 kg 20 bag", "3 powder dark 20 KG")]
    assert [(ln.product, ln.qty) for ln in extract_block_lines(blocks, [0, 1, 2], 0)][1:] == \
        [("maida 50 kg", 20), ("powder dark 20 KG", None)]  # the match stage reads "20 KG" of a SKU sold by the kg
