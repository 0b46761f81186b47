"""Appeals: the public form where a channel owner contests a decision, and the console pages
where a moderator who did not take the decision upholds or reverses it (a reversal unblocks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tanggap.domain.access import Permission
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import Appeal
from tanggap.services.appeals import open_appeals, resolve_appeal, submit_appeal
from tanggap.web.auth import client_address, csrf_ok
from tanggap.web.guards import SlidingWindow
from tanggap.web.console import _check_form, _notify, _page, _refused, _staff, _status_of, _user_names

router = APIRouter(include_in_schema=False)
PUBLIC_ACTOR = "public:appeal_form"
# The public page gets the console's policy: no script or style from anywhere else, no framing.
PUBLIC_CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"


# --- public -----------------------------------------------------------------------------------

def _public(request: Request, status_code: int = 200, **values):
    response = _page(request, "appeal_public.html", status_code=status_code, **values)
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    return response


@router.get("/appeal", response_class=HTMLResponse)
def appeal_form(request: Request):
    return _public(request, entered={}, error=None, filed=None)


@router.post("/appeal", response_class=HTMLResponse)
def appeal_submit(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                  channel: Annotated[str, Form(max_length=2048)] = "", name: Annotated[str, Form(max_length=200)] = "",
                  contact: Annotated[str, Form(max_length=320)] = "",
                  grounds: Annotated[str, Form(max_length=10_000)] = ""):
    entered = {"channel": channel, "name": name, "contact": contact, "grounds": grounds}
    if not csrf_ok(request, csrf_token_field):
        return _public(request, 403, entered=entered, filed=None,
                       error="The form expired. Please send it again.")
    if not _appeal_limit(request).allow(client_address(request)):
        response = _public(request, 429, entered=entered, filed=None,
                           error="Too many appeals from your connection. Please try again in an hour.")
        response.headers["Retry-After"] = "3600"
        return response
    try:
        outcome = submit_appeal(request.app.state.ctx.store.uow(), channel, name, grounds, contact or None,
                                PUBLIC_ACTOR)
    except DomainError as error:
        return _public(request, _status_of(error), entered=entered, filed=None, error=error.message)
    return _public(request, 201, entered={}, error=None, filed=outcome)


def _appeal_limit(request: Request) -> SlidingWindow:
    state = request.app.state
    if not hasattr(state, "appeal_limit"):
        state.appeal_limit = SlidingWindow(state.ctx.settings.appeals_per_address_per_hour, 3600)
    return state.appeal_limit


# --- console ----------------------------------------------------------------------------------

@router.get("/console/appeals", response_class=HTMLResponse)
def appeals_page(request: Request):
    me = _staff(request)
    ctx = request.app.state.ctx
    found = open_appeals(ctx.store.uow(read_only=True), me)
    with ctx.store.uow(read_only=True) as uow:
        rows = [(appeal, uow.cases.get(appeal.case_id)) for appeal in found]
        decisions = {appeal.id: _decision(case, appeal) for appeal, case in rows}
        names = _user_names(uow, [d.decided_by for d in decisions.values() if d])
    return _page(request, "appeals.html", rows=rows, decisions=decisions, names=names)


def _decision(case, appeal: Appeal):
    return next((d for d in case.decisions if d.id == appeal.decision_id), None)


@router.get("/console/appeals/{appeal_id}", response_class=HTMLResponse)
def appeal_review(request: Request, appeal_id: str):
    return _render_review(request, appeal_id)


def _render_review(request: Request, appeal_id: str, error: str | None = None, status_code: int = 200):
    me = _staff(request)
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        appeal = uow.appeals.get(appeal_id)
        if appeal is None:
            return _refused(request, NotFound(f"no appeal {appeal_id}"))
        case = uow.cases.get(appeal.case_id)
        decision = _decision(case, appeal)
        names = _user_names(uow, [decision.decided_by, decision.approved_by, appeal.reviewed_by])
    took_part = me.id in {decision.decided_by, decision.approved_by}
    return _page(request, "appeal_review.html", status_code=status_code, appeal=appeal, case=case,
                 decision=decision, names=names, error=error, took_part=took_part,
                 can_resolve=me.can(Permission.DECIDE) and not took_part and appeal.status == "open")


@router.post("/console/appeals/{appeal_id}/resolution")
def appeal_resolution(request: Request, appeal_id: str, outcome: Annotated[str, Form()],
                      csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                      reason: Annotated[str, Form()] = ""):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    if outcome not in {"uphold", "reverse"}:
        return _render_review(request, appeal_id, error="choose uphold or reverse", status_code=422)
    try:
        resolved = resolve_appeal(ctx.store.uow(), appeal_id, outcome == "reverse", reason, me)
    except DomainError as error:
        if isinstance(error, NotFound):
            return _refused(request, error)
        return _render_review(request, appeal_id, error=error.message, status_code=_status_of(error))
    if outcome == "reverse":  # a proposal only: the unblock waits for another senior (/console/reversals)
        _notify(request, "Reversal proposed: the block stays until another senior approves it.")
    else:
        _notify(request, "Decision upheld.")
    return RedirectResponse(f"/console/cases/{resolved.case_id}", 303)
