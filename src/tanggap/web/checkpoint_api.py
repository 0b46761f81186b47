"""Public: the latest signed checkpoint of the audit chain, so outsiders can keep copies (a
database cut back below a copy they hold, or rewritten under it, no longer matches)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from tanggap.domain.errors import NotFound
from tanggap.web.api_models import PROBLEMS

router = APIRouter(prefix="/api/v1", responses=PROBLEMS)


class CheckpointOut(BaseModel):
    seq: int
    hash: str
    at: datetime
    mac: str
    algorithm: str = "HMAC-SHA256 over 'tanggap-audit-checkpoint:<seq>:<hash>:<at>'"


@router.get("/audit/checkpoint", response_model=CheckpointOut,
            summary="Public: the latest signed checkpoint of the audit chain")
def latest_checkpoint(request: Request) -> CheckpointOut:
    checkpoints = request.app.state.ctx.store.checkpoints
    latest = checkpoints.latest() if checkpoints else None
    if latest is None:
        raise NotFound("no checkpoint written yet")
    return CheckpointOut(seq=latest.seq, hash=latest.hash, at=latest.at, mac=latest.mac)
