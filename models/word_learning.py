"""Unit words learned from what a distributor shipped: "paanch thappi" shipped as 5 cartons makes "thappi" a
carton word; "72 kitta" of a 24-a-carton SKU shipped as 3 cartons makes "kitta" a piece word.

Past orders (``history.jsonl``) and resolved exceptions pair a text with the lines that went out. A word right
after a count that no lexicon, catalog or filler list places is a candidate; the shipped quantity says what it
meant when exactly one reading fits (the count equals the shipped quantity, or the shipped quantity times the
pieces a unit holds, or that in dozens). A word is learned when enough orders agree on one meaning.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.accounting import Knowledge, words_of
from models.units import CASE_CLASS, read_qty

LearnedRow = tuple[str, str, str, int]  # (customer or "*", word, unit, support)


@dataclass(frozen=True)
class Shipped:
    """A line that went out: its quantity in the SKU's uom, the uom, how many pieces one uom holds (0: none) and
    how many of each other unit it converts from."""

    qty: float
    uom: str
    pieces: float = 0.0
    packs: tuple[tuple[str, float], ...] = ()  # the SKU's other conversions: one uom holds n of each ("REAM", 5)


@dataclass(frozen=True)
class Said:
    """A text and the lines that were shipped for it (a past order, or a person's correction)."""

    customer_id: str
    text: str
    lines: tuple[Shipped, ...]


def candidates(text: str, know: Knowledge) -> list[tuple[float, str]]:
    """(count, word) pairs of a text whose word, right after the count, nothing places yet."""
    words = words_of(text)
    out = []
    for (_a, b, left), (c, _d, right) in zip(words, words[1:], strict=False):
        n = read_qty(left)
        w = right.lower()
        if (n.value is None or n.certainty < 0.9 or not w.isalpha() or know.lexicon_unit(w) or know.placed(w)
                or "\n" in text[b:c]):  # a count ending a line is not the next line's first word's
            continue
        out.append((n.value, w))
    return out


def meaning(count: float, lines: Sequence[Shipped]) -> str | None:
    """The one unit a count means against the shipped lines, or None when none or several fit: the SKU's own unit,
    its piece, a dozen pieces, or any other unit its conversions name ("20 rim" of 4 boxes of 5 reams). A SKU sold by
    the piece and in nothing else says nothing: "2 cheese burgers" shipped as 2 is read the same whatever
    "cheese" is, and the word after a count there is most often the product's own first word."""
    fits = set()
    for ln in lines:
        if abs(count - ln.qty) < 1e-9 and (ln.pieces or ln.uom in CASE_CLASS):
            fits.add("CTN" if ln.uom in CASE_CLASS else ln.uom)
        if ln.pieces and abs(count - ln.qty * ln.pieces) < 1e-9:
            fits.add("PCS")
        if ln.pieces and abs(count * 12 - ln.qty * ln.pieces) < 1e-9:
            fits.add("DOZ")
        fits.update(unit for unit, n in ln.packs if n > 1 and abs(count - ln.qty * n) < 1e-9)  # "20 rim": 4 boxes of 5 reams
    return fits.pop() if len(fits) == 1 else None


def votes(said: Iterable[Said], know: Knowledge) -> list[tuple[str, str, str]]:
    """(customer, word, unit) for every unambiguous use of an unplaced word."""
    out = []
    for s in said:
        for count, word in candidates(s.text, know):
            unit = meaning(count, s.lines)
            if unit is not None:
                out.append((s.customer_id, word, unit))
    return out


def learn_words(said: Iterable[Said], know: Knowledge, min_support: int = 2, agree: float = 0.8) -> list[LearnedRow]:
    """Words used with one meaning in at least ``min_support`` orders (and ``agree`` of their uses); a word two
    or more customers use is the distributor's (``*``), else the one customer's."""
    by_word: dict[str, Counter[str]] = defaultdict(Counter)
    who: dict[str, set[str]] = defaultdict(set)
    for cid, word, unit in votes(said, know):
        by_word[word][unit] += 1
        who[word].add(cid)
    out: list[LearnedRow] = []
    for word, units in sorted(by_word.items()):
        unit, n = units.most_common(1)[0]
        if n >= min_support and n / sum(units.values()) >= agree:
            scope = "*" if len(who[word]) > 1 else next(iter(who[word]))
            out.append((scope, word, unit, n))
    return out


@dataclass(frozen=True)
class SplitReport:
    """Words learned on the earlier part of the history and how often the later part agrees with them."""

    learned: int
    checked: int
    correct: int

    @property
    def precision(self) -> float | None:
        return round(self.correct / self.checked, 4) if self.checked else None


def time_split(said: Sequence[Said], know: Knowledge, share: float = 0.7) -> SplitReport:
    """Learn on the first ``share`` of the (time-ordered) orders; check each later use of a learned word."""
    cut = int(len(said) * share)
    learned = {(c, w): u for c, w, u, _n in learn_words(said[:cut], know)}
    checked = correct = 0
    for cid, word, unit in votes(said[cut:], know):
        got = learned.get((cid, word)) or learned.get(("*", word))
        if got is not None:
            checked += 1
            correct += got == unit
    return SplitReport(len(learned), checked, correct)
