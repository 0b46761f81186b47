"""Console: the intake mailbox as the regulator liaison sees it, quarantine included."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from tanggap.domain.access import Permission
from tanggap.domain.errors import DomainError
from tanggap.services.intake import release
from tanggap.store.tables import inbound_messages
from tanggap.web.auth import csrf_ok
from tanggap.web.console import _page, _staff, _status_of

router = APIRouter(include_in_schema=False)
STATES = ("received", "order", "released", "quarantined", "not_order", "rejected")


@router.get("/console/intake", response_class=HTMLResponse)
def intake_page(request: Request, state: str | None = None, error: str | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    query = select(inbound_messages).order_by(inbound_messages.c.received_at.desc()).limit(200)
    if state in STATES:
        query = query.where(inbound_messages.c.state == state)
    with ctx.store.uow(read_only=True) as uow:
        rows = uow.session.execute(query).all()
        authorities = [a.name for a in uow.authorities.list()]
    return _page(request, "intake.html", rows=rows, state=state, states=STATES, error=error,
                 authorities=authorities, can_release=me.can(Permission.MANAGE))


@router.post("/console/intake/{inbound_id}/release")
def release_form(request: Request, inbound_id: str, authority: Annotated[str, Form()],
                 csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    if not csrf_ok(request, csrf_token_field):
        raise HTTPException(403, "form expired; reload the page")
    ctx = request.app.state.ctx
    try:
        release(ctx.store, ctx.settings.sla, inbound_id, authority, me)
    except DomainError as error:
        page = intake_page(request, "quarantined", error=error.message)
        page.status_code = _status_of(error)  # a refusal is not a 200
        return page
    return RedirectResponse("/console/intake?state=quarantined", 303)
