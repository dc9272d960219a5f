"""The release gate: one calibrated probability that a whole message was read right, from its lines' signals.

P(message right) = the product over its lines of P(line right) times P(no line was missed). Each factor is a
logistic model: the line's from its own signals (SKU probability and margin, how much of the mention the SKU's
names explain, the count's confidence and how its unit was reached, history, unknown words, OCR confidence), the
completeness one from what the message left outside every line. A message every rule passed is released only when
the product clears a threshold set on held-out data for a target precision (``training/train_gate.py``); below it,
the message is held with its weakest part's code: a doubt becomes a question to a person instead of a guess.
Pure: signals and weights in, a number out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz

from models.accounting import Knowledge, items_asked, joined_halves, unasked_words, words_of
from models.matcher import MatchEvidence
from models.units import FILLER_WORDS, SHOP_WORDS, unit_of
from ordex.schema import Block, Case, Code, Line

GATE_FILE = Path(__file__).with_name("release_gate.json")
LINE_FEATURES: tuple[str, ...] = (
    "sku_sure", "margin_sure", "qty_sure", "explained", "size_unsaid", "alias_exact", "never_bought", "unit_written",
    "unit_converted", "history_ratio", "unknown_words", "ocr", "ocr_sure", "fields", "customer_by_name",
    "second_reader_agrees", "customer_name_cover", "second_reader_conflicts", "foreign_words",
)
ORDER_FEATURES: tuple[str, ...] = ("leftover_catalog", "leftover_counts", "leftover_share", "second_reader_only",
                                   "lines_log", "ocr", "unread_unsure", "leftover_unplaced_counts")
# Which way each feature may move the probability (+1 up, -1 down, 0 either): known before any data. A fit on one
# generator's messages can flip a sign through features that go together there ("unknown words" rising with
# "second reader agrees"), and a flipped sign is what fails first on messages written by strangers.
DIRECTIONS: dict[str, int] = {
    "sku_sure": 1, "margin_sure": 1, "qty_sure": 1, "explained": 1, "size_unsaid": -1, "alias_exact": 1,
    "never_bought": -1, "unit_written": 1, "unit_converted": -1, "history_ratio": -1, "unknown_words": -1, "ocr": -1,
    "ocr_sure": 1, "fields": 0, "customer_by_name": -1, "second_reader_agrees": 1, "customer_name_cover": 1,
    "second_reader_conflicts": -1, "foreign_words": -1, "leftover_catalog": -1, "leftover_counts": -1, "leftover_share": -1,
    "second_reader_only": -1, "lines_log": -1, "unread_unsure": -1, "leftover_unplaced_counts": -1,
}


def sure(p: float) -> float:
    """A probability as how sure it is, -log10(1 - p) capped at 3: 0.9 -> 1, 0.99 -> 2, 0.999 -> 3. A linear model
    over it tells 0.9 from 0.99 as well as 0.5 from 0.9."""
    return -math.log10(max(1e-3, 1.0 - min(max(p, 0.0), 1.0)))


@dataclass(frozen=True)
class LineSignals:
    """What one line offers as evidence that it was read right."""

    sku_p: float
    margin: float
    qty_conf: float
    explained: float
    size_unsaid: bool
    alias_exact: bool
    bought: int
    unit_written: bool  # a unit word was written, or none was needed (the SKU sells in one unit only)
    unit_converted: bool
    history_ratio: float  # |log10(quantity / the most ever ordered)|, 0 without history
    unknown_words: int  # words of the line's text nothing places (lexicon, catalog, names, learning)
    ocr_conf: float  # the OCR confidence of its block, 1.0 for typed text
    ocr: bool
    fields: bool  # read from a spreadsheet's columns
    by_name: bool = False  # its customer was found by a name in the text, not by the sender's address
    agrees: bool = False  # the second reader (the rule extractor) read the same SKU and quantity
    name_cover: float = 1.0  # share of its customer's name the text named (1.0 when found by the sender)
    conflicts: bool = False  # the second reader read the same SKU with another quantity (silent is neither)
    section: int = 0  # the order of the message it belongs to (no feature: ``once_per_order`` reads it)
    foreign: int = 0  # words of its mention the SKU does not explain and no name or alias of the catalog resembles

    def features(self) -> dict[str, float]:
        """The line model's features (``LINE_FEATURES``)."""
        return {
            "sku_sure": sure(self.sku_p), "margin_sure": sure(self.margin), "qty_sure": sure(self.qty_conf),
            "explained": self.explained, "size_unsaid": float(self.size_unsaid), "alias_exact": float(self.alias_exact),
            "never_bought": float(self.bought == 0), "unit_written": float(self.unit_written),
            "unit_converted": float(self.unit_converted), "history_ratio": self.history_ratio,
            "unknown_words": float(min(self.unknown_words, 3)), "ocr": float(self.ocr), "ocr_sure": sure(self.ocr_conf),
            "fields": float(self.fields), "customer_by_name": float(self.by_name),
            "second_reader_agrees": float(self.agrees), "customer_name_cover": self.name_cover,
            "second_reader_conflicts": float(self.conflicts), "foreign_words": float(min(self.foreign, 2)),
        }


