"""The one path from a raw message to a validated prediction, shared by the CLI, the API and evaluation.

``Engine`` holds what is loaded once (master data, matcher, OCR, store); ``Engine.submit`` stores the raw
message first, runs the stages, writes what they found and returns the contract's prediction.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from models import artifacts
from models.accounting import Knowledge
from models.gate import packaged_gate
from models.matcher import SkuMatcher
from models.ranker import Ranker
from models.tagger import TokenTagger
from ordex.aliases import (
    MatcherFactory,
    Reader,
    build_matcher,
    history_reader,
    learn_history_aliases,
    read_mentions,
)
from ordex.catalog import MasterData
from ordex.intake.types import OcrFn
from ordex.masterdata import load_master_data
from ordex.prediction import Answer, Prediction, StoredLine, orders_of
from ordex.schema import Case, Code, Finding, Line, Message, StageTrace
from ordex.settings import Settings
from ordex.stages import (
    SURE_COUNT,
    DecideStage,
    GateOptions,
    GateStage,
    IntakeStage,
    Ledger,
    MatchOptions,
    MatchStage,
    ReadOptions,
    ReadStage,
    SplitOptions,
    SplitStage,
    Stage,
    TagOptions,
    TagStage,
    ValidateOptions,
    ValidateStage,
)
from ordex.stages.tag import TAG_CHECKS
from ordex.store import Store
from ordex.store.store import Accepted, AlreadyProcessed, OrderRecord
from ordex.unit_words import asked_in_history, knowledge, learn_from_history
from rules.validate import PastOrder, load_config, order_value, signature, unreadable

LinesFor = Callable[[Case], tuple[list[Line], list[Finding]]]  # a read case -> its known lines, or why none

log = logging.getLogger("ordex.pipeline")


class NotLoaded(RuntimeError):
    """The store holds no master data yet: load it with ``ordex load --master-data DIR``."""


class Engine:
    """Loaded models, master data, the stages and the store: call ``submit`` for each inbound message.

    The stage list is built from the settings once per master data and model set (``refresh``) and run in
    order by ``run``; each stage's name, model, version and milliseconds go into the case's trace."""

    def __init__(self, store: Store, settings: Settings, ocr: OcrFn | None = None,
                 tagger: TokenTagger | None = None, ranker: Ranker | None = None,
                 make_matcher: MatcherFactory = build_matcher) -> None:
        self.store = store
        self.settings = settings
        self.tagger = tagger
        self.ranker = ranker
        self.make_matcher = make_matcher  # build_matcher; a baseline's in an evaluation
        self.load_id: int | None = None
        self.md = MasterData()
        self.matcher = SkuMatcher(())
        self.knowledge = Knowledge()
        self.asked: Counter[str] = Counter()  # words asked on an item in the history, per load (``asked_in_history``)
        self.reader = ReadStage(read_options(settings), ocr)
        self.stages: tuple[Stage, ...] = ()  # built by refresh, for the master data and models it finds
        self.synced_version = store.version()
        self.refresh()

    @classmethod
    def open(cls, settings: Settings, master_data: Path | None = None, ocr: OcrFn | None = None,
             make_matcher: MatcherFactory = build_matcher) -> Engine:
        """Open the store (migrating it), load master data from a directory if given, and build the matcher."""
        store = Store(settings.store_url())
        tagger = load_tagger(settings)
        if master_data is not None:
            load_into(store, load_master_data(master_data), str(master_data), history_reader(tagger))
        return cls(store, settings, ocr, tagger, load_ranker(settings), make_matcher)

    def _stages(self) -> tuple[Stage, ...]:
        """intake -> read -> split -> tag -> match -> validate -> gate -> decide, for the current master data and models."""
        s = self.settings
        match = MatchOptions(sku=s.sku_threshold, unsaid="unsaid_variant" in s.line_checks,
                             said_size="said_size" in s.line_checks,
                             unit_lines="unit_no_count" in s.line_checks, unit_in_name="unit_in_name" in s.line_checks,
                             listed="listed_line" in s.line_checks,
                             count=MatchOptions().count if "worded_count" in s.line_checks else SURE_COUNT,
                             explained=MatchOptions().explained if "unexplained_words" in s.line_checks else 0.0)
        extractor = "rules" if self.tagger is None else ("tagger" if s.extractor == "auto" else s.extractor)
        validate = ValidateStage(self.md, self._ledger, ValidateOptions(qty=s.qty_threshold,
                                                                        history="history_evidence" in s.line_checks))
        tag_options = TagOptions(extractor=extractor, rules=s.span_rules,  # type: ignore[arg-type]
                                 checks=tuple(c for c in s.line_checks if c in TAG_CHECKS))
        match_stage = MatchStage(self.matcher, self.md, match)
        rule_tag = TagStage(None, self.matcher.number_hint, self.matcher.is_code,
                            tag_options.model_copy(update={"extractor": "rules"}), self.knowledge)

        def second_reader(case: Case) -> Case:
            """The same message read again by the rule extractor, matched the same way (the gate compares them)."""
            return match_stage(rule_tag(case.model_copy(update={"lines": ()})))

        return (
            IntakeStage(),
            self.reader,
            SplitStage(self.md, lambda t: self.matcher.resemblance(t) >= match.line_resemblance,
                       SplitOptions(customer_spans=s.customer_spans), self.tagger if extractor == "tagger" else None),
            TagStage(self.tagger, self.matcher.number_hint, self.matcher.is_code, tag_options, self.knowledge),
            match_stage,
            validate,
            GateStage(packaged_gate() if s.release_gate else None, self.md, self.matcher, self.knowledge, validate.usual, second_reader,
                      GateOptions(enabled=s.release_gate, precision=s.release_precision, threshold=s.release_threshold,
                                  reads_with=f"{extractor}+{'rules' if self.ranker is None else 'ranker'}")),
            DecideStage(),
        )

    def refresh(self) -> None:
        """Re-read the current master data and learned aliases from the store; the stages are built anew."""
        current = self.store.master_data()
        if current is not None:
            if current[0] != self.load_id:  # the history is read for its requests once per load
                self.asked = asked_in_history(current[1])
            self.load_id, self.md = current
            self.md.set_phone_region(self.settings.phone_region)
            learned = self.store.learned_aliases()
            self.matcher = self.make_matcher(self.md, learned, self.ranker, self.settings.learn_names)
            self.knowledge = knowledge(self.md, learned, self.store.learned_units() if self.settings.learn_words else {},
                                       self.asked, joins="joined_words" in self.settings.line_checks)
        self.stages = self._stages()

    def sync(self) -> bool:
        """Refresh when the store's master data or aliases changed since (a reload, a person's correction)."""
        version = self.store.version()
        if version == self.synced_version:
            return False
        self.synced_version = version
        self.refresh()
        return True

    @property
    def ready(self) -> bool:
        """True once master data is loaded and the OCR models are warm."""
        return self.load_id is not None and self.reader.ready

    def warm_up(self) -> None:
        """Load every stage's models now (OCR, the tagger) rather than on the first message that needs them."""
        for stage in self.stages:
            stage.warm_up()

    def submit(self, message: Message, actor: str = "system", observe: Callable[[Case], None] | None = None) -> Answer:
        """Store the raw message, then process it; a known message id returns the first answer. ``observe`` sees
        the finished case (evaluation and training read its signals)."""
        self.sync()
        accepted = self.store.accept(message, message.raw or b"", message.raw_kind or "json", actor=actor)
        if accepted.existing:
            stored = self.store.prediction(accepted.id)
            if stored is not None:
                return Answer.model_validate(stored)
        return self.process_held(accepted.id, message, observe)

    def process_held(self, row: int, message: Message, observe: Callable[[Case], None] | None = None) -> Answer:
        """Process a stored message this caller holds; a crash holds it as UNREADABLE (answer and exception
        stored, raw bytes kept), the same for the CLI, evaluation and the service."""
        try:
            return self.process(message, Accepted(row, False, "processing"), observe=observe)
        except (NotLoaded, AlreadyProcessed):
            raise
        except Exception as e:  # noqa: BLE001 - the raw message is stored; a crash becomes a held case
            log.exception("processing message %s (%s) failed", row, message.id)
            return self.fail(row, message.id, f"processing failed: {type(e).__name__}: {e}")

    def fail(self, row: int, external_id: str, reason: str) -> Answer:
        """Hold a message that cannot be processed as UNREADABLE in the intake queue (its raw bytes stay)."""
        answer = Prediction.failed(external_id, unreadable(reason))
        try:
            return Answer.model_validate(self.store.save_failure(row, answer.model_dump(mode="json"), reason))
        except AlreadyProcessed:
            stored = self.store.prediction(row)
            assert stored is not None, f"message {row} has a result but no stored answer"
            return Answer.model_validate(stored)

    def process(self, message: Message, accepted: Accepted,
                observe: Callable[[Case], None] | None = None) -> Answer:
        """Run the stages on a stored message and write what they found; ``observe`` sees the finished case."""
        if self.load_id is None:
            raise NotLoaded("no master data loaded: run `ordex load --master-data DIR` first")
        t0 = time.perf_counter()
        return self._save(accepted, self.run(Case(message=message)), t0, observe)

    def process_lines(self, row: int, message: Message, lines_for: LinesFor,
                      observe: Callable[[Case], None] | None = None) -> Answer:
        """A stored message whose order lines are known without reading them (a dealer's "same as last time"):
        intake, read and split as always, then ``lines_for`` gives the lines (or a finding why there are
        none), and the rules decide as for any order."""
        if self.load_id is None:
            raise NotLoaded("no master data loaded: run `ordex load --master-data DIR` first")
        t0 = time.perf_counter()
        case = self.run(Case(message=message), ("intake", "read", "split"))
        lines, findings = lines_for(case)
        case = case.model_copy(update={"lines": tuple(lines), "findings": (*case.findings, *findings)})
        return self._save(Accepted(row, False, "processing"), self.run(case, ("validate", "decide")), t0, observe)

    def _save(self, accepted: Accepted, case: Case, t0: float, observe: Callable[[Case], None] | None) -> Answer:
        """Write what the stages found for a stored message, in one transaction, and answer."""
        pred = Prediction.of(case, (time.perf_counter() - t0) * 1000)
        ids = self.store.save_result(
            accepted.id, str(case.status), case.model_dump(mode="json", exclude={"message": {"raw", "attachments"}}),
            pred.model_dump(mode="json"), order_records(case, self.md),
            [f.model_dump(mode="json") for f in case.findings if f.section is None], case.message.received_at,
            self.load_id,
        )
        if observe is not None:
            observe(case)
        return Answer.model_construct(**dict(pred), message_id=accepted.id, order_ids=ids["order_ids"],
                                      exception_ids=ids["exception_ids"])  # its parts were validated as built

    def run(self, case: Case, only: tuple[str, ...] | None = None) -> Case:
        """The whole pipeline on one case (or the stages named in ``only``), each stage timed into the trace with
        its model and version."""
        for stage in self.stages:
            if only is not None and stage.name not in only:
                continue
            t = time.perf_counter()
            case = stage(case)
            trace = StageTrace(stage=stage.name, model=stage.model, version=stage.version,
                               ms=round((time.perf_counter() - t) * 1000, 3))
            case = case.model_copy(update={"trace": (*case.trace, trace)})
        return case

    def _ledger(self, case: Case) -> Callable[[str], Ledger]:
        cfg = load_config()

        def ledger(customer_id: str) -> Ledger:
            released = self.store.released_value(customer_id, self.load_id)
            recent = tuple(
                PastOrder(mid, at, tuple((s, float(q)) for s, q in sig))
                for mid, at, sig in self.store.recent_orders(customer_id, case.message.received_at, cfg.duplicate_window_hours)
            )
            return Ledger(Decimal(released), recent)

        return ledger


