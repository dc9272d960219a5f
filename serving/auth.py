"""Who may call what: ``Authorization: Bearer KEY`` on every route but the health checks, checked per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ordex.keys import Principal
from serving.host import EngineHost, current_host
from serving.schemas import ApiError

bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="An API key (`ordex keys create --role ROLE --name NAME`), sent as a bearer token")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ordex"'}


def authenticate(host: EngineHost, header: str | None) -> Principal:
    """The caller behind an Authorization header; 401 when there is none or the key is not a live key."""
    scheme, _, key = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "this route needs an API key: send Authorization: Bearer KEY",
                       headers=CHALLENGE)
    principal = host.auth.check(key.strip())
    if principal is None:
        raise ApiError(401, "invalid_key", "the API key is not valid (unknown or revoked)", headers=CHALLENGE)
    return principal


def caller(request: Request, host: Annotated[EngineHost, Depends(current_host)],
           _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The authenticated caller of a route (the bearer scheme is declared for the OpenAPI page)."""
    principal = authenticate(host, request.headers.get("authorization"))
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(caller)]


def forbidden(principal: Principal, what: str) -> ApiError:
    """The 403 for a role that may not do something."""
    return ApiError(403, "forbidden", f"the {principal.role} role may not {what}")


def require(permission: str, what: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through only roles granting ``permission``."""

    def check(principal: Caller) -> Principal:
        """The caller, if its role grants the permission; else 403."""
        if not principal.may(permission):
            raise forbidden(principal, what)
        return principal

    return check
