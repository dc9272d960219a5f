"""The tagger's training data: lines of synthetic messages from many trades, a distributor's own catalog and
history (weakly labelled by the rules), and lines people corrected. Seeded: the same call gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.extractor import label_spans
from ordex.masterdata import MasterData
from training.tagger import Example

HOLDOUT_TRADE = "stationery"  # never used to train the generic model: the acceptance set's trade


@dataclass(frozen=True)
class DataSet:
    """Training lines and the held-out lines they are scored on, with how they were made."""

    train: list[Example]
    heldout: list[Example]
    sources: dict[str, int]


def message_lines(text: str, spans: Iterable[tuple[int, int, str]]) -> list[Example]:
    """One example per line of a message (the pipeline tags line by line); spans that cross lines are dropped."""
    out: list[Example] = []
    pos = 0
    spans = sorted(spans)
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        inside = tuple((a - start, b - start, lab) for a, b, lab in spans if start <= a and b <= end)
        out.append((line, inside))
    return out


SIZES = ("9 x 4 inch", "10x12", "172 pages", "200pg", "24 shades", "A4", "75 gsm", "2 ply", "6 mm", "1.5 sqmm",
         "500 ml", "1 kg", "5 L", "12 V", "65 Ah", "40 W", "16 A", "3/4 inch", "M8 x 50", "25 x 25 mm", "No. 10",
         "size 7", "XL", "150cc", "1 HP", "2 ton", "250g", "10 x 15", "100 sheets", "12 colours", "4 line")


def augment_sizes(text: str, spans: Sequence[tuple[int, int, str]], rng: random.Random,
                  rate: float = 0.25) -> tuple[str, list[tuple[int, int, str]]]:
    """Sizes written inside product names, drawn from every trade ("172 pages", "9 x 4 inch", "M8 x 50"), so the
    tagger learns that a size beside product words is part of the product whatever the trade."""
    out: list[tuple[int, int, str]] = []
    shift = 0
    pieces: list[str] = []
    pos = 0
    for a, b, lab in sorted(spans):
        pieces.append(text[pos:a])
        piece = text[a:b]
        if lab == "PRODUCT" and rng.random() < rate:
            size = rng.choice(SIZES)
            piece = f"{piece} {size}" if rng.random() < 0.7 else f"{size} {piece}"
        pieces.append(piece)
        start = a + shift
        shift += len(piece) - (b - a)
        out.append((start, start + len(piece), lab))
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces), out


def synthetic_lines(trade_names: Sequence[str], per_trade: int, seed: int, ocr_rate: float = 0.15,
                    size_rate: float = 0.0) -> list[Example]:
    """Lines of generated messages for each trade (a fresh invented distributor per trade and seed)."""
    from training.synth.generator import generate_messages, generate_trade

    rng = random.Random(f"sizes:{seed}")
    out: list[Example] = []
    for name in trade_names:
        td = generate_trade(name, seed)
        for ex in generate_messages(td, per_trade, seed, ocr_rate=ocr_rate):
            text, spans = ex.text, [(s.start, s.end, s.label) for s in ex.spans]
            if size_rate:
                text, spans = augment_sizes(text, spans, rng, size_rate)
            out.extend(message_lines(text, spans))
    return out


def distributor_lines(md: MasterData, n: int, seed: int) -> list[Example]:
    """Lines for one distributor: messages generated from its catalog, and its history weakly labelled by the rules."""
    from training.synth.generator import generate_messages

    out: list[Example] = []
    for ex in generate_messages(md, n, seed, ocr_rate=0.1):
        out.extend(message_lines(ex.text, [(s.start, s.end, s.label) for s in ex.spans]))
    for order in md.history:
        for line in order.text.split("\n"):
            if line.strip():
                out.append((line, tuple(label_spans(line))))
    return out


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """The same line with the same labels once."""
    seen: set[Example] = set()
    out = []
    for ex in examples:
        if ex not in seen:
            seen.add(ex)
            out.append(ex)
    return out


def generic_dataset(per_trade: int, seed: int, holdout_trade: str = HOLDOUT_TRADE, heldout_messages: int = 150) -> DataSet:
    """Every trade but the held-out one for training; the held-out trade's messages to score on."""
    from training.synth.generator import all_trades

    trades = [t for t in all_trades() if t != holdout_trade]
    train = dedupe(synthetic_lines(trades, per_trade, seed, size_rate=0.25))
    random.Random(seed).shuffle(train)
    heldout = dedupe(synthetic_lines([holdout_trade], heldout_messages, seed + 1000, ocr_rate=0.1))
    return DataSet(train, heldout, {"trades": len(trades), "train_lines": len(train), "heldout_lines": len(heldout)})
