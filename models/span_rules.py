"""The hand rules applied to the token classifier's spans after decoding: each is a named, switchable step.

The model is trained to read lines alone; each rule here fixes a pattern it was seen to miss, and each one's gain
is measured (``ordex train tagger`` and ``python -m evaluation.compare_extractors`` print the ablation: the raw
model, then every rule added in turn). A rule whose gain is within noise on data it was not written from goes;
a pattern a rule fixes goes into the training data first (``training/tagger_data.py``).

Span rules rewrite the spans of one line (``SPAN_RULES``, applied in order) before they are grouped into order
lines (``models.tagger.lines_from_spans``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from models.tagger import LineParts, Span, lines_from_spans
from models.units import SIZE_WORDS, plain_count, read_unit

GLUE = {"PRODUCT": re.compile(r"^\s*(?:[x×*/-]|\s)\s*$", re.IGNORECASE),
        "CUSTOMER": re.compile(r"^\s*(?:[&/.-]|\s)\s*$")}


def merge_products(text: str, spans: Sequence[Span]) -> list[Span]:
    """Product spans apart only by "x", "-" or "/" are one product ("envelope 9 x 4 inch"); name spans apart
    only by "&" are one name ("Bansal Xerox & Stationery")."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: s.start):
        last = out[-1] if out else None
        glue = GLUE.get(s.label)
        if (last is not None and glue is not None and last.label == s.label and s.start - last.end <= 4
                and glue.match(text[last.end : s.start])):
            out[-1] = Span(s.label, last.start, s.end, min(last.score, s.score))
        else:
            out.append(s)
    return out


def known_units(text: str, spans: Sequence[Span]) -> list[Span]:
    """A word read as a unit that no unit list knows is a product's: the first word of the product right after it
    ("5 bhoomika drip"), or a product itself when the line has fewer products than quantities ("20 paneer").
    Otherwise it stays a unit, unknown ("kajal stick 2 potla"): ``models.accounting`` holds its count."""
    qty = sum(s.label == "QTY" for s in spans)
    products = sum(s.label == "PRODUCT" for s in spans)
    out: list[Span] = []
    for k, s in enumerate(spans):
        word = text[s.start : s.end].strip().lower().rstrip(".")
        known = read_unit(word).kind != "unknown"
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        if s.label == "UNIT" and not known and nxt is not None and nxt.label == "PRODUCT" and \
                not text[s.end : nxt.start].strip():  # "5 bhoomika drip 12mm": the brand begins the product
            out.append(Span("PRODUCT", s.start, s.end, s.score * 0.8))
        elif s.label == "UNIT" and not known and products < qty:
            out.append(Span("PRODUCT", s.start, s.end, s.score * 0.8))
            products += 1
        else:  # a known unit, or an unknown one kept: the count beside it is held unless learning places the word
            out.append(s)
    return merge_products(text, out) if out != list(spans) else out


def inner_units(text: str, spans: Sequence[Span]) -> list[Span]:
    """A unit word between two product spans, apart from both by spaces alone, is a word of the product's name
    ("cake | box | 8x8\" chaar bdl" is the Cake Box 8x8, counted by the bundle): a unit with no count beside it
    counts nothing."""
    out: list[Span] = []
    skip = False
    for k, s in enumerate(spans):
        if skip:
            skip = False
            continue
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        last = out[-1] if out else None
        if (s.label == "UNIT" and last is not None and last.label == "PRODUCT" and nxt is not None
                and nxt.label == "PRODUCT" and text[last.end : s.start].isspace() and text[s.end : nxt.start].isspace()
                and "\n" not in text[last.end : nxt.start]):
            out[-1] = Span("PRODUCT", last.start, nxt.end, min(last.score, s.score, nxt.score))
            skip = True
        else:
            out.append(s)
    return out


