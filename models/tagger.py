"""The token classifier at run time: MiniLM fine-tuned to tag order-line spans, served int8 on onnxruntime.

Load once, call many. ``spans`` tags a batch of lines; ``lines_from_spans`` turns one line's spans into
order-line parts. Pure given its model folder (model.onnx, tokenizer.json, labels.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.extractor import FILLER
from models.units import UNIT_WORDS, VAGUE_WORDS, WEAK_NUMBER_WORDS, measure, unit_word, words_number

ENTITIES: tuple[str, ...] = ("PRODUCT", "QTY", "UNIT", "PRICE", "CUSTOMER", "PO", "DATE")
BIO: tuple[str, ...] = ("O", *(f"{p}-{e}" for e in ENTITIES for p in ("B", "I")))
MAX_TOKENS = 96
FILES = ("model.onnx", "tokenizer.json", "labels.json")


@dataclass(frozen=True)
class Span:
    """A labelled character span of a text, with the model's mean token probability."""

    label: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class LineParts:
    """One order line as the tagger read it: product, quantity and unit text, with confidences."""

    text: str
    product: str
    qty: float | None
    unit: str | None
    vague: bool
    price: float | None
    product_score: float
    qty_score: float


class TokenTagger:
    """The int8 ONNX token classifier with its tokenizer; thread count set so workers x threads <= cores."""

    def __init__(self, model_dir: Path, threads: int = 1, model_file: str = "model.onnx") -> None:
        missing = [f for f in (model_file, *FILES[1:]) if not (model_dir / f).exists()]
        if missing:
            raise FileNotFoundError(f"tagger model folder {model_dir} lacks {', '.join(missing)}")
        self.model_dir = model_dir
        self.model_file = model_file
        self.threads = threads
        meta = json.loads((model_dir / "labels.json").read_text())
        self.labels: list[str] = meta["labels"]
        self.version = str(meta.get("version", "local"))
        self.name = "minilm-tagger-int8"
        self._session: Any = None
        self._tokenizer: Any = None

    def warm_up(self) -> None:
        """Load the tokenizer and the onnxruntime session now."""
        if self._session is not None:
            return
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(self.model_dir / self.model_file), opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        self._tokenizer = tok

    def spans(self, texts: Sequence[str]) -> list[list[Span]]:
        """Labelled spans of each text (one text is one line of a message; a long one is read in windows)."""
        if not texts:
            return []
        pieces = [(i, at, piece) for i, t in enumerate(texts) for at, piece in windows(t)]
        out: list[list[Span]] = [[] for _ in texts]
        for (i, at, _piece), found in zip(pieces, self._spans([p for _, _, p in pieces]), strict=True):
            out[i].extend(Span(s.label, s.start + at, s.end + at, s.score) for s in found)
        return [tidy(t, found) for t, found in zip(texts, out, strict=True)]

    def _spans(self, texts: Sequence[str]) -> list[list[Span]]:
        self.warm_up()
        assert self._tokenizer is not None and self._session is not None
        encs = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in {i.name for i in self._session.get_inputs()}:
            feeds["token_type_ids"] = np.zeros_like(ids)
        logits = self._session.run(None, feeds)[0]
        probs = _softmax(logits)
        return [decode(self.labels, probs[i, : len(e.ids)], e.offsets, e.special_tokens_mask, texts[i])
                for i, e in enumerate(encs)]


WINDOW_WORDS = 40  # words per window: comfortably under MAX_TOKENS word pieces, noisy text included
ITEM_BREAK = re.compile(r"(?<=[,;])\s+|\s+(?=(?:aur|and|&|\+)\s)", re.IGNORECASE)


