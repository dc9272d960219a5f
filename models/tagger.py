"""The token classifier at run time: MiniLM fine-tuned to tag order-line spans, served int8 on onnxruntime.

Load once, call many. ``spans`` tags a batch of lines; ``lines_from_spans`` turns one line's spans into
order-line parts. Pure given its model folder (model.onnx, tokenizer.json, labels.json).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.artifacts import TAGGER_FILES
from models.units import JOINERS, read_qty, read_unit

ENTITIES: tuple[str, ...] = ("PRODUCT", "QTY", "UNIT", "PRICE", "CUSTOMER", "PO", "DATE")
BIO: tuple[str, ...] = ("O", *(f"{p}-{e}" for e in ENTITIES for p in ("B", "I")))
MAX_TOKENS = 96
# Windows per onnxruntime call: one. The int8 model quantizes its activations with one scale per call, so a line
# read beside others was read differently ("three pls" took "pls" as a unit beside "order", not alone), and a
# message's reading depended on which of its lines an earlier message had left remembered. Alone, a line reads
# the same every time, for about a millisecond more a line on 2 cores.
BATCH = 1
RECENT_TEXTS = 512  # texts whose spans a tagger remembers (a message's lines, read by split and by tag)


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
    qty_at: tuple[int, int] | None = None  # where the count and the unit word are in the text
    unit_at: tuple[int, int] | None = None
    start: int = 0  # where the line's text begins in the text it was read from


class TokenTagger:
    """The int8 ONNX token classifier with its tokenizer; thread count set so workers x threads <= cores."""

    def __init__(self, model_dir: Path, threads: int = 1, model_file: str = "model.onnx") -> None:
        missing = [f for f in (model_file, *TAGGER_FILES[1:]) if not (model_dir / f).exists()]
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
        self._recent: OrderedDict[str, tuple[Span, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the tokenizer and the onnxruntime session now."""
        if self._session is not None:
            return
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        # threads that wait instead of spinning: another worker's tagger, matching and OCR share the cores
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(self.model_dir / self.model_file), opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        self._tokenizer = tok

    def spans(self, texts: Sequence[str]) -> list[list[Span]]:
        """The model's labelled spans of each text, as decoded (one text is one line of a message; a long one is
        read in windows); ``models.span_rules`` makes lines of them. The last few hundred texts are remembered:
        the split and tag stages read the same lines of a message."""
        with self._lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            pieces = [(i, at, piece) for i, t in enumerate(todo) for at, piece in windows(t)]
            found: list[list[Span]] = [[] for _ in todo]
            for k in range(0, len(pieces), BATCH):  # a batch at a time: memory stays bounded on a long message
                chunk = pieces[k : k + BATCH]
                for (i, at, _piece), got in zip(chunk, self._spans([p for _, _, p in chunk]), strict=True):
                    found[i].extend(Span(s.label, s.start + at, s.end + at, s.score) for s in got)
            with self._lock:
                for t, spans in zip(todo, found, strict=True):
                    known[t] = self._recent[t] = tuple(spans)
                while len(self._recent) > RECENT_TEXTS:
                    self._recent.popitem(last=False)
        return [list(known[t]) for t in texts]

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


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def decode(labels: Sequence[str], probs: np.ndarray, offsets: Sequence[tuple[int, int]],
           special: Sequence[int], text: str | None = None) -> list[Span]:
    """BIO decoding over whole words: a word takes the label of its first piece, a span grows over its I- words.
    Digits and letters side by side are two words ("1box", "20bx"); letters joined by a hyphen are one
    ("peti-bandh", never "peti-" and a count "bandh")."""
    out: list[Span] = []
    cur: tuple[str, int, int, list[float]] | None = None
    prev_end = -1
    for k, (a, b) in enumerate(offsets):
        if special[k] or a == b:
            continue
        inside_word = a == prev_end and (text is None or (text[a - 1].isalnum() and text[a].isalnum()
                                                          and text[a - 1].isdigit() == text[a].isdigit())
                                         or _hyphen_joined(text, a))
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


def _hyphen_joined(text: str, at: int) -> bool:
    """True when the piece at ``at`` is a hyphen between two letters, or the letters right after one."""
    if text[at] == "-":
        return at > 0 and text[at - 1].isalpha() and at + 1 < len(text) and text[at + 1].isalpha()
    return at > 1 and text[at - 1] == "-" and text[at - 2].isalpha() and text[at].isalpha()


# What ends an item after its product: a comma or semicolon (not a decimal one), or a word joining two items
# ("a lemonade plus three iced teas", "rice and 5 sugar": the count after the joiner is the next item's).
ITEM_BREAK = re.compile(rf"[,;](?!\d)|(?<!\w)(?:{JOINERS})(?!\w)", re.IGNORECASE)


def lines_from_spans(text: str, spans: Sequence[Span]) -> list[LineParts]:
    """Group one line's spans into order lines: a new line starts where a second product or quantity begins, or
    after a comma or a joining word ("and", "plus") that follows a product. A group with no product is no line (its count is not guessed onto
    another)."""
    groups: list[dict[str, list[Span]]] = []
    cur: dict[str, list[Span]] = {}
    last_end = 0
    for s in spans:
        if s.label not in ("PRODUCT", "QTY", "UNIT", "PRICE"):
            continue
        apart = "PRODUCT" in cur and ITEM_BREAK.search(text[last_end : s.start]) is not None
        if apart or s.label in cur and ("PRODUCT" in cur and "QTY" in cur or s.label in ("PRODUCT", "QTY")):
            groups.append(cur)
            cur = {}
        cur.setdefault(s.label, []).append(s)
        last_end = s.end
    if cur:
        groups.append(cur)
    out = []
    for g in groups:
        if "PRODUCT" not in g:
            continue
        parts = [s for ss in g.values() for s in ss]
        start, end = min(s.start for s in parts), max(s.end for s in parts)
        product = " ".join(text[s.start : s.end] for s in sorted(g["PRODUCT"], key=lambda s: s.start))
        qty, vague = _qty(text[g["QTY"][0].start : g["QTY"][0].end]) if "QTY" in g else (None, False)
        qty_score = g["QTY"][0].score if "QTY" in g and qty is not None else 0.0
        unit = read_unit(text[g["UNIT"][0].start : g["UNIT"][0].end]).canonical if "UNIT" in g else None
        price, _ = _qty(text[g["PRICE"][0].start : g["PRICE"][0].end]) if "PRICE" in g else (None, False)
        out.append(LineParts(
            text=text[start:end], product=product, qty=qty, unit=unit, vague=vague, price=price,
            product_score=min(s.score for s in g["PRODUCT"]),
            qty_score=qty_score,
            qty_at=(g["QTY"][0].start, g["QTY"][0].end) if "QTY" in g else None,
            unit_at=(g["UNIT"][0].start, g["UNIT"][0].end) if "UNIT" in g else None,
            start=start,
        ))
    return out


def _qty(text: str) -> tuple[float | None, bool]:
    r = read_qty(text)
    return r.value, r.vague
