"""Console: "log out everywhere" for everyone, and for admins the accounts page (disable or
enable a user, revoke a key, rotate an owner's keys; a new key is shown once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tanggap.domain.access import Permission
from tanggap.domain.errors import DomainError, PermissionDenied
from tanggap.services.accounts import end_all_sessions, key_listing, revoke_key, rotate_keys, set_user_disabled
from tanggap.web.console import _check_form, _notify, _page, _refused, _staff

router = APIRouter(include_in_schema=False)


@router.post("/logout/everywhere")
def logout_everywhere(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    end_all_sessions(request.app.state.ctx.store.uow(), me.id, me)
    request.session.clear()
    return RedirectResponse("/login", 303)


def _admin(request: Request):
    me = _staff(request)
    me.require(Permission.MANAGE)
    return me


@router.get("/console/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, issued: str | None = None):
    try:
        me = _admin(request)
    except PermissionDenied as error:
        return _refused(request, error)
    return _render(request, me)


def _render(request: Request, me, new_key: tuple[str, str] | None = None, status_code: int = 200):
    store = request.app.state.ctx.store
    keys = key_listing(store.uow(read_only=True), me)
    with store.uow(read_only=True) as uow:
        people = list(uow.users.list())
        bodies = list(uow.authorities.list())
    owners = {u.id: u.name for u in people} | {a.id: a.name for a in bodies}
    return _page(request, "accounts.html", status_code=status_code, people=people, authorities=bodies,
                 keys=keys, owners=owners, new_key=new_key)


@router.post("/console/admin/accounts")
def accounts_action(request: Request, action: Annotated[str, Form()],
                    csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                    name: Annotated[str, Form(max_length=200)] = "", prefix: Annotated[str, Form(max_length=16)] = "",
                    owner_type: Annotated[str, Form(max_length=20)] = "user"):
    try:
        me = _admin(request)
    except PermissionDenied as error:
        return _refused(request, error)
    _check_form(request, csrf_token_field)
    uow = request.app.state.ctx.store.uow()
    try:
        if action in ("disable", "enable"):
            set_user_disabled(uow, name, action == "disable", me)
            _notify(request, f"User {name} {action}d.")
        elif action == "revoke":
            revoke_key(uow, prefix, me)
            _notify(request, f"Key {prefix}… revoked.")
        elif action == "rotate" and owner_type in ("user", "authority"):
            issued = rotate_keys(uow, owner_type, name, me)
            # Shown in this response only, never stored or redirected through the session.
            return _render(request, me, new_key=(name, issued.api_key))
        else:
            raise DomainError("unknown action", "action")
    except DomainError as error:
        return _refused(request, error)
    return RedirectResponse("/console/admin/accounts", 303)
