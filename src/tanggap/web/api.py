"""REST API v1. Routes translate HTTP to service calls; the services check permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from tanggap.domain.access import Permission, Principal
from tanggap.domain.accountability import suppress_small
from tanggap.domain.clock import format_wib
from tanggap.domain.errors import DomainError, InvalidTarget, NotFound, PermissionDenied
from tanggap.domain.model import AuditDraft, CaseState, OrderDraft
from tanggap.platforms.offered import require_offered
from tanggap.platforms.registry import split_unserved
from tanggap.domain.events import CaseViewed
from tanggap.services.case_views import case_viewed, record_case_view
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.enforcement import carry_out
from tanggap.services.orders import ingest_order, order_status, parse_targets
from tanggap.services.transparency import daily_counts
from tanggap.store.views import evidence_content
from tanggap.web import api_models as out
from tanggap.web.auth import current_principal
from tanggap.web.inputs import MAX_INT64, TextIn, no_nul_in_url

router = APIRouter(prefix="/api/v1", responses=out.PROBLEMS, dependencies=[Depends(no_nul_in_url)])
Caller = Annotated[Principal, Depends(current_principal)]
MAX_TARGETS = 200_000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(9998, 12, 31)


def utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class OrderIn(TextIn):
    reference: str | None = Field(None, max_length=200, description="the authority's own number, kept verbatim")
    category: str = Field(..., max_length=60, examples=["terrorism"])
    jurisdiction: str | None = Field(None, min_length=2, max_length=8,
                                    description="the authority's own (the default); another is refused with 403")
    legal_basis: str | None = Field(None, max_length=2000)
    targets: list[Annotated[str, Field(max_length=2048)]] = Field(..., min_length=1, max_length=MAX_TARGETS)


class DecisionIn(TextIn):
    action: Literal["block", "remove_post", "restrict", "no_action", "unblock"]
    scope: str | list[str] | None = Field(None, description='"global" or a list of ISO country codes')
    reason: str = Field(..., min_length=1, max_length=2000)
    reason_code: str | None = Field(None, max_length=60,
                                    description="a code of the policy taxonomy, e.g. terrorist_content")
    legal_basis: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=10_000)


@router.post("/orders", status_code=201, response_model=out.OrderReceipt, summary="Submit a takedown order",
             responses={200: {"model": out.OrderReceipt, "description": "The same order again: the first receipt"}})
def submit_order(body: OrderIn, caller: Caller, request: Request, response: Response):
    ctx = request.app.state.ctx
    if caller.kind != "authority":
        raise PermissionDenied("orders are submitted with an authority's API key")
    targets, spellings, rejected = parse_targets(body.targets)
    targets, spellings, unserved = split_unserved(targets, spellings, ctx.networks)
    rejected = rejected + unserved
    if not targets:  # nothing to act on: say so instead of storing an empty order
        raise InvalidTarget(f"none of the {len(body.targets)} targets is a channel, post or invite on a "
                            f"configured platform; first: {rejected[0]['input']!r}: {rejected[0]['reason']}")
    draft = OrderDraft(
        authority_id=caller.id, reference=body.reference, category=body.category,
        jurisdiction=_order_jurisdiction(body.jurisdiction, caller), legal_basis=body.legal_basis,
        targets=tuple(targets), spellings=tuple(spellings), rejected=tuple(rejected), channel="api")
    receipt = ingest_order(ctx.store.uow(), ctx.settings.sla, draft, caller)
    if receipt.duplicate_of_existing:
        response.status_code = 200
    else:
        ctx.metrics.orders_received.labels("api").inc()
        ctx.metrics.targets_rejected.inc(len(rejected))
    response.headers["Location"] = f"/api/v1/orders/{receipt.order_id}"
    return {
        "order_id": receipt.order_id, "reference": receipt.reference,
        "received_at": utc(receipt.received_at), "deadline": utc(receipt.deadline.due_at),
        "deadline_wib": format_wib(receipt.deadline.due_at), "deadline_basis": receipt.deadline.basis,
        "duplicate": receipt.duplicate_of_existing,
        "targets": [{"input": t.input, "target": t.target, "case_id": t.case_id,
                     "deadline": utc(t.deadline), "status": t.case_state} for t in receipt.targets],
        "rejected": receipt.rejected,
    }


def _order_jurisdiction(asked: str | None, caller) -> str:
    """An authority orders under the jurisdiction it is registered with: another one would give
    its orders another legal clock (the EU's one hour) and count them in another's figures."""
    own = (caller.jurisdiction or "").upper()
    if asked and own and asked.upper() != own:
        raise PermissionDenied(f"this key's authority orders under jurisdiction {own}, not {asked.upper()}")
    return (asked or own).upper()


@router.get("/orders/{order_id}", response_model=out.OrderStatus, response_model_exclude_unset=True,
            summary="Per-target status of an order")
def get_order(order_id: str, caller: Caller, request: Request):
    status = order_status(request.app.state.ctx.store.uow(read_only=True), order_id, caller)
    return {
        "order_id": status.order_id, "reference": status.reference, "category": status.category,
        "jurisdiction": status.jurisdiction, "received_at": utc(status.received_at),
        "deadline": utc(status.deadline.due_at), "settled": status.settled,
        "rejected": status.rejected,
        "targets": [{k: v for k, v in {
            "target": t.target, "case_id": t.case_id, "status": t.status, "action": t.action,
            "scope": t.scope, "actioned_at": utc(t.actioned_at), "reason": t.reason}.items()
            if v is not None} for t in status.targets],
    }


@router.get("/cases", response_model=out.CaseList, summary="Cases, soonest deadline first")
def list_cases(caller: Caller, request: Request,
               state: Annotated[list[CaseState] | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0):
    caller.require(Permission.VIEW_CASES)
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        return {"cases": [case_json(c) for c in uow.cases.list(state, limit, offset)]}


@router.get("/cases/{case_id}", response_model=out.CaseDetail, summary="One case with its decisions and enforcements")
def get_case(case_id: str, caller: Caller, request: Request):
    caller.require(Permission.VIEW_CASES)
    with request.app.state.ctx.store.uow(snapshot=True) as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        viewed = case_viewed(uow, case.id, caller.actor, "api")
        body = case_json(case)
        body["orders"] = [{"order_id": o.id, "reference": o.reference, "category": o.category,
                           "jurisdiction": o.jurisdiction, "received_at": utc(o.received_at),
                           "deadline": utc(o.deadline_due_at), "channel": o.channel,
                           "raw_evidence": f"/api/v1/evidence/{o.raw_evidence}" if o.raw_evidence else None}
                          for o in uow.orders.for_case(case.id)]
        body["decisions"] = [{"decision_id": d.id, "action": str(d.action), "scope": d.scope.as_json(),
                              "reason": d.reason, "legal_basis": d.legal_basis, "note": d.note,
                              "decided_by": d.decided_by, "decided_at": utc(d.decided_at)}
                             for d in case.decisions]
        body["enforcements"] = [enforcement_json(e) for e in uow.enforcements.for_case(case.id)]
        uow.commit()
    audit_view_now(request.app.state.ctx, viewed)
    return body


@router.post("/cases/{case_id}/decision", status_code=201, response_model=out.DecisionOut,
             summary="Decide a case (moderators)",
             responses={200: {"model": out.DecisionOut, "description": "The same decision again: nothing new"}})
def post_decision(case_id: str, body: DecisionIn, caller: Caller, request: Request, response: Response):
    ctx = request.app.state.ctx
    require_offered_on_case(ctx, case_id, body.action, body.scope)
    outcome = decide(ctx.store.uow(), case_id, DecisionRequest(
        body.action, body.reason, body.scope, body.legal_basis, body.note, body.reason_code), caller)
    if outcome.repeated:
        response.status_code = 200
    else:
        ctx.metrics.decisions.labels(body.action).inc()
    enforcement = enforce_now(ctx, outcome.enforcement_id)
    with ctx.store.uow(read_only=True) as uow:
        state = str(uow.cases.get(case_id).state)
    return {"case_id": case_id, "decision_id": outcome.decision_id, "repeated": outcome.repeated,
            "case_state": state, "awaiting_approval": outcome.awaiting_approval, "enforcement": enforcement}


def require_offered_on_case(ctx, case_id: str, action: str, scope) -> None:
    """422 for a decision the case's platform cannot carry out (a missing case: decide says 404)."""
    with ctx.store.uow(read_only=True) as uow:
        case = uow.cases.get(case_id)
        target = case.target if case is not None else None
    if target is not None:
        require_offered(ctx.platform, target, action, scope)


def enforce_now(ctx, enforcement_id: str | None) -> dict | None:
    """Say how an enforcement stands. With `effects=worker` (the default) a worker carries it
    out from the outbox, so the answer is `pending`; `inline` carries it out here, at once."""
    if not enforcement_id:
        return None
    if ctx.platform is not None and ctx.settings.effects == "inline":
        if carry_out(ctx.store, ctx.platform, enforcement_id, ctx.retry).error:
            ctx.metrics.enforcement_failures.inc()
    with ctx.store.uow(read_only=True) as uow:
        return enforcement_json(uow.enforcements.get(enforcement_id))


def audit_view_now(ctx, viewed: CaseViewed) -> None:
    """With `effects=inline` the view's audit entry is written here; with workers (the default)
    a worker writes it from the outbox (the same function: a later delivery finds it written)."""
    if ctx.settings.effects == "inline":
        record_case_view(ctx.store, viewed)


@router.get("/evidence/{sha256}", summary="The raw message an order arrived in (staff)",
            response_class=Response, responses={200: {"content": {"message/rfc822": {}}}})
def get_evidence(sha256: str, caller: Caller, request: Request):
    caller.require(Permission.VIEW_CASES)
    with request.app.state.ctx.store.uow() as uow:
        content = evidence_content(uow.session, sha256)
        if content is None:
            raise NotFound(f"no evidence {sha256}")
        # subject_id holds 60 characters; the full digest goes in the payload.
        uow.record(AuditDraft("evidence_downloaded", "evidence", sha256[:60], caller.actor, {"sha256": sha256}))
        uow.commit()
    # Served as a download, never rendered: it is attacker-controlled bytes.
    return Response(bytes(content), media_type="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="{sha256}.eml"', "X-Content-Type-Options": "nosniff"})


@router.get("/transparency/daily", response_model=out.TransparencyDay,
            summary="Public: channels blocked on a day (net of reversals)")
def transparency_daily(request: Request, day: Annotated[date | None, Query(alias="date")] = None):
    """A day in the configured zone (default Asia/Jakarta); without `date`, today there."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:  # the day's end in any zone must still be a datetime
        raise DomainError(f"date must be between {FIRST_DAY} and {LAST_DAY}", "date")
    ctx = request.app.state.ctx
    zone = ctx.settings.transparency_timezone
    day = day or ctx.store.clock.now().astimezone(ZoneInfo(zone)).date()
    counts = daily_counts(ctx.store.uow(read_only=True), day, zone)
    minimum = ctx.settings.transparency_min_count
    return {"date": counts.day.isoformat(), "timezone": counts.timezone, "total": counts.net,
            "blocked_before_reversals": counts.blocked, "reversed": counts.reversed,
            "by_category": public_breakdown(counts.by_category, minimum),
            "by_source": counts.by_source,
            "by_scope": public_breakdown(counts.by_scope, minimum),
            "minimum_published_count": minimum,
            "terrorism_today": counts.terrorism, "terrorism_this_month": counts.terrorism_this_month,
            "sentence": counts.sentence, "sentence_id": counts.sentence_id}


@router.get("/compliance", response_model=out.ComplianceReport, summary="An authority's compliance report for a month")
def compliance(request: Request, caller: Caller,
               month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])],
               authority: Annotated[str | None, Query(max_length=200, description="staff only")] = None):
    """An authority sees its own orders; staff who may see all orders name the authority."""
    from tanggap.services.compliance import compliance_report

    ctx = request.app.state.ctx
    if caller.kind == "authority":
        if authority not in (None, caller.name):
            raise PermissionDenied("an authority sees only its own compliance report")
        authority = caller.name
    else:
        caller.require(Permission.VIEW_ALL_ORDERS)
        if not authority:
            raise NotFound("name the authority", "authority")
    year, number = (int(part) for part in month.split("-"))
    if not FIRST_DAY.year <= year <= LAST_DAY.year:  # "0000-01" matched the pattern and was a 500
        raise DomainError(f"month must be between {FIRST_DAY:%Y-%m} and {LAST_DAY:%Y-%m}", "month")
    report = compliance_report(ctx.store.uow(read_only=True), authority, year, number,
                               ctx.settings.transparency_timezone)
    summary = report.summary
    return {"authority": report.authority, "month": month, "timezone": report.timezone,
            "summary": {"orders": summary.orders, "targets": summary.targets, "actioned": summary.actioned,
                        "refused": summary.refused, "unreadable_targets": summary.unreadable,
                        "pending": summary.pending, "in_time": summary.in_time, "breaches": summary.breaches,
                        "median_hours_to_action": summary.median_hours, "p95_hours_to_action": summary.p95_hours},
            "targets": [{"order_id": line.row.order_id, "reference": line.row.reference,
                         "received_at": utc(line.row.received_at), "deadline": utc(line.row.deadline_due_at),
                         "deadline_basis": line.row.deadline_basis, "target": line.row.target,
                         "outcome": line.row.outcome, "action": line.row.action, "acted_at": utc(line.row.acted_at),
                         "breach": line.breached,
                         "late_by_minutes": line.late_minutes,
                         "reason": line.row.reason, "reversed_later": line.row.reversed}
                        for line in report.lines]}


def public_breakdown(counts: dict[str, int], minimum: int) -> dict[str, int]:
    folded = suppress_small(counts, minimum)
    return {**folded.shown, **({"other": folded.other} if folded.other else {})}


def case_json(case) -> dict:
    deadline = case.deadline
    return {"case_id": case.id, "target": case.target.canonical, "kind": str(case.kind),
            "state": str(case.state), "category": case.category,
            "source": str(case.source) if case.source else None,
            "deadline": utc(deadline.due_at) if deadline else None,
            "deadline_basis": deadline.basis if deadline else None,
            "created_at": utc(case.created_at), "actioned_at": utc(case.actioned_at)}


def enforcement_json(enforcement) -> dict:
    return {"enforcement_id": enforcement.id, "action": str(enforcement.action),
            "scope": enforcement.scope.as_json(), "status": str(enforcement.status),
            "attempts": enforcement.attempts, "last_error": enforcement.last_error,
            "platform_reference": enforcement.platform_reference,
            "confirmed_at": utc(enforcement.confirmed_at)}