def windows(text: str, limit: int = WINDOW_WORDS) -> list[tuple[int, str]]:
    """A line cut into pieces of at most ``limit`` words at its item breaks (commas, "aur", "+"), each with its
    offset: the model reads MAX_TOKENS word pieces at a time and would lose the end of a long list."""
    if len(text.split()) <= limit:
        return [(0, text)]
    cuts = [*(m.end() for m in ITEM_BREAK.finditer(text)), len(text)]
    out: list[tuple[int, str]] = []
    start = prev = 0
    for c in cuts:
        if len(text[start:c].split()) > limit and prev > start:
            out.append((start, text[start:prev]))
            start = prev
        prev = c
    out.append((start, text[start:]))
    final: list[tuple[int, str]] = []
    for at, piece in out:  # a piece with no break in it is cut between words
        words = list(re.finditer(r"\S+", piece))
        for k in range(0, len(words), limit):
            a = words[k].start()
            b = words[min(k + limit, len(words)) - 1].end()
            final.append((at + a, piece[a:b]))
    return final


def tidy(text: str, spans: Sequence[Span]) -> list[Span]:
    """Decoded spans made whole: glued products joined, an unmarked price in a line without a count read as the
    count, unknown unit words and counted names read as products (or dropped)."""
    return bare_products(text, counted_names(known_units(text, unmarked_prices(text, merge_products(text, spans)))))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def decode(labels: Sequence[str], probs: np.ndarray, offsets: Sequence[tuple[int, int]],
           special: Sequence[int], text: str | None = None) -> list[Span]:
    """BIO decoding over whole words: a word takes the label of its first piece, a span grows over its I- words.
    Digits and letters side by side are two words ("1box", "20bx")."""
    out: list[Span] = []
    cur: tuple[str, int, int, list[float]] | None = None
    prev_end = -1
    for k, (a, b) in enumerate(offsets):
        if special[k] or a == b:
            continue
        inside_word = a == prev_end and (text is None or (text[a - 1].isalnum() and text[a].isalnum()
                                                          and text[a - 1].isdigit() == text[a].isdigit()))
        prev_end = b
        j = int(probs[k].argmax())
        tag, p = labels[j], float(probs[k, j])
        kind, _, ent = tag.partition("-")
        if inside_word:  # a word is labelled by its first piece: "paneer" is never "pan" + "eer"
            if cur is not None:
                cur = (cur[0], cur[1], b, [*cur[3], p])
            continue
        if cur is not None and kind == "I" and ent == cur[0]:
            cur = (cur[0], cur[1], b, [*cur[3], p])
            continue
        if cur is not None:
            out.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
            cur = None
        if tag != "O":
            cur = (ent, a, b, [p])
    if cur is not None:
        out.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
    return out


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
        known = measure(word) is not None or canonical_unit(word) in KNOWN_UNITS
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


def counted_names(spans: Sequence[Span]) -> list[Span]:
    """A name read as a customer's in a line with more quantities than products is a product ("haara kalamkar
    2"): nobody orders a number of customers."""
    qty = sum(s.label == "QTY" for s in spans)
    products = sum(s.label == "PRODUCT" for s in spans)
    if qty <= products:
        return list(spans)
    return [Span("PRODUCT", s.start, s.end, s.score) if s.label == "CUSTOMER" else s for s in spans]


NUM = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:[.,]\d+)?$")


def parse_qty(text: str) -> tuple[float | None, bool]:
    """A quantity span's value, and whether it is vague ("2-3", "some")."""
    t = text.strip().lower().lstrip("x×*").strip()
    if re.search(r"\d\s*(?:-|–|to|or|se)\s*\d", t) or any(w in VAGUE_WORDS for w in t.split()):
        return None, True
    if NUM.match(t):
        return float(t.replace(",", "") if re.match(r"^\d{1,3}(,\d{3})+", t) else t.replace(",", ".")), False
    return words_number(t.split()), False


def canonical_unit(text: str) -> str | None:
    """A unit span's canonical unit (CTN, PCS, KG …), or its upper-cased text when unknown."""
    t = text.strip().lower().rstrip(".")
    u = unit_word(t)
    if u:
        return u
    m = measure(t)
    if m:
        return m[0]
    return t.upper() or None


WEAK_COUNT = re.compile(r"^\s*([^\W\d_]+)\s+(\d+)\s*$")
TRAILING_COUNT = re.compile(r"^(?P<rest>.*?(?P<word>\S+))\s+(?P<n>\d{1,4})$")


