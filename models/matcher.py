"""The first SKU matcher: the customer's aliases, then global aliases, then fuzzy search over descriptions.

Sizes are compared explicitly (1 L = 1000 ml), so "engine oil 5L" never becomes "Engine Oil 1 L".
The learned ranker of a later stage drops in behind the same ``match`` call.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from models.accounting import english_function_words
from models.ranker import RANK_CANDIDATES, Ranker
from models.units import (
    FILLER_WORDS,
    NUMBER_WORDS,
    SIZE_WORDS,
    VAGUE_WORDS,
    VARIANT_WORDS,
    WEAK_NUMBER_WORDS,
    like_unit_word,
    measure,
    unit_word,
)
from ordex.catalog import Alias, Product
from ordex.schema import Candidate

STOP = frozenset("the of a an and with for in pack pkt packet new fresh please pls".split())
FRACTION = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(2|4|8|16|32|64)(?=\s*(?:[\"'”]|[a-z]))")
INCH_MARK = re.compile(r"(\d(?:\.\d+)?)\s*(?:\"|'')")
NUM_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+(?:/[a-z]+)?)")
WORD = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, canonical sizes ("1L", "1 litre", "1000ml" -> "1000ml")."""
    t = unicodedata.normalize("NFKD", text.replace("”", '"').replace("″", '"')).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"(?<=\d),(?=\d)", ".", t)
    t = FRACTION.sub(lambda m: f"{int(m.group(1)) / int(m.group(2)):g}", t)  # "3/4 inch" is 0.75 inch
    t = INCH_MARK.sub(r"\1 inch ", t)  # 18" is 18 inch

    def size(m: re.Match[str]) -> str:
        u = measure(m.group(2))
        if not u:
            return m.group(0)
        value = float(m.group(1).replace(",", ".")) * u[2]
        return f" {value:g}{_BASE[u[1]]} "

    t = NUM_UNIT.sub(size, t)
    t = re.sub(r"[^a-z0-9. ]+", " ", t)
    t = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", t)
    return " ".join(TRANSLATE.get(w, w) for w in t.split())


def singular(word: str) -> str:
    """An English plural folded to its singular, the same way on the catalog's side and the customer's ("cokes",
    "pizzas", "batteries", "boxes" -> "coke", "pizza", "battery", "box"), and so are words of Indian languages
    ending in "i" ("rotis", "panis" -> "roti", "pani"); short words and "-ss/-us" endings stay ("glass", "gas",
    "plus", "this")."""
    if (len(word) < 4 or not word.isalpha() or not word.endswith("s") or word.endswith(("ss", "us"))
            or word.endswith("is") and len(word) < 5):
        return word
    if word.endswith("ies") and len(word) >= 5:
        return word[:-3] + "y"
    if word.endswith(("xes", "ches", "shes", "sses", "zzes")):
        return word[:-2]
    return word[:-1]


_BASE = {dim: base for base, dim in (("g", "mass"), ("ml", "volume"), ("mm", "length"), ("w", "power"),
                                     ("v", "voltage"), ("a", "current"), ("mah", "charge"), ("sqmm", "section"),
                                     ("mgml", "concentration"), ("pages", "pages"), ("shades", "shades"),
                                     ("gsm", "grammage"), ("pct", "percent"), ("ply", "ply"), ("va", "apparent"), ("tr", "cooling"))}
# Colour and variant words of Indian languages (the lexicon's variants.csv) and size words ("big", "lg", "bada":
# large), read as the catalog's English.
TRANSLATE = VARIANT_WORDS | {w: size for w, size in SIZE_WORDS.items() if w != size and " " not in size}
SIZE_TOKEN = re.compile(r"^(\d+(?:\.\d+)?)(" + "|".join(sorted(set(_BASE.values()), key=len, reverse=True)) + r")$")


@dataclass(frozen=True)
class Parsed:
    """A name split into plain words, sizes (value, base unit) and bare numbers."""

    words: tuple[str, ...]
    sizes: tuple[tuple[float, str], ...]
    numbers: tuple[float, ...]
    written: frozenset[float] = frozenset()  # every numeral as written, sizes' included ("650" of "650 mg")

    @classmethod
    def of(cls, text: str) -> Parsed:
        written = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text.replace(",", "."))}
        words, sizes, numbers = [], [], []
        for tok in normalize(text).split():
            m = SIZE_TOKEN.match(tok)
            if m:
                sizes.append((float(m.group(1)), m.group(2)))
            elif re.fullmatch(r"\d+(?:\.\d+)?", tok):
                numbers.append(float(tok))
            elif (value := _number_word(tok)) is not None:  # "four line" and "4 line" name the same notebook
                numbers.append(value)
                written.add(value)
            elif tok not in STOP and not (len(tok) == 1 and tok in "x"):
                words.append(singular(tok))
        return cls(tuple(words), tuple(sizes), tuple(numbers), frozenset(written))

    def key(self) -> str:
        """An order-free key for exact alias lookup; pack words ("katta", "box") left in a mention by the way
        a line was written do not change it, unless they are all there is."""
        words = [w for w in self.words if unit_word(w) is None] or self.words
        return " ".join(sorted(words)) + "|" + ",".join(f"{v:g}{u}" for v, u in sorted(self.sizes)) + "|" + ",".join(
            f"{n:g}" for n in sorted(self.numbers)
        )


