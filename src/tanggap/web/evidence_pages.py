"""“What the moderator saw”: the evidence snapshot on the case and appeal pages (a block the
templates include), a staff download of the snapshot, and an admin's legal hold."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tanggap.domain.access import Permission
from tanggap.domain.clock import format_wib
from tanggap.domain.errors import DomainError
from tanggap.services.evidence import latest_for_case, release_legal_hold, set_legal_hold
from tanggap.store import snapshots as snapshot_store
from tanggap.web import api_models as out
from tanggap.web.api import Caller
from tanggap.web.inputs import no_nul_in_url
from tanggap.web.console import _check_form, _notify, _staff, templates

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", responses=out.PROBLEMS, dependencies=[Depends(no_nul_in_url)])


def moderator_snapshot(request: Request, case_id: str) -> dict:
    """For the include block: the newest snapshot of the case, its state and any legal hold."""
    store = request.app.state.ctx.store
    snapshot, row = latest_for_case(store.uow(read_only=True), case_id)
    with store.uow(read_only=True) as uow:
        holds = snapshot_store.active_holds(uow.session, case_id)
    return {"snapshot": snapshot, "row": row, "holds": holds}


def _wib_iso(written: str | None) -> str:
    if not written:
        return "—"
    try:
        return format_wib(datetime.fromisoformat(written.replace("Z", "+00:00")))
    except ValueError:
        return written


templates.env.globals["moderator_snapshot"] = moderator_snapshot
templates.env.filters["wib_iso"] = _wib_iso


@api_router.get("/cases/{case_id}/snapshot", response_model=out.SnapshotOut,
                summary="The evidence frozen when the case was decided (staff)")
def snapshot_json(case_id: str, caller: Caller, request: Request):
    caller.require(Permission.VIEW_CASES)
    snapshot, row = latest_for_case(request.app.state.ctx.store.uow(read_only=True), case_id)
    if snapshot is None:
        from tanggap.domain.errors import NotFound
        raise NotFound("no snapshot of this case" + (" (expired)" if row is not None else ""))
    return {"sha256": snapshot.sha256, "taken_at": snapshot.taken_at.isoformat(),
            "retain_until": snapshot.retain_until.isoformat(), "record": snapshot.record}


@router.post("/console/cases/{case_id}/legal-hold")
def legal_hold(request: Request, case_id: str, csrf_token_field: Annotated[str, Form(alias="csrf_token")],
               hold: Annotated[str, Form()] = "set", reason: Annotated[str, Form(max_length=2000)] = ""):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    uow = request.app.state.ctx.store.uow()
    try:
        if hold == "release":
            release_legal_hold(uow, case_id, reason, me)
            _notify(request, "Legal hold released.")
        else:
            set_legal_hold(uow, case_id, reason, me)
            _notify(request, "Legal hold set: this case's evidence is kept until the hold is released.")
    except DomainError as error:
        if error.__class__.__name__ == "PermissionDenied":
            return Response("only an admin sets or releases a legal hold", 403)
        _notify(request, error.message)
    return RedirectResponse(f"/console/cases/{case_id}", 303)
