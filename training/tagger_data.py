"""The tagger's training data: lines of synthetic messages from many trades, a distributor's own catalog and
history (weakly labelled by the rules), and lines people corrected. Seeded: the same call gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from models.extractor import label_spans
from ordex.catalog import MasterData
from ordex.intake.text import kept_lines
from training.tagger import Example

HOLDOUT_TRADE = "stationery"  # never used to train the generic model: the acceptance set's trade
UNKNOWN_RATE = 0.12  # product names replaced by an unknown word (or given a trailing "half"), see unknown_names
PACK_RATE = 0.05  # product names given a pack word and a size ("cake box 10x10 inch"), see pack_names
LEXICON_RATE = 0.35  # unit words redrawn from the lexicon or invented, number words from the lexicon, see lexicon_counts
NUMBERED_RATE = 0.3  # names right after a count begun by a number and a name word, see numbered_names


@dataclass(frozen=True)
class DataSet:
    """Training lines and the held-out lines they are scored on, with how they were made."""

    train: list[Example]
    heldout: list[Example]
    sources: dict[str, int]


def message_lines(text: str, spans: Iterable[tuple[int, int, str]]) -> list[Example]:
    """One example per line of a message that the pipeline reads (it tags line by line, after cutting quoted
    earlier mails and signatures: a quoted old order, unlabelled because it is no new order, would teach the
    tagger to drop a plain order line, "14 bori basmati rice 25kg", that it can only see alone); spans that
    cross lines are dropped."""
    out: list[Example] = []
    pos = 0
    spans = sorted(spans)
    lines = text.split("\n")
    read = set(kept_lines(lines))
    for k, line in enumerate(lines):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip() or k not in read:
            continue
        inside = tuple((a - start, b - start, lab) for a, b, lab in spans if start <= a and b <= end)
        out.append((line, inside))
    return out


SIZES = ("9 x 4 inch", "10x12", "172 pages", "200pg", "24 shades", "A4", "75 gsm", "2 ply", "6 mm", "1.5 sqmm",
         "500 ml", "1 kg", "5 L", "12 V", "65 Ah", "40 W", "16 A", "3/4 inch", "M8 x 50", "25 x 25 mm", "No. 10",
         "size 7", "XL", "150cc", "1 HP", "2 ton", "250g", "10 x 15", "100 sheets", "12 colours", "4 line")


def rewrite_spans(text: str, spans: Sequence[tuple[int, int, str]],
                  rewrite: Callable[[str, str], str]) -> tuple[str, list[tuple[int, int, str]]]:
    """The text with each span's piece replaced by ``rewrite(label, piece)``, and the spans moved to match."""
    return rewrite_at(text, spans, lambda _at, label, piece: rewrite(label, piece))


def rewrite_at(text: str, spans: Sequence[tuple[int, int, str]],
               rewrite: Callable[[int, str, str], str]) -> tuple[str, list[tuple[int, int, str]]]:
    """``rewrite_spans`` with each span's start given too (``rewrite(start, label, piece)``), for a rewrite that
    looks at what stands around the span."""
    out: list[tuple[int, int, str]] = []
    pieces: list[str] = []
    shift = pos = 0
    for a, b, lab in sorted(spans):
        pieces.append(text[pos:a])
        piece = rewrite(a, lab, text[a:b])
        pieces.append(piece)
        out.append((a + shift, a + shift + len(piece), lab))
        shift += len(piece) - (b - a)
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces), out


def add_size(rng: random.Random, rate: float) -> Callable[[str, str], str]:
    """Sizes written inside product names, drawn from every trade ("172 pages", "9 x 4 inch", "M8 x 50"), so the
    tagger learns that a size beside product words is part of the product whatever the trade."""

    def rewrite(label: str, piece: str) -> str:
        if label != "PRODUCT" or rng.random() >= rate:
            return piece
        size = rng.choice(SIZES)
        return f"{piece} {size}" if rng.random() < 0.7 else f"{size} {piece}"

    return rewrite


SYLLABLES = ("ka", "la", "vi", "ro", "shan", "tek", "mi", "nor", "pra", "zo", "deep", "ux", "bel", "tri", "gan",
             "sor", "vel", "ma", "kri", "on", "ya", "dex", "pul", "har", "sun", "ti", "bro", "nik", "am", "ra")


def invented_word(rng: random.Random) -> str:
    """A word no trade uses: syllables, a surname, a city or a devotional name (brands are named like shops)."""
    from training.synth.trades import CITIES, DEVOTIONAL, SURNAMES

    roll = rng.random()
    if roll < 0.55:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return rng.choice((SURNAMES, CITIES, DEVOTIONAL)[int(roll * 10) % 3]).split()[0]


