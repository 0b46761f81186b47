"""API: a second senior approves or rejects a proposed reversal (the unblock happens only then)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from tanggap.services.reversals import approve_reversal, reject_reversal
from tanggap.web.api import Caller, enforce_now
from tanggap.web.api_models import PROBLEMS, Enforcement
from tanggap.web.inputs import TextIn, no_nul_in_url

router = APIRouter(prefix="/api/v1", responses=PROBLEMS, dependencies=[Depends(no_nul_in_url)])


class ReversalVerdictIn(TextIn):
    approve: bool
    reason: str | None = Field(None, max_length=2000, description="required to reject")


class ReversalOut(BaseModel):
    case_id: str
    case_state: str
    enforcement: Enforcement | None = None


@router.post("/cases/{case_id}/reversal", response_model=ReversalOut,
             summary="Four-eyes: a senior other than the proposer approves or rejects a reversal")
def reversal_verdict(case_id: str, body: ReversalVerdictIn, caller: Caller, request: Request) -> ReversalOut:
    ctx = request.app.state.ctx
    if body.approve:
        outcome = approve_reversal(ctx.store.uow(), case_id, caller)
    else:
        outcome = reject_reversal(ctx.store.uow(), case_id, body.reason or "", caller)
    enforcement = enforce_now(ctx, outcome.enforcement_id)
    return ReversalOut(case_id=outcome.case_id, case_state=outcome.case_state,
                       enforcement=Enforcement.model_validate(enforcement) if enforcement else None)