def order_records(case: Case, md: MasterData) -> list[OrderRecord]:
    """The orders to store, released only when the whole message went through untouched."""
    released = str(case.status) == "auto"
    out = []
    for k, lines in orders_of(case):
        s = case.sections[k]
        # held for a line perhaps not read (a QTY_UNCLEAR on no line): its signature keeps a place for that line
        unread = any(f.section == k and f.line is None and f.code == Code.QTY_UNCLEAR for f in case.findings)
        out.append(OrderRecord(
            section=k, customer_id=s.customer_id, released=released,
            value=order_value(lines, s.customer_id, md), signature=[list(x) for x in signature(lines, int(unread))],
            lines=[StoredLine.of(ln).model_dump(mode="json") for ln in lines],
            findings=[f.model_dump(mode="json") for f in case.findings if f.section == k],
        ))
    return out


def read_options(settings: Settings) -> ReadOptions:
    """The read stage's options from the settings (its limits, the reader process, the OCR engine)."""
    return ReadOptions(ocr_threads=settings.ocr_threads, max_chars=settings.max_message_chars,
                       max_lines=settings.max_message_lines, max_line_chars=settings.max_line_chars,
                       max_attachments=settings.max_attachments, max_attachment_bytes=settings.max_attachment_bytes,
                       isolated=settings.read_isolated, time_limit_s=settings.read_seconds,
                       ocr_engine=settings.ocr_engine, join_runs=settings.ocr_join_runs)


