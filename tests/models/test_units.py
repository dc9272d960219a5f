"""Quantities convert to the SKU's unit exactly as the contract says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.units import sizes_in, to_uom

CTN12 = {"PCS": Decimal(12)}


@pytest.mark.parametrize(
    ("qty", "unit", "uom", "conv", "expected"),
    [
        (10, None, "CTN", CTN12, 10),  # a bare number is in the uom
        (48, "PCS", "CTN", CTN12, 4),  # 48 pcs of a PCS:12 carton
        (50, "PCS", "CTN", CTN12, None),  # not a whole carton
        (2, "DOZ", "CTN", CTN12, 2),  # 24 pieces
        (3, "CTN", "CTN", CTN12, 3),
        (3, "BOX", "CTN", CTN12, 3),  # case words are the carton
        (6, "CRT", "CTN", CTN12, 6),
        (12, "JAR", "PCS", {}, 12),  # container words are pieces
        (24, "BTL", "CTN", {"PCS": Decimal(24)}, 1),  # bottles are the carton's pieces
        (12, "PCS", "BOX", {"PKT": Decimal(12)}, None),  # 12 packets or 12 boxes? unclear
        (24, "PKT", "BOX", {"PKT": Decimal(12)}, 2),
        (5, "BAG", "KG", {}, None),  # a bag of what? unclear
        (500, "G", "KG", {}, 0.5),  # sold by weight: fractions are fine
        (2, "ROLL", "PKT", {"ROLL": Decimal(10)}, None),
        (20, "ROLL", "PKT", {"ROLL": Decimal(10)}, 2),
    ],
)
def test_to_uom(qty: float, unit: str | None, uom: str, conv: dict[str, Decimal], expected: float | None) -> None:
    assert to_uom(qty, unit, uom, conv).qty == expected


def test_a_failed_conversion_says_why() -> None:
    assert "not a whole number of CTN" in to_uom(50, "PCS", "CTN", CTN12).reason


def test_sizes_normalise_to_base_units() -> None:
    assert sizes_in("Milk 1 L") == sizes_in("milk 1000ml") == sizes_in("1 litre")
    assert [s.dim for s in sizes_in("2.5 kg bag, 6 mm rod")] == ["mass", "length"]


def test_a_measure_is_the_quantity_of_a_sku_sold_by_it_unless_it_is_the_skus_own_size() -> None:
    from models.units import measure_readings, sizes_in, sold_by

    (end, ) = measure_readings("putty 40kg 400 kg")
    assert (end.rest, end.qty, end.unit) == ("putty 40kg", 400, "KG")
    assert sold_by(end, "BAG", {"KG": 40}, sizes_in("Wall Putty 40 kg"))
    (start, ) = [r for r in measure_readings("500 kilo tmt 16mm") if r.rest == "tmt 16mm"]
    assert sold_by(start, "KG", {})
    (glue, ) = measure_readings("tile glue 20kg")
    assert not sold_by(glue, "BAG", {"KG": 20}, sizes_in("Tile Glue grey 20 kg"))  # names the bag, orders none


def test_a_pack_word_with_a_word_hyphened_on_is_that_pack() -> None:
    """ "das peti-sealed": the pack word names the unit; a second unit or a number after the hyphen is no such
    compound ("ctn-pcs", "ctn-2" stay unknown, and are held)."""
    from models.units import read_unit, unit_word

    assert unit_word("peti-sealed") == "CTN" and read_unit("Peti-Wala").canonical == "CTN"
    assert unit_word("ctn-pcs") is None and unit_word("ctn-2") is None and unit_word("ctn-do") is None
    assert unit_word("bx-pack") == "BOX" and unit_word("Boxes-Packing") == "BOX"  # packed in boxes
    assert unit_word("packet-pkt") == "PKT"  # the same unit twice
