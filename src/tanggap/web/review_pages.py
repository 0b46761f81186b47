"""Console: four-eyes approvals for seniors, and one decision over the targets of an order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tanggap.domain.access import Permission
from tanggap.domain.errors import DomainError, InvalidDecision, NotFound, PermissionDenied
from tanggap.domain.model import DECIDABLE_STATES, CaseState
from tanggap.services.automatic import awaiting_review, review
from tanggap.services.decisions import TAXONOMY, DecisionRequest, approve, reject_proposal
from tanggap.services.orders import order_status
from tanggap.services.review import QueueFilter, decide_order, queue
from tanggap.store.audit_log import events_for
from tanggap.web.api import enforce_now
from tanggap.web.console import (
    ESCALATE, FORM_ACTIONS, REASON_FOR_CATEGORY, _check_form, _notify, _page, _reason_text, _refused, _scope, _staff,
    _user_names, sla_badge,
)

router = APIRouter(include_in_schema=False)


# --- four-eyes --------------------------------------------------------------------------------

@router.get("/console/approvals", response_class=HTMLResponse)
def approvals_page(request: Request):
    me = _staff(request)
    try:
        me.require(Permission.APPROVE)
    except PermissionDenied as error:
        return _refused(request, error)
    ctx = request.app.state.ctx
    with ctx.store.uow(read_only=True) as uow:
        now = uow.clock.now()
        mine = queue(uow, me, QueueFilter(limit=500))
        # A reversal waiting for its second senior has its own page (/console/reversals).
        pending = [c for c in mine if c.state == CaseState.PENDING_APPROVAL and not c.reversal_pending]
        escalated = [c for c in mine if c.state == CaseState.ESCALATED]
        proposals = [(case, sla_badge(case, now), case.decision) for case in pending]
        questions = [(case, sla_badge(case, now), _escalation_note(uow, case.id)) for case in escalated]
        names = _user_names(uow, [d.decided_by for _, _, d in proposals if d is not None])
    automatic = [(case, case.decision) for case in awaiting_review(ctx.store.uow(read_only=True), me)]
    return _page(request, "approvals.html", proposals=proposals, questions=questions, names=names,
                 automatic=automatic)


@router.post("/console/cases/{case_id}/posthoc")
def posthoc_form(request: Request, case_id: str, verdict: Annotated[str, Form()], reason: Annotated[str, Form()],
                 csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    """Post-hoc review of an automatic block: confirm it, or propose its reversal (another
    senior approves the unblock)."""
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    try:
        unblock = review(ctx.store.uow(), case_id, verdict == "confirm", reason, me)
    except DomainError as error:
        return _refused(request, error)
    enforce_now(ctx, unblock.id if unblock else None)
    if verdict != "confirm":
        _notify(request, "Reversal proposed: the block stays until another senior approves it on the reversals page.")
    return RedirectResponse("/console/approvals", 303)


def _escalation_note(uow, case_id: str) -> str | None:
    """What the moderator asked when escalating (kept in the audit event)."""
    asked = [e for e in events_for(uow.session, "case", case_id) if e.kind == "case_escalate"]
    return asked[-1].payload.get("note") if asked else None


@router.post("/console/cases/{case_id}/approve")
def approve_form(request: Request, case_id: str, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    try:
        outcome = approve(ctx.store.uow(), case_id, me)
    except DomainError as error:
        return _refused(request, error)
    enforcement = enforce_now(ctx, outcome.enforcement_id)
    if enforcement:
        _notify(request, "Approved. Platform enforcement %(status)s.", status=enforcement["status"])
    else:
        _notify(request, "Approved.")
    return RedirectResponse(f"/console/cases/{case_id}", 303)


@router.post("/console/cases/{case_id}/reject")
def reject_form(request: Request, case_id: str, reason: Annotated[str, Form()],
                csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    try:
        reject_proposal(request.app.state.ctx.store.uow(), case_id, reason.strip() or "not approved", me)
    except DomainError as error:
        return _refused(request, error)
    _notify(request, "Proposal rejected; the case is back in the queue.")
    return RedirectResponse(f"/console/cases/{case_id}", 303)


# --- bulk: one decision over an order's targets, each confirmed ------------------------------

@router.get("/console/orders/{order_id}/bulk", response_class=HTMLResponse)
def bulk_page(request: Request, order_id: str):
    return _render_bulk(request, order_id)


def _render_bulk(request: Request, order_id: str, error: str | None = None, status_code: int = 200,
                 entered: dict | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    try:
        me.require(Permission.DECIDE)
        status = order_status(ctx.store.uow(read_only=True), order_id, me)
    except DomainError as refusal:  # not `error`: that name is the form's message, used below
        return _refused(request, refusal)
    with ctx.store.uow(read_only=True) as uow:
        now = uow.clock.now()
        rows = []
        for target in status.targets:
            case = uow.cases.get(target.case_id)
            open_to_decide = case.state in DECIDABLE_STATES and not case.held_by_other(me.id, now)
            rows.append((target, case, sla_badge(case, now), open_to_decide))
        legal_basis = uow.orders.get(order_id).legal_basis or ""
    return _page(request, "bulk.html", status_code=status_code, order=status, rows=rows, error=error,
                 form_actions=[a for a in FORM_ACTIONS if a[0] != ESCALATE],
                 reasons=list(TAXONOMY), entered=entered or {
                     "legal_basis": legal_basis, "reason_code": REASON_FOR_CATEGORY.get(status.category)})


@router.post("/console/orders/{order_id}/bulk", response_class=HTMLResponse)
def bulk_decide(request: Request, order_id: str, action: Annotated[str, Form()],
                csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                case_id: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default
                reason: Annotated[str, Form()] = "", reason_code: Annotated[str, Form()] = "",
                scope_kind: Annotated[str, Form()] = "global", countries: Annotated[str, Form()] = "",
                legal_basis: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    entered = {"action": action, "reason": reason, "reason_code": reason_code, "scope_kind": scope_kind,
               "countries": countries, "legal_basis": legal_basis, "note": note}
    try:
        if not case_id:
            raise InvalidDecision("confirm at least one target (tick its box)", "case_id")
        order_status(ctx.store.uow(read_only=True), order_id, me)  # the caller may see this order
        outcomes = decide_order(ctx.store.uow, order_id, DecisionRequest(
            action, _reason_text(reason, reason_code), _scope("", scope_kind, countries),
            legal_basis.strip() or None, note.strip() or None, reason_code or None), set(case_id), me)
    except (NotFound, PermissionDenied) as error:
        return _refused(request, error)
    except DomainError as error:
        return _render_bulk(request, order_id, error=error.message, status_code=422, entered=entered)
    enforced = waiting = 0
    for outcome in outcomes:
        enforcement = enforce_now(ctx, outcome.enforcement_id)
        enforced += bool(enforcement and enforcement["status"] == "confirmed")
        waiting += bool(outcome.awaiting_approval)
    _notify(request, "Decided %(count)s confirmed target(s): %(enforced)s enforced on the platform, "
                     "%(waiting)s waiting for a senior's approval.",
            count=len(outcomes), enforced=enforced, waiting=waiting)
    return RedirectResponse(f"/console/orders/{order_id}/bulk", 303)