# a range around a count: "4 or 5", "4 to 5", "4 se 5", or a dash with no space ("2-3": "cocoa - 3" is no range)
RANGE_BEFORE = re.compile(r"\d+\s*(?:to|or|se)\s*$|\d+[-–]$", re.IGNORECASE)
RANGE_AFTER = re.compile(r"^\s*(?:to|or|se)\s*\d+|^[-–]\d+", re.IGNORECASE)


def whole_ranges(text: str, spans: Sequence[Span]) -> list[Span]:
    """A count span that is one end of a range written around it ("4 or 5 valve", "4 to 5", "2-3") takes the
    whole range, which reads as a vague count; a span inside a widened range is dropped."""
    wide: list[Span] = []
    for s in spans:
        before = RANGE_BEFORE.search(text[max(0, s.start - 8) : s.start]) if s.label == "QTY" else None
        after = RANGE_AFTER.match(text[s.end : s.end + 8]) if s.label == "QTY" else None
        if before or after:
            start = max(0, s.start - 8) + before.start() if before else s.start
            wide.append(Span("QTY", start, s.end + after.end() if after else s.end, s.score))
    if not wide:
        return list(spans)
    kept = [s for s in spans if not any(w.start <= s.start and s.end <= w.end for w in wide)]
    ranges = list({(w.start, w.end): w for w in wide}.values())
    return sorted(kept + ranges, key=lambda s: s.start)


LEADING_COUNT = re.compile(r"(\d+|[^\W\d_]+)\s+([^\W\d_]+)\s+\S")


def size_counts(text: str, spans: Sequence[Span]) -> list[Span]:
    """A product span that begins with a count and a size word of the lexicon ("1 lg veggie pizza", "two large
    pies") begins with its count: a size word is no measure unit, so "1 lg" is not a size like "500 ml"."""
    out: list[Span] = []
    for s in spans:
        m = LEADING_COUNT.match(text, s.start, s.end) if s.label == "PRODUCT" else None
        if m and m.group(2).lower() in SIZE_WORDS and plain_count(m.group(1)):
            out += [Span("QTY", s.start, m.end(1), s.score), Span("PRODUCT", m.start(2), s.end, s.score)]
        else:
            out.append(s)
    return out


@dataclass(frozen=True)
class SpanRule:
    """A named rewrite of one line's decoded spans."""

    name: str
    apply: Callable[[str, Sequence[Span]], list[Span]]


# Deleted after the ablation (no gain beyond noise on any set once the training data held their patterns, or a
# loss of auto precision): unmarked_prices, counted_names, bare_products, fold_orphans, weak_count, trailing_count.
SPAN_RULES: tuple[SpanRule, ...] = (
    SpanRule("merge_products", merge_products),
    SpanRule("known_units", known_units),
    SpanRule("inner_units", inner_units),
    SpanRule("whole_ranges", whole_ranges),
    SpanRule("size_counts", size_counts),
)
ALL_RULES: tuple[str, ...] = tuple(r.name for r in SPAN_RULES)


def check_rules(names: Iterable[str]) -> tuple[str, ...]:
    """The names, in the order rules run, or ValueError naming an unknown one."""
    wanted = set(names)
    unknown = sorted(wanted - set(ALL_RULES))
    if unknown:
        raise ValueError(f"unknown span rule(s) {', '.join(unknown)}; known: {', '.join(ALL_RULES)}")
    return tuple(n for n in ALL_RULES if n in wanted)


def apply_span_rules(text: str, spans: Sequence[Span], enabled: Iterable[str] = ALL_RULES) -> list[Span]:
    """The decoded spans of one line after the enabled span rules, in their fixed order."""
    on = set(enabled)
    out = sorted(spans, key=lambda s: s.start)
    for rule in SPAN_RULES:
        if rule.name in on:
            out = rule.apply(text, out)
    return out


def read_lines(text: str, spans: Sequence[Span], rules: Iterable[str] = ALL_RULES) -> list[LineParts]:
    """One line's order-line parts from the model's raw spans, with the enabled span rules."""
    return lines_from_spans(text, apply_span_rules(text, spans, rules))
