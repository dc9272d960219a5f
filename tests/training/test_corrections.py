"""Corrections in the store become labelled lines for the tagger, aligned to the message they came from."""

from __future__ import annotations

from support import msg

from ordex.pipeline import Engine
from training.corrections import correction_lines


def test_a_corrected_line_is_aligned_by_its_text_span(engine: Engine) -> None:
    pred = engine.submit(msg("hello sir\nroshni wala 5 box aur mcb 16a 10 pcs"))
    engine.store.add_correction(pred.message_id, customer_id="E100", text="roshni wala 5 box", product="roshni wala",
                                sku="LED-12W", qty=5, uom="BOX", actor="ops:test")
    ((line, spans),) = correction_lines(engine.store)
    assert line == "roshni wala 5 box aur mcb 16a 10 pcs"
    labelled = [(line[a:b], lab) for a, b, lab in spans]
    assert ("roshni wala", "PRODUCT") in labelled and ("5", "QTY") in labelled and ("box", "UNIT") in labelled
    assert ("mcb 16a", "PRODUCT") in labelled  # the rest of the line keeps the rules' labels


def test_a_correction_without_a_span_finds_its_line(engine: Engine) -> None:
    pred = engine.submit(msg("send zapper lamp and 3 ctn kala tape"))
    engine.store.add_correction(pred.message_id, customer_id="E100", text="", product="zapper lamp",
                                sku="LED-9W", qty=2, uom="BOX", actor="ops:test")
    ((line, spans),) = correction_lines(engine.store)
    assert line == "send zapper lamp and 3 ctn kala tape"
    assert any(line[a:b] == "zapper lamp" and lab == "PRODUCT" for a, b, lab in spans)
