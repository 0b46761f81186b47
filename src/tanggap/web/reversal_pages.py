"""Console: reversals (of an appeal or a post-hoc review) waiting for a second senior. The page
puts the authorities' orders, their legal basis and the evidence next to the approve button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tanggap.domain.access import Permission
from tanggap.domain.errors import DomainError, NotFound, PermissionDenied
from tanggap.domain.model import AuditDraft
from tanggap.services.reversals import approve_reversal, pending_reversals, reject_reversal
from tanggap.services.signals import signals_for
from tanggap.web.api import enforce_now
from tanggap.web.console import _check_form, _notify, _page, _refused, _staff, _user_names

router = APIRouter(include_in_schema=False)


def _senior(request: Request):
    me = _staff(request)
    me.require(Permission.APPROVE)
    return me


@router.get("/console/reversals", response_class=HTMLResponse)
def reversals_page(request: Request):
    try:
        me = _senior(request)
        waiting = pending_reversals(request.app.state.ctx.store.uow(read_only=True), me)
    except PermissionDenied as error:
        return _refused(request, error)
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        names = _user_names(uow, [case.reversal_proposed_by for case in waiting])
    return _page(request, "reversals.html", waiting=waiting, names=names)


@router.get("/console/reversals/{case_id}", response_class=HTMLResponse)
def reversal_page(request: Request, case_id: str):
    try:
        me = _senior(request)
    except PermissionDenied as error:
        return _refused(request, error)
    store = request.app.state.ctx.store
    with store.uow() as uow:
        case = uow.cases.get(case_id)
        if case is None or not case.reversal_pending:
            return _refused(request, NotFound(f"no reversal waits on case {case_id}"))
        orders = list(uow.orders.for_case(case.id))
        authority_names = uow.authorities.names()
        appeal = uow.appeals.get(case.reversal_appeal_id) if case.reversal_appeal_id else None
        decision = case.decision
        names = _user_names(uow, [case.reversal_proposed_by, decision.decided_by, decision.approved_by])
        uow.record(AuditDraft("reversal_viewed", "case", case.id, me.actor))
        uow.commit()
    return _page(request, "reversal.html", case=case, decision=decision, orders=orders, appeal=appeal,
                 authority_names=authority_names, names=names, signals=signals_for(store, case_id),
                 own=case.reversal_proposed_by == me.id)


@router.post("/console/reversals/{case_id}")
def reversal_verdict(request: Request, case_id: str, verdict: Annotated[str, Form()],
                     csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                     reason: Annotated[str, Form(max_length=2000)] = ""):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    try:
        if verdict == "approve":
            outcome = approve_reversal(ctx.store.uow(), case_id, me)
        elif verdict == "reject":
            outcome = reject_reversal(ctx.store.uow(), case_id, reason, me)
        else:
            raise DomainError("choose approve or reject", "verdict")
    except DomainError as error:
        return _refused(request, error)
    enforcement = enforce_now(ctx, outcome.enforcement_id)
    if verdict == "approve":
        done = f" Unblock on the platform: {enforcement['status']}." if enforcement else ""
        _notify(request, f"Reversal approved.{done}")
    else:
        _notify(request, "Reversal rejected: the decision stands.")
    return RedirectResponse(f"/console/cases/{case_id}", 303)
