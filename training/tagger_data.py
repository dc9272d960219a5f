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


def synthetic_lines(trade_names: Sequence[str], per_trade: int, seed: int, ocr_rate: float = 0.15) -> list[Example]:
    """Lines of generated messages for each trade (a fresh invented distributor per trade and seed)."""
    from training.synth.generator import generate_messages, generate_trade

    out: list[Example] = []
    for name in trade_names:
        td = generate_trade(name, seed)
        for ex in generate_messages(td, per_trade, seed, ocr_rate=ocr_rate):
            out.extend(message_lines(ex.text, [(s.start, s.end, s.label) for s in ex.spans]))
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
    train = dedupe(synthetic_lines(trades, per_trade, seed))
    random.Random(seed).shuffle(train)
    heldout = dedupe(synthetic_lines([holdout_trade], heldout_messages, seed + 1000, ocr_rate=0.1))
    return DataSet(train, heldout, {"trades": len(trades), "train_lines": len(train), "heldout_lines": len(heldout)})
