"""The moderator console: login, the personal queue by time left, the case page, claims and the
decision form (with keyboard shortcuts, see static/console.js).

Routes translate a form into a service call; the services check who may do what. Every string
that came from the platform or an authority is rendered through Jinja2's autoescaping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from tanggap.domain.access import Permission, Principal
from tanggap.domain.clock import format_wib, in_wib
from tanggap.domain.errors import DomainError, InvalidDecision, NotFound, PermissionDenied
from tanggap.domain.model import (
    DECIDABLE_STATES, Appeal, AuditDraft, Case, Decision, DecisionStatus, Source,
)
from tanggap.platforms.interface import PlatformError
from tanggap.platforms.offered import offered_actions
from tanggap.services.accounts import LoginPolicy, LoginThrottled, end_session, login, start_session
from tanggap.services.decisions import TAXONOMY, DecisionRequest, decide
from tanggap.services.escalation import escalate
from tanggap.services.review import QueueFilter, claim, release
from tanggap.services.review import queue as personal_queue
from tanggap.services.signals import signals_for
from tanggap.store.audit_log import events_for
from tanggap.store.tables import appeals, authorities, cases, decisions, order_targets, orders, users
from tanggap.web import i18n
from tanggap.web.api import enforce_now, require_offered_on_case
from tanggap.web.auth import SESSION_TOKEN, client_address, csrf_ok, csrf_token, session_principal
from tanggap.web.problems import STATUS_FOR

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes .html
i18n.install(templates.env)
templates.env.filters["wib"] = lambda moment: format_wib(moment) if moment else "—"
templates.env.filters["wib_time"] = lambda moment: in_wib(moment).strftime("%H:%M WIB") if moment else "—"
AMBER_UNDER_S, RED_UNDER_S = 3600, 1800
ESCALATE = "escalate"  # "need more information": not an Action, a lifecycle step
# The actions the decision form offers, with the words moderators see.
FORM_ACTIONS = (
    ("block", "Block"), ("remove_post", "Remove post"), ("restrict", "Restrict"),
    ("no_action", "No action"), (ESCALATE, "Need more information (escalate to a senior)"),
)
# The policy reason a shortcut picks for a case of this category.
REASON_FOR_CATEGORY = {
    "terrorism": "terrorist_content", "csam": "child_sexual_abuse", "public_order": "public_order",
    "hate_speech": "illegal_hate_speech", "gambling": "illegal_gambling",
}


def sla_badge(case, now) -> tuple[str, str]:
    """(css class, label): amber under 1 h left, red under 30 min or past the deadline."""
    deadline = case.deadline
    if deadline is None:
        return "none", "no deadline"
    left = deadline.remaining(now).total_seconds()
    label = f"{int(left // 3600)}h {int(left % 3600 // 60):02d}m" if left > 0 else "BREACHED"
    return ("red" if left < RED_UNDER_S else "amber" if left < AMBER_UNDER_S else "green"), label


# --- helpers the other console modules share ------------------------------------------------

def _staff(request: Request) -> Principal:
    principal = session_principal(request)
    if principal is None:
        raise HTTPException(303, headers={"Location": "/login"})
    principal.require(Permission.VIEW_CASES)
    return principal


def _page(request: Request, template: str, status_code: int = 200, **values):
    values.update(request=request, csrf=csrf_token(request), me=session_principal(request),
                  notice=request.session.pop("notice", None))
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def _check_form(request: Request, offered: str) -> None:
    if not csrf_ok(request, offered):
        raise HTTPException(403, "form expired; reload the page")


def _notify(request: Request, message: str) -> None:
    """A one-line message shown on the next page (kept in the signed session cookie)."""
    request.session["notice"] = message[:300]


def _status_of(error: DomainError) -> int:
    return next((code for kind, code in STATUS_FOR.items() if isinstance(error, kind)), 422)


def _refused(request: Request, error: DomainError):
    """A refusal as a page (403 for permissions, 404, 409...), not as JSON."""
    return _page(request, "refused.html", status_code=_status_of(error), message=error.message)


def _user_names(uow, ids) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = uow.session.execute(select(users.c.id, users.c.name).where(users.c.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def _actor_names(uow, actors) -> dict[str, str]:
    """"user:01H…" -> "sari (user)", "authority:01H…" -> "Kemkomdigi (authority)"."""
    by_kind: dict[str, set[str]] = {}
    for actor in actors:
        kind, _, ident = actor.partition(":")
        by_kind.setdefault(kind, set()).add(ident)
    names = {f"user:{k}": f"{v} (user)" for k, v in _user_names(uow, by_kind.get("user", ())).items()}
    if by_kind.get("authority"):
        rows = uow.session.execute(select(authorities.c.id, authorities.c.name)
                                   .where(authorities.c.id.in_(sorted(by_kind["authority"]))))
        names |= {f"authority:{row.id}": f"{row.name} (authority)" for row in rows}
    return names


# --- login ----------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def home():
    return RedirectResponse("/console/queue", 303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request):
    return _page(request, "login.html", error=None)


@router.post("/login")
def login_submit(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
                 csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    address = client_address(request)
    try:  # throttled per account and per address; every failure is audited (services.accounts)
        principal = login(ctx.store.uow(), name, password, address, LoginPolicy.from_settings(ctx.settings))
    except LoginThrottled as error:
        response = _page(request, "login.html", status_code=429, error=error.message)
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    if principal is None:
        return _page(request, "login.html", error="Wrong name or password")
    if previous := request.session.get(SESSION_TOKEN):
        end_session(ctx.store.uow(), previous)
    request.session.clear()  # a new session (and CSRF token) for a new login: no fixation
    request.session[SESSION_TOKEN] = start_session(ctx.store.uow(), principal.id, address)
    return RedirectResponse("/console/queue", 303)


@router.post("/logout")
def logout(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    if csrf_ok(request, csrf_token_field):
        if token := request.session.get(SESSION_TOKEN):
            end_session(request.app.state.ctx.store.uow(), token)  # the cookie is dead from now on
        request.session.clear()
    return RedirectResponse("/login", 303)


# --- the queue ------------------------------------------------------------------------------

@router.get("/console/queue", response_class=HTMLResponse)
def queue(request: Request, authority: str | None = None, order: str | None = None,
          category: str | None = None, source: str | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    wanted = QueueFilter(authority or None, order or None, category or None, source or None, limit=200)
    with ctx.store.uow(read_only=True) as uow:
        now = uow.clock.now()
        found = personal_queue(uow, me, wanted)
        orders_of = _orders_by_case(uow, [case.id for case in found])
        names = _user_names(uow, [case.claimed_by for case in found])
        choices = {
            "authorities": [(a.id, a.name) for a in uow.authorities.list()],
            "orders": _recent_orders(uow, order),
            "categories": ctx.settings.categories,
            "sources": [s.value for s in Source],
        }
    rows = [(case, *sla_badge(case, now), orders_of.get(case.id, []),
             _claim_state(case, me, now, names)) for case in found]
    return _page(request, "queue.html", rows=rows, now=now, wanted=wanted, choices=choices,
                 filtered=any((authority, order, category, source)))


def _orders_by_case(uow, case_ids: list[str]) -> dict[str, list]:
    if not case_ids:
        return {}
    linked: dict[str, list] = {}
    for start in range(0, len(case_ids), 500):
        rows = uow.session.execute(
            select(order_targets.c.case_id, orders.c.id, orders.c.reference, authorities.c.name.label("authority"))
            .join(orders, orders.c.id == order_targets.c.order_id)
            .join(authorities, authorities.c.id == orders.c.authority_id)
            .where(order_targets.c.case_id.in_(case_ids[start:start + 500]))
            .order_by(orders.c.received_at))
        for row in rows:
            linked.setdefault(row.case_id, []).append(row)
    return linked


def _recent_orders(uow, chosen: str | None) -> list:
    query = (select(orders.c.id, orders.c.reference, authorities.c.name.label("authority"))
             .join(authorities, authorities.c.id == orders.c.authority_id))
    recent = list(uow.session.execute(query.order_by(orders.c.received_at.desc()).limit(100)))
    if chosen and all(row.id != chosen for row in recent):
        recent += list(uow.session.execute(query.where(orders.c.id == chosen)))
    return recent


def _claim_state(case: Case, me: Principal, now, names: dict[str, str]) -> dict:
    """Who holds the case, as the queue row and the case page show it."""
    mine = case.claimed_by == me.id and not case.lease_expired(now) and case.lease_until is not None
    held = case.held_by_other(me.id, now)
    return {"mine": mine, "held_by_other": held,
            "holder": names.get(case.claimed_by, case.claimed_by) if case.claimed_by else None,
            "until": case.lease_until, "expired": bool(case.claimed_by) and not mine and not held}


# --- claims ---------------------------------------------------------------------------------

@router.post("/console/cases/{case_id}/claim")
def claim_form(request: Request, case_id: str, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    try:
        case = claim(request.app.state.ctx.store.uow(), case_id, me)
    except DomainError as error:
        return _refused(request, error)
    _notify(request, f"Claimed until {format_wib(case.lease_until)}. The claim lapses if you leave it.")
    return RedirectResponse(f"/console/cases/{case_id}", 303)


@router.post("/console/cases/{case_id}/release")
def release_form(request: Request, case_id: str, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    try:
        release(request.app.state.ctx.store.uow(), case_id, me)
    except DomainError as error:
        return _refused(request, error)
    _notify(request, "Released to the queue.")
    return RedirectResponse("/console/queue", 303)


# --- the case page --------------------------------------------------------------------------

@router.get("/console/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str):
    return _render_case(request, case_id)


def _render_case(request: Request, case_id: str, error: str | None = None, status_code: int = 200,
                 entered: dict | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    channel, posts, platform_error = _platform_view(ctx.platform, case_id, ctx)
    with ctx.store.uow() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            return _refused(request, NotFound(f"no case {case_id}"))
        now = uow.clock.now()
        view = {
            "case": case, "orders": uow.orders.for_case(case.id), "reports": uow.reports.for_case(case.id),
            "enforcements": uow.enforcements.for_case(case.id), "decisions": list(case.decisions),
            "appeals": list(uow.session.scalars(select(Appeal).where(appeals.c.case_id == case.id)
                                                .order_by(appeals.c.submitted_at))),
            "same_channel": _same_channel_decisions(uow, case),
            "similar": _similar_decisions(uow, case),
        }
        history = _history(uow, case.id, [e.id for e in view["enforcements"]])
        people = {d.decided_by for d in case.decisions} | {d.approved_by for d in case.decisions}
        people |= {a.reviewed_by for a in view["appeals"]} | {case.claimed_by}
        people |= {d.decided_by for d, _ in view["same_channel"] + view["similar"]}
        names = _user_names(uow, people)
        actor_names = _actor_names(uow, {event.actor for event in history})
        uow.record(AuditDraft("case_viewed", "case", case.id, me.actor))
        uow.commit()
    legal_basis = next((o.legal_basis for o in view["orders"] if o.legal_basis), "")
    offered = offered_actions(ctx.platform, case.target)
    return _page(
        request, "case.html", status_code=status_code, **view, history=history, names=names,
        actor_names=actor_names, channel=channel, posts=posts, platform_error=platform_error,
        badge=sla_badge(case, now), claim_state=_claim_state(case, me, now, names),
        can_decide=me.can(Permission.DECIDE) and case.state in DECIDABLE_STATES,
        can_approve=me.can(Permission.APPROVE), proposal=_proposal(case),
        form_actions=_form_actions(offered), offered=offered, reasons=list(TAXONOMY), error=error,
        suggested_reason=REASON_FOR_CATEGORY.get(case.category or "", "terrorist_content"),
        entered=entered or {"legal_basis": legal_basis or ""},
        signals=signals_for(request.app.state.ctx.store, case_id))


def _form_actions(offered: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Only what the case's platform can do (and escalation, which is not a platform action)."""
    return tuple((value, label) for value, label in FORM_ACTIONS if value in offered or value == ESCALATE)