def lines_from_spans(text: str, spans: Sequence[Span], hint: Callable[[str, float], bool] | None = None) -> list[LineParts]:
    """Group one line's spans into order lines: a new line starts where a second product or quantity begins.

    With the catalog's ``hint`` (is "word n" a product name?), a product read with a bare number at its end and
    no quantity ("fcm half 10") gives the number as the quantity, less trusted, unless the catalog names it."""
    groups: list[dict[str, list[Span]]] = []
    cur: dict[str, list[Span]] = {}
    last_end = 0
    for s in spans:
        if s.label not in ("PRODUCT", "QTY", "UNIT", "PRICE"):
            continue
        apart = "PRODUCT" in cur and re.search(r"[,;](?!\d)", text[last_end : s.start]) is not None
        if apart or s.label in cur and ("PRODUCT" in cur and "QTY" in cur or s.label in ("PRODUCT", "QTY")):
            groups.append(cur)
            cur = {}
        cur.setdefault(s.label, []).append(s)
        last_end = s.end
    if cur:
        groups.append(cur)
    out = []
    for g in _fold_orphans(text, groups):
        if "PRODUCT" not in g:
            continue
        parts = [s for ss in g.values() for s in ss]
        start, end = min(s.start for s in parts), max(s.end for s in parts)
        product = " ".join(text[s.start : s.end] for s in sorted(g["PRODUCT"], key=lambda s: s.start))
        qty, vague = parse_qty(text[g["QTY"][0].start : g["QTY"][0].end]) if "QTY" in g else (None, False)
        named = WEAK_COUNT.match(text[g["QTY"][0].start : g["QTY"][0].end]) if "QTY" in g else None
        if named is not None and named[1].lower() in WEAK_NUMBER_WORDS:  # "fcm | half 10": "half" names it
            product, qty = f"{product} {named[1]}", float(named[2])
        qty_score = g["QTY"][0].score if "QTY" in g and qty is not None else 0.0
        tail = TRAILING_COUNT.match(product) if hint is not None and "QTY" not in g else None
        if tail is not None and not hint(tail["word"], float(tail["n"])):  # type: ignore[misc]
            product, qty, qty_score = tail["rest"], float(tail["n"]), 0.85 * min(s.score for s in g["PRODUCT"])
        unit = canonical_unit(text[g["UNIT"][0].start : g["UNIT"][0].end]) if "UNIT" in g else None
        price, _ = parse_qty(text[g["PRICE"][0].start : g["PRICE"][0].end]) if "PRICE" in g else (None, False)
        out.append(LineParts(
            text=text[start:end], product=product, qty=qty, unit=unit, vague=vague, price=price,
            product_score=min(s.score for s in g["PRODUCT"]),
            qty_score=qty_score,
        ))
    return out


def _fold_orphans(text: str, groups: list[dict[str, list[Span]]]) -> list[dict[str, list[Span]]]:
    """A count with no product of its own belongs to the line before: it completes a product read without one
    ("tyre 12x1L, 5 ctn"), or it is the count of one whose size was read as its quantity ("npk 50kg bag 7")."""
    out: list[dict[str, list[Span]]] = []
    for g in groups:
        prev = out[-1] if out else None
        if "PRODUCT" in g or prev is None:
            out.append(g)
            continue
        if "QTY" not in prev:
            for label, found in g.items():
                prev.setdefault(label, found)
            continue
        unit = prev.get("UNIT")
        size = unit is not None and measure(text[unit[0].start : unit[0].end].strip().lower().rstrip(".")) is not None
        if "QTY" in g and size and unit is not None:
            prev["PRODUCT"] = [*prev["PRODUCT"], *prev.pop("QTY"), *prev.pop("UNIT")]
            prev.update(g)
            continue
        word = text[prev["QTY"][0].start : prev["QTY"][0].end].strip().lower()
        if "QTY" in g and "UNIT" not in prev and word in WEAK_NUMBER_WORDS:  # "fcm half - 12": "half" names it
            prev["PRODUCT"] = [*prev["PRODUCT"], *prev.pop("QTY")]
            prev.update(g)
            continue
        out.append(g)
    return out


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
