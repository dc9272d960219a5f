"""What every route shares to read a request: content types, the raw body under a limit, JSON bodies as models,
row ids; a refusal is an ``ApiError`` with a stable code."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ValidationError

from serving.schemas import ApiError

JSON_TYPES = frozenset({"application/json"})
M = TypeVar("M", bound=BaseModel)
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a bigger one names nothing
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id, as the API answered it")]
QueryRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="A stored message's id")]

def media_type(request: Request) -> str:
    """The request's content type without parameters, lower-cased."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_media_type(request: Request, allowed: frozenset[str]) -> str:
    """The body's content type, refused (415) when the route does not take it."""
    got = media_type(request)
    if got not in allowed:
        raise ApiError(415, "unsupported_media_type",
                       f"content type {got or '(none)'!r} is not accepted here; send one of {', '.join(sorted(allowed))}")
    return got


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def too_large(limit: int) -> ApiError:
    """The 413 error for a body over the limit."""
    return ApiError(413, "body_too_large", f"the body exceeds the limit of {limit} bytes")


def parse_json(raw: bytes) -> Any:
    """A JSON body; 400 when it is not JSON."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {e}") from e
    except RecursionError as e:
        raise ApiError(400, "malformed_json", "the body is JSON nested too deeply") from e


def parse_model(raw: bytes, model: type[M], what: str) -> M:
    """A JSON body as a model: 400 when it is not JSON, 422 (with the field errors) when it is not ``what``."""
    data = parse_json(raw)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False, include_context=False, include_input=False)
        raise ApiError(422, "invalid_body", f"the body is not {what} ({e.error_count()} errors)",
                       errors=jsonable_encoder(errors)) from e


async def read_json_model(request: Request, model: type[M], what: str, limit: int) -> M:
    """Check the content type, read the body and parse it as a model."""
    require_media_type(request, JSON_TYPES)
    return parse_model(await read_body(request, limit), model, what)