def _proposal(case: Case) -> Decision | None:
    decision = case.decision
    return decision if decision is not None and decision.status is DecisionStatus.PROPOSED else None


def _same_channel_decisions(uow, case: Case) -> list[tuple[Decision, str]]:
    """Decisions on the same channel's other cases: its posts, the channel itself."""
    channel = case.target.channel_target
    if channel.internal_id is not None:  # t.me/c/<id>/<post>: the channel is the prefix
        where = cases.c.target.like(_prefix_pattern(f"https://t.me/c/{channel.internal_id}/"), escape="/")
    else:
        where = (cases.c.target == channel.canonical) | cases.c.target.like(
            _prefix_pattern(channel.canonical + "/"), escape="/")
    query = (select(Decision, cases.c.target).join(cases, cases.c.id == decisions.c.case_id)
             .where(where, cases.c.id != case.id).order_by(decisions.c.decided_at.desc()).limit(20))
    return [(decision, target) for decision, target in uow.session.execute(query)]


def _prefix_pattern(prefix: str) -> str:
    """A LIKE pattern with a constant prefix (an index range scan under the C collation);
    `_` is common in usernames and must not match any character."""
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _similar_decisions(uow, case: Case) -> list[tuple[Decision, str]]:
    """The latest decisions on other channels of the same category: how such cases went."""
    if not case.category:
        return []
    query = (select(Decision, cases.c.target).join(cases, cases.c.id == decisions.c.case_id)
             .where(cases.c.category == case.category, cases.c.id != case.id,
                    decisions.c.status != DecisionStatus.REJECTED)
             .order_by(decisions.c.decided_at.desc()).limit(8))
    channel = case.target.channel_target.canonical
    return [(decision, target) for decision, target in uow.session.execute(query)
            if target.channel_target.canonical != channel][:5]


