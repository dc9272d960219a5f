"""The tagger's run-time pieces that need no model: BIO decoding, quantity and unit parsing, span grouping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.artifacts import ArtifactMissing, resolve_tagger
from models.tagger import BIO, Span, canonical_unit, decode, lines_from_spans, parse_qty


def test_bio_decoding_joins_word_pieces_and_inside_tokens() -> None:
    tags = ["O", "B-PRODUCT", "I-PRODUCT", "B-QTY", "B-UNIT", "O"]
    probs = np.zeros((len(tags), len(BIO)))
    for k, t in enumerate(tags):
        probs[k, BIO.index(t)] = 0.9
    offsets = [(0, 0), (0, 4), (5, 9), (10, 12), (13, 16), (0, 0)]  # "bolt m8x2 24 ctn"
    special = [1, 0, 0, 0, 0, 1]
    got = decode(BIO, probs, offsets, special)
    assert [(s.label, s.start, s.end) for s in got] == [("PRODUCT", 0, 9), ("QTY", 10, 12), ("UNIT", 13, 16)]


@pytest.mark.parametrize(("text", "qty", "vague"), [
    ("24", 24, False), ("1,200", 1200, False), ("2.5", 2.5, False), ("x 12", 12, False), ("do", 2, False),
    ("twenty", 20, False), ("2-3", None, True), ("some", None, True), ("abc", None, False),
])
def test_parse_qty(text: str, qty: float | None, vague: bool) -> None:
    assert parse_qty(text) == (qty, vague)


def test_canonical_units() -> None:
    assert [canonical_unit(u) for u in ("ctn", "Peti", "pcs.", "kg", "Rolle", "zork")] == ["CTN", "CTN", "PCS", "KG",
                                                                                         "ROLL", "ZORK"]


def test_spans_group_into_lines_where_a_new_product_or_quantity_starts() -> None:
    text = "bolt m8 24 ctn, 10 pcs washer 8mm @ 2"
    spans = [Span("PRODUCT", 0, 7, 0.9), Span("QTY", 8, 10, 0.95), Span("UNIT", 11, 14, 0.9),
             Span("QTY", 16, 18, 0.9), Span("UNIT", 19, 22, 0.9), Span("PRODUCT", 23, 33, 0.8), Span("PRICE", 36, 37, 0.9)]
    got = [(p.product, p.qty, p.unit, p.price) for p in lines_from_spans(text, spans)]
    assert got == [("bolt m8", 24, "CTN", None), ("washer 8mm", 10, "PCS", 2)]


def test_a_missing_model_names_the_command_that_builds_it(tmp_path: Path) -> None:
    with pytest.raises(ArtifactMissing, match="ordex train tagger"):
        resolve_tagger(tmp_path, tmp_path / "cache", None, None)
    with pytest.raises(ArtifactMissing, match="no `ordex-tagger` champion"):
        resolve_tagger(None, tmp_path / "cache", None, None)