def swap_words(rng: random.Random, rates: dict[str, float]) -> Callable[[str, str], str]:
    """One word of a product or customer name replaced by an invented one, cased like it, so the tagger reads
    names from their place in the line rather than from the brands and shops of the training trades."""

    def rewrite(label: str, piece: str) -> str:
        words = piece.split(" ")
        slots = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
        if not slots or rng.random() >= rates.get(label, 0.0):
            return piece
        i = rng.choice(slots)
        new = invented_word(rng)
        words[i] = new.upper() if words[i].isupper() else new.lower() if words[i].islower() else new.capitalize()
        return " ".join(words)

    return rewrite


PACK_NOUNS = ("box", "bag", "tin", "can", "jar", "bottle", "pouch", "tube", "roll", "packet", "pack", "tray", "drum")


def pack_names(rng: random.Random, rate: float) -> Callable[[str, str], str]:
    """A pack word inside a product's name, before a size ("cake box 10x10 inch", "garbage bag 30x37", "margarine
    tin 15kg"): the tagger learns that a pack word between name words and a size is the product's, not the
    count's unit, so "15 bdl cake box 10x10" reads 15 bundles of the box and not 15 of a box unit."""

    def rewrite(label: str, piece: str) -> str:
        if label != "PRODUCT" or rng.random() >= rate or not piece[-1:].isalpha():
            return piece
        return f"{piece} {rng.choice(PACK_NOUNS)} {rng.choice(SIZES)}"

    return rewrite


HALF_WORDS = ("half", "half", "quarter", "double")  # a word that reads as a number or a size inside a name


def unknown_names(rng: random.Random, rate: float) -> Callable[[str, str], str]:
    """A whole product name replaced by one invented word, or a name ending in "half" ("cola half 10"): the tagger
    learns that the words after "5 carton" or before a count are the product whether it knows them or not (what
    the ``bare_products`` and ``weak_count`` rules otherwise patch after decoding)."""

    def rewrite(label: str, piece: str) -> str:
        if label != "PRODUCT" or rng.random() >= rate:
            return piece
        if rng.random() < 0.7:
            return invented_word(rng).lower()
        return f"{piece} {rng.choice(HALF_WORDS)}"

    return rewrite


NAME_NOUNS = ("pin", "way", "layer", "burner", "star", "tier", "step", "shelf", "drawer", "speed",
              "blade", "pocket", "compartment", "hole", "gang", "core", "stage", "wheel", "button", "track", "stroke",
              "lever", "deck", "zone", "point", "fold", "line", "bit", "flute", "jaw", "port", "channel", "cell", "grain")
NAME_NUMBERS = (2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 16, 24, 45, 90, 180)


Rewrite = Callable[[str, Sequence[tuple[int, int, str]]], tuple[str, list[tuple[int, int, str]]]]


def numbered_names(rng: random.Random, rate: float) -> Rewrite:
    """A product name right after its count begun by a number and a name word ("4 | 3 pin plug", "ek | 7 grain
    bread"), the word drawn from a list or invented: the tagger learns that of two numbers before a name the first
    is the count and the second, with the word after it, the name's, so "4 2 door wardrobe" is 4 of the wardrobe,
    never 2, nor the 4 an item number. Only there: a number and a word that begin a line are left as they are
    written ("2 sides", "1 portion"). The word is no unit or size word of the lexicon: "4 2 ctn" stays two counts."""
    from models.units import NUMBER_WORDS, SIZE_WORDS, UNIT_WORDS

    nouns = [w for w in NAME_NOUNS if w not in UNIT_WORDS and w not in SIZE_WORDS and w not in NUMBER_WORDS]

    def rewrite(text: str, spans: Sequence[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int, str]]]:
        counted = {b + 1 for a, b, lab in spans if lab == "QTY" and text[b:b + 1] == " "}

        def begin(a: int, label: str, piece: str) -> str:
            if label != "PRODUCT" or a not in counted or not piece[:1].isalpha() or rng.random() >= rate:
                return piece
            word = invented_word(rng).lower() if rng.random() < 0.3 else rng.choice(nouns)
            return f"{rng.choice(NAME_NUMBERS)} {word.upper() if piece.isupper() else word} {piece}"

        return rewrite_at(text, spans, begin)

    return rewrite