def line_signals(ln: Line, block: Block | None, ev: MatchEvidence, usual: float | None, know: Knowledge,
                 customer_id: str | None, by_name: bool = False, agrees: bool = False,
                 name_cover: float = 1.0, conflicts: bool = False, one_unit: bool = False) -> LineSignals:
    """The signals of one matched line (``one_unit``: its SKU sells in one unit only, so a bare count is plain)."""
    cands = ln.candidates
    margin = cands[0].probability - (cands[1].probability if len(cands) > 1 else 0.0) if cands else 0.0
    unit = unit_of(ln.unit) if ln.unit else None
    ratio = abs(math.log10(ln.sku_qty / usual)) if ln.sku_qty and usual else 0.0
    unknown = sum(1 for _a, _b, w in words_of(ln.text) if not know.knows(w, customer_id))
    ocr = block is not None and block.reader == "ocr"
    return LineSignals(sku_p=ln.sku_confidence, margin=margin, qty_conf=ln.qty_confidence if ln.sku_qty is not None else 0.0,
                       explained=ev.explained, size_unsaid=ev.size_unsaid, alias_exact=ev.alias_exact, bought=ev.bought,
                       unit_written=ln.unit is not None or one_unit, unit_converted=unit is not None and unit != (ln.uom or unit),
                       history_ratio=min(ratio, 3.0), unknown_words=unknown,
                       ocr_conf=block.confidence if ocr and block is not None else 1.0, ocr=ocr,
                       fields=bool(block.fields) if block is not None else False, by_name=by_name, agrees=agrees,
                       name_cover=name_cover, conflicts=conflicts, section=ln.section, foreign=ev.foreign)


def once_per_order(lines: Sequence[LineSignals]) -> list[LineSignals]:
    """The lines as a message's probability counts them: whether the customer a text names is that customer is
    one doubt per order, not one per line (an order's lines are all right or all wrong on it), so only the first
    line of each order found by name carries it; the rest count as if found by the sender. Multiplied per line,
    a five-line agent's note was held at 0.15 for one name read at two words of three."""
    seen: set[int] = set()
    out = []
    for s in lines:
        if s.by_name and s.section in seen:
            s = replace(s, by_name=False, name_cover=1.0)
        elif s.by_name:
            seen.add(s.section)
        out.append(s)
    return out


def name_cover(named: str, name: str) -> float:
    """Share of what tells a customer's name apart (its words that are no shop words: "Galaxy" of "Galaxy Book
    Depot") that a text naming it contains: "Tiwari Pustak Bhandar" for "Pragati Pustak Bhandar" covers none,
    perhaps a new shop with a like name; "galaxy book" covers all. A name of shop words only counts them all."""
    words = [w for _a, _b, w in words_of(name.lower())]
    theirs = [w for w in words if w not in SHOP_WORDS] or words
    said = {w for _a, _b, w in words_of(named.lower())}
    if not theirs:
        return 0.0
    return sum(1 for w in theirs if w in said or any(fuzz.ratio(w, x) >= 85 for x in said)) / len(theirs)


OCR_UNSURE = 0.9  # an OCR text line read under this confidence is one the recognizer could not read


@dataclass(frozen=True)
class Leftover:
    """What a message left outside every read line: catalog words, counts with a unit word beside them (a line
    that was not read), counts beside a word nothing places in what the reader read as a line and the matcher
    dropped as none (an item the catalog lacks, dropped with the count written inside it: "sink mixer tap 1
    bhejo"), the share of its words nothing places (a page read in fragments), and the text lines of
    a photo that OCR itself was unsure of and no line was read from ("2OS P P P PO": a line of a hard hand)."""

    catalog: int = 0
    counts: int = 0
    share: float = 0.0
    second_only: int = 0  # SKUs the second reader found that no line of the first has
    unsure: tuple[str, ...] = ()  # the photo's text lines OCR read under ``OCR_UNSURE``, unread, holding unknown words
    unplaced_counts: int = 0  # counts beside a word nothing places, in lines the matcher dropped
    dropped: tuple[str, ...] = ()  # those dropped lines' texts