def _history(uow, case_id: str, enforcement_ids: list[str]) -> list:
    events = events_for(uow.session, "case", case_id)
    for enforcement_id in enforcement_ids:
        events += events_for(uow.session, "enforcement", enforcement_id)
    return sorted(events, key=lambda event: event.seq)


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


# --- deciding -------------------------------------------------------------------------------

@router.post("/console/cases/{case_id}/decision")
def decide_form(request: Request, case_id: str, action: Annotated[str, Form()],
                csrf_token_field: Annotated[str, Form(alias="csrf_token")],
                reason: Annotated[str, Form()] = "", reason_code: Annotated[str, Form()] = "",
                scope: Annotated[str, Form()] = "", scope_kind: Annotated[str, Form()] = "",
                countries: Annotated[str, Form()] = "", legal_basis: Annotated[str, Form()] = "",
                note: Annotated[str, Form()] = ""):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    entered = {"action": action, "reason": reason, "reason_code": reason_code, "scope_kind": scope_kind,
               "countries": countries, "legal_basis": legal_basis, "note": note}
    try:
        if action == ESCALATE:
            escalate(ctx.store.uow(), case_id, note, me)
            _notify(request, "Escalated: a senior will look at it (need more information).")
            return RedirectResponse("/console/queue", 303)
        decision_scope = _scope(scope, scope_kind, countries)
        require_offered_on_case(ctx, case_id, action, decision_scope)
        outcome = decide(ctx.store.uow(), case_id, DecisionRequest(
            action, _reason_text(reason, reason_code), decision_scope,
            legal_basis.strip() or None, note.strip() or None, reason_code or None), me)
    except PermissionDenied as error:
        return _refused(request, error)
    except DomainError as error:
        if isinstance(error, NotFound):
            return _refused(request, error)
        return _render_case(request, case_id, error=error.message, status_code=_status_of(error), entered=entered)
    if not outcome.repeated:
        ctx.metrics.decisions.labels(action).inc()
    enforcement = enforce_now(ctx, outcome.enforcement_id)
    _notify(request, _decision_notice(action, outcome, enforcement))
    return RedirectResponse(f"/console/cases/{case_id}", 303)


def _reason_text(written: str, code: str) -> str:
    """The reason as written, else the label of the chosen policy reason."""
    if written.strip():
        return written.strip()
    reason = TAXONOMY.by_code.get(code)
    return reason.label if reason else ""


def _scope(scope: str, scope_kind: str, countries: str) -> str | None:
    if scope_kind == "countries":
        if not countries.strip():
            raise InvalidDecision("name the countries to block in, e.g. ID or ID,MY", "scope")
        return countries.strip()
    if scope_kind == "global":
        return "global"
    return scope.strip() or "global"  # the plain `scope` field: "global" or "ID,MY"


def _decision_notice(action: str, outcome, enforcement: dict | None) -> str:
    if outcome.awaiting_approval:
        return f"Proposed {action}: waits for a senior's approval ({outcome.awaiting_approval})."
    if outcome.repeated:
        return "This decision had already been taken; nothing changed."
    if enforcement is None:
        return f"Decided: {action}."
    return f"Decided: {action}. Platform enforcement {enforcement['status']}."