def lexicon_counts(rng: random.Random, rate: float) -> Callable[[str, str], str]:
    """Unit words redrawn from the whole lexicon (every language, every abbreviation, as typed: "CS", "nag",
    "darjan") or invented (a word the tagger cannot know), and digits written as number words of any language:
    the tagger learns that the word after a count is its unit by its place, so an unknown one is read as a unit
    (and held by the match stage) instead of being dropped or read into the product."""
    from models.units import NUMBER_WORDS, UNIT_WORDS

    units = sorted(w for w in UNIT_WORDS if w.isalpha())
    numbers = sorted(w for w, v in NUMBER_WORDS.items() if v >= 1 and len(w) > 2)

    def rewrite(label: str, piece: str) -> str:
        if rng.random() >= rate:
            return piece
        if label == "UNIT":
            word = invented_word(rng).lower() if rng.random() < 0.25 else rng.choice(units)
            return word.upper() if rng.random() < 0.2 else word
        if label == "QTY" and piece.isdigit() and rng.random() < 0.4:
            return rng.choice(numbers)
        return piece

    return rewrite


def synthetic_lines(trade_names: Sequence[str], per_trade: int, seed: int, ocr_rate: float = 0.15,
                    size_rate: float = 0.0, swap_rate: float = 0.0, unknown_rate: float = 0.0,
                    lexicon_rate: float = 0.0, pack_rate: float = 0.0, numbered_rate: float = 0.0) -> list[Example]:
    """Lines of generated messages for each trade (a fresh invented distributor per trade and seed)."""
    from training.synth.generator import generate_messages, generate_trade

    rng = random.Random(f"sizes:{seed}")
    sizes, swaps = add_size(rng, size_rate), swap_words(rng, {"PRODUCT": swap_rate, "CUSTOMER": 2 * swap_rate})
    unknown = unknown_names(random.Random(f"unknown:{seed}"), unknown_rate)
    counts = lexicon_counts(random.Random(f"lexicon:{seed}"), lexicon_rate)
    packs = pack_names(random.Random(f"packs:{seed}"), pack_rate)
    numbered = numbered_names(random.Random(f"numbered:{seed}"), numbered_rate)
    out: list[Example] = []
    for name in trade_names:
        td = generate_trade(name, seed)
        for ex in generate_messages(td, per_trade, seed, ocr_rate=ocr_rate):
            text, spans = ex.text, [(s.start, s.end, s.label) for s in ex.spans]
            if size_rate:
                text, spans = rewrite_spans(text, spans, sizes)
            if swap_rate:
                text, spans = rewrite_spans(text, spans, swaps)
            if unknown_rate:
                text, spans = rewrite_spans(text, spans, unknown)
            if lexicon_rate:
                text, spans = rewrite_spans(text, spans, counts)
            if pack_rate:
                text, spans = rewrite_spans(text, spans, packs)
            if numbered_rate:
                text, spans = numbered(text, spans)
            out.extend(message_lines(text, spans))
    return out


def distributor_lines(md: MasterData, n: int, seed: int) -> list[Example]:
    """Lines for one distributor: messages generated from its catalog, and its history weakly labelled by the rules."""
    from training.synth.generator import generate_messages

    out: list[Example] = []
    for ex in generate_messages(md, n, seed, ocr_rate=0.1):
        out.extend(message_lines(ex.text, [(s.start, s.end, s.label) for s in ex.spans]))
    return out + history_lines(md)


def history_lines(md: MasterData) -> list[Example]:
    """The distributor's past orders, weakly labelled: the rules' reading of each line, kept only for orders
    whose every shipped line was aligned with one of the mentions read (the shipped SKUs and quantities vouch
    for the reading; an order read with a line too many or too few teaches nothing)."""
    from ordex.aliases import align_history

    out: list[Example] = []
    for order, aligned in zip(md.history, align_history(md), strict=True):
        if not aligned.lines or len(aligned.mentions) != len(aligned.lines) or any(
                ln.mention is None for ln in aligned.lines):
            continue
        out.extend((line, tuple(label_spans(line))) for line in order.text.split("\n") if line.strip())
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
    train = dedupe(synthetic_lines(trades, per_trade, seed, size_rate=0.25, swap_rate=0.25, unknown_rate=UNKNOWN_RATE,
                                   lexicon_rate=LEXICON_RATE, pack_rate=PACK_RATE, numbered_rate=NUMBERED_RATE))
    random.Random(seed).shuffle(train)
    heldout = dedupe(synthetic_lines([holdout_trade], heldout_messages, seed + 1000, ocr_rate=0.1))
    return DataSet(train, heldout, {"trades": len(trades), "train_lines": len(train), "heldout_lines": len(heldout)})
