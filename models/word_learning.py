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

from models.accounting import ARTICLES, Knowledge, words_of
from models.units import CASE_CLASS, piece_unit, read_qty, spelled_unit
from ordex.catalog import Product

LearnedRow = tuple[str, str, str, int]  # (customer or "*", word, unit, support)
SURE = 0.9  # a count this sure teaches a word alone
COMMON_COUNT = 0.6  # a count word that is also a common word ("das", "teen"): it only supports what sure counts teach


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


def pieces(p: Product | None) -> float:
    """How many pieces one unit of the SKU holds (0 when no piece conversion is given)."""
    piece = piece_unit(p.conversions) if p is not None else None
    return piece[1] if piece else 0.0


def packs(p: Product | None) -> tuple[tuple[str, float], ...]:
    """The SKU's conversions other than its piece: how many of each unit one uom holds ("REAM", 5)."""
    if p is None:
        return ()
    piece = piece_unit(p.conversions)
    return tuple((u.upper(), float(n)) for u, n in p.conversions.items() if piece is None or u.upper() != piece[0])


def shipped(qty: float, uom: str | None, p: Product | None) -> Shipped:
    """A shipped line of a SKU, in the uom given or the SKU's own, with what its conversions say."""
    return Shipped(qty, (uom or (p.uom if p is not None else "")).upper(), pieces(p), packs(p))


def candidates(text: str, know: Knowledge) -> list[tuple[float, str, bool]]:
    """(count, word, sure) of a text whose word, right after the count, nothing places yet; ``sure`` is False for a
    count word that is also a common word ("das", "teen", "be"), which may support what sure counts teach but
    never teaches alone. An article ("a lot of") is no count here, nor a word followed by a size ("2 tpl 300g")."""
    words = words_of(text)
    out = []
    for k, ((_a, b, left), (c, d, right)) in enumerate(zip(words, words[1:], strict=False)):
        n = read_qty(left)
        w = right.lower()
        if (n.value is None or n.certainty < COMMON_COUNT or left.lower() in ARTICLES or not _wordlike(w)
                or know.lexicon_unit(w) or know.placed(w)
                or "\n" in text[b:c]  # a count ending a line is not the next line's first word's
                or _sized(text, words, k + 2, d)):
            continue
        out.append((n.value, w, n.certainty >= SURE))
    return out


def _wordlike(word: str) -> bool:
    """Letters only, or words of letters joined by hyphens ("peti-bandh": a sealed carton)."""
    return all(part.isalpha() for part in word.split("-"))


def _sized(text: str, words: Sequence[tuple[int, int, str]], k: int, end: int) -> bool:
    """The word at ``k`` is a size on the same line ("2 tpl 300g", "6 cho 200ml"): the word before it is a
    product's short name with its size, not a unit."""
    return k < len(words) and "\n" not in text[end:words[k][0]] and words[k][2][:1].isdigit()


def fits(count: float, lines: Sequence[Shipped]) -> frozenset[str]:
    """Every unit a count can mean against the shipped lines: the SKU's own unit, its piece, a dozen pieces, or any
    other unit its conversions name ("20 rim" of 4 boxes of 5 reams). A SKU sold by the piece and in nothing else
    says nothing: "2 cheese burgers" shipped as 2 is read the same whatever "cheese" is, and the word after a count
    there is most often the product's own first word."""
    out = set()
    for ln in lines:
        if abs(count - ln.qty) < 1e-9 and (ln.pieces or ln.uom in CASE_CLASS):
            out.add("CTN" if ln.uom in CASE_CLASS else ln.uom)
        if ln.pieces and abs(count - ln.qty * ln.pieces) < 1e-9:
            out.add("PCS")
        if ln.pieces and abs(count * 12 - ln.qty * ln.pieces) < 1e-9:
            out.add("DOZ")
        out.update(unit for unit, n in ln.packs if n > 1 and abs(count - ln.qty * n) < 1e-9)  # "20 rim": 4 boxes of 5 reams
    return frozenset(out)


def votes(said: Iterable[Said], know: Knowledge) -> list[tuple[str, str, str]]:
    """(customer, word, unit) for every use of an unplaced word after a sure count that fits one unit alone."""
    return [(cid, word, unit) for cid, word, units, sure in uses(said, know) if (unit := _decides(units, sure))]


def _decides(units: frozenset[str], sure: bool) -> str | None:
    """The unit a use decides alone: its count is sure and it fits one unit only."""
    return next(iter(units)) if sure and len(units) == 1 else None


def uses(said: Iterable[Said], know: Knowledge) -> list[tuple[str, str, frozenset[str], bool]]:
    """(customer, word, the units the use fits, whether its count is sure) for every use of an unplaced word that
    fits at least one unit: "2 thappi" of a carton of 12 fits a carton and a dozen alike."""
    out = []
    for s in said:
        for count, word, sure in candidates(s.text, know):
            units = fits(count, s.lines)
            if units:
                out.append((s.customer_id, word, units, sure))
    return out


def learn_words(said: Iterable[Said], know: Knowledge, min_support: int = 2, agree: float = 0.8) -> list[LearnedRow]:
    """Words with one meaning that a use after a sure count decides alone and that at least ``min_support`` uses
    (and ``agree`` of them) fit. A use that fits a carton and a dozen alike ("2 thappi" of a carton of 12), or
    whose count is also a common word ("das lot"), supports a word another use decides and decides nothing by
    itself. A word spelled like a lexicon word of the very unit a sure use decides ("144 peece" shipped as 3
    cartons of 48) needs that one use: the spelling and the arithmetic are two witnesses. A word two or more
    customers use that way is the distributor's (``*``), else the one customer's."""
    by_word: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    decided: dict[str, Counter[str]] = defaultdict(Counter)
    for cid, word, units, sure in uses(said, know):
        by_word[word].append((cid, units))
        if unit := _decides(units, sure):
            decided[word][unit] += 1
    out: list[LearnedRow] = []
    for word, seen in sorted(by_word.items()):
        if not decided[word]:
            continue
        unit = decided[word].most_common(1)[0][0]
        fitting = [cid for cid, units in seen if unit in units]
        least = 1 if _spelled(word) == unit else min_support
        if len(fitting) >= least and len(fitting) / len(seen) >= agree:
            scope = "*" if len(set(fitting)) > 1 else fitting[0]
            out.append((scope, word, unit, len(fitting)))
    return out


def _spelled(word: str) -> str | None:
    """The unit a word's spelling names, as ``fits`` names units (a case of any kind is a carton)."""
    unit = spelled_unit(word)
    return "CTN" if unit in CASE_CLASS else unit


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
