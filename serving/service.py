"""The BentoML service: one EngineHost per worker, the HTTP API mounted at ``/``, readiness from the engine.

BentoML serves ``/healthz``, ``/livez``, ``/readyz`` and ``/metrics`` itself; ``/readyz`` asks
``__is_ready__``, ``/livez`` asks ``__is_alive__``, and ``/metrics`` adds what ``__metrics__`` returns.
``/metrics`` needs a key of the ``ml`` or ``admin`` role (``ServiceGuard``). Its OpenAPI page (``/`` and
``/docs.json``) includes the mounted FastAPI app's routes, which FastAPI also documents at ``/docs``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import bentoml
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from serving.api import app
from serving.auth import authenticate, forbidden
from serving.bento import bento_model_paths
from serving.host import ACTIVE, EngineHost
from serving.openapi import openapi30
from serving.run import MASTER_DATA_ENV
from serving.schemas import ApiError
from serving.settings import ServiceSettings

log = logging.getLogger("serving.service")


def master_data_dir() -> Path | None:
    """The master data folder to load at start-up, from ``ORDEX_MASTER_DATA`` (set by ``ordex serve``)."""
    value = os.environ.get(MASTER_DATA_ENV, "").strip()
    return Path(value) if value else None


class ServiceGuard:
    """ASGI middleware around BentoML's own routes: ``/metrics`` needs an ``ml`` or ``admin`` key, ``/docs.json``
    is BentoML's document with every schema in the OpenAPI 3.0 form it declares (``serving.openapi``), and
    BentoML's plain-text 404 and 405 become the API's JSON errors."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._docs: bytes | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == "/docs.json" and scope.get("method") in ("GET", "HEAD"):
            if self._docs is None:
                self._docs = json.dumps(openapi30(Ordex.openapi_spec.asdict())).encode()  # type: ignore[attr-defined]
            await Response(self._docs, media_type="application/json")(scope, receive, send)
            return
        if scope.get("path") == "/metrics":
            refusal = await self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, _json_errors(send))

    @staticmethod
    async def _refusal(scope: Any) -> JSONResponse | None:
        """The answer refusing a /metrics request, or None to let it through."""
        if not ACTIVE:
            return JSONResponse({"code": "not_ready", "message": "the service is starting"}, status_code=503)
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"authorization"), None)
        try:
            principal = await run_in_threadpool(authenticate, ACTIVE[0], header)
            if not principal.may("metrics.read"):
                raise forbidden(principal, "read /metrics")
        except ApiError as e:
            return JSONResponse(e.body(), status_code=e.status, headers=e.headers)
        return None


PLAIN_ERRORS = {404: ("not_found", "there is no such route"), 405: ("method_not_allowed", "method not allowed")}


def _json_errors(send: Any) -> Any:
    """Wrap ``send`` so that a plain-text 404 or 405 goes out as ``{code, message}`` JSON instead."""
    replaced = False

    async def wrapped(message: Any) -> None:
        """Send a message, or the JSON error in place of a plain-text one."""
        nonlocal replaced
        if message["type"] == "http.response.start" and message["status"] in PLAIN_ERRORS:
            headers = dict(message.get("headers") or [])
            if headers.get(b"content-type", b"").startswith(b"text/plain"):
                replaced = True
                code, text = PLAIN_ERRORS[message["status"]]
                body = json.dumps({"code": code, "message": text}).encode()
                await send({"type": "http.response.start", "status": message["status"],
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        if replaced and message["type"] == "http.response.body":
            return  # the plain-text body is replaced
        await send(message)

    return wrapped


SETTINGS = ServiceSettings()  # read once at import: BentoML takes the worker count from the decorator


@bentoml.service(name="ordex", workers=SETTINGS.workers, traffic={"timeout": 600},
                 logging={"access": {"enabled": SETTINGS.access_log}})
@bentoml.asgi_app(app, path="/")
class Ordex:
    """Turns dealers' messages into validated sales orders over HTTP (contract section 4)."""

    def __init__(self) -> None:
        # Opening the store and loading master data fail the start loudly; OCR warms in the background, then
        # the worker starts on whatever a previous run accepted and did not finish.
        from serving.metrics import Metrics  # after BentoML set up Prometheus's multiprocess mode

        # Loaded from a Bento: its own models (never the rules for want of an MLflow); else the champions.
        settings = SETTINGS.model_copy(update=bento_model_paths(getattr(Ordex, "bento", None)))
        self.host = EngineHost.open(settings, master_data=master_data_dir())
        self.host.metrics = Metrics(self.host.store, self.host.model_info, lambda: self.host.engine.load_id,
                                    self.host.alias_pairs)
        ACTIVE[:] = [self.host]
        self.host.start_warm_up()

    def __is_ready__(self) -> bool:
        """Ready once master data is loaded and the OCR models are warm (``/readyz``)."""
        return self.host.ready

    def __is_alive__(self) -> bool:
        """Alive unless warming up failed, which no amount of waiting fixes (``/livez``, ``/healthz``)."""
        return self.host.alive

    def __metrics__(self, text: str) -> str:
        """BentoML's metrics plus the store's: messages, exceptions, queue depth, models in use."""
        return text + self.host.metrics.render()

    @bentoml.on_shutdown
    def close(self) -> None:
        """Finish the message in hand and release the store's connections when the worker stops."""
        self.host.close()


Ordex.add_asgi_middleware(ServiceGuard)  # type: ignore[attr-defined]  # bentoml.service wraps the class
