"""The first moderator console: login, the queue by time left, a case page, a decision form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from tanggap.domain.access import Permission
from tanggap.domain.clock import format_wib
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import Action, AuditDraft
from tanggap.platforms.interface import PlatformError
from tanggap.services.accounts import login
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.enforcement import carry_out
from tanggap.web.auth import csrf_ok, csrf_token, session_principal

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes .html
templates.env.filters["wib"] = lambda moment: format_wib(moment) if moment else "—"
AMBER_UNDER_S, RED_UNDER_S = 3600, 1800


def sla_badge(case, now) -> tuple[str, str]:
    """(css class, label): amber under 1 h left, red under 30 min or past the deadline."""
    deadline = case.deadline
    if deadline is None:
        return "none", "no deadline"
    left = deadline.remaining(now).total_seconds()
    label = f"{int(left // 3600)}h {int(left % 3600 // 60):02d}m" if left > 0 else "BREACHED"
    return ("red" if left < RED_UNDER_S else "amber" if left < AMBER_UNDER_S else "green"), label


def _staff(request: Request):
    principal = session_principal(request)
    if principal is None:
        raise HTTPException(303, headers={"Location": "/login"})
    principal.require(Permission.VIEW_CASES)
    return principal


def _page(request: Request, template: str, **values):
    values.update(request=request, csrf=csrf_token(request), me=session_principal(request))
    return templates.TemplateResponse(request, template, values)


@router.get("/", response_class=HTMLResponse)
def home():
    return RedirectResponse("/console/queue", 303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str | None = None):
    return _page(request, "login.html", error=error)


@router.post("/login")
def login_submit(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
                 csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    if not csrf_ok(request, csrf_token_field):
        raise HTTPException(403, "form expired; reload the page")
    principal = login(request.app.state.ctx.store.uow(), name, password)
    if principal is None:
        return _page(request, "login.html", error="Wrong name or password")
    request.session.clear()  # a new session id for a new login (no fixation)
    request.session["user_id"] = principal.id
    return RedirectResponse("/console/queue", 303)


@router.post("/logout")
def logout(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    if csrf_ok(request, csrf_token_field):
        request.session.clear()
    return RedirectResponse("/login", 303)


@router.get("/console/queue", response_class=HTMLResponse)
def queue(request: Request):
    _staff(request)
    ctx = request.app.state.ctx
    with ctx.store.uow(read_only=True) as uow:
        now = uow.clock.now()
        cases = uow.cases.queue(limit=200)
        rows = [(case, *sla_badge(case, now)) for case in cases]
        return _page(request, "queue.html", rows=rows, now=now)


@router.get("/console/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, error: str | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    channel, posts, platform_error = _platform_view(ctx.platform, case_id, ctx)
    with ctx.store.uow() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        orders = uow.orders.for_case(case.id)
        enforcements = uow.enforcements.for_case(case.id)
        uow.record(AuditDraft("case_viewed", "case", case.id, me.actor))
        badge = sla_badge(case, uow.clock.now())
        decisions = list(case.decisions)
        uow.commit()
    return _page(request, "case.html", case=case, orders=orders, decisions=decisions,
                 enforcements=enforcements, channel=channel, posts=posts, badge=badge,
                 platform_error=platform_error, actions=[a.value for a in Action], error=error)


@router.post("/console/cases/{case_id}/decision")
def decide_form(request: Request, case_id: str, action: Annotated[str, Form()],
                reason: Annotated[str, Form()], csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                scope: Annotated[str, Form()] = "global", legal_basis: Annotated[str, Form()] = "",
                note: Annotated[str, Form()] = ""):
    me = _staff(request)
    if not csrf_ok(request, csrf_token_field):
        raise HTTPException(403, "form expired; reload the page")
    ctx = request.app.state.ctx
    try:
        outcome = decide(ctx.store.uow(), case_id, DecisionRequest(
            action, reason, scope or "global", legal_basis or None, note or None), me)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        return case_page(request, case_id, error=error.message)
    if outcome.enforcement_id and ctx.platform is not None:
        carry_out(ctx.store, ctx.platform, outcome.enforcement_id, ctx.retry)
    return RedirectResponse(f"/console/cases/{case_id}", 303)


def _platform_view(platform, case_id, ctx):
    if platform is None:
        return None, [], "no platform configured"
    with ctx.store.uow(read_only=True) as uow:
        case = uow.cases.get(case_id)
        target = case.target if case else None
    if target is None:
        return None, [], None
    try:
        return platform.channel(target), platform.recent_posts(target, 10), None
    except PlatformError as error:
        return None, [], str(error)
