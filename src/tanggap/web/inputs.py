"""Input rules every route shares, found by the generated tests (tests/web/test_openapi_fuzz.py)
and by tests/web_attack.

PostgreSQL text cannot hold a NUL character and SQLite and PostgreSQL integers stop at 2^63-1;
both reached the database as a 500. They are refused here, before any work, as a 422 naming
the field: JSON bodies by `TextIn`, and the path, the query and form fields of every route (the
console and the public forms too, /login before any account is known) by `no_nul_in_request`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, field_validator

from tanggap.domain.errors import DomainError

MAX_INT64 = 2**63 - 1
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class TextIn(BaseModel):
    """A request body: no text field may contain NUL."""

    @field_validator("*")
    @classmethod
    def no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


def no_nul_in_url(request: Request) -> None:
    """A router dependency: path and query values without NUL."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if _has_nul(value):
            raise DomainError(f"{name} must not contain a NUL character", name)


async def no_nul_in_request(request: Request) -> None:
    """An app-wide dependency: `no_nul_in_url`, and the same for the fields of a form body.
    FastAPI has read the form for the route already (or reads this cached copy): no second read."""
    no_nul_in_url(request)
    if request.headers.get("content-type", "").lower().startswith(FORM_TYPES):
        form = await request.form()
        for name, value in form.multi_items():
            if _has_nul(value):
                raise DomainError(f"{name} must not contain a NUL character", name)
