"""What a service worker holds: the Engine, its Processor and background Worker, keys, metrics.

Opening loads master data and the matcher; OCR warms in a thread (``/readyz`` answers 503 until then) and
the background worker starts once it is warm. Every route reaches the pipeline, the store and the models
through this object.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from models.matcher import normalize
from ordex.aliases import history_reader
from ordex.catalog import MasterData
from ordex.conversation.dealer import Conversation
from ordex.conversation.dispatcher import Dispatcher
from ordex.keys import Authenticator, Principal
from ordex.logs import install_masking
from ordex.media import GraphMediaClient
from ordex.pipeline import Engine, load_ranker, load_tagger
from ordex.prediction import Answer
from ordex.reload import reload_master_data
from ordex.resolve import Resolution, recheck, resolve
from ordex.schema import Case, Message
from ordex.store import Accepted
from ordex.store.store import MODELS_VERSION
from ordex.worker import Processor, Worker
from serving.settings import ServiceSettings

log = logging.getLogger("serving.host")

MODELS_CHECK_S = 5.0  # how often a worker looks for a newly promoted model
ACTIVE: list[EngineHost] = []  # the host of this worker process, for the ASGI middleware that guards /metrics


def current_host() -> EngineHost:
    """The EngineHost of the running BentoML service instance (tests override this dependency)."""
    import bentoml

    host: EngineHost = bentoml.get_current_service().host
    return host


class EngineHost:
    """Owns the worker's Engine and everything around it; the HTTP routes call its methods."""

    def __init__(self, engine: Engine, settings: ServiceSettings | None = None) -> None:
        install_masking()  # phone numbers, e-mail addresses and keys never reach a log line
        self.engine = engine
        self.store = engine.store
        self.settings: ServiceSettings = settings or ServiceSettings.model_validate(engine.settings.model_dump())
        self.warm_up_error: str | None = None
        media = (GraphMediaClient(self.settings.whatsapp_graph_url, self.settings.whatsapp_access_token,
                                  self.settings.max_body_bytes) if self.settings.whatsapp_access_token else None)
        opts = self.settings.conversation
        senders = self.settings.senders()
        if not opts.enabled:  # the dealers hear nothing; orders still go to the ERP
            senders = {k: v for k, v in senders.items() if k == "erp"}
        self.dispatcher = Dispatcher(self.store, lambda: self.engine.md, senders, opts, self.settings.erp_hold_seconds)
        self.conversation = Conversation(engine, opts, self.dispatcher.notify)
        self.processor = Processor(engine, self.settings.worker_options(), media, self._observe,
                                   self._intercept if opts.enabled else None,
                                   self.conversation.after if opts.enabled else None)
        self.worker = Worker(self.processor)
        self.auth = Authenticator(self.store)
        self.metrics: Any = None  # serving.metrics.Metrics, set by the BentoML service once Prometheus is set up
        self.models_version = self.store.version(MODELS_VERSION)
        self._models_checked = time.monotonic()
        self._started = False
        if not self.settings.whatsapp_app_secret:
            log.warning("no WhatsApp app secret (ORDEX_WHATSAPP_APP_SECRET): webhook deliveries are %s",
                        "accepted unsigned, as ORDEX_WHATSAPP_ALLOW_UNSIGNED says"
                        if self.settings.whatsapp_allow_unsigned else "refused")

    @classmethod
    def open(cls, settings: ServiceSettings, master_data: Path | None = None) -> EngineHost:
        """Open the store, load master data when given, and build the matcher (errors propagate)."""
        return cls(Engine.open(settings, master_data=master_data), settings)

    # -- life cycle ---------------------------------------------------------------------------------------------
    def start_warm_up(self) -> threading.Thread:
        """Load the OCR models in a daemon thread, then start the background worker."""
        thread = threading.Thread(target=self._warm_up, name="ordex-warm-up", daemon=True)
        thread.start()
        return thread

    def _warm_up(self) -> None:
        """Warm the engine; a failure is kept so that liveness can report it."""
        try:
            self.engine.warm_up()
            log.info("engine warm: master data load %s, OCR loaded", self.engine.load_id)
        except Exception as e:  # noqa: BLE001 - recorded and reported through /livez, not swallowed
            log.exception("warming up the engine failed")
            self.warm_up_error = f"{type(e).__name__}: {e}"
            return
        self.start_worker()

    def start_worker(self) -> None:
        """Start processing the queue in the background (what a previous run accepted and left, first)."""
        if not self._started:
            self._started = True
            self.worker.start()
            self.dispatcher.start()

    @property
    def ready(self) -> bool:
        """True once master data is loaded and every stage is warm (OCR, the tagger, the catalog index)."""
        return self.engine.ready and self._started

    @property
    def alive(self) -> bool:
        """False when warming up failed: the worker can never become ready and should be restarted."""
        return self.warm_up_error is None

    def not_ready_reason(self) -> str:
        """Why the engine cannot take messages yet, in a sentence for the client."""
        if self.warm_up_error is not None:
            return f"warming up failed: {self.warm_up_error}"
        if self.engine.load_id is None:
            return "no master data loaded: start with --master-data DIR or run `ordex load --master-data DIR`"
        return "models are still loading; retry shortly"

    def close(self) -> None:
        """Stop the worker (finishing the message in hand) and release the store's connections."""
        if self._started:
            self.worker.stop()
            self.dispatcher.stop()
        self.engine.reader.close()
        self.store.engine.dispose()

    # -- messages -----------------------------------------------------------------------------------------------
    def submit(self, message: Message, raw_kind: str, principal: Principal) -> Answer:
        """Accept a message and process it now (blocking; call it from a worker thread)."""
        self._sync_models()
        return self.processor.submit(message, raw_kind, principal.name, principal.role)

    def enqueue(self, message: Message, raw_kind: str, actor: str = "whatsapp") -> Accepted:
        """Accept a message for the background worker; answered as soon as it is committed."""
        accepted = self.store.accept(message, message.raw or b"", raw_kind, actor)
        if not accepted.existing:
            self.worker.notify()
        return accepted

    def _observe(self, case: Case) -> None:
        """Hand a processed case to the metrics; wake the dispatcher for the dealer's confirmation or question."""
        if self.metrics is not None:
            self.metrics.observe(case)
        self.dispatcher.notify()

    def _intercept(self, row: int, message: Message) -> Answer | None:
        """A dealer's reply to a question or a confirmation, settled before the pipeline (``ordex.conversation``)."""
        return self.conversation.intercept(row, message)

    # -- people's work ------------------------------------------------------------------------------------------
    def resolve(self, exception_id: int, request: Resolution, principal: Principal) -> dict[str, Any]:
        """Resolve an exception against the current master data; a taught alias is live before the next message."""
        with self.processor.lock:
            self.engine.sync()
            queues = None if principal.role == "admin" else principal.queues()
            answer = resolve(self.store, self.engine.md, exception_id, request, principal, queues)
            self.engine.sync()
            if answer.get("learned") and not answer.get("replayed"):
                answer["rechecked"] = recheck(self.store, self.engine.md, answer["learned"], principal)
                self.engine.sync()
        self.dispatcher.notify()
        return answer

    def reload(self, md: MasterData, source: str, principal: Principal) -> dict[str, Any]:
        """Make ``md`` the current master data in the store and in this worker (the others notice on their own)."""
        with self.processor.lock:
            summary = reload_master_data(self.store, md, source, principal, history_reader(self.engine.tagger))
            self.engine.sync()
            return summary

    def retrain(self, models: list[str], principal: Principal) -> list[dict[str, Any]]:
        """Retrain from the corrections (blocking); every run and promotion is audited, promoted models reload."""
        from training.retrain import retrain

        runs = [r.as_json() for r in retrain(self.settings, self.store, models)]
        for run in runs:
            self.store.audit("retrained", actor=principal.name, role=principal.role, detail=run)
            if run["promoted"]:
                self.store.audit("promoted", actor=principal.name, role=principal.role,
                                 detail={"model": run["model"], "run_id": run["run_id"], "reason": run["reason"]})
        if any(r["promoted"] for r in runs):
            self.store.bump_version(MODELS_VERSION)
            self._sync_models(force=True)
        return runs

    def _sync_models(self, force: bool = False) -> None:
        """Reload the tagger and the ranker when a retrained model was promoted (by this worker or another;
        checked every few seconds): the new champions, whatever files the server started with."""
        now = time.monotonic()
        if not force and now < self._models_checked + MODELS_CHECK_S:
            return
        self._models_checked = now
        version = self.store.version(MODELS_VERSION)
        if version == self.models_version:
            return
        with self.processor.lock:
            self.models_version = version
            settings = self.engine.settings.unpinned()
            tagger = load_tagger(settings)
            if tagger is not None:
                tagger.warm_up()
            self.engine.tagger = tagger
            self.engine.ranker = load_ranker(settings)
            self.engine.refresh()

    def alias_pairs(self) -> set[tuple[str, str]]:
        """The master data's (customer or "*", normalised alias) pairs, for the KPIs' alias coverage."""
        return {(a.customer_id, normalize(a.alias)) for a in self.engine.md.aliases}

    def model_info(self) -> list[tuple[str, str, str]]:
        """(model, name, version) of each model this worker uses."""
        out = [("ocr", "rapidocr", "")]
        for attr in ("tagger", "matcher", "ranker"):
            model = getattr(self.engine, attr, None)
            if model is not None:
                out.append((attr, str(getattr(model, "name", type(model).__name__)),
                            str(getattr(model, "version", ""))))
        return out