def load_tagger(settings: Settings) -> TokenTagger | None:
    """The token classifier the settings ask for (found by ``models.artifacts``); None for the rules: with
    ``extractor=auto`` or ``hybrid`` a missing model means the rules alone (logged), with ``tagger`` an error."""
    if settings.extractor == "rules":
        return None
    return artifacts.load_tagger(settings.model_source(), settings.tagger_threads, required=settings.extractor == "tagger")


def load_ranker(settings: Settings) -> Ranker | None:
    """The learned SKU ranker the settings ask for, or None for the hand-set scores."""
    if settings.matcher == "rules":
        return None
    return artifacts.load_ranker(settings.model_source(), required=settings.matcher == "ranker")


def load_into(store: Store, md: MasterData, source: str, read: Reader = read_mentions) -> int:
    """Store a master-data snapshot and the aliases its history teaches (read with ``read``); the load id. The
    same master data as the current snapshot is not loaded again: what its history taught is in the store."""
    current = store.master_data()
    if current is not None and current[1] == md:
        return current[0]
    load_id = store.load_master_data(md, source)
    aliases = learn_history_aliases(md, read=read)
    store.replace_history_aliases(aliases)
    store.replace_history_units(learn_from_history(md))
    return load_id


__all__ = ["Engine", "NotLoaded", "load_into", "load_ranker", "load_tagger", "signature"]
