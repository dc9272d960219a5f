"""The audit trail, retraining, master-data reloads and API keys."""

from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ordex.keys import ROLES, Principal, Role, create_key
from ordex.masterdata import MasterDataError, load_master_data
from serving.auth import require
from serving.host import EngineHost, current_host
from serving.http import NO_NUL, QueryRowId, RowId, parse_json, read_body, read_json_model, require_media_type
from serving.schemas import ApiError, AuditTrail, KeyCreated, MasterDataLoaded, RetrainAnswer, error_responses

Host = Annotated[EngineHost, Depends(current_host)]
Auditor = Annotated[Principal, Depends(require("audit.read", "read the audit trail"))]
Trainer = Annotated[Principal, Depends(require("retrain", "retrain models"))]
Admin = Annotated[Principal, Depends(require("admin", "manage keys and master data"))]

MASTER_FILES = frozenset({"customers.csv", "products.csv", "prices.csv", "aliases.csv", "history.jsonl"})
_retraining = threading.Lock()


# -- audit ---------------------------------------------------------------------------------------------------
async def audit_trail(
    host: Host, _: Auditor,
    message_id: QueryRowId = None,
    external_id: Annotated[str | None, Query(max_length=500, pattern=NO_NUL,
                                             description="A message by the id it was posted with")] = None,
    event: Annotated[str | None, Query(max_length=64, pattern=NO_NUL, description="Only events of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONResponse:
    """A message's whole history from first capture, or the newest events of the whole trail; oldest first."""
    if external_id is not None:
        message_id = await run_in_threadpool(host.store.views.message_row, external_id)
        if message_id is None:
            raise ApiError(404, "not_found", f"there is no message with id {external_id!r}")
    events = await run_in_threadpool(host.store.views.audit, message_id, event, limit)
    return JSONResponse(jsonable_encoder({"message_id": message_id, "events": events}))


# -- retraining ------------------------------------------------------------------------------------------------
class RetrainRequest(BaseModel):
    """``POST /v1/retrain``."""

    model_config = ConfigDict(extra="forbid")

    models: list[Literal["matcher", "tagger"]] = Field(min_length=1, description='["matcher"] or ["matcher", "tagger"]')


async def retrain(request: Request, host: Host, principal: Trainer) -> JSONResponse:
    """Retrain from the corrections, log to MLflow, promote only if not worse (blocking: minutes for the tagger)."""
    body = await read_json_model(request, RetrainRequest, "a retrain request", host.settings.max_body_bytes)
    pinned = [m for m in body.models if (host.settings.tagger_path if m == "tagger" else host.settings.ranker_path)]
    if pinned:  # a Bento's models, or a path the operator set: a promotion in MLflow would never be served
        raise ApiError(409, "models_pinned", f"this service reads {' and '.join(pinned)} from a fixed path (its Bento "
                                             "or ORDEX_TAGGER_PATH / ORDEX_RANKER_PATH): retrain where MLflow is, "
                                             "then deploy a new Bento (`ordex bento build`)")
    if not _retraining.acquire(blocking=False):
        raise ApiError(409, "retrain_running", "a retraining is already running; try again when it has finished")
    try:
        runs = await run_in_threadpool(host.retrain, list(body.models), principal)
    except ValueError as e:
        raise ApiError(422, "invalid_models", str(e)) from e
    except ImportError as e:
        raise ApiError(503, "retrain_unavailable", f"retraining is not available in this build: {e}") from e
    finally:
        _retraining.release()
    return JSONResponse(jsonable_encoder({"runs": runs}))


# -- master data -------------------------------------------------------------------------------------------------
MAX_ZIP_MEMBERS = 64


def unpack_master_data(raw: bytes, content_type: str, folder: Path, limit: int) -> None:
    """Write the posted master-data files into a folder: a zip of them, or JSON ``{file name: text}``."""
    if content_type == "application/zip":
        try:
            archive = zipfile.ZipFile(io.BytesIO(raw))
            members = [(m, PurePosixPath(m.filename).name) for m in archive.infolist() if not m.is_dir()]
        except zipfile.BadZipFile as e:
            raise ApiError(400, "malformed_zip", f"the body is not a zip file: {e}") from e
        if len(members) > MAX_ZIP_MEMBERS:  # five files are wanted; thousands are an attack on the directory walk
            raise ApiError(400, "malformed_zip", f"the zip holds {len(members):,} files; a master-data zip holds at "
                                                 f"most {MAX_ZIP_MEMBERS}")
        wanted = [(m, name) for m, name in members if name in MASTER_FILES]
        if sum(m.file_size for m, _ in wanted) > limit:
            raise ApiError(413, "body_too_large", f"the unpacked files exceed {limit} bytes")
        for m, name in wanted:
            try:
                (folder / name).write_bytes(archive.read(m))
            except (zipfile.BadZipFile, RuntimeError, ValueError) as e:  # corrupt or encrypted member
                raise ApiError(400, "malformed_zip", f"{m.filename} cannot be unpacked: {e}") from e
        return
    data = parse_json(raw)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ApiError(422, "invalid_body", "send a JSON object mapping file names (customers.csv, ...) to their text")
    unknown = sorted(set(data) - MASTER_FILES)
    if unknown:
        raise ApiError(422, "invalid_body", f"unknown files {unknown}; expected some of {sorted(MASTER_FILES)}")
    for name, text in data.items():
        (folder / name).write_text(text, encoding="utf-8")


def load_posted(raw: bytes, content_type: str, limit: int) -> Any:
    """The posted master data, validated like ``ordex load`` validates a folder (422 with the reason if not)."""
    with tempfile.TemporaryDirectory(prefix="ordex-md-") as tmp:
        unpack_master_data(raw, content_type, Path(tmp), limit)
        try:
            return load_master_data(Path(tmp))
        except MasterDataError as e:
            raise ApiError(422, "invalid_master_data", str(e)) from e
        except (OSError, UnicodeDecodeError) as e:
            raise ApiError(422, "invalid_master_data", f"{type(e).__name__}: {e}") from e


async def post_master_data(request: Request, host: Host, principal: Admin) -> JSONResponse:
    """Reload customers, products, prices and aliases atomically; open exceptions and learned aliases stay."""
    content_type = require_media_type(request, frozenset({"application/zip", "application/json"}))
    raw = await read_body(request, host.settings.max_body_bytes)
    md = await run_in_threadpool(load_posted, raw, content_type, host.settings.max_body_bytes * 4)
    source = f"POST /v1/master-data by {principal.name}"
    summary = await run_in_threadpool(host.reload, md, source, principal)
    return JSONResponse(jsonable_encoder(summary))


# -- keys ----------------------------------------------------------------------------------------------------------
class KeyRequest(BaseModel):
    """``POST /v1/keys``."""

    model_config = ConfigDict(extra="forbid")

    role: Role = Field(description=f"One of {', '.join(ROLES)}")
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL,
                      description="Who or what uses the key (shown in the audit trail)")


async def post_key(request: Request, host: Host, principal: Admin) -> JSONResponse:
    """Create a key; the answer is the only time the key is shown."""
    body = await read_json_model(request, KeyRequest, "a key request", host.settings.max_body_bytes)
    try:
        key = await run_in_threadpool(create_key, host.store, body.role, body.name, principal)
    except ValueError as e:
        raise ApiError(422, "invalid_body", str(e)) from e
    return JSONResponse({"key": key, "name": body.name.strip(), "role": body.role}, status_code=201)


async def list_keys(host: Host, _: Admin) -> JSONResponse:
    """Every key's id, name, role and state (never the key)."""
    keys = await run_in_threadpool(host.store.keys.all)
    return JSONResponse(jsonable_encoder({"keys": [
        {"key_id": k.id, "name": k.name, "role": k.role, "created_at": k.created_at, "revoked": k.revoked}
        for k in keys]}))


async def revoke_key(key_id: RowId, host: Host, principal: Admin) -> JSONResponse:
    """Revoke a key (within seconds on every worker)."""
    done = await run_in_threadpool(host.store.keys.revoke, key_id, actor=principal.name, actor_role=principal.role)
    if not done:
        raise ApiError(404, "not_found", f"there is no live key {key_id}")
    host.auth.clear()
    return JSONResponse({"key_id": key_id, "revoked": True})


def add_routes(app: FastAPI) -> None:
    """Register this module's routes."""
    app.get("/v1/audit", response_model=None, summary="The audit trail", tags=["audit"],
            responses={200: {"model": AuditTrail}, **error_responses(401, 403, 404, 422)})(audit_trail)
    app.post("/v1/retrain", response_model=None, summary="Retrain models from the corrections", tags=["models"],
             responses={200: {"model": RetrainAnswer}, **error_responses(400, 401, 403, 409, 415, 422, 503)},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": RetrainRequest.model_json_schema()}}}})(retrain)
    app.post("/v1/master-data", response_model=None, summary="Reload master data", tags=["admin"],
             description="A zip of customers.csv, products.csv, prices.csv and optionally aliases.csv and "
                         "history.jsonl, or JSON mapping those names to their text. Applied atomically; running "
                         "workers pick it up before their next message; open exceptions and learned aliases stay.",
             responses={200: {"model": MasterDataLoaded}, **error_responses(400, 401, 403, 413, 415, 422)},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/zip": {"schema": {"type": "string", "format": "binary"}},
                 "application/json": {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
             )(post_master_data)
    app.post("/v1/keys", response_model=None, summary="Create an API key", tags=["admin"], status_code=201,
             responses={201: {"model": KeyCreated}, **error_responses(400, 401, 403, 415, 422)},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": KeyRequest.model_json_schema()}}}})(post_key)
    app.get("/v1/keys", response_model=None, summary="List API keys", tags=["admin"],
            responses=error_responses(401, 403))(list_keys)
    app.delete("/v1/keys/{key_id}", response_model=None, summary="Revoke an API key", tags=["admin"],
               responses=error_responses(401, 403, 404, 422))(revoke_key)
