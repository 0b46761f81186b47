"""Who is calling: a bearer API key (authorities, staff tools) or a console session.

The session cookie is signed and carries only a random token; the session itself lives in the
store, so logout, "log out everywhere", disabling a user and the idle/absolute timeouts take
effect at once (a copied cookie is worth nothing afterwards)."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from typing import cast

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tanggap.domain.access import Permission, Principal
from tanggap.services.accounts import SessionPolicy, principal_for_key, principal_for_session

bearer = HTTPBearer(auto_error=False, description="API key issued by `tanggap authority add` or `tanggap user add`")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_TOKEN = "sid"
_UNSET = object()


def session_principal(request: Request) -> Principal | None:
    cached = getattr(request.state, "session_principal", _UNSET)
    if cached is not _UNSET:
        return cast("Principal | None", cached)
    token = request.session.get(SESSION_TOKEN)
    principal = None
    if token:
        ctx = request.app.state.ctx
        principal = principal_for_session(ctx.store, token, SessionPolicy.from_settings(ctx.settings))
        if principal is None:  # ended or expired: forget it, and the CSRF token with it
            request.session.clear()
    request.state.session_principal = principal
    return principal


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


def staff_or_metrics_token(request: Request,
                           credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """/metrics and the API documents: a staff member (session or key) or the metrics token."""
    token = request.app.state.ctx.settings.metrics_token
    if credentials is not None and token is not None and hmac.compare_digest(
            credentials.credentials.encode(), token.get_secret_value().encode()):
        return
    principal = current_principal(request, credentials)
    if not principal.can(Permission.VIEW_CASES):
        raise HTTPException(403, "staff only")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, offered: str | None) -> bool:
    expected = request.session.get("csrf")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (TypeError, a 500
    # for anyone who sent "é" as the token), and a token is whatever the caller typed.
    return bool(expected and offered
                and hmac.compare_digest(expected.encode(), offered.encode("utf-8", "replace")))