@dataclass(frozen=True)
class Entry:
    """A SKU as the matcher sees it."""

    sku: str
    name: Parsed
    active: bool
    uom: str


@dataclass(frozen=True)
class MatchEvidence:
    """What backs a line's SKU besides the ranker's probability (see ``SkuMatcher.evidence``)."""

    explained: float = 0.0
    size_unsaid: bool = False
    alias_exact: bool = False
    bought: int = 0
    size_said: str = ""  # a size word of the mention the SKU's name contradicts ("regular" of Pizza Small)
    foreign: int = 0  # words it does not explain that are like no word of any name or alias ("Rekha", a brand not sold)


MISSPELT = 75  # an edit ratio at which a word is taken for a misspelling of another ("inhc", "inch")
SCORE_CAP = 1.5  # a name's word score (at most 1) plus what its sizes and numbers add
JOINED_SPELLING = 88  # the edit ratio at which a long word is taken for a misspelling of a compound
RECENT_MATCHES = 4096  # answers match_many remembers (a few hundred messages' mentions)


class SkuMatcher:
    """Maps a product mention to SKUs for a customer, with probabilities; load once, call many."""

    name = "rule-matcher"
    version = "1"

    def __init__(self, products: Sequence[Product], aliases: Iterable[Alias] = (), ranker: Ranker | None = None,
                 learn_names: bool = True) -> None:
        self.ranker = ranker
        self.learn_names = learn_names
        self._votes: dict[str, Counter[str]] = defaultdict(Counter)  # a word no name has -> the name words it stood for
        self._meanings: dict[str, str] | None = None
        self._bought: Counter[tuple[str, str]] = Counter()
        self._recent: dict[tuple[str, tuple[str, ...], int], list[Candidate]] = {}  # match_many's last answers
        self._popular: Counter[str] = Counter()
        self._aliases_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._name_words: dict[str, frozenset[str]] = {}  # _names_of, per SKU until an alias of it is added
        self.entries = {p.sku: Entry(p.sku, Parsed.of(f"{p.description} {p.pack_size}"), p.active, p.uom) for p in products}
        self._names = {sku: " ".join(e.name.words) for sku, e in self.entries.items()}
        self._texts = {p.sku: f"{p.description} {p.pack_size}" for p in products}  # for _spelt, read when learning
        self._alias_keys: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        self._alias_words: dict[str, set[str]] = defaultdict(set)
        self._holders: dict[str, set[str]] = defaultdict(set)  # a name word -> the SKUs whose names hold it
        for e in self.entries.values():
            for w in e.name.words:
                self._holders[w].add(e.sku)
        self._df: Counter[str] = Counter({w: len(skus) for w, skus in self._holders.items()})
        self._pairs: dict[str, tuple[str, str]] | None = None  # built by _joined_pairs at the first misspelt word
        self._spellings: dict[tuple[str, str], str] = {}
        self._long_words: dict[str, dict[str, list[str]]] = {}
        self._sims = WordSims()  # name words, their initials, alias words: what mentions are compared with
        self._sims.add(self._df)
        self._acronyms = {sku: frozenset(_acronyms(e.name.words)) for sku, e in self.entries.items()}
        self._fuzzy_names: dict[str, frozenset[str]] = {}  # _fuzzy's names per SKU, until an alias of it is added
        self._word_skus: dict[str, set[str]] = defaultdict(set)  # a word -> the SKUs whose _fuzzy names hold it
        for sku, e in self.entries.items():
            self._sims.add(self._acronyms[sku])
            for w in (*e.name.words, *self._acronyms[sku]):
                self._word_skus[w].add(sku)
        # products the catalog sells in more than one size, by their words: only for these is a size left unsaid
        # a doubt ("toned milk 6 crate" names the one toned milk there is)
        self._sized = Counter(_plain_words(e) for e in self.entries.values() if e.name.sizes)
        self._n = max(1, len(self.entries))
        self._idf_unknown = 0.6 * math.log(1 + self._n)
        self._tfidf: Any = None
        self._matrix: Any = None
        self._skus: list[str] = []
        self._vocab_cache: list[str] | None = None
        self._vocab_size = -1
        self._codes = {_code(p.sku): p.sku for p in products if len(_code(p.sku)) >= 3}
        self._numbers_after: dict[str, set[float]] = defaultdict(set)
        for p in products:
            for word, num in re.findall(r"([^\W\d_]+)[\s-]*(\d+(?:\.\d+)?)", p.description):
                self._numbers_after[normalize(word)].add(float(num))
        for a in aliases:
            self.add_alias(a.customer_id, a.alias, a.sku)

    def add_alias(self, customer_id: str, alias: str, sku: str, support: int = 1) -> None:
        """Teach the matcher that ``customer_id`` (or ``*``) calls ``sku`` by ``alias``."""
        if sku not in self.entries:
            return
        parsed = Parsed.of(alias)
        if not parsed.words and not parsed.sizes and not parsed.numbers:
            return
        self._alias_keys[parsed.key()][customer_id][sku] += support
        if customer_id == "*":  # a customer's private name never leaks into everyone's matching
            self._alias_words[sku].update(parsed.words)
            self._fuzzy_names.pop(sku, None)
            for w in parsed.words:
                self._word_skus[w].add(sku)
        self._aliases_of[sku].append((customer_id, " ".join(parsed.words)))
        self._recent.clear()
        self._sims.add(parsed.words)
        self._name_words.pop(sku, None)
        self._vote(parsed, sku, support)

    def _vote(self, alias: Parsed, sku: str, support: int) -> None:
        """An alias that says every word of its SKU's name but one, with one word no name of the catalog has,
        is a vote that this word stands for that name word ("regular pizzas" shipped as Pizza Medium: "regular"
        is this distributor's "medium"; "big pies" as Pizza Large: "pie" is "pizza"). A size word of the lexicon
        stands only for a size word, and any other word never for one."""
        e = self.entries[sku]
        names = set(e.name.words) | self._acronyms[sku]
        alias = replace(alias, words=tuple(self.compounds(alias.words)))  # "white board" is the name's "whiteboard"
        words = [w for w in self.content_words(alias) if not _lexicon_word(w)]
        new = [w for w in words if w not in self._df and _word_sim(w, names) < 0.8]
        # a word with a digit ("9x") or spelt like one of the SKU's own words ("inhc" for "inch") is no new word
        if (len(words) < 2 or len(new) != 1 or like_unit_word(new[0]) or not new[0].isalpha()
                or any(fuzz.ratio(new[0], n) >= MISSPELT for n in self._spelt(sku))):
            return
        sized = new[0] in SIZE_WORDS  # a size word stands for a size alone, any other word never for one
        unsaid = [n for n in dict.fromkeys(e.name.words) if unit_word(n) is None and n not in english_function_words()
                  and (n in SIZE_WORDS) == sized and _word_sim(n, set(words)) < 0.8]
        if len(unsaid) > 1:
            unsaid = self._choosing(sku, [w for w in words if w not in new], unsaid)
        if len(unsaid) == 1 and (sized or _same_slot(words, new[0], e.name.words, unsaid[0])):  # sizes go first or last
            self._votes[new[0]][unsaid[0]] += support
            self._meanings = None

    def _choosing(self, sku: str, said: Sequence[str], unsaid: Sequence[str]) -> list[str]:
        """The unsaid name words that tell the SKU from the others whose names hold every word said: a word all of
        them share goes without saying ("regular pepperonis" as Pepperoni Pizza Medium: every pepperoni is a pizza,
        so only "medium" was chosen). All of them when a word said is no word of this SKU's name."""
        names = self.entries[sku].name.words
        family: set[str] | None = None
        for w in said:  # each as the name word of this SKU it is said for ("pepperonis": pepperoni)
            sets = [self._holders[n] for n in dict.fromkeys(names) if _word_sim(w, {n}) >= 0.8]
            holders = sets[0] if len(sets) == 1 else set().union(*sets)  # one name word: its set, not a copy
            family = holders if family is None else family & holders
        if not family or sku not in family:
            return list(unsaid)
        return [n for n in unsaid if not family <= self._holders[n]]

    def meanings(self) -> dict[str, str]:
        """The words the aliases taught (see ``_vote``), each with the name word it stands for: only where at
        least 80% of its votes agree. Empty when the matcher was built not to learn them."""
        if not self.learn_names:
            return {}
        if self._meanings is None:
            self._meanings = {}
            for word, votes in self._votes.items():
                meaning, n = votes.most_common(1)[0]
                if n >= 0.8 * sum(votes.values()):
                    self._meanings[word] = meaning
        return self._meanings

    def parse(self, mention: str) -> Parsed:
        """A mention as the matcher reads it: its words as the catalog spells them (``compounds``), those the
        aliases taught read as the name word they stand for ("3 regular veggie pizzas": medium), unless the mention
        is an alias as written."""
        parsed = Parsed.of(mention)
        if parsed.key() in self._alias_keys:
            return parsed
        meanings = self.meanings()
        words = tuple(meanings.get(w, w) for w in self.compounds(parsed.words))
        return parsed if words == parsed.words else replace(parsed, words=words)

    def compounds(self, words: Sequence[str]) -> list[str]:
        """Two words the catalog's names write as one joined ("cheese burger": Cheeseburger), and a word they write
        as two split ("handwash": Hand Wash), so either spelling reads as the catalog's."""
        out: list[str] = []
        k = 0
        while k < len(words):
            w = words[k]
            joined = w + words[k + 1] if k + 1 < len(words) else ""
            if joined and (joined in self._df or w not in self._df and self._misspelt(joined, "words")):
                out.append(joined if joined in self._df else self._misspelt(joined, "words"))
                k += 2
                continue
            split = None if w in self._df or len(w) < 6 else next(
                ([w[:i], w[i:]] for i in range(3, len(w) - 2) if w[:i] in self._df and w[i:] in self._df), None)
            if split is None and w not in self._df and len(w) >= 7 and (pair := self._misspelt(w, "pairs")):
                split = list(self._joined_pairs()[pair])  # "celotape": Cello Tape
            out.extend(split or [w])
            k += 1
        return out

    def _misspelt(self, word: str, vocab: str) -> str:
        """The long word of a vocabulary (``words``: the names' words; ``pairs``: two neighbouring name words joined)
        that ``word`` misspells by a letter or two ("nottebook" for "notebook", "celotape" for "cellotape"), or "";
        remembered per word."""
        key = (word, vocab)
        if key not in self._spellings:
            if len(self._spellings) > WordSims.LIMIT:
                self._spellings.clear()
            hit = process.extractOne(word, self._long(vocab).get(word[0], []), scorer=fuzz.ratio,
                                     score_cutoff=JOINED_SPELLING) if len(word) >= 7 else None
            self._spellings[key] = hit[0] if hit else ""
        return self._spellings[key]

    def _joined_pairs(self) -> dict[str, tuple[str, str]]:
        """Two neighbouring words of a name written as one ("cellotape" of Cello Tape), for a misspelt compound;
        built at the first word that needs it, not at start-up."""
        if self._pairs is None:
            self._pairs = {a + b: (a, b) for e in self.entries.values() for a, b in itertools.pairwise(e.name.words)
                           if len(a) >= 3 and len(b) >= 3}
        return self._pairs

    def _spelt(self, sku: str) -> frozenset[str]:
        """A SKU's words as its description and pack size spell them, measures included ("24 shades", "9 x 4
        inch"): what a new word must not misspell to be learned. Only alias learning reads it."""
        return frozenset(re.findall(r"[^\W\d_]+", self._texts[sku].lower()))

    def _long(self, vocab: str) -> dict[str, list[str]]:
        """The words of seven letters or more of a vocabulary, by their first letter (built once)."""
        if vocab not in self._long_words:
            index: dict[str, list[str]] = defaultdict(list)
            for v in self._df if vocab == "words" else self._joined_pairs():
                if len(v) >= 7:
                    index[v[0]].append(v)
            self._long_words[vocab] = index
        return self._long_words[vocab]

    def idf(self, word: str) -> float:
        """Inverse document frequency of a word over the catalog (unknown words weigh like rare ones, a bit less)."""
        df = self._df.get(word, 0)
        return self._idf_unknown if df == 0 else math.log(1 + self._n / df)

    def resemblance(self, mention: str) -> float:
        """Share of a mention's words that look like catalog or alias words: is this a product mention at all?"""
        words = Parsed.of(mention).words
        if not words:
            return 0.0
        vocab = self._vocab()
        hits = sum(1 for w in words if w in vocab or (len(w) > 3 and process.extractOne(w, vocab, scorer=fuzz.ratio,
                                                                                         score_cutoff=85)))
        return hits / len(words)

    def _vocab(self) -> list[str]:
        """Catalog and alias words, rebuilt only when an alias taught a new word."""
        size = sum(len(ws) for ws in self._alias_words.values())
        if self._vocab_cache is None or self._vocab_size != size:
            words = set(self._df)
            for ws in self._alias_words.values():
                words |= ws
            self._vocab_cache, self._vocab_size = sorted(words), size
        return self._vocab_cache

    def number_hint(self, word: str, value: float) -> bool:
        """True when the catalog names a product "word value" ("Strider 150"): the number is no quantity."""
        return value in self._numbers_after.get(normalize(word), ())

    def is_code(self, text: str) -> bool:
        """True when a token is one of the catalog's SKU codes (numeric codes are no quantities)."""
        return _code(text) in self._codes

    def by_code(self, mention: str) -> str | None:
        """The SKU whose code the mention is, or contains as a word ("AP10196", "st/sha/008")."""
        whole = _code(mention)
        if whole in self._codes:
            return self._codes[whole]
        for word in mention.split():
            hit = self._codes.get(_code(word))
            if hit and len(_code(word)) >= 4:
                return hit
        return None

    def match(self, mention: str, customers: Sequence[str], limit: int = 5) -> list[Candidate]:
        """Candidate SKUs for a mention, best first, with probabilities: the ranker's calibrated ones when a
        ranker is loaded, else the hand-set scores."""
        return self.match_many([(mention, customers)], limit)[0]

    def match_many(self, queries: Sequence[tuple[str, Sequence[str]]], limit: int = 5) -> list[list[Candidate]]:
        """``match`` for every (mention, customers) of a message, with one ranker call for all their candidates.
        The last few thousand answers are remembered until an alias or a purchase is added: the release gate's
        second reading of a message asks for most of the same mentions again."""
        keys = [(mention, tuple(customers), limit) for mention, customers in queries]
        out = [self._recent.get(k) for k in keys]
        todo = [i for i, found in enumerate(out) if found is None]
        if todo:
            if len(self._recent) > RECENT_MATCHES:
                self._recent.clear()
            for i, got in zip(todo, self._match_many([queries[i] for i in todo], limit), strict=True):
                out[i] = self._recent[keys[i]] = got
        return [list(found or ()) for found in out]

    def _match_many(self, queries: Sequence[tuple[str, Sequence[str]]], limit: int) -> list[list[Candidate]]:
        out: list[list[Candidate]] = [[] for _ in queries]
        pending: list[tuple[int, list[str], np.ndarray]] = []
        for i, (mention, customers) in enumerate(queries):
            code = self.by_code(mention)
            if code is not None:
                out[i] = [Candidate(sku=code, probability=0.99)]
                continue
            parsed = self.parse(mention)
            if not parsed.words and not parsed.sizes:
                continue
            scores = self._scores(parsed, customers)
            if self.ranker is not None and scores:
                skus, rows = self.features(mention, parsed, customers, scores)
                pending.append((i, skus, rows))
                continue
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:limit]
            out[i] = [Candidate(sku=sku, probability=round(p, 4)) for sku, p in _calibrate(ranked)]
        if pending and self.ranker is not None:
            probs = self.ranker.predict(np.concatenate([rows for _, _, rows in pending]))
            at = 0
            for i, skus, rows in pending:
                got = probs[at : at + len(rows)]
                at += len(rows)
                ranked_p = sorted(zip(skus, got, strict=True), key=lambda kv: -kv[1])[:limit]
                out[i] = [Candidate(sku=sku, probability=round(float(p), 4)) for sku, p in ranked_p]
        return out

    def _scores(self, parsed: Parsed, customers: Sequence[str]) -> dict[str, float]:
        """Hand-set scores of the candidates: alias hits, and the shortlist's similarity with sizes compared."""
        scores: dict[str, float] = {}
        for sku, s in self._alias_scores(parsed, customers).items():
            scores[sku] = max(scores.get(sku, 0.0), s)
        touched = self._touched(parsed)
        for sku in self._shortlist(parsed):
            e = self.entries[sku]
            s = self._fuzzy(parsed, e) if sku in touched else max(0.0, min(1.0, _size_adjust(parsed, e.name)))
            scores[sku] = max(scores.get(sku, 0.0), s)
        return scores

    def _touched(self, parsed: Parsed) -> set[str]:
        """The SKUs one of whose names resembles a word of the mention, either way: for any other ``_fuzzy`` finds
        no word in common and the score is the sizes' alone (so it is computed as that, at a fraction of the cost)."""
        out: set[str] = set()
        for w in set(parsed.words):
            for n in self._sims.resembling(w):
                out |= self._word_skus.get(n, set())
        return out

    def add_history(self, customer_id: str, sku: str, n: int = 1) -> None:
        """Record that a customer bought a SKU (the ranker weighs a customer's habits)."""
        self._bought[(customer_id, sku)] += n
        self._popular[sku] += n
        self._recent.clear()

    def features(self, mention: str, parsed: Parsed, customers: Sequence[str],
                 scores: dict[str, float]) -> tuple[list[str], np.ndarray]:
        """One feature row per candidate (see ``models.ranker.FEATURES``), for the top candidates by score."""
        top = sorted(scores.items(), key=lambda kv: -kv[1])[:RANK_CANDIDATES]
        best = top[0][1]
        second = top[1][1] if len(top) > 1 else 0.0
        key_hit = self._alias_keys.get(parsed.key(), {})
        query = " ".join(parsed.words)
        explained = [self._explained(parsed, sku) for sku, _ in top]
        rows = []
        for rank, (sku, score) in enumerate(top):
            e = self.entries[sku]
            name = " ".join(e.name.words)
            own = sum(n for owner, c in key_hit.items() if owner in customers for s, n in c.items() if s == sku)
            glob = sum(n for owner, c in key_hit.items() if owner == "*" for s, n in c.items() if s == sku)
            other = sum(n for owner, c in key_hit.items() if owner not in customers and owner != "*"
                        for s, n in c.items() if s == sku)
            match_sizes, conflict, _other = size_agreement(parsed, e.name)
            bought = sum(self._bought.get((c, sku), 0) for c in customers)
            rows.append([
                score, self._fuzzy(parsed, e, sizes=False), float(own > 0), float(glob > 0), float(other > 0),
                fuzz.WRatio(query, name) / 100, fuzz.token_set_ratio(query, name) / 100,
                fuzz.partial_ratio(query, name) / 100, float(match_sizes), float(conflict),
                float(len(parsed.sizes) > 0 and not e.name.sizes), math.log1p(bought), math.log1p(self._popular.get(sku, 0)),
                float(e.active), score - (second if rank == 0 else best), float(rank),
                float(sum(1 for _, s in top if s >= best - 0.05)), float(len(parsed.words)),
                self._alias_similarity(query, sku, customers), explained[rank], explained[rank] - max(explained),
            ])
        return [s for s, _ in top], np.asarray(rows, dtype=np.float32)

    def evidence(self, mention: str, sku: str, customers: Sequence[str], rivals: Sequence[str] = ()) -> MatchEvidence:
        """What backs a chosen SKU besides its probability (the release gate reads it): the share of the mention's
        words its name or aliases explain, a size or variant the SKU has and the mention leaves unsaid, an exact
        alias (or the SKU's own code), and how often these customers bought it. A size is unsaid only where the
        catalog sells that product in another size too; a variant, where one of ``rivals`` (the line's other
        candidates) differs from it by words the mention does not say."""
        e = self.entries.get(sku)
        if e is None:
            return MatchEvidence()
        bought = sum(self._bought.get((c, sku), 0) for c in customers)
        if self.by_code(mention) == sku:  # the SKU's own code explains the mention as an exact alias would
            return MatchEvidence(explained=1.0, alias_exact=True, bought=bought)
        parsed = self.parse(mention)
        n, missing = self._unexplained(parsed, sku)
        explained = _share(n, missing)
        hit = self._alias_keys.get(parsed.key(), {})
        exact = any(sku in c for owner, c in hit.items() if owner in customers or owner == "*")
        unsaid = not exact and ((bool(e.name.sizes) and not parsed.sizes and self._sized[_plain_words(e)] > 1)
                                or self._variant_unsaid(parsed, sku, explained, rivals, customers))
        return MatchEvidence(explained=explained, size_unsaid=unsaid, alias_exact=exact, bought=bought,
                             size_said="" if exact else self._size_contradicted(parsed, sku),
                             foreign=0 if exact else sum(1 for w in missing if not self._sims.like_any(w)))

    def _size_contradicted(self, parsed: Parsed, sku: str) -> str:
        """A size word of the mention ("regular") that the SKU's names and aliases do not hold while its name says
        another size ("Pizza Small"), or "": a habit or an alias of the other size is no reading of it."""
        theirs = {SIZE_WORDS[w] for w in self.entries[sku].name.words if w in SIZE_WORDS}
        if not theirs:
            return ""
        names = self._names_of(sku)
        return next((w for w in parsed.words if w in SIZE_WORDS and SIZE_WORDS[w] not in theirs and w not in names), "")

    def _variant_unsaid(self, parsed: Parsed, sku: str, explained: float, rivals: Sequence[str],
                        customers: Sequence[str]) -> bool:
        """True when a rival the mention explains as well (and whose sizes it does not contradict) has words of its
        own the SKU lacks, the SKU has words of its own the mention does not say ("pepperoni big": Pepperoni Large
        or Pepperoni Medium?), and the customers' history does not decide (they bought the SKU and never the
        rival). The plain variant is no guess: "coke" is Coke Can, not Diet Coke Can, whose extra word it lacks.
        Nor does a habit decide against a rival whose every word but its size the mention says, where the SKU adds
        words that are no size: "a pizza, regular" from a customer who bought Veggie Supreme Pizza Medium names
        Pizza Medium, not the Veggie Supreme (between sizes alone, "bbq chicken pizza", the habit decides)."""
        mine = _plain_words(self.entries[sku])
        said = set(parsed.words)
        habit = any(self._bought.get((c, sku), 0) for c in customers)
        agreed = size_agreement(parsed, self.entries[sku].name)[0]
        for rival in rivals:
            if rival == sku or rival not in self.entries or self._explained(parsed, rival) < explained:
                continue
            agree, conflict, _other = size_agreement(parsed, self.entries[rival].name)
            if conflict or agree < agreed:
                continue
            theirs = _plain_words(self.entries[rival])
            if habit and not any(self._bought.get((c, rival), 0) for c in customers) and not (
                    all(w in SIZE_WORDS or self._sims.sim(w, said) >= 0.8 for w in theirs)
                    and any(w not in SIZE_WORDS for w in mine - theirs)):  # the rival plainer: the SKU adds words
                continue
            own = mine - theirs
            told = own | (self._acronyms[sku] - self._acronyms[rival])
            if own and not any(self._sims.sim(w, told) >= 0.8 for w in said):
                return True
        return False

    def _names_of(self, sku: str) -> frozenset[str]:
        """The words of a SKU's name, their initials ("fch": Flexible Connection Hose), and the distributor's
        aliases of it (any customer's: its own words); built once per SKU, again after an alias of it is added."""
        names = self._name_words.get(sku)
        if names is None:
            words = self.entries[sku].name.words
            names = frozenset(set(words) | self._acronyms[sku] | {w for _o, a in self._aliases_of.get(sku, ()) for w in a.split()})
            self._name_words[sku] = names
        return names

    def _unexplained(self, parsed: Parsed, sku: str) -> tuple[int, list[str]]:
        """(how many content words the mention has, those the SKU's names do not explain)."""
        names = self._names_of(sku)
        words = self.content_words(parsed) or list(parsed.words)
        return len(words), [w for w in words if self._sims.sim(w, names) < 0.8]

    def _explained(self, parsed: Parsed, sku: str) -> float:
        """Share of the mention's content words that the SKU's names explain: "hair colour sachet" explains nothing
        of "Herbal Shampoo Sachet". A match the words do not explain rests on a size or a habit alone."""
        return _share(*self._unexplained(parsed, sku))

    def unexplained(self, mention: str, sku: str) -> list[str]:
        """The mention's content words that no name or alias of the SKU explains (what a person is asked about)."""
        return self._unexplained(self.parse(mention), sku)[1] if sku in self.entries else []

    @staticmethod
    def content_words(parsed: Parsed) -> list[str]:
        """A mention's words that name a product: no unit or pack word, no English function word."""
        return [w for w in parsed.words if unit_word(w) is None and w not in english_function_words()]

    def _alias_similarity(self, query: str, sku: str, customers: Sequence[str]) -> float:
        """How close the mention is to the nearest alias a customer of this order used for the SKU."""
        best = 0.0
        for owner, alias in self._aliases_of.get(sku, ()):
            if owner in customers or owner == "*":
                best = max(best, fuzz.token_set_ratio(query, alias) / 100)
        return best

    def _alias_scores(self, parsed: Parsed, customers: Sequence[str]) -> dict[str, float]:
        out: dict[str, float] = {}
        hit = self._alias_keys.get(parsed.key())
        if hit:
            for owner, skus in hit.items():
                base = 0.99 if owner in customers else 0.96 if owner == "*" else 0.45
                total = sum(skus.values())
                for sku, n in skus.items():
                    out[sku] = max(out.get(sku, 0.0), base * n / total)
        return out

    def warm_up(self) -> None:
        """Build what the first match would build (the shortlist index of a large catalog)."""
        if len(self.entries) > 200 and self._tfidf is None:
            self._build_index()

    def _shortlist(self, parsed: Parsed, size: int = 60) -> list[str]:
        """Every SKU of a small catalog; else the nearest by character n-gram TF-IDF (no per-request rebuild)."""
        if len(self.entries) <= 200:
            return list(self.entries)
        if self._tfidf is None:
            self._build_index()
        assert self._tfidf is not None and self._matrix is not None
        q = self._tfidf.transform([" ".join(parsed.words) + " " + " ".join(f"{v:g}{u}" for v, u in parsed.sizes)])
        cols, vals = q.indices, q.data
        if not len(cols):
            return []
        scores = np.asarray(self._matrix[:, cols] @ vals).ravel()
        top = np.argpartition(-scores, min(size, len(scores) - 1))[:size]
        return [self._skus[i] for i in top if scores[i] > 0]

    def _build_index(self) -> None:
        """Character 3-4-gram TF-IDF over names (and aliases known at build time), column-major for fast lookups."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._skus = list(self.entries)
        texts = [self._names[s] + " " + " ".join(f"{v:g}{u}" for v, u in self.entries[s].name.sizes) + " "
                 + " ".join(sorted(self._alias_words.get(s, ()))) for s in self._skus]
        self._tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, dtype=np.float32)
        self._matrix = self._tfidf.fit_transform(texts).tocsc()

    def _fuzzy(self, m: Parsed, e: Entry, sizes: bool = True) -> float:
        """Similarity of a mention to a SKU: weighted word coverage both ways, plus size agreement (up to
        ``SCORE_CAP``: sizes that agree must not lift a sibling of another colour to a tie with the SKU named word
        for word)."""
        names = self._fuzzy_names.get(e.sku)
        if names is None:
            names = self._fuzzy_names[e.sku] = frozenset(set(e.name.words) | self._alias_words.get(e.sku, set())
                                                         | self._acronyms[e.sku])
        if not m.words:
            cov = 0.0
        else:
            total = sum(self.idf(w) for w in m.words)
            cov = sum(self.idf(w) * self._sims.sim(w, names) for w in m.words) / total
        pw = e.name.words
        said = set(m.words)
        back = sum(self.idf(w) * self._sims.sim(w, said) for w in pw) / max(1e-9, sum(self.idf(w) for w in pw))
        score = 0.75 * cov + 0.25 * back
        if sizes:
            score += _size_adjust(m, e.name)
        return max(0.0, min(SCORE_CAP, score))


def _plain_words(e: Entry) -> frozenset[str]:
    """A SKU's name words without unit and pack words: what its siblings in other sizes share."""
    return frozenset(w for w in e.name.words if unit_word(w) is None)


