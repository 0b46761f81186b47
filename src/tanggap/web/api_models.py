"""What the REST API returns, as pydantic models, so the OpenAPI document says it.

The routes still build plain dicts; `response_model=` checks them against these models on the
way out, and the generated tests (tests/web/test_openapi_fuzz.py) check every answer against
the document. Times are ISO 8601 strings in UTC ("…Z"), as the API has always written them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# Every error is application/problem+json (web/problems.py); the routers declare these statuses
# so a client (and schemathesis) knows each answer a route can give.
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "reason": {"type": "string"}}}},
    },
}
_WHY = {400: "Unknown host", 401: "No or wrong credentials", 403: "Not allowed for this caller",
        404: "No such object (or not yours)", 409: "Conflicts with the object's state",
        413: "Body over TANGGAP_MAX_BODY_BYTES", 422: "Invalid input", 429: "Too many requests"}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"description": why, "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}}
    for status, why in _WHY.items()
}

Scope = str | list[str] | None  # "global" or ISO country codes


class Enforcement(BaseModel):
    enforcement_id: str
    action: str
    scope: Scope
    status: str
    attempts: int
    last_error: str | None
    platform_reference: str | None
    confirmed_at: str | None


class CaseOut(BaseModel):
    case_id: str
    target: str
    kind: str
    state: str
    category: str | None
    source: str | None
    deadline: str | None
    deadline_basis: str | None
    created_at: str | None
    actioned_at: str | None


class QueuedCase(CaseOut):
    language: str | None
    claimed_by: str | None
    lease_until: str | None


class CaseList(BaseModel):
    cases: list[CaseOut]


class Queue(BaseModel):
    cases: list[QueuedCase]


class CaseOrder(BaseModel):
    order_id: str
    reference: str | None
    category: str | None
    jurisdiction: str | None
    received_at: str | None
    deadline: str | None
    channel: str | None
    raw_evidence: str | None = Field(description="download link of the raw message, staff only")


class CaseDecision(BaseModel):
    decision_id: str
    action: str
    scope: Scope
    reason: str | None
    legal_basis: str | None
    note: str | None
    decided_by: str | None
    decided_at: str | None


class CaseDetail(CaseOut):
    orders: list[CaseOrder]
    decisions: list[CaseDecision]
    enforcements: list[Enforcement]


class ReceiptTarget(BaseModel):
    input: str
    target: str
    case_id: str | None
    deadline: str | None
    status: str | None


class Rejected(BaseModel):
    input: str
    reason: str


class OrderReceipt(BaseModel):
    order_id: str
    reference: str | None
    received_at: str
    deadline: str
    deadline_wib: str
    deadline_basis: str
    duplicate: bool
    targets: list[ReceiptTarget]
    rejected: list[Rejected]


class OrderTargetStatus(BaseModel):
    """A key is left out when it has no value yet (no action, no reason)."""
    target: str
    case_id: str | None = None
    status: str | None = None
    action: str | None = None
    scope: Scope = None
    actioned_at: str | None = None
    reason: str | None = None


class OrderStatus(BaseModel):
    order_id: str
    reference: str | None
    category: str
    jurisdiction: str | None
    received_at: str
    deadline: str
    settled: bool
    rejected: list[Rejected]
    targets: list[OrderTargetStatus]


class DecisionOut(BaseModel):
    case_id: str
    decision_id: str | None
    repeated: bool
    case_state: str
    awaiting_approval: str | None = Field(description="the four-eyes rule the decision waits on, if any")
    enforcement: Enforcement | None


class TransparencyDay(BaseModel):
    date: str
    timezone: str
    total: int
    blocked_before_reversals: int
    reversed: int
    by_category: dict[str, int] = Field(description='counts under the published minimum fold into "other"')
    by_source: dict[str, int]
    by_scope: dict[str, int]
    minimum_published_count: int
    terrorism_today: int
    terrorism_this_month: int
    sentence: str
    sentence_id: str


class ComplianceSummary(BaseModel):
    orders: int
    targets: int
    actioned: int
    refused: int
    unreadable_targets: int
    pending: int
    in_time: int
    breaches: int
    median_hours_to_action: float | None
    p95_hours_to_action: float | None


class ComplianceLine(BaseModel):
    order_id: str
    reference: str | None
    received_at: str | None
    deadline: str | None
    deadline_basis: str | None
    target: str
    outcome: str | None
    action: str | None
    acted_at: str | None
    breach: bool
    late_by_minutes: int | None
    reason: str | None
    reversed_later: bool


class ComplianceReport(BaseModel):
    authority: str
    month: str
    timezone: str
    summary: ComplianceSummary
    targets: list[ComplianceLine]


class ClaimOut(BaseModel):
    case_id: str
    state: str
    claimed_by: str | None
    lease_until: str | None


class ReleaseOut(BaseModel):
    case_id: str
    state: str


class ApprovalOut(BaseModel):
    case_id: str
    decision_id: str | None
    case_state: str
    enforcement: Enforcement | None


class BulkDecisionLine(BaseModel):
    case_id: str
    decision_id: str | None
    repeated: bool
    awaiting_approval: str | None = Field(description="the four-eyes rule the decision waits on, if any")
    enforcement: Enforcement | None


class BulkDecisionOut(BaseModel):
    order_id: str
    decisions: list[BulkDecisionLine]


class AppealOut(BaseModel):
    appeal_id: str
    case_id: str
    status: str
    case_state: str
    enforcement_id: str | None


class ResolutionOut(AppealOut):
    enforcement: Enforcement | None


class OpenAppeal(BaseModel):
    appeal_id: str
    case_id: str
    decision_id: str | None
    appellant: str
    grounds: str
    submitted_at: str | None


class AppealList(BaseModel):
    appeals: list[OpenAppeal]


class AuditEvent(BaseModel):
    seq: int
    at: str
    actor: str
    kind: str
    subject_type: str
    subject_id: str
    payload: Any
    prev_hash: str
    hash: str


class AuditLog(BaseModel):
    events: list[AuditEvent]


class PostHocOut(BaseModel):
    case_id: str
    case_state: str
    enforcement: Enforcement | None


class SnapshotOut(BaseModel):
    sha256: str
    taken_at: str
    retain_until: str
    record: dict[str, Any] = Field(description="what the moderator saw, frozen when the case was decided")
