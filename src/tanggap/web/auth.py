"""Who is calling: a bearer API key (authorities, staff tools) or a console session."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tanggap.domain.access import Principal
from tanggap.services.accounts import principal_for_key, principal_for_user

bearer = HTTPBearer(auto_error=False, description="API key issued by `tanggap authority add` or `tanggap user add`")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def session_principal(request: Request) -> Principal | None:
    user_id = request.session.get("user_id")
    if not user_id:
        return None
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        user = uow.users.get(user_id)
        return principal_for_user(user) if user else None


def current_principal(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if credentials is not None:
        principal = principal_for_key(request.app.state.ctx.store.uow(read_only=True), credentials.credentials)
        if principal is None:
            raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})
        return principal
    principal = session_principal(request)
    if principal is None:
        raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    # A cookie rides along with cross-site requests; a header cannot be forged by another site.
    if request.method in UNSAFE_METHODS and not csrf_ok(request, request.headers.get("x-csrf-token")):
        raise HTTPException(403, "missing or wrong X-CSRF-Token for a session request")
    return principal


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, offered: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and offered and hmac.compare_digest(expected, offered))