def _number_word(word: str) -> float | None:
    """The whole number a word of the lexicon spells ("four", "das"), or None; a weak one ("do", "tin") is a word."""
    value = NUMBER_WORDS.get(word)
    return value if value is not None and word not in WEAK_NUMBER_WORDS and float(value).is_integer() else None


def _lexicon_word(word: str) -> bool:
    """True when the lexicon reads the word: a filler, number or vague word, a measure."""
    return word in FILLER_WORDS or word in NUMBER_WORDS or word in VAGUE_WORDS or measure(word) is not None


def _code(text: str) -> str:
    """A SKU code as people type it: letters and digits only, lower case."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _acronyms(words: Sequence[str]) -> set[str]:
    """Initials of 2-4 consecutive words ("full cream milk" -> "fcm"), as people abbreviate names."""
    out = set()
    for n in (2, 3, 4):
        for i in range(len(words) - n + 1):
            out.add("".join(w[0] for w in words[i : i + n]))
    return out


def _same_slot(said: Sequence[str], new: str, name: Sequence[str], unsaid: str) -> bool:
    """True when a new word stands where the name word it would stand for stands, next to the same said word: "pies
    medium" as Pizza Medium ("pie" before "medium", as "pizza"), not "stapler machine" as Likhit Stapler (the brand
    is left unsaid; "machine" is a word added after the name, no other word for the brand)."""
    def as_named(w: str) -> str:
        return max(name, key=lambda n: _pair_sim(w, n)) if name and _word_sim(w, set(name)) >= 0.8 else w

    ours = [as_named(w) if w != new else new for w in said]
    common = set(ours) & set(name)

    def neighbours(seq: Sequence[str], at: int) -> tuple[str | None, str | None]:
        before = [w for w in seq[:at] if w in common]
        after = [w for w in seq[at + 1:] if w in common]
        return (before[-1] if before else None), (after[0] if after else None)

    a, b = neighbours(ours, ours.index(new)), neighbours(name, list(name).index(unsaid))
    return (a[0] is not None and a[0] == b[0]) or (a[1] is not None and a[1] == b[1])


def _share(n: int, missing: Sequence[str]) -> float:
    """The share of ``n`` content words that are not ``missing`` (0 for no words)."""
    return (n - len(missing)) / n if n else 0.0


def _word_sim(w: str, names: set[str] | frozenset[str]) -> float:
    """How closely a word is one of ``names``: 1 the same, 0.9 a prefix, 0.85 an abbreviation, else its edit ratio
    when at least 0.8, else 0."""
    if w in names:
        return 1.0
    return max((_pair_sim(w, n) for n in names), default=0.0)


SHORT = 3  # letters both words need before an edit ratio relates them: "red" is not "ed" (Extra Dark's initials)


def _pair_sim(w: str, n: str) -> float:
    """``_word_sim`` of one word against one name word; a one-letter edit of a two-letter word is another word."""
    if w == n:
        return 1.0
    best = 0.0
    if len(w) >= 3 and (n.startswith(w) or w.startswith(n) and len(n) >= 4):
        best = 0.9
    elif len(w) >= 3 and w[0] == n[0] and len(w) >= 0.4 * len(n) and _subsequence(w, n):
        best = 0.85  # "tabs" for "tablets", "pkt" for "packet"
    elif len(w) >= 4 and w[0] == n[0] and _swapped(w, n):
        best = 0.85  # "bleu" for "blue", "neeal" for "neela": two letters typed the other way round
    r = fuzz.ratio(w, n) / 100 if min(len(w), len(n)) >= SHORT else 0.0
    return max(best, r) if r >= 0.8 else best


def _swapped(w: str, n: str) -> bool:
    """True when two words differ by two neighbouring letters typed the other way round, and by nothing else."""
    if len(w) != len(n):
        return False
    diff = [i for i, (a, b) in enumerate(zip(w, n, strict=True)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and w[diff[0]] == n[diff[1]] and w[diff[1]] == n[diff[0]]


class WordSims:
    """``_word_sim`` against a known vocabulary, remembered per word: a mention's word is compared once with every
    vocabulary word (edit ratios in rapidfuzz, prefixes and abbreviations among words of its first letter), then
    each SKU's names cost a few set lookups. Exactly ``_word_sim``; a name outside the vocabulary is compared as
    it comes. The catalog's words are compared for every line of every message: this is where matching spends."""

    LIMIT = 50_000  # words remembered before the memory is dropped

    def __init__(self) -> None:
        self.vocab: set[str] = set()
        self._by_first: dict[str, list[str]] = defaultdict(list)
        self._list: list[str] | None = None
        self._hits: dict[str, dict[str, float]] = {}
        self._back: dict[str, frozenset[str]] = {}

    def add(self, words: Iterable[str]) -> None:
        """Add words to the vocabulary (what was remembered is dropped when one is new)."""
        new = [w for w in words if w and w not in self.vocab]
        if not new:
            return
        for w in new:
            self.vocab.add(w)
            self._by_first[w[0]].append(w)
        self._list = None
        self._hits.clear()
        self._back.clear()

    def hits(self, w: str) -> dict[str, float]:
        """Every vocabulary word ``w`` resembles (``_pair_sim`` > 0), with the similarity."""
        found = self._hits.get(w)
        if found is not None:
            return found
        if self._list is None:
            self._list = sorted(self.vocab)
        found = {n: score / 100 for n, score, _ in process.extract(w, self._list, scorer=fuzz.ratio, processor=None,
                                                                   score_cutoff=80, limit=None)
                 if min(len(w), len(n)) >= SHORT}
        if len(w) >= 3:
            for n in self._by_first.get(w[0], ()):
                s = _pair_sim(w, n)
                if s > found.get(n, 0.0):
                    found[n] = s
        if len(self._hits) >= self.LIMIT:
            self._hits.clear()
            self._back.clear()
        self._hits[w] = found
        return found

    def like_any(self, w: str) -> bool:
        """True when ``w`` is a vocabulary word or resembles one (a misspelling does; "rekha", a brand no name or
        alias holds, does not)."""
        return w in self.vocab or bool(self.hits(w))

    def resembling(self, w: str) -> frozenset[str]:
        """Every vocabulary word that resembles ``w`` either way (``_pair_sim(w, n)`` or ``_pair_sim(n, w)`` > 0)."""
        found = self._back.get(w)
        if found is None:
            found = frozenset(self.hits(w)) | {n for n in self._by_first.get(w[0], ()) if _pair_sim(n, w) > 0}
            self._back[w] = found
        return found

    def sim(self, w: str, names: set[str] | frozenset[str]) -> float:
        """``_word_sim(w, names)``."""
        if w in names:
            return 1.0
        hits = self.hits(w)
        if len(names) < len(hits):
            best = max((hits.get(n, 0.0) for n in names), default=0.0)
        else:
            best = max((s for n, s in hits.items() if n in names), default=0.0)
        for n in names - self.vocab:  # a name outside the vocabulary, compared as it comes
            best = max(best, _pair_sim(w, n))
        return best


