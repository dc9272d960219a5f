"""gate: a message every rule passed is released only when the release gate's probability that it was read right
clears the threshold (``models.gate``); below it, the message is held with the code of its weakest line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from pydantic import Field

from models.accounting import Knowledge
from models.gate import (
    Leftover,
    LineSignals,
    ReleaseGate,
    leftover,
    line_code,
    line_signals,
    name_cover,
    readings_agree,
    readings_conflict,
)
from models.matcher import MatchEvidence, SkuMatcher
from ordex.catalog import MasterData
from ordex.schema import Case, Code, Finding, Line
from ordex.stages.base import Component, Options
from ordex.stages.match import customers_of_lines
from rules.validate import load_config


class GateOptions(Options):
    """Whether the gate runs, the precision released orders must reach, and a threshold set by hand instead."""

    enabled: bool = Field(default=True, description="Off: a message every rule passed is released as before")
    reads_with: str = Field(default="tagger+ranker", description="The extractor and matcher the pipeline runs: a gate "
                                                                 "fitted on other readers' signals does not apply")
    precision: float | None = Field(default=None, gt=0.0, le=1.0, description="The target precision: the threshold "
                                    "is read off the gate's held-out curve (ORDEX_RELEASE_PRECISION)")
    threshold: float | None = Field(default=None, ge=0.0, le=1.0,
                                    description="Overrides the threshold the target gives (ORDEX_RELEASE_THRESHOLD)")


class GateStage(Component):
    """The release gate over a case no rule held."""

    name: ClassVar[str] = "gate"

    def __init__(self, gate: ReleaseGate | None, md: MasterData, matcher: SkuMatcher, knowledge: Knowledge,
                 usual: Callable[[str | None], Mapping[str, float]], second: Callable[[Case], Case] | None = None,
                 options: GateOptions | None = None) -> None:
        self.options = options or GateOptions()
        self.second = second
        self.gate = gate
        self.md = md
        self.matcher = matcher
        self.knowledge = knowledge
        self.usual = usual

    @property
    def on(self) -> bool:
        """True when a trained gate applies: switched on, and fitted on the readers this pipeline runs."""
        return self.gate is not None and self.options.enabled and self.gate.reads_with == self.options.reads_with

    @property
    def model(self) -> str:
        return "release-gate" if self.on else ""

    @property
    def version(self) -> str:
        if self.gate is not None and self.gate.reads_with != self.options.reads_with:
            return f"off (fitted for {self.gate.reads_with}, reading with {self.options.reads_with})"
        if not self.on:
            return "off"
        target = self.options.precision or (self.gate.target_precision if self.gate else 0.0)
        return f"{self.gate.version if self.gate else ''} precision {target:g} threshold {self.threshold:.3f}"

    @property
    def threshold(self) -> float:
        assert self.gate is not None
        if self.options.threshold is not None:
            return self.options.threshold
        return self.gate.threshold_for(self.options.precision)

    def signals(self, case: Case, agrees: Sequence[bool] = (), conflicts: Sequence[bool] = ()) -> list[LineSignals]:
        """Each line's signals, in the order of ``case.lines``."""
        out = []
        for i, (ln, who) in enumerate(zip(case.lines, customers_of_lines(case, self.md), strict=True)):
            section = case.sections[ln.section] if ln.section < len(case.sections) else None
            cid = section.customer_id if section else None
            ev = self.matcher.evidence(ln.product, ln.sku, who) if ln.sku else MatchEvidence()
            block = case.blocks[ln.block] if ln.block is not None and ln.block < len(case.blocks) else None
            usual = self.usual(cid).get(ln.sku) if ln.sku else None
            by_name = section is not None and section.customer_source != "sender"
            customer = self.md.customer(cid)
            cover = name_cover(section.named, customer.name) if by_name and section and customer else 1.0
            product = self.md.product(ln.sku) if ln.sku else None
            one_unit = product is not None and all(n == 1 for n in product.conversions.values())
            out.append(line_signals(ln, block, ev, usual, self.knowledge, cid, by_name, i < len(agrees) and agrees[i],
                                    cover, i < len(conflicts) and conflicts[i], one_unit))
        return out

    def parts(self, case: Case) -> tuple[list[LineSignals], Leftover]:
        """The lines' signals and what the message left outside them (what training and evaluation read), with
        the second reader's lines set beside the first's."""
        names = self.names(case)
        if self.second is None:
            return self.signals(case), leftover(case, self.knowledge, names=names)
        theirs = self.second(case).lines
        agrees, second_only = readings_agree(case.lines, theirs)
        return (self.signals(case, agrees, readings_conflict(case.lines, theirs, self._own_count)),
                leftover(case, self.knowledge, second_only, names))

    def _own_count(self, ln: Line) -> bool:
        """True when the count a line was read with is a number its SKU's description or pack size writes."""
        entry = self.matcher.entries.get(ln.sku) if ln.sku else None
        return entry is not None and ln.qty is not None and ln.qty in entry.name.written

    def names(self, case: Case) -> list[str]:
        """The names the message gave for its orders' customers, and those customers' names in the master data."""
        out = [s.named for s in case.sections if s.named]
        for s in case.sections:
            customer = self.md.customer(s.customer_id)
            if customer is not None:
                out.append(customer.name)
        return out

    def __call__(self, case: Case) -> Case:
        if not self.on or case.findings or not case.lines:
            return case
        gate = self.gate
        assert gate is not None
        lines, left = self.parts(case)
        p = gate.probability(lines, left)
        if p >= self.threshold:
            return case
        return case.model_copy(update={"findings": (*case.findings, self._doubt(case, lines, left, p))})

    def _doubt(self, case: Case, lines: Sequence[LineSignals], left: Leftover, p: float) -> Finding:
        """The finding that holds a doubted message: its weakest part, the code a person resolves it under, and
        the probability against the threshold."""
        gate = self.gate
        assert gate is not None
        i = min(range(len(lines)), key=lambda k: gate.line_probability(lines[k]))
        ln = case.lines[i]
        why = f"released orders must be right with probability {self.threshold:.3f}, this message {p:.3f}"
        line: int | None = None
        missed = gate.complete_probability(lines, left) < gate.line_probability(lines[i])  # a line left unread
        if missed and left.dropped and not (left.counts or left.catalog or left.second_only or left.unsure):
            code = Code.SKU_UNMATCHED  # a counted item the catalog may lack: which SKU is it, if any?
            detail = (f"{'; '.join(repr(t) for t in left.dropped[:3])}: read as no order line, yet a count stands beside "
                      f"words nothing places: an item the catalog does not hold, or which SKU?; {why}")
        elif missed:
            code = Code.QTY_UNCLEAR
            unread = (f", and {len(left.unsure)} line(s) of the photo OCR could not read surely: "
                      + "; ".join(repr(t) for t in left.unsure[:3])) if left.unsure else ""
            detail = (f"the message may hold a line that was not read ({left.counts} count(s) beside a unit word, "
                      f"{left.unplaced_counts} beside a word nothing places, {left.catalog} catalog word(s) and "
                      f"{left.second_only} SKU(s) only the rule reader found outside every line{unread}); {why}")
        elif (code := line_code(gate, lines[i], self.threshold)) == Code.CUSTOMER_UNKNOWN:
            section = case.sections[ln.section]
            detail = (f"the customer {section.customer_id} was found by the name {section.named!r} in the text, not by "
                      f"the sender; {why}")
        else:
            line = i
            detail = (f"{ln.text!r}: {why} (weakest line: {ln.sku or '?'} at {ln.sku_confidence:.2f}, count "
                      f"{ln.qty if ln.qty is not None else '?'}{' ' + ln.unit if ln.unit else ''})")
        return Finding(code=code, queue=load_config().queue(code), detail=detail, section=ln.section, line=line)
