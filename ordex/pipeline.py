"""The one path from a raw message to a validated prediction, shared by the CLI, the API and evaluation.

``Engine`` holds what is loaded once (master data, matcher, OCR, store); ``Engine.submit`` stores the raw
message first, runs the stages, writes what they found and returns the contract's prediction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from models.artifacts import ArtifactMissing, resolve_matcher, resolve_tagger
from models.matcher import SkuMatcher
from models.ranker import Ranker
from models.tagger import TokenTagger
from ordex import stages
from ordex.aliases import Reader, build_matcher, history_reader, learn_history_aliases, read_mentions
from ordex.intake.types import OcrFn
from ordex.masterdata import MasterData, load_master_data
from ordex.prediction import order_records, prediction_of
from ordex.schema import Case, Message, StageTrace
from ordex.settings import Settings
from ordex.store import Store
from ordex.store.store import Accepted
from rules.validate import PastOrder, load_config, signature, unreadable

log = logging.getLogger("ordex.pipeline")


class NotLoaded(RuntimeError):
    """The store holds no master data yet: load it with ``ordex load --master-data DIR``."""


class Engine:
    """Loaded models, master data and the store: call ``submit`` for each inbound message."""

    def __init__(self, store: Store, settings: Settings, ocr: OcrFn | None = None,
                 tagger: TokenTagger | None = None, ranker: Ranker | None = None) -> None:
        self.store = store
        self.settings = settings
        self.tagger = tagger
        self.ranker = ranker
        self.thresholds = stages.Thresholds(sku=settings.sku_threshold, qty=settings.qty_threshold)
        self._ocr = ocr
        self._ocr_ready = ocr is not None
        self.load_id: int | None = None
        self.md = MasterData()
        self.matcher = SkuMatcher(())
        self.synced_version = store.version()
        self.refresh()

    @classmethod
    def open(cls, settings: Settings, master_data: Path | None = None, ocr: OcrFn | None = None) -> Engine:
        """Open the store (migrating it), load master data from a directory if given, and build the matcher."""
        store = Store(settings.store_url())
        tagger = load_tagger(settings)
        if master_data is not None:
            load_into(store, load_master_data(master_data), str(master_data), history_reader(tagger))
        return cls(store, settings, ocr, tagger, load_ranker(settings))

    def refresh(self) -> None:
        """Re-read the current master data and learned aliases from the store."""
        current = self.store.master_data()
        if current is None:
            return
        self.load_id, self.md = current
        self.matcher = build_matcher(self.md, self.store.learned_aliases(), self.ranker)

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
        return self.load_id is not None and self._ocr_ready

    def warm_up(self) -> None:
        """Load the OCR and tagger models now rather than on the first message that needs them."""
        self.ocr()
        if self.tagger is not None:
            self.tagger.warm_up()

    def ocr(self) -> OcrFn:
        """The OCR engine, loaded once."""
        if self._ocr is None:
            from models.ocr import OcrEngine

            engine = OcrEngine(threads=self.settings.ocr_threads)
            engine.warm_up()
            self._ocr = engine
            self._ocr_ready = True
        return self._ocr

    def submit(self, message: Message, actor: str = "system") -> dict[str, Any]:
        """Store the raw message, then process it; a known message id returns the first answer."""
        self.sync()
        accepted = self.store.accept(message, message.raw or b"", message.raw_kind or "json", actor=actor)
        if accepted.existing:
            stored = self.store.prediction(accepted.id)
            if stored is not None:
                return stored
        try:
            return self.process(message, accepted)
        except NotLoaded:
            raise
        except Exception as e:  # noqa: BLE001 - the raw message is stored; a crash becomes a held case
            log.exception("processing message %s failed", message.id)
            self.store.mark_failed(accepted.id, f"{type(e).__name__}: {e}")
            return self._failed(message, accepted, e)

    def process(self, message: Message, accepted: Accepted,
                observe: Callable[[Case], None] | None = None) -> dict[str, Any]:
        """Run the stages on a stored message and write what they found; ``observe`` sees the finished case."""
        if self.load_id is None:
            raise NotLoaded("no master data loaded: run `ordex load --master-data DIR` first")
        t0 = time.perf_counter()
        case = self.run(Case(message=message))
        latency = (time.perf_counter() - t0) * 1000
        pred = prediction_of(case, latency, self.md)
        ids = self.store.save_result(
            accepted.id, str(case.status), case.model_dump(mode="json", exclude={"message": {"raw", "attachments"}}),
            pred, order_records(case, self.md), [f.model_dump(mode="json") for f in case.findings if f.section is None],
            case.message.received_at, self.load_id,
        )
        if observe is not None:
            observe(case)
        return {**pred, "message_id": accepted.id, **ids}

    def _failed(self, message: Message, accepted: Accepted, error: Exception) -> dict[str, Any]:
        """The answer for a message whose processing crashed: held as UNREADABLE, nothing lost."""
        finding = unreadable(f"processing failed: {type(error).__name__}: {error}")
        return {"id": message.id, "status": "exception", "orders": [],
                "exceptions": [{"code": str(finding.code), "queue": finding.queue, "detail": finding.detail}],
                "transcript": None, "latency_ms": 0.0, "message_id": accepted.id, "order_ids": [], "exception_ids": []}

    def run(self, case: Case) -> Case:
        """The whole pipeline on one case, each stage timed into the trace."""
        md, th = self.md, self.thresholds
        steps: list[tuple[str, str, Callable[[Case], Case]]] = [
            ("intake", "", stages.intake),
            ("read", "rapidocr", lambda c: stages.read(c, self._lazy_ocr)),
            ("split", "", lambda c: stages.split(c, md, lambda t: self.matcher.resemblance(t) >= th.line_resemblance)),
            ("tag", self.tagger.name if self.tagger else "rule-extractor", lambda c: stages.tag(c, self.tagger, self.matcher.number_hint, self.matcher.is_code,
                                                    "hybrid" if self.settings.extractor == "hybrid" else "tagger")),
            ("match", self.matcher.name, lambda c: stages.match(c, self.matcher, md, th)),
            ("validate", "rules", lambda c: stages.validate(c, md, self._ledger(c), th.qty)),
            ("decide", "", stages.decide),
        ]
        for name, model, step in steps:
            t = time.perf_counter()
            case = step(case)
            trace = StageTrace(stage=name, model=model, ms=round((time.perf_counter() - t) * 1000, 3))
            case = case.model_copy(update={"trace": (*case.trace, trace)})
        return case

    def _lazy_ocr(self, image: Any) -> Any:
        return self.ocr()(image)

    def _ledger(self, case: Case) -> Callable[[str], stages.Ledger]:
        cfg = load_config()

        def ledger(customer_id: str) -> stages.Ledger:
            released = self.store.released_value(customer_id, self.load_id)
            recent = tuple(
                PastOrder(mid, at, tuple((s, float(q)) for s, q in sig))
                for mid, at, sig in self.store.recent_orders(customer_id, case.message.received_at, cfg.duplicate_window_hours)
            )
            return stages.Ledger(Decimal(released), recent)

        return ledger


def load_tagger(settings: Settings) -> TokenTagger | None:
    """The token classifier the settings ask for: an explicit folder or the MLflow champion; None for the rules.

    With ``extractor=auto`` or ``hybrid`` a missing model means the rules alone (logged); with ``tagger`` it is
    an error.
    """
    if settings.extractor == "rules":
        return None
    try:
        if settings.tagger_path is not None:
            folder = resolve_tagger(settings.tagger_path, settings.data_dir / "models" / "tagger", None, None)
        else:
            from training.tracking import champion

            found = champion(settings, "ordex-tagger")
            folder = resolve_tagger(None, settings.data_dir / "models" / "tagger",
                                    found[2] if found else None, found[0] if found else None)
    except ArtifactMissing:
        if settings.extractor == "tagger":
            raise
        log.warning("no tagger model found: extracting order lines with the rules (build one: ordex train tagger)")
        return None
    tagger = TokenTagger(folder, threads=settings.tagger_threads)
    tagger.version = folder.name
    return tagger


def load_ranker(settings: Settings) -> Ranker | None:
    """The learned SKU ranker (the ``ordex-matcher`` champion), or None for the hand-set scores."""
    if settings.matcher == "rules":
        return None
    if settings.ranker_path is not None:
        if not settings.ranker_path.is_file():
            raise ArtifactMissing(f"no ranker at {settings.ranker_path}: build one with `ordex train matcher`")
        return Ranker.load(settings.ranker_path, version=settings.ranker_path.parent.name)
    found = _champion_ranker(settings)
    if found is None:
        if settings.matcher == "ranker":
            raise ArtifactMissing("no `ordex-matcher` champion in MLflow: build it with `ordex train matcher`")
        log.warning("no SKU ranker found: matching with hand-set scores (build one: ordex train matcher)")
        return None
    return Ranker.load(found[0], version=found[1])


def _champion_ranker(settings: Settings) -> tuple[Path, str] | None:
    """The ``ordex-matcher`` champion's local file (fetched once into the data folder) and version, or None."""
    from training.tracking import champion

    found = champion(settings, "ordex-matcher")
    path = resolve_matcher(settings.data_dir / "models" / "matcher", found[2] if found else None,
                           found[0] if found else None)
    return (path, found[0] if found else "local") if path is not None else None


def pin_models(settings: Settings) -> Settings:
    """The settings with the champions' local files named: a server's workers then load them without MLflow
    (its import alone costs each worker about 100 MB). A promotion later unpins them (``unpinned``)."""
    update: dict[str, object] = {}
    tagger = load_tagger(settings) if settings.tagger_path is None else None
    if tagger is not None:
        update["tagger_path"] = tagger.model_dir
    ranker = _champion_ranker(settings) if settings.ranker_path is None and settings.matcher != "rules" else None
    if ranker is not None:
        update["ranker_path"] = ranker[0]
    return settings.model_copy(update=update)


def unpinned(settings: Settings) -> Settings:
    """The settings with the model files forgotten: the MLflow champions are looked up again."""
    return settings.model_copy(update={"tagger_path": None, "ranker_path": None})


def load_into(store: Store, md: MasterData, source: str, read: Reader = read_mentions) -> int:
    """Store a master-data snapshot and the aliases its history teaches (read with ``read``); the load id."""
    load_id = store.load_master_data(md, source)
    store.replace_history_aliases(learn_history_aliases(md, read=read))
    return load_id


__all__ = ["Engine", "NotLoaded", "load_into", "pin_models", "signature", "unpinned"]