def _subsequence(short: str, long: str) -> bool:
    """True when the letters of ``short`` appear in order in ``long``."""
    it = iter(long)
    return all(c in it for c in short)


def size_agreement(m: Parsed, p: Parsed) -> tuple[int, int, int]:
    """How a mention's sizes compare with a SKU's: (agreeing, conflicting in the same dimension, in a dimension
    the SKU does not state although it states others)."""
    agree = conflict = other = 0
    p_dims = {u for _, u in p.sizes}
    for v, u in m.sizes:
        same = [pv for pv, pu in p.sizes if pu == u]
        if any(abs(pv - v) < 1e-6 for pv in same):
            agree += 1
        elif same:
            conflict += 1
        elif p_dims:
            other += 1
    return agree, conflict, other


def _size_adjust(m: Parsed, p: Parsed) -> float:
    if not m.sizes and not m.numbers:
        return 0.0
    agree, conflict, other = size_agreement(m, p)
    adj = 0.12 * agree - 0.6 * conflict - 0.15 * other
    for n in set(m.numbers):
        if n in p.written or any(abs(pv - n) < 1e-6 for pv, _ in p.sizes):
            adj += 0.1
    return adj


def _calibrate(ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Turn raw scores into probabilities: a close runner-up takes confidence away from the best."""
    if not ranked:
        return []
    out = []
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = top - second
    p_top = min(1.0, top) * (0.55 + 0.45 * min(1.0, margin / 0.2))
    if top > 0:
        out.append((ranked[0][0], p_top))
    rest = 1.0 - p_top
    others = sum(s for _, s in ranked[1:]) or 1.0
    for sku, s in ranked[1:]:
        if s > 0:
            out.append((sku, min(s, rest * s / others, p_top)))  # never above the best's
    return out

