"""The hand rules applied to the token classifier's spans after decoding: each is a named, switchable step.

The model is trained to read lines alone; each rule here fixes a pattern it was seen to miss, and each one's gain
is measured (``ordex train tagger`` and ``python -m evaluation.compare_extractors`` print the ablation: the raw
model, then every rule added in turn). A rule whose gain is within noise on data it was not written from goes;
a pattern a rule fixes goes into the training data first (``training/tagger_data.py``).

Span rules rewrite the spans of one line (``SPAN_RULES``, applied in order); line rules change how spans are
grouped into order lines (``models.tagger.lines_from_spans``, see ``LINE_RULES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from models.extractor import FILLER
from models.tagger import LineParts, Span, lines_from_spans
from models.units import UNIT_WORDS, measure, read_unit

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


KNOWN_UNITS = frozenset(UNIT_WORDS.values())


def known_units(text: str, spans: Sequence[Span]) -> list[Span]:
    """A word read as a unit that no unit list knows is a product's: the first word of the product right after it
    ("5 bhoomika drip"), or a product itself when the line has fewer products than quantities ("20 paneer")."""
    qty = sum(s.label == "QTY" for s in spans)
    products = sum(s.label == "PRODUCT" for s in spans)
    out: list[Span] = []
    for k, s in enumerate(spans):
        word = text[s.start : s.end].strip().lower().rstrip(".")
        known = measure(word) is not None or read_unit(word).canonical in KNOWN_UNITS
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        if s.label == "UNIT" and not known and nxt is not None and nxt.label == "PRODUCT" and \
                not text[s.end : nxt.start].strip():  # "5 bhoomika drip 12mm": the brand begins the product
            out.append(Span("PRODUCT", s.start, s.end, s.score * 0.8))
        elif s.label == "UNIT" and not known and products < qty:
            out.append(Span("PRODUCT", s.start, s.end, s.score * 0.8))
            products += 1
        elif s.label == "UNIT" and not known:
            continue  # "2 bill bhi bhej dena": no unit anybody sells by
        else:
            out.append(s)
    return merge_products(text, out) if out != list(spans) else out


PRICE_MARK = re.compile(r"(?:@|rs\.?|₹|inr|rate|price|mrp|/-)\s*[:=]?\s*$", re.IGNORECASE)


def unmarked_prices(text: str, spans: Sequence[Span]) -> list[Span]:
    """In a part of a line (between commas) with no quantity, a "price" no currency or rate word marks is the
    count ("1 kilo pkt 250")."""
    cuts = [0, *(m.end() for m in re.finditer(r"[,;](?!\d)", text)), len(text) + 1]

    def part(s: Span) -> int:
        return next(k for k in range(len(cuts) - 1) if cuts[k] <= s.start < cuts[k + 1])

    counted = {part(s) for s in spans if s.label == "QTY"}
    return [Span("QTY", s.start, s.end, s.score * 0.8)
            if s.label == "PRICE" and part(s) not in counted and not PRICE_MARK.search(text[max(0, s.start - 8) : s.start])
            and not text[s.end : s.end + 2].strip().startswith("/-") else s for s in spans]


def counted_names(text: str, spans: Sequence[Span]) -> list[Span]:
    """A name read as a customer's in a line with more quantities than products is a product ("haara kalamkar
    2"): nobody orders a number of customers."""
    qty = sum(s.label == "QTY" for s in spans)
    products = sum(s.label == "PRODUCT" for s in spans)
    if qty <= products:
        return list(spans)
    return [Span("PRODUCT", s.start, s.end, s.score) if s.label == "CUSTOMER" else s for s in spans]


CONNECTOR = re.compile(r"\s*(?:,|;|\+|&|\band\b|\baur\b|\bplus\b|\bbhi\b|\balso\b|$)", re.IGNORECASE)


def bare_products(text: str, spans: Sequence[Span]) -> list[Span]:
    """Words no span claims right after a count with no product, up to "and", "aur" or a comma, are its product
    ("5 carton dahi and 1 ctn butter"): the model left a word it did not know, the count says there is one."""
    ordered = sorted(spans, key=lambda s: s.start)
    out = list(ordered)
    for k, s in enumerate(ordered):
        if s.label not in ("QTY", "UNIT"):
            continue
        nxt = ordered[k + 1] if k + 1 < len(ordered) else None
        if nxt is not None and nxt.label in ("UNIT", "PRODUCT", "PRICE"):
            continue  # the count goes on, or its product follows
        run = list(ordered[: k + 1])
        while run and run[-1].label in ("QTY", "UNIT"):
            run.pop()
        if run and run[-1].label == "PRODUCT" and not re.search(r"[,;]", text[run[-1].end : s.start]):
            continue  # the product came before its count
        gap_end = nxt.start if nxt is not None else len(text)
        gap = text[s.end : gap_end]
        stop = CONNECTOR.search(gap)
        words = gap[: stop.start() if stop else len(gap)]
        found = re.search(r"[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*)*", words)
        if found is None or any(w.lower() in FILLER_WORDS for w in found.group().split()):
            continue
        a = s.end + found.start()
        out.append(Span("PRODUCT", a, a + len(found.group()), 0.5))
    return sorted(out, key=lambda s: s.start)


FILLER_WORDS = FILLER | {"bill"}  # the rule extractor's chatter words, and "bill" ("2 … bill bhi bhej dena")

@dataclass(frozen=True)
class SpanRule:
    """A named rewrite of one line's decoded spans."""

    name: str
    apply: Callable[[str, Sequence[Span]], list[Span]]

    @property
    def doc(self) -> str:
        return (self.apply.__doc__ or "").strip().split("\n")[0]


SPAN_RULES: tuple[SpanRule, ...] = (
    SpanRule("merge_products", merge_products),
    SpanRule("unmarked_prices", unmarked_prices),
    SpanRule("known_units", known_units),
    SpanRule("counted_names", counted_names),
    SpanRule("bare_products", bare_products),
)
# Rules in models.tagger.lines_from_spans, switched by name in the same way.
LINE_RULES: dict[str, str] = {
    "fold_orphans": "a count with no product of its own completes the line before",
    "weak_count": "a weak number word before a count names the product ('fcm | half 10')",
    "trailing_count": "a bare number after a product with no count is its count, unless the catalog names it",
}
ALL_RULES: tuple[str, ...] = (*(r.name for r in SPAN_RULES), *LINE_RULES)


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


def read_lines(text: str, spans: Sequence[Span], hint: Callable[[str, float], bool] | None = None,
               rules: Iterable[str] = ALL_RULES) -> list[LineParts]:
    """One line's order-line parts from the model's raw spans, with the enabled span and line rules."""
    on = set(rules)
    return lines_from_spans(text, apply_span_rules(text, spans, on), hint, on & set(LINE_RULES))
