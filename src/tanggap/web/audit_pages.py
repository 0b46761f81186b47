"""Console for auditors: browse the hash-chained audit log, export it as CSV."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tanggap.domain.access import Permission
from tanggap.domain.errors import PermissionDenied
from tanggap.domain.model import AuditDraft
from tanggap.store.views import audit_newest
from tanggap.web.console import _actor_names, _page, _refused, _staff
from tanggap.web.inputs import MAX_INT64
from tanggap.web.review_api import audit_log

router = APIRouter(include_in_schema=False)
PAGE = 100
EXPORT_LIMIT = 100_000


@router.get("/console/audit", response_class=HTMLResponse)
def audit_page(request: Request, subject_type: str = "", subject_id: str = "", kind: str = "",
               before: Annotated[int | None, Query(ge=1, le=MAX_INT64)] = None):
    """Newest first, a page at a time; `before` pages back through the chain."""
    me = _staff(request)
    try:
        me.require(Permission.VIEW_AUDIT)
    except PermissionDenied as error:
        return _refused(request, error)
    with request.app.state.ctx.store.uow(read_only=True) as uow:
        events = audit_newest(uow.session, PAGE, subject_type, subject_id, kind, before)
        names = _actor_names(uow, {event.actor for event in events})
    wanted = {"subject_type": subject_type, "subject_id": subject_id, "kind": kind}
    chosen = {key: value for key, value in wanted.items() if value}
    older = urlencode(chosen | {"before": events[-1].seq}) if len(events) == PAGE else None
    export = urlencode({key: value for key, value in chosen.items() if key != "kind"})
    return _page(request, "audit.html", events=events, names=names, wanted=wanted, older=older,
                 export_query=export)


@router.get("/console/audit/export.csv")
def audit_export(request: Request, subject_type: str | None = None, subject_id: str | None = None):
    """The whole log (or one subject's events) as CSV, hashes included, for checking elsewhere.
    An export is itself an audit event. A cell that a spreadsheet would run as a formula starts
    with an apostrophe (review_api.as_text_cell); /api/v1/audit?format=jsonl keeps it verbatim."""
    me = _staff(request)
    try:
        me.require(Permission.VIEW_AUDIT)
    except PermissionDenied as error:
        return _refused(request, error)
    store = request.app.state.ctx.store
    with store.uow() as uow:
        uow.record(AuditDraft("audit_exported", "audit", "log", me.actor,
                              {"subject_type": subject_type, "subject_id": subject_id, "format": "csv"}))
        uow.commit()
    return audit_log(me, request, subject_type or None, subject_id or None, after_seq=0,
                     limit=EXPORT_LIMIT, format="csv")
