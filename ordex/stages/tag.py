"""tag: order lines from each section's blocks, read by the token classifier (or the rule extractor).

The classifier's raw spans go through the named span and line rules of ``models.span_rules`` (each switchable
here, each measured); spreadsheet rows whose columns a reader recognised are taken as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from models.accounting import (
    Knowledge,
    Placement,
    a_request,
    article_before,
    check_names,
    count_in_name,
    item_edge,
    misread_counts,
    name_after,
    name_before,
    number_beside,
    number_in_name,
    orphan_counts,
    place_count_word,
    rule_line_parts,
    size_after,
    size_at,
    unplaced_note,
    unread_words,
)
from models.extractor import NumberHint, extract_block_lines, serial_numbers
from models.matcher import normalize
from models.span_rules import ALL_RULES, check_rules, read_lines
from models.tagger import LineParts, Span, TokenTagger
from models.units import VOCABULARY_VERSION
from ordex.schema import Case, Line
from ordex.stages.base import Component, Options

TAG_CHECKS = ("count_word", "catalog_spelling", "unread_words", "name_after", "size_after", "learned_requests",
              "orphan_counts", "article_items", "bare_number", "second_count", "heading_number")  # the line checks this stage runs
DISAGREE = 0.45  # below the default quantity threshold: the two extractors disagree, a person decides
TRUSTED = 0.95  # a count written with its unit ("24 ctn") or marker ("qty: 5") needs no second opinion


class TagOptions(Options):
    """Which extractor reads order lines, and which hand rules tidy the classifier's spans."""

    extractor: Literal["tagger", "hybrid", "rules"] = Field(
        default="tagger", description="tagger: the token classifier reads free text; hybrid: the rule extractor "
                                      "reads and the classifier gives a second opinion on its counts; rules: the "
                                      "rule extractor alone")
    rules: tuple[str, ...] = Field(default=ALL_RULES, description="The span and line rules applied after decoding "
                                                                  "(models.span_rules), by name")

    checks: tuple[str, ...] = Field(default=TAG_CHECKS, description="The line checks of models.accounting this "
                                                                    "stage runs (count_word, unread_words), by "
                                                                    "name")

    @field_validator("rules")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_rules(v)

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_names(v)


