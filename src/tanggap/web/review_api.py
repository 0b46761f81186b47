"""REST API v1 for review: the personal queue, claims, four-eyes approval, bulk decisions,
appeals, and the audit log for auditors."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from tanggap.domain.access import Permission
from tanggap.domain.errors import PermissionDenied
from tanggap.services.appeals import open_appeals, resolve_appeal, submit_appeal
from tanggap.services.decisions import DecisionRequest, approve, reject_proposal
from tanggap.services.review import QueueFilter, claim, decide_order, queue, release
from tanggap.store.views import audit_after
from tanggap.web import api_models as out
from tanggap.web.api import Caller, DecisionIn, case_json, enforce_now, utc
from tanggap.web.inputs import MAX_INT64, TextIn, no_nul_in_url

router = APIRouter(prefix="/api/v1", responses=out.PROBLEMS, dependencies=[Depends(no_nul_in_url)])


class ApprovalIn(TextIn):
    approve: bool
    reason: str | None = Field(None, max_length=2000)


class BulkDecisionIn(DecisionIn):
    case_ids: list[str] = Field(..., min_length=1, description="the targets the moderator confirmed, by case id")


class AppealIn(TextIn):
    target: str = Field(..., max_length=2048, description="the channel or post link the decision was about")
    appellant: str = Field(..., min_length=1, max_length=200)
    grounds: str = Field(..., min_length=1, max_length=10_000)
    contact: str | None = Field(None, max_length=320)


class ResolutionIn(TextIn):
    reverse: bool
    reason: str = Field(..., min_length=1, max_length=2000)


@router.get("/queue", response_model=out.Queue, summary="My queue: cases I can read, soonest deadline first")
def my_queue(caller: Caller, request: Request, authority_id: str | None = None, order_id: str | None = None,
             category: str | None = None, source: str | None = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 100):
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        found = queue(uow, caller, QueueFilter(authority_id, order_id, category, source, limit))
        return {"cases": [case_json(c) | {"language": c.language, "claimed_by": c.claimed_by,
                                          "lease_until": utc(c.lease_until)} for c in found]}


@router.post("/cases/{case_id}/claim", response_model=out.ClaimOut, summary="Claim a case; the claim's lease expires")
def claim_case(case_id: str, caller: Caller, request: Request):
    case = claim(request.app.state.ctx.store.uow(), case_id, caller)
    return {"case_id": case.id, "state": str(case.state), "claimed_by": case.claimed_by,
            "lease_until": utc(case.lease_until)}


@router.post("/cases/{case_id}/release", response_model=out.ReleaseOut, summary="Give a claimed case back to the queue")
def release_case(case_id: str, caller: Caller, request: Request):
    case = release(request.app.state.ctx.store.uow(), case_id, caller)
    return {"case_id": case.id, "state": str(case.state)}


@router.post("/cases/{case_id}/approval", response_model=out.ApprovalOut,
             summary="Four-eyes: a senior approves or rejects a decision")
def approval(case_id: str, body: ApprovalIn, caller: Caller, request: Request):
    ctx = request.app.state.ctx
    if body.approve:
        outcome = approve(ctx.store.uow(), case_id, caller)
    else:
        outcome = reject_proposal(ctx.store.uow(), case_id, body.reason or "not approved", caller)
    enforcement = enforce_now(ctx, outcome.enforcement_id)
    with ctx.store.uow(read_only=True) as uow:
        state = str(uow.cases.get(case_id).state)
    return {"case_id": case_id, "decision_id": outcome.decision_id, "case_state": state,
            "enforcement": enforcement}


@router.post("/orders/{order_id}/decision", response_model=out.BulkDecisionOut,
             summary="One decision over the confirmed targets of an order")
def bulk_decision(order_id: str, body: BulkDecisionIn, caller: Caller, request: Request):
    ctx = request.app.state.ctx
    from tanggap.services.orders import order_status

    order_status(ctx.store.uow(read_only=True), order_id, caller)  # the caller may see this order
    outcomes = decide_order(ctx.store.uow, order_id, DecisionRequest(
        body.action, body.reason, body.scope, body.legal_basis, body.note, body.reason_code),
        set(body.case_ids), caller)
    results = []
    for outcome in outcomes:
        results.append({"case_id": outcome.case_id, "decision_id": outcome.decision_id,
                        "repeated": outcome.repeated, "awaiting_approval": outcome.awaiting_approval,
                        "enforcement": enforce_now(ctx, outcome.enforcement_id)})
    return {"order_id": order_id, "decisions": results}


@router.post("/appeals", status_code=201, response_model=out.AppealOut,
             summary="File an appeal (platform integrations)")
def file_appeal(body: AppealIn, caller: Caller, request: Request):
    if not (caller.can(Permission.MANAGE) or caller.role == "liaison"):
        raise PermissionDenied("appeals come through the public form or a platform integration key")
    outcome = submit_appeal(request.app.state.ctx.store.uow(), body.target, body.appellant,
                            body.grounds, body.contact, caller.actor)
    return vars(outcome)


@router.get("/appeals", response_model=out.AppealList, summary="Open appeals")
def list_appeals(caller: Caller, request: Request):
    found = open_appeals(request.app.state.ctx.store.uow(read_only=True), caller)
    return {"appeals": [{"appeal_id": a.id, "case_id": a.case_id, "decision_id": a.decision_id,
                         "appellant": a.appellant, "grounds": a.grounds,
                         "submitted_at": utc(a.submitted_at)} for a in found]}


@router.post("/appeals/{appeal_id}/resolution", response_model=out.ResolutionOut,
             summary="Uphold, or propose the reversal (a senior other than you approves the unblock)")
def resolve(appeal_id: str, body: ResolutionIn, caller: Caller, request: Request):
    ctx = request.app.state.ctx
    outcome = resolve_appeal(ctx.store.uow(), appeal_id, body.reverse, body.reason, caller)
    return vars(outcome) | {"enforcement": enforce_now(ctx, outcome.enforcement_id)}


@router.get("/audit", response_model=out.AuditLog,
            summary="The audit log (auditors): JSON, or ?format=csv|jsonl to export",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                         "application/x-ndjson": {"schema": {"type": "string"}}}}})
def audit_log(caller: Caller, request: Request, subject_type: str | None = None, subject_id: str | None = None,
              after_seq: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
              format: Annotated[str, Query(pattern="^(json|csv|jsonl)$")] = "json"):
    caller.require(Permission.VIEW_AUDIT)
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        rows = [asdict(event) | {"at": utc(event.at)} for event in audit_after(uow.session, after_seq, limit,
                                                                              subject_type, subject_id)]
    if format == "jsonl":
        return Response("".join(json.dumps(r, default=str) + "\n" for r in rows), media_type="application/x-ndjson")
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, ["seq", "at", "actor", "kind", "subject_type", "subject_id",
                                         "payload", "prev_hash", "hash"])
        writer.writeheader()
        for row in rows:
            writer.writerow({key: as_text_cell(value) for key, value in
                             (row | {"payload": json.dumps(row["payload"], sort_keys=True)}).items()})
        return Response(buffer.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
    return {"events": rows}


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value):
    """A value for a CSV cell that a spreadsheet shows as text: anyone can put a formula into
    the log (a login name is audited as typed), so such a cell gets a leading apostrophe. The
    JSON and JSON Lines exports keep every value exactly, for checking the hash chain."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


class PostHocIn(TextIn):
    confirm: bool
    reason: str = Field(..., min_length=1, max_length=2000)


@router.get("/posthoc", response_model=out.CaseList,
            summary="Automatic decisions awaiting a person's post-hoc review (seniors)")
def posthoc_list(caller: Caller, request: Request):
    from tanggap.services.automatic import awaiting_review

    found = awaiting_review(request.app.state.ctx.store.uow(read_only=True), caller)
    return {"cases": [case_json(c) for c in found]}


@router.post("/cases/{case_id}/posthoc", response_model=out.PostHocOut,
             summary="Confirm an automatic decision, or propose its reversal (another senior approves)")
def posthoc_review(case_id: str, body: PostHocIn, caller: Caller, request: Request):
    from tanggap.services.automatic import review

    ctx = request.app.state.ctx
    unblock = review(ctx.store.uow(), case_id, body.confirm, body.reason, caller)
    enforcement = enforce_now(ctx, unblock.id if unblock else None)
    with ctx.store.uow(read_only=True) as uow:
        state = str(uow.cases.get(case_id).state)
    return {"case_id": case_id, "case_state": state, "enforcement": enforcement}