def _their_counts(second: Sequence[Line]) -> dict[tuple[int, str], set[float]]:
    """The second reader's quantities of each SKU it read with a count, by section: a SKU it named without one
    ("no lemon", a modifier it took for an item; "a garlic bread", an article it does not count) says nothing of
    how many, so it neither agrees, nor disagrees, nor shows a line the first reader missed."""
    theirs: dict[tuple[int, str], set[float]] = {}
    for ln in second:
        if ln.sku and ln.sku_qty is not None:
            theirs.setdefault((ln.section, ln.sku), set()).add(ln.sku_qty)
    return theirs


def readings_agree(first: Sequence[Line], second: Sequence[Line]) -> tuple[list[bool], int]:
    """Two readers of one message side by side: for each line of the first, whether the second read the same SKU
    with the same quantity in the SKU's unit; and how many SKUs only the second found with a count. Two readers
    that err differently rarely agree on a wrong line, and a counted line only one of them saw may be a line the
    other missed."""
    theirs = _their_counts(second)
    ours = {ln.sku for ln in first if ln.sku}
    return ([bool(ln.sku) and ln.sku_qty in theirs.get((ln.section, ln.sku or ""), set()) for ln in first],
            len({sku for _section, sku in theirs if sku not in ours}))


def readings_conflict(first: Sequence[Line], second: Sequence[Line],
                      own_count: Callable[[Line], bool] = lambda _ln: False) -> list[bool]:
    """For each line of the first reader, whether the second read the same SKU in the same section with another
    count: a disagreement, where a second reader that read nothing of it, or no count, is only silent. So is one
    whose count is a number of the SKU's own name (``own_count``: "(10 nos)" of "Ball Pen red 0.7 mm (10 nos)")."""
    theirs = _their_counts([ln for ln in second if not own_count(ln)])
    return [bool(ln.sku) and bool(theirs.get((ln.section, ln.sku or ""), set()) - {ln.sku_qty}) for ln in first]


def leftover(case: Case, know: Knowledge, second_only: int = 0, names: Sequence[str] = ()) -> Leftover:
    """What ``case`` left outside its lines (see ``Leftover``); ``names`` are the orders' customers' names, read
    already ("Laxmi Cake Shop" names the customer: its "cake" is no dropped line)."""
    catalog = counts = unplaced = total = 0
    unsure: list[str] = []
    read = {ln.block for ln in case.lines}
    said = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)  # the longest name first
    named = re.compile("|".join(map(re.escape, said)), re.IGNORECASE) if said else None
    for k, b in enumerate(case.blocks):
        text = b.text
        for ln in case.lines:
            if ln.block == k and ln.text:
                text = text.replace(ln.text, " ; ")  # a read line ends what was asked on the item before it
        if named is not None:
            text = named.sub(" ; ", text)
        total += len(words_of(b.text))
        if k not in read and unsure_unread(b, know):
            unsure.append(b.text)
        free = unasked_words(text)
        halves = joined_halves(text, free, know)  # "a cheese burger" no line took: a catalog word, written in two
        for k, (_a, _b, w) in enumerate(free):
            lw = w.lower()
            if k in halves or (know.in_catalog(lw) and lw not in know.names and know.lexicon_unit(w) is None
                               and not lw.isdigit() and lw not in FILLER_WORDS):  # "by 1 pm", a lone "wala": filler
                catalog += 1
            elif not know.knows(w):
                unplaced += 1
        catalog += len(items_asked(text, know))  # "with a wrap soya": an item read as a request
        words = [w for _a, _b, w in words_of(text)]
        counts += sum(1 for a, b in zip(words, words[1:], strict=False) if _count_and_unit(a, b, know) or _count_and_unit(b, a, know))
    beside = [(ln.text, n) for ln in case.dropped if (n := counts_beside_unplaced(ln.text, know))]
    return Leftover(catalog=catalog, counts=counts, share=unplaced / total if total else 0.0, second_only=second_only,
                    unsure=tuple(unsure), unplaced_counts=sum(n for _t, n in beside),
                    dropped=tuple(t for t, _n in beside))


PART = re.compile(r"[^,;\n]+")  # a part of a line: what a comma or a semicolon ends


