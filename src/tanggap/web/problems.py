"""Errors as application/problem+json (RFC 9457), naming the field and the reason."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tanggap.domain.errors import (
    ConflictingDecision, DomainError, DuplicateReference, InvalidTransition, NotFound,
    PermissionDenied,
)

PROBLEM = "application/problem+json"
STATUS_FOR = {
    NotFound: 404, PermissionDenied: 403, ConflictingDecision: 409, DuplicateReference: 409,
    InvalidTransition: 409,
}


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None,
            headers: dict | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
                   "reason": e["msg"]} for e in error.errors()]
        return problem(422, "Invalid request", "; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError):
        status = next((code for kind, code in STATUS_FOR.items() if isinstance(error, kind)), 422)
        errors = [{"field": error.field, "reason": error.message}] if error.field else None
        return problem(status, type(error).__name__, error.message, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException):
        return problem(error.status_code, str(error.detail), str(error.detail),
                       headers=getattr(error, "headers", None))
