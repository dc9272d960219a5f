"""The BentoML service: one Engine per worker, the HTTP API mounted at ``/``, readiness from the engine.

BentoML serves ``/healthz``, ``/livez``, ``/readyz`` and ``/metrics`` itself; ``/readyz`` asks
``__is_ready__`` and ``/livez`` asks ``__is_alive__``. Its OpenAPI page (``/`` and ``/docs.json``)
includes the mounted FastAPI app's routes, which FastAPI also documents at ``/docs`` and ``/openapi.json``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import bentoml

from ordex.settings import Settings
from serving.api import app
from serving.host import EngineHost
from serving.run import MASTER_DATA_ENV

log = logging.getLogger("serving.service")


def master_data_dir() -> Path | None:
    """The master data folder to load at start-up, from ``ORDEX_MASTER_DATA`` (set by ``ordex serve``)."""
    value = os.environ.get(MASTER_DATA_ENV, "").strip()
    return Path(value) if value else None


@bentoml.service(name="ordex", workers=1, traffic={"timeout": 300})
@bentoml.asgi_app(app, path="/")
class Ordex:
    """Turns dealers' messages into validated sales orders over HTTP (contract section 4)."""

    def __init__(self) -> None:
        # Opening the store and loading master data fail the start loudly; OCR warms in the background.
        self.host = EngineHost.open(Settings(), master_data=master_data_dir())
        self.host.start_warm_up()

    def __is_ready__(self) -> bool:
        """Ready once master data is loaded and the OCR models are warm (``/readyz``)."""
        return self.host.ready

    def __is_alive__(self) -> bool:
        """Alive unless warming up failed, which no amount of waiting fixes (``/livez``, ``/healthz``)."""
        return self.host.alive

    @bentoml.on_shutdown
    def close(self) -> None:
        """Release the store's connections when the worker stops."""
        self.host.close()