def counts_beside_unplaced(text: str, know: Knowledge) -> int:
    """Counts with a word beside them, in the same part of the text, that nothing places: in a line the matcher
    dropped, the count of an item the catalog lacks ("sink mixer tap 1 bhejo", read as one name with its count
    inside). A count beside only known words ("deliver by 5 pm") is no sign."""
    n = 0
    for part in PART.finditer(text):
        words = [w for _a, _b, w in words_of(part.group())]
        for k, w in enumerate(words):
            if _count(w) and any(_unplaced(v, know) for v in words[max(0, k - 1):k] + words[k + 1:k + 2]):
                n += 1
    return n


def _count(word: str) -> bool:
    """A count as a line writes it: digits, one to four, not zero."""
    return word.isdigit() and len(word) <= 4 and int(word) > 0


def _unplaced(word: str, know: Knowledge) -> bool:
    """A word of two letters or more that nothing places."""
    return len(word) >= 2 and word.isalpha() and not know.knows(word)


def unsure_unread(b: Block, know: Knowledge) -> bool:
    """True when a block no order line came from is a photo's text line that OCR read unsurely and that holds a
    word nothing places: a line of the page nobody has read. A clear line of chatter ("Kal wala maal theek tha.")
    is read surely; a hand OCR could not read comes out in fragments it doubts ("GO UE" at 0.70)."""
    return (b.reader == "ocr" and b.confidence < OCR_UNSURE
            and any(not know.knows(w) for _a, _b, w in words_of(b.text)))


def _count_and_unit(count: str, unit: str, know: Knowledge) -> bool:
    """ "100 pc", "dozen 4": a count beside a unit word the lexicon knows."""
    return _count(count) and know.lexicon_unit(unit) is not None


def order_features(lines: Sequence[LineSignals], left: Leftover) -> dict[str, float]:
    """The completeness model's features (``ORDER_FEATURES``)."""
    return {"leftover_catalog": float(min(left.catalog, 5)), "leftover_counts": float(min(left.counts, 3)),
            "leftover_share": left.share, "second_reader_only": float(min(left.second_only, 3)),
            "lines_log": math.log1p(len(lines)), "ocr": float(any(s.ocr for s in lines)),
            "unread_unsure": float(min(len(left.unsure), 3)),
            "leftover_unplaced_counts": float(min(left.unplaced_counts, 3))}


