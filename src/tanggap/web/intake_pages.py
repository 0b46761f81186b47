"""Console: the intake mailbox as the regulator liaison sees it, quarantine included."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tanggap.domain.access import Permission
from tanggap.domain.errors import DomainError, NotFound, PermissionDenied
from tanggap.services import triage
from tanggap.services.intake import release
from tanggap.services.replies import unread_parts
from tanggap.store.views import inbound_list
from tanggap.web.auth import csrf_ok
from tanggap.web.console import _page, _staff, _status_of, deadline_badge, templates

# What reading a message left out: the same words the authority gets in its acknowledgement.
templates.env.filters["unread_parts"] = unread_parts
router = APIRouter(include_in_schema=False)
STATES = ("received", "order", "revision", "triage", "report", "released", "attached", "dismissed",
          "quarantined", "not_order", "rejected")


@router.get("/console/intake", response_class=HTMLResponse)
def intake_page(request: Request, state: str | None = None, error: str | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    with ctx.store.uow(read_only=True) as uow:
        rows = inbound_list(uow.session, state if state in STATES else None)
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


# --- triage: an authority's authenticated mail that is no order yet ----------------------------

@router.get("/console/triage", response_class=HTMLResponse)
def triage_page(request: Request):
    me = _staff(request)
    ctx = request.app.state.ctx
    now = ctx.store.clock.now()
    items = triage.queue(ctx.store, me)
    rows = [(item, deadline_badge(item.deadline, now)) for item in items]
    return _page(request, "triage.html", rows=rows)


@router.get("/console/triage/{inbound_id}", response_class=HTMLResponse)
def triage_item_page(request: Request, inbound_id: str, error: str | None = None, status_code: int = 200):
    me = _staff(request)
    ctx = request.app.state.ctx
    try:
        shown = triage.view(ctx.store, inbound_id, me)
    except NotFound:
        raise HTTPException(404, "no such message in triage") from None
    badge = deadline_badge(shown.item.deadline, ctx.store.clock.now())
    spellings = {t.canonical: (shown.parsed.spellings.get(t.canonical) or (t.canonical,))[0]
                 for t in shown.parsed.mentioned_targets}
    return _page(request, "triage_item.html", status_code=status_code, shown=shown, badge=badge,
                 spellings=spellings, categories=ctx.settings.sla.categories, error=error,
                 can_act=me.can(Permission.DECIDE) and shown.state == "triage")


@router.post("/console/triage/{inbound_id}/order")
def triage_order_form(request: Request, inbound_id: str,
                      csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                      category: Annotated[str, Form()],
                      target: Annotated[list[str] | None, Form()] = None,
                      extra_targets: Annotated[str, Form()] = "",
                      reference: Annotated[str, Form()] = ""):
    me, ctx = _acting(request, csrf_token_field)
    picked = list(target or []) + extra_targets.splitlines()
    return _settled(request, inbound_id, lambda: triage.turn_into_order(
        ctx.store, ctx.settings.sla, inbound_id, me, picked, reference, category))


@router.post("/console/triage/{inbound_id}/attach")
def triage_attach_form(request: Request, inbound_id: str,
                       csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                       order_id: Annotated[str, Form()]):
    me, ctx = _acting(request, csrf_token_field)
    return _settled(request, inbound_id, lambda: triage.attach(ctx.store, inbound_id, order_id, me))


@router.post("/console/triage/{inbound_id}/dismiss")
def triage_dismiss_form(request: Request, inbound_id: str,
                        csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                        reason: Annotated[str, Form()] = ""):
    me, ctx = _acting(request, csrf_token_field)
    return _settled(request, inbound_id, lambda: triage.dismiss(ctx.store, inbound_id, reason, me))


def _acting(request: Request, csrf_token_field: str):  # type: ignore[no-untyped-def]
    me = _staff(request)
    if not csrf_ok(request, csrf_token_field):
        raise HTTPException(403, "form expired; reload the page")
    return me, request.app.state.ctx


def _settled(request: Request, inbound_id: str, act):  # type: ignore[no-untyped-def]
    try:
        outcome = act()
    except PermissionDenied as error:
        raise HTTPException(403, error.message) from None
    except NotFound as error:
        return triage_item_page(request, inbound_id, error=error.message, status_code=404)
    except DomainError as error:
        return triage_item_page(request, inbound_id, error=error.message, status_code=422)
    request.session["notice"] = f"{outcome.reason}"
    return RedirectResponse("/console/triage", 303)