class TagStage(Component):
    """Order lines from every section; the classifier reads only the blocks the rules do not read as table rows."""

    name: ClassVar[str] = "tag"

    def __init__(self, tagger: TokenTagger | None, hint: NumberHint | None = None,
                 code: Callable[[str], bool] | None = None, options: TagOptions | None = None,
                 knowledge: Knowledge | None = None) -> None:
        self.options = options or TagOptions()
        self.knowledge = knowledge or Knowledge()
        if tagger is None and self.options.extractor != "rules":
            self.options = self.options.model_copy(update={"extractor": "rules"})
        self.tagger = tagger
        self.hint = hint
        self.code = code

    @property
    def model(self) -> str:
        return self.tagger.name if self.tagger is not None and self.options.extractor != "rules" else "rule-extractor"

    @property
    def version(self) -> str:
        model = f"v{self.tagger.version}" if self.tagger is not None and self.options.extractor != "rules" else "rules"
        return (f"{model} vocabulary {VOCABULARY_VERSION} span rules {','.join(self.options.rules) or 'none'} "
                f"checks {','.join(self.options.checks) or 'none'}")

    def warm_up(self) -> None:
        if self.tagger is not None:
            self.tagger.warm_up()

    def __call__(self, case: Case) -> Case:
        if self.options.extractor == "rules" or self.tagger is None:
            return case.model_copy(update={"lines": tuple(self._rule_lines(case))})
        free = [(k, b) for k, s in enumerate(case.sections) for b in s.blocks if not case.blocks[b].fields.get("product")]
        serials = {b: at for s in case.sections for b, at in serial_numbers(case.blocks, s.blocks).items()}
        texts = {kb: _blank(case.blocks[kb[1]].text, serials.get(kb[1])) for kb in free}  # a row's serial is no count
        tagged = dict(zip(free, self.tagger.spans([texts[kb] for kb in free]), strict=True))
        if self.options.extractor == "hybrid":
            return case.model_copy(update={"lines": tuple(self._second_opinion(case, self._rule_lines(case), tagged))})
        out: list[Line] = []
        for k, s in enumerate(case.sections):
            for b in s.blocks:
                block = case.blocks[b]
                if (k, b) not in tagged:  # a table row whose columns a reader recognised
                    out.extend(extract_block_lines(case.blocks, [b], k, self.hint, self.code, self._headings))
                    continue
                spans = tagged[(k, b)]
                text = texts[(k, b)]  # as the classifier read it, offsets kept
                parts = read_lines(text, spans, self.options.rules)
                sized = -1  # where the size word the line before took ends: no line of its own
                for p in parts:
                    if p.start < sized or "learned_requests" in self.options.checks and a_request(text, p, self.knowledge):
                        continue
                    line, sized = self._accounted(text, p, spans, s.customer_id, k, b, block.confidence)
                    out.append(line)
                orphans = self._orphans(text, spans, parts, s.customer_id, k, b, block.confidence) \
                    if "orphan_counts" in self.options.checks else []
                if "unread_words" in self.options.checks:  # words an orphan line took are read
                    read = [Span("PRODUCT", at, at + len(ln.text), 1.0) for ln, at in orphans]
                    out.extend(self._unread(text, [*spans, *read], parts, k, b))
                out.extend(ln for ln, _at in orphans)
        return case.model_copy(update={"lines": tuple(out)})

    def _accounted(self, text: str, p: LineParts, spans: Sequence[Span], customer_id: str | None, k: int, b: int,
                   confidence: float) -> tuple[Line, int]:
        """A line with the word beside its count accounted for: read as its unit, or named as the reason its count
        is uncertain (``models.accounting``); and where the rest of its name or a size written after it ends (-1
        when none). A line with no count that an article no span took begins counts one (", a sprite,")."""
        p = number_in_name(text, p, self.knowledge) if "bare_number" in self.options.checks else p
        p = name_before(text, p, spans, self.knowledge)  # switched by the knowledge (``joined_words``)
        art = article_before(text, p.start, spans) if p.qty is None and "article_items" in self.options.checks \
            and item_edge(text, p.start + len(p.text)) else None
        if art is not None:
            p = replace(p, text=text[art.start:p.start + len(p.text)], qty=1.0, qty_score=art.score,
                        qty_at=(art.start, art.end), start=art.start)
        placed = place_count_word(text, p, spans, self.knowledge, customer_id,
                                  "catalog_spelling" in self.options.checks) if "count_word" in self.options.checks \
            else Placement()
        unit, product = None if placed.bare else placed.unit or p.unit, placed.product or p.product
        rest, rest_end = name_after(text, p, spans, self.knowledge) if "name_after" in self.options.checks else ("", -1)
        if rest:  # the name goes on: the line reads up to its end, and a size after a comma comes after that
            product, p = f"{product} {rest}", replace(p, text=text[p.start:rest_end])
        size, size_end = size_after(text, p, spans) if "size_after" in self.options.checks else ("", -1)
        product = f"{product} {size}" if size else product
        said = text[p.start:size_end] if size else p.text  # the size is part of what the line read
        size_end = max(size_end, rest_end)
        note = unplaced_note(placed.unplaced, p.qty) if placed.unplaced and p.qty is not None else ""
        missed = number_beside(text, p, spans) if "bare_number" in self.options.checks else ""
        note = note or (f"the number {missed!r} beside it was not read as its count" if missed else "")
        second = count_in_name(p, self.knowledge) if "second_count" in self.options.checks else ""
        note = note or (f"its name begins with another count, {second!r}: two items read as one?" if second else "")
        qty, vague = (None, True) if placed.vague else (p.qty, p.vague)
        return Line(section=k, text=said, product=product, qty=qty, unit=unit, qty_vague=vague, qty_note=note,
                    price=p.price, confidence=round(confidence * p.product_score, 4),
                    qty_confidence=round(min(confidence, p.qty_score), 4), block=b), size_end

    def _unread(self, text: str, spans: Sequence[Span], parts: Sequence[LineParts], k: int, b: int) -> list[Line]:
        """Catalog words no line took (a line the classifier read as a name or missed): one line with no count,
        so the match stage holds it or finds it is no product, rather than the message going out without it."""
        words = unread_words(text, spans, self.knowledge)
        if len(words) < 2 or any(w.lower() in p.product.lower().split() for p in parts for w in words):
            return []
        return [Line(section=k, text=text.strip(), product=" ".join(words), qty=None, qty_confidence=0.0,
                     confidence=0.5, block=b)]

    def _orphans(self, text: str, spans: Sequence[Span], parts: Sequence[LineParts], customer_id: str | None, k: int,
                 b: int, confidence: float) -> list[tuple[Line, int]]:
        """Counts no line took (and, with ``article_items``, articles before catalog words no span took), with the
        words nothing places after them as the product (and the unit word between, if any), and catalog words read
        as a count (a line with no count, held), each with where it begins in the text."""
        out = []
        requests = "learned_requests" in self.options.checks
        articles = "article_items" in self.options.checks
        for span, value, words, end, said in orphan_counts(text, spans, parts, self.knowledge, customer_id, requests,
                                                           articles):
            size, size_end = size_at(text, end, spans) if "size_after" in self.options.checks else ("", -1)
            words, end = (f"{words} {size}", size_end) if size else (words, end)  # "a pepperoni pizza, regular"
            unit = self.knowledge.unit(said, customer_id) if said else None
            note = unplaced_note(said, value) if said and not unit else ""  # a unit word nothing reads: held
            out.append((Line(section=k, text=text[span.start:end], product=words, qty=value, unit=unit,
                             qty_note=note, qty_confidence=round(span.score, 4),
                             confidence=round(0.5 * confidence, 4), block=b), span.start))
        for span in misread_counts(text, spans, parts, self.knowledge):  # "with nan - a": an item read as a count
            word = text[span.start:span.end].strip()
            out.append((Line(section=k, text=word, product=word, qty=None, qty_confidence=0.0,
                             confidence=round(0.5 * confidence, 4), block=b), span.start))
        return out

    @property
    def _headings(self) -> bool:
        """Whether a heading's number before a colon counts nothing for the rule extractor (heading_number)."""
        return "heading_number" in self.options.checks

    def _rule_lines(self, case: Case) -> list[Line]:
        lines: list[Line] = []
        for k, s in enumerate(case.sections):
            lines.extend(self._rule_accounted(ln, s.customer_id)
                         for ln in extract_block_lines(case.blocks, s.blocks, k, self.hint, self.code, self._headings))
        return lines

    def _rule_accounted(self, ln: Line, customer_id: str | None) -> Line:
        """The rule extractor's line with the word beside its count accounted for, as the classifier's are."""
        if ln.qty is None or (ln.block is not None and ln.block < 0) or "count_word" not in self.options.checks:
            return ln
        parts, spans = rule_line_parts(ln.text, ln.product, ln.qty, ln.unit)
        placed = place_count_word(ln.text, parts, spans, self.knowledge, customer_id,
                                  "catalog_spelling" in self.options.checks)
        if placed.unit:
            return ln.model_copy(update={"unit": placed.unit})
        if placed.unplaced:
            return ln.model_copy(update={"qty_note": unplaced_note(placed.unplaced, ln.qty),
                                         "product": placed.product or ln.product})
        if placed.vague:
            return ln.model_copy(update={"qty": None, "qty_vague": True})
        return ln

    def _second_opinion(self, case: Case, lines: Sequence[Line], tagged: dict[tuple[int, int], list[Span]]) -> list[Line]:
        """Lower the quantity confidence of rule lines the tagger reads with another quantity (or not at all)."""
        out = []
        for ln in lines:
            spans = tagged.get((ln.section, ln.block)) if ln.block is not None else None
            if spans is None or ln.qty is None or ln.qty_confidence >= TRUSTED or ln.block is None:
                out.append(ln)
                continue
            words = set(normalize(ln.product).split())
            agree = any(
                p.qty == ln.qty and len(words & set(normalize(p.product).split())) >= max(1, len(words) // 2)
                for p in read_lines(case.blocks[ln.block].text, spans, self.options.rules)
            )
            out.append(ln if agree else ln.model_copy(update={"qty_confidence": min(ln.qty_confidence, DISAGREE)}))
        return out


def _blank(text: str, at: tuple[int, int] | None) -> str:
    """The text with the characters at ``at`` blanked (offsets kept), as the classifier is to read it."""
    return text if at is None else text[: at[0]] + " " * (at[1] - at[0]) + text[at[1] :]
