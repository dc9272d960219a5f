"""The engine a service worker holds: opened once, OCR warmed in the background, one message at a time."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from ordex.pipeline import Engine
from ordex.schema import Message
from ordex.settings import Settings

log = logging.getLogger("serving.host")


class EngineHost:
    """Owns the worker's Engine; the HTTP routes reach the pipeline only through ``submit``.

    Warming OCR in a thread lets the server answer ``/readyz`` with 503 while models load, and
    submits are serialised because the engine and its SQLite store are shared, mutable state.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings: Settings = engine.settings
        self.warm_up_error: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, master_data: Path | None = None) -> EngineHost:
        """Open the store, load master data when given, and build the matcher (errors propagate)."""
        return cls(Engine.open(settings, master_data=master_data))

    def start_warm_up(self) -> threading.Thread:
        """Load the OCR models in a daemon thread, so that start-up is not blocked on them."""
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

    @property
    def ready(self) -> bool:
        """True once master data is loaded and OCR is warm."""
        return self.engine.ready

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

    def submit(self, message: Message) -> dict[str, Any]:
        """Store and process one message (blocking; call it from a worker thread)."""
        with self._lock:
            return self.engine.submit(message)

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.store.engine.dispose()
