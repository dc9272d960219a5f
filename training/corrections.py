"""Corrections as tagger training data: each corrected line aligned back to the line of the message it came from."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process

from models.extractor import FILLER, label_spans, tokenize
from ordex.store import Store
from training.tagger import Example


def align(correction: dict[str, Any], lines: list[str]) -> Example | None:
    """The message line a correction came from, labelled: its ``text`` span when given, else the best match."""
    if not lines:
        return None
    needle = (correction.get("text") or "").strip()
    line = next((ln for ln in lines if needle and needle in ln), None)
    if line is None:
        query = needle or correction.get("product") or ""
        if not query:
            return None
        hit = process.extractOne(query, lines, scorer=fuzz.partial_ratio, score_cutoff=60)
        if hit is None:
            return None
        line = hit[0]
        where = fuzz.partial_ratio_alignment(query, line)
        start, end = (where.dest_start, where.dest_end) if where is not None else (0, len(line))
        spans = [s for s in label_spans(line) if s[1] <= start or s[0] >= end]
        return line, tuple(sorted([*spans, *_product_only(line[start:end], start)]))
    start = line.find(needle)
    end = start + len(needle)
    spans = [s for s in label_spans(line) if s[1] <= start or s[0] >= end]
    segment = line[start:end]
    own = [(start + a, start + b, lab) for a, b, lab in label_spans(segment)]
    spans.extend(own or _product_only(segment, start))
    return line, tuple(sorted(spans))


def _product_only(segment: str, offset: int) -> list[tuple[int, int, str]]:
    """A corrected line the rules could not read: its words (without chatter and numbers) are the product."""
    words = [t for t in tokenize(segment) if t.kind == "word" and t.text.lower() not in FILLER]
    if not words:
        return []
    return [(offset + words[0].start, offset + words[-1].end, "PRODUCT")]


def correction_lines(store: Store) -> list[Example]:
    """Every correction in the store as a labelled line."""
    out = []
    for correction, lines in store.corrections():
        ex = align(correction, lines)
        if ex is not None:
            out.append(ex)
    return out