@dataclass(frozen=True)
class Logistic:
    """A logistic model over named, standardised features."""

    weights: Mapping[str, float]
    intercept: float
    mean: Mapping[str, float]
    scale: Mapping[str, float]

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * (x[f] - self.mean[f]) / (self.scale[f] or 1.0) for f, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class ReleaseGate:
    """P(line right) and P(no line missed) models, and the threshold on their product chosen for a target precision."""

    line: Logistic
    order: Logistic
    threshold: float
    target_precision: float = 0.995
    version: str = "untrained"
    run_id: str = ""
    reads_with: str = "tagger+ranker"  # the readers whose signals it was fitted on; other readers are not gated by it
    metrics: Mapping[str, float] = field(default_factory=dict)
    curve: Sequence[tuple[float, float, float, int]] = ()  # held-out (threshold, precision, right kept, released)
    caps: Mapping[str, float] = field(default_factory=dict)  # warning sign -> measured precision of messages with it

    def threshold_for(self, precision: float | None) -> float:
        """The threshold for a target precision, read off the held-out curve (the trained one for None or the
        trained target)."""
        if precision is None or precision == self.target_precision or not self.curve:
            return self.threshold
        return choose_threshold(self.curve, precision)

    def line_probability(self, s: LineSignals) -> float:
        return self.line.probability(s.features())

    def complete_probability(self, lines: Sequence[LineSignals], left: Leftover) -> float:
        f = order_features(lines, left)
        return capped(self.order.probability(f), f, ORDER_SIGNS, self.caps)

    def probability(self, lines: Sequence[LineSignals], left: Leftover) -> float:
        """P(the message was read right): every line right (its customer's name a doubt once per order), and none
        missed."""
        p = self.complete_probability(lines, left)
        for s in once_per_order(lines):
            p *= self.line_probability(s)
        return p

    def save(self, path: Path = GATE_FILE) -> None:
        """Write the gate as JSON, committed with the code that reads it: weights and caps a line each, the held-out
        curve a point a line (tens of kilobytes)."""
        data = asdict(self)
        curve = data.pop("curve")
        head = json.dumps(data, indent=1, sort_keys=True)
        points = ",\n".join(json.dumps(list(point)) for point in curve)
        path.write_text(f'{head[:-2]},\n "curve": [\n{points}\n ]\n}}\n', encoding="utf-8")

    @classmethod
    def load(cls, path: Path = GATE_FILE) -> ReleaseGate:
        """Read a gate written by ``save``."""
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            line, order = Logistic(**data.pop("line")), Logistic(**data.pop("order"))
        except (KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a release gate ({e}); retrain it (python -m training.train_gate)") from None
        for model, names in ((line, LINE_FEATURES), (order, ORDER_FEATURES)):
            missing = set(names) - set(model.weights)
            if missing:
                raise ValueError(f"{path}: the gate lacks features {sorted(missing)}; retrain it "
                                 "(python -m training.train_gate)")
        data["curve"] = tuple(tuple(point) for point in data.get("curve", ()))
        return cls(line=line, order=order, **data)


# Warning signs: completeness features whose presence the fit measures on its own. A message showing one is right
# at most as often as such messages were (``ReleaseGate.caps``): a rare, telling sign ("a count beside a unit word
# outside every line": 19 of 20 such messages wrong) is what a penalised linear fit shrinks to a small weight.
# Line signs stay the linear model's: a conflicting second reading or a customer named in the text are common
# in purchase orders, and other signals tell the right ones apart.
ORDER_SIGNS: tuple[str, ...] = ("leftover_counts", "leftover_catalog", "second_reader_only", "unread_unsure",
                                "leftover_unplaced_counts")
MIN_SIGN = 10  # messages a sign must be seen on before its precision is measured; a sign seen less holds (cap 0)


def capped(p: float, features: Mapping[str, float], signs: Sequence[str], caps: Mapping[str, float]) -> float:
    """``p`` no higher than the measured precision of any warning sign the features show."""
    return min([p] + [caps[k] for k in signs if k in caps and features[k] > 0])


MIN_RELEASED = 50  # a precision measured on fewer released messages than this is no evidence for a threshold
BAND = 100  # the last messages a threshold adds, whose own precision must reach the target too


def choose_threshold(points: Sequence[tuple[float, float, float, int]], target: float, band: int = BAND) -> float:
    """The lowest threshold at which what it releases (everything at or above it) was right at the target
    precision on held-out data, over at least ``MIN_RELEASED`` messages, and so were the last ``band`` messages it
    adds: those are released on the thinnest evidence, and a band of poor ones must not be averaged away by the
    sure ones above them. 1.0 (nothing released) when no threshold qualifies. ``points`` are (threshold,
    precision, right kept, released), from the highest threshold down."""
    wrong = [n - round(precision * n) for _t, precision, _kept, n in points]
    ok = []
    for i, (t, precision, _kept, n) in enumerate(points):
        if precision < target or n < MIN_RELEASED:
            continue
        j = next((j for j in range(i, -1, -1) if points[j][3] <= n - band), None)  # where the band begins
        added, added_wrong = (n - points[j][3], wrong[i] - wrong[j]) if j is not None else (n, wrong[i])
        if added_wrong <= (1.0 - target) * added + 1e-9:
            ok.append(t)
    return min(ok) if ok else 1.0


@cache
def packaged_gate() -> ReleaseGate | None:
    """The gate shipped with the code, or None before one was trained."""
    return ReleaseGate.load() if GATE_FILE.exists() else None


def line_code(gate: ReleaseGate, s: LineSignals, threshold: float | None = None) -> Code:
    """The code a doubted line is held under: CUSTOMER_UNKNOWN when its customer's name is the doubt (the line
    clears ``threshold``, the gate's trained one by default, only once the name is certain), SKU_UNMATCHED when
    making its product certain would raise its probability more than making its count certain, else QTY_UNCLEAR."""
    p = gate.line_probability
    bar = gate.threshold if threshold is None else threshold
    if s.by_name and p(replace(s, by_name=False)) >= bar > p(s):
        return Code.CUSTOMER_UNKNOWN
    product_sure = replace(s, sku_p=1.0, margin=1.0, explained=1.0, size_unsaid=False, alias_exact=True,
                           bought=max(1, s.bought), foreign=0)
    count_sure = replace(s, qty_conf=1.0, unit_written=True, unit_converted=False, history_ratio=0.0, unknown_words=0)
    if p(product_sure) == p(count_sure):  # the gate weighs neither: the plainer doubt decides
        return Code.SKU_UNMATCHED if min(s.sku_p, s.explained) < s.qty_conf else Code.QTY_UNCLEAR
    return Code.SKU_UNMATCHED if p(product_sure) > p(count_sure) else Code.QTY_UNCLEAR
