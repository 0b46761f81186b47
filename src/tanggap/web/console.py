"""The moderator console: login, the personal queue by time left, the case page, claims and the
decision form (with keyboard shortcuts, see static/console.js).

Routes translate a form into a service call; the services check who may do what. Every string
that came from the platform or an authority is rendered through Jinja2's autoescaping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from tanggap.detect.language import detect_language, readable_by
from tanggap.domain.access import Permission, Principal
from babel.dates import format_datetime

from tanggap.domain.clock import WIB, as_utc, in_wib
from tanggap.domain.errors import DomainError, InvalidDecision, NotFound, PermissionDenied
from tanggap.domain.model import (
    DECIDABLE_STATES, OPEN_STATES, AuditDraft, Case, CaseState, Decision, DecisionStatus, Source,
)
from tanggap.intake.parse import letter_text
from tanggap.platforms.interface import PlatformError
from tanggap.platforms.offered import offered_actions
from tanggap.services.accounts import LoginPolicy, LoginThrottled, end_session, login, start_session
from tanggap.services.case_views import case_viewed
from tanggap.services.decisions import TAXONOMY, DecisionRequest, decide, escalation_allows
from tanggap.services.escalation import escalate
from tanggap.services.orders import order_status
from tanggap.services.review import QueueFilter, assign, claim, next_case, queue_page, release
from tanggap.services.signals import signals_for
from tanggap.store.audit_log import events_for
from tanggap.domain.targets import Target
from tanggap.store import views
from tanggap.web import i18n
from tanggap.web.api import audit_view_now, enforce_now, require_offered_on_case
from tanggap.web.auth import SESSION_TOKEN, client_address, csrf_ok, csrf_token, session_principal
from tanggap.web.evidence import post_evidence, signal_summary
from tanggap.web.i18n import N_
from tanggap.web.problems import STATUS_FOR

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes .html
i18n.install(templates.env)
templates.env.filters["wib"] = lambda moment: wib_date(moment) if moment else "—"
templates.env.filters["wib_time"] = lambda moment: in_wib(moment).strftime("%H:%M WIB") if moment else "—"
templates.env.filters["iso"] = lambda moment: as_utc(moment).isoformat() if moment else ""
AMBER_UNDER_S, RED_UNDER_S = 3600, 1800
ESCALATE = "escalate"  # "need more information": not an Action, a lifecycle step
# The actions the decision form offers, with the words moderators see.
FORM_ACTIONS = (
    ("block", N_("Block")), ("remove_post", N_("Remove post")), ("restrict", N_("Restrict")),
    ("no_action", N_("No action")), (ESCALATE, N_("Need more information (escalate to a senior)")),
)
# The policy reason a shortcut picks for a case of this category.
REASON_FOR_CATEGORY = {
    "terrorism": "terrorist_content", "csam": "child_sexual_abuse", "public_order": "public_order",
    "hate_speech": "illegal_hate_speech", "gambling": "illegal_gambling",
}
# Detection that says which category a case without one is: the terrorism classifier and the
# terrorism lexicon, when strong enough to be a label rather than a hint.
LABEL_STRENGTH = 0.5
LABELLING_SOURCES = {"classifier": "terrorism", "lexicon": "terrorism"}


def wib_date(moment) -> str:
    """A moment in Jakarta time, month names in the reader's language ("29 Nov 2026 21.04 WIB")."""
    return format_datetime(as_utc(moment), "d MMM y HH:mm", tzinfo=WIB, locale=i18n.current_locale.get()) + " WIB"


def suggested_reason(category: str | None, signals: list[dict]) -> str | None:
    """The policy reason the case's evidence names: its category, else a detection label; None
    when nothing says it, and the moderator must choose (never a default that may be wrong)."""
    if category:
        return REASON_FOR_CATEGORY.get(category)
    for signal in sorted(signals, key=lambda s: -s["strength"]):
        details = signal.get("details") or {}
        named = [label for label in [details.get("label"), *details.get("labels", ())] if label in REASON_FOR_CATEGORY]
        label = named[0] if named else LABELLING_SOURCES.get(signal["source"].split(":")[0])
        if label and signal["strength"] >= LABEL_STRENGTH:
            return REASON_FOR_CATEGORY.get(label)
    return None


def sla_badge(case, now) -> tuple[str, str]:
    """(css class, label): amber under 1 h left, red under 30 min or past the deadline; a case
    that is no longer open says when it was done and how that stood against the deadline."""
    if CaseState(case.state) not in OPEN_STATES and case.decision is not None:
        return "done", done_label(case.decision.decided_at, case.deadline_due_at)
    return deadline_badge(case.deadline, now)


def deadline_badge(deadline, now) -> tuple[str, str]:
    """(css class, label) for time left before a deadline (a case's, a triaged e-mail's)."""
    if deadline is None:
        return "none", i18n.gettext("no deadline")
    left = deadline.remaining(now).total_seconds()
    label = f"{int(left // 3600)}h {int(left % 3600 // 60):02d}m" if left > 0 else i18n.gettext("BREACHED")
    return ("red" if left < RED_UNDER_S else "amber" if left < AMBER_UNDER_S else "green"), label


def done_label(done_at, due_at) -> str:
    if due_at is None:
        return i18n.gettext("done at %(when)s", when=wib_date(done_at))
    minutes = int((as_utc(due_at) - as_utc(done_at)).total_seconds() // 60)
    if minutes >= 0:
        return i18n.gettext("done at %(when)s (%(minutes)s min before the deadline)",
                            when=wib_date(done_at), minutes=minutes)
    return i18n.gettext("done at %(when)s (%(minutes)s min after the deadline)",
                        when=wib_date(done_at), minutes=-minutes)


# --- helpers the other console modules share ------------------------------------------------

def _staff(request: Request) -> Principal:
    principal = session_principal(request)
    if principal is None:
        raise HTTPException(303, headers={"Location": "/login"})
    principal.require(Permission.VIEW_CASES)
    return principal


def _page(request: Request, template: str, status_code: int = 200, **values):
    use_locale(request)
    values.update(request=request, csrf=csrf_token(request), me=session_principal(request),
                  notice=_notice_text(request.session.pop("notice", None)))
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def use_locale(request: Request) -> str:
    """The language of this response: the user's own choice, then the browser's (the
    middleware already set that one; a route runs in a copy of the request's context)."""
    locale = i18n.negotiate(request.headers.get("accept-language"), request.session.get("locale"))
    i18n.current_locale.set(locale)
    return locale


def _notice_text(notice) -> str | None:
    """Notices are kept as (message id, values) and translated when shown."""
    if isinstance(notice, list) and notice:
        return i18n.gettext(notice[0], **(notice[1] if len(notice) > 1 else {}))
    return notice


def _check_form(request: Request, offered: str) -> None:
    if not csrf_ok(request, offered):
        raise HTTPException(403, "form expired; reload the page")


def _notify(request: Request, message: str, **values) -> None:
    """A one-line message shown on the next page (kept in the signed session cookie), in the
    reader's language: `message` is the English message id, `values` fill its %(name)s."""
    if values:
        request.session["notice"] = [message, {k: str(v)[:200] for k, v in values.items()}]
    else:
        request.session["notice"] = [message[:300]]


def _status_of(error: DomainError) -> int:
    return next((code for kind, code in STATUS_FOR.items() if isinstance(error, kind)), 422)


def _refused(request: Request, error: DomainError):
    """A refusal as a page (403 for permissions, 404, 409...), not as JSON."""
    return _page(request, "refused.html", status_code=_status_of(error), message=error.message)


def _user_names(uow, ids) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return uow.users.names(wanted)


def _actor_names(uow, actors) -> dict[str, str]:
    """"user:01H…" -> "sari (user)", "authority:01H…" -> "Kemkomdigi (authority)"."""
    by_kind: dict[str, set[str]] = {}
    for actor in actors:
        kind, _, ident = actor.partition(":")
        by_kind.setdefault(kind, set()).add(ident)
    names = {f"user:{k}": f"{v} (user)" for k, v in _user_names(uow, by_kind.get("user", ())).items()}
    if by_kind.get("authority"):
        found = uow.authorities.names(sorted(by_kind["authority"]))
        names |= {f"authority:{ident}": f"{name} (authority)" for ident, name in found.items()}
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
        return _page(request, "login.html", error=N_("Wrong name or password"))
    if previous := request.session.get(SESSION_TOKEN):
        end_session(ctx.store.uow(), previous)
    request.session.clear()  # a new session (and CSRF token) for a new login: no fixation
    request.session[SESSION_TOKEN] = start_session(ctx.store.uow(), principal.id, address)
    with ctx.store.uow(read_only=True) as uow:
        chosen = uow.users.locale_of(principal.id)
    if chosen:
        request.session["locale"] = chosen
    return RedirectResponse("/console/queue", 303)


@router.post("/logout")
def logout(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    if csrf_ok(request, csrf_token_field):
        if token := request.session.get(SESSION_TOKEN):
            end_session(request.app.state.ctx.store.uow(), token)  # the cookie is dead from now on
        request.session.clear()
    return RedirectResponse("/login", 303)


# --- the queue ------------------------------------------------------------------------------

PAGE_SIZE = 50


@router.get("/console/queue", response_class=HTMLResponse)
def queue(request: Request, authority: str | None = None, order: str | None = None,
          category: str | None = None, source: str | None = None, after: str | None = None,
          page: int = 1):
    me = _staff(request)
    ctx = request.app.state.ctx
    wanted = QueueFilter(authority or None, order or None, category or None, source or None, limit=PAGE_SIZE)
    with ctx.store.uow(read_only=True) as uow:
        now = uow.clock.now()
        found = queue_page(uow, me, wanted, after=after or None)
        orders_of = _orders_by_case(uow, [case.id for case in found.cases])
        names = _user_names(uow, [case.claimed_by for case in found.cases]
                            + [case.assigned_to for case in found.cases])
        choices = {
            "authorities": [(a.id, a.name) for a in uow.authorities.list()],
            "orders": _recent_orders(uow, order),
            "categories": ctx.settings.categories,
            "sources": [s.value for s in Source],
        }
    rows = [(case, *sla_badge(case, now), orders_of.get(case.id, []),
             _claim_state(case, me, now, names)) for case in found.cases]
    filters = {k: v for k, v in (("authority", authority), ("order", order), ("category", category),
                                 ("source", source)) if v}
    page = max(1, page)
    return _page(request, "queue.html", rows=rows, now=now, wanted=wanted, choices=choices, names=names,
                 filtered=bool(filters), counts=found.counts, total=found.total, page_number=page,
                 first_row=(page - 1) * PAGE_SIZE + 1 if rows else 0,
                 next_url=_queue_url(filters, after=found.next_after, page=page + 1) if found.next_after else None,
                 first_url=_queue_url(filters) if after else None)


def _queue_url(filters: dict, **more) -> str:
    return "/console/queue?" + urlencode({**filters, **{k: v for k, v in more.items() if v}})


@router.get("/console/live")
def live(request: Request, case: Annotated[list[str], Query()] = []):  # noqa: B006 - FastAPI reads it
    """What changes while a page is open, for the cases it shows: time left, state, who holds
    each case and until when. The pages poll it (static/console.js); no reload needed."""
    me = _staff(request)
    use_locale(request)
    ctx = request.app.state.ctx
    wanted = list(dict.fromkeys(case))[:200]
    with ctx.store.uow(read_only=True) as uow:
        now = uow.clock.now()
        found = list(uow.cases.by_ids(wanted))
        names = _user_names(uow, [c.claimed_by for c in found])
        answer = {}
        for item in found:
            badge, label = sla_badge(item, now)
            held = _claim_state(item, me, now, names)
            answer[item.id] = {
                "state": str(item.state), "state_label": i18n.gettext(str(item.state)), "badge": badge,
                "label": label, "mine": held["mine"], "held_by_other": held["held_by_other"],
                "holder": held["holder"] if held["mine"] or held["held_by_other"] else None,
                "lease_until": as_utc(item.lease_until).isoformat() if item.lease_until else None,
                "claim_text": _claim_text(held),
            }
    return JSONResponse({"now": as_utc(now).isoformat(), "cases": answer},
                        headers={"Cache-Control": "no-store"})


def _claim_text(held: dict) -> str:
    if held["mine"]:
        return i18n.gettext("yours until %(time)s", time=in_wib(held["until"]).strftime("%H:%M WIB"))
    if held["held_by_other"]:
        return i18n.gettext("%(name)s is looking at it until %(time)s", name=held["holder"],
                            time=in_wib(held["until"]).strftime("%H:%M WIB"))
    if held["expired"]:
        return i18n.gettext("lease of %(name)s ran out", name=held["holder"])
    return ""


def _orders_by_case(uow, case_ids: list[str]) -> dict[str, list]:
    return views.orders_by_case(uow.session, case_ids)


def _recent_orders(uow, chosen: str | None) -> list:
    return views.recent_orders(uow.session, chosen)


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
    _notify(request, "Claimed until %(when)s. The claim lapses if you leave it.", when=wib_date(case.lease_until))
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


@router.post("/console/cases/{case_id}/assign")
def assign_form(request: Request, case_id: str, assigned_to: Annotated[str, Form()],
                csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    """A senior gives the case to a person or a language team (empty: to everyone)."""
    me = _staff(request)
    _check_form(request, csrf_token_field)
    try:
        case = assign(request.app.state.ctx.store.uow(), case_id, assigned_to, me)
    except DomainError as error:
        return _refused(request, error)
    if case.assigned_to:
        _notify(request, "Assigned to %(who)s.", who=assigned_to)
    else:
        _notify(request, "Open to everyone who reads its language again.")
    return RedirectResponse(f"/console/cases/{case_id}", 303)


# --- an order: its letter, its cases, its raw e-mail --------------------------------------

@router.get("/console/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str):
    """The order as the authority wrote it (the text of its e-mail and attached letter), with
    links to each of its cases and to the raw e-mail."""
    me = _staff(request)
    ctx = request.app.state.ctx
    try:
        status = order_status(ctx.store.uow(read_only=True), order_id, me)  # may this person see it
    except DomainError as error:
        return _refused(request, error)
    with ctx.store.uow(read_only=True) as uow:
        order = uow.orders.get(order_id)
        raw = views.evidence_content(uow.session, order.raw_evidence) if order.raw_evidence else None
    letter = letter_text(bytes(raw)) if raw is not None and len(raw) <= LETTER_MAX_BYTES else None
    return _page(request, "order.html", order=order, status=status, letter=letter,
                 too_big=raw is not None and letter is None)


LETTER_MAX_BYTES = 5 * 1024 * 1024  # larger e-mails (a 200,000-row spreadsheet): the raw file only


# --- the user's own settings ----------------------------------------------------------------

@router.get("/console/profile", response_class=HTMLResponse)
def profile_page(request: Request):
    _staff(request)
    return _page(request, "profile.html", chosen=request.session.get("locale") or "",
                 choices=[("", N_("As my browser asks")), ("id", "Bahasa Indonesia"), ("en", "English")])


@router.post("/console/profile")
def profile_submit(request: Request, locale: Annotated[str, Form()],
                   csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    if locale not in ("", *i18n.SUPPORTED):
        raise HTTPException(422, "choose id, en or nothing")
    with request.app.state.ctx.store.uow() as uow:
        uow.users.set_locale(me.id, locale or None)
        uow.record(AuditDraft("user_locale_set", "user", me.id, me.actor, {"locale": locale or None}))
        uow.commit()
    if locale:
        request.session["locale"] = locale
    else:
        request.session.pop("locale", None)
    _notify(request, "Saved: the console speaks your language.")
    return RedirectResponse("/console/profile", 303)


# --- the case page --------------------------------------------------------------------------

@router.get("/console/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str):
    return _render_case(request, case_id)


def _render_case(request: Request, case_id: str, error: str | None = None, status_code: int = 200,
                 entered: dict | None = None):
    me = _staff(request)
    ctx = request.app.state.ctx
    channel, posts, platform_error = _platform_view(ctx.platform, case_id, ctx)
    with ctx.store.uow(snapshot=True) as uow:
        case = uow.cases.get(case_id)
        if case is None:
            return _refused(request, NotFound(f"no case {case_id}"))
        now = uow.clock.now()
        view = {
            "case": case, "orders": uow.orders.for_case(case.id), "reports": uow.reports.for_case(case.id),
            "enforcements": uow.enforcements.for_case(case.id), "decisions": list(case.decisions),
            "appeals": list(uow.appeals.for_case(case.id)),
            "same_channel": _same_channel_decisions(uow, case),
            "similar": _similar_decisions(uow, case),
        }
        history = _history(uow, case.id, [e.id for e in view["enforcements"]])
        people = {d.decided_by for d in case.decisions} | {d.approved_by for d in case.decisions}
        people |= {a.reviewed_by for a in view["appeals"]} | {case.claimed_by}
        people |= {d.decided_by for d, _ in view["same_channel"] + view["similar"]}
        names = _user_names(uow, people)
        actor_names = _actor_names(uow, {event.actor for event in history})
        viewed = case_viewed(uow, case.id, me.actor, "console")
        uow.commit()
    audit_view_now(ctx, viewed)
    legal_basis = next((o.legal_basis for o in view["orders"] if o.legal_basis), "")
    offered = offered_actions(ctx.platform, case.target)
    signals = signals_for(ctx.store, case_id)
    return _page(
        request, "case.html", status_code=status_code, **view, history=history, names=names,
        actor_names=actor_names, channel=channel, posts=posts, platform_error=platform_error,
        badge=sla_badge(case, now), claim_state=_claim_state(case, me, now, names),
        can_decide=me.can(Permission.DECIDE) and case.state in DECIDABLE_STATES and escalation_allows(case, me),
        can_approve=me.can(Permission.APPROVE), proposal=_proposal(case),
        form_actions=_form_actions(offered), offered=offered, reasons=list(TAXONOMY), error=error,
        suggested_reason=suggested_reason(case.category, signals) or "",
        entered=entered or {"legal_basis": legal_basis or ""}, signals=signals,
        evidence=post_evidence(posts, signals), summary=signal_summary(signals), assignable=_assignable(ctx, me),
        translate_posts=_untranslated(ctx, me, posts))


def _untranslated(ctx, me: Principal, posts) -> dict[str, str]:
    """Post id -> its language, for the posts this person does not read, when an admin turned
    translation on (nothing is offered, and nothing leaves the server, otherwise)."""
    if not ctx.settings.translation_url:
        return {}
    offered = {}
    for post in posts:
        language = detect_language([post.text or ""])
        if language != "und" and not readable_by(language, me.languages):
            offered[str(post.platform_id)] = language
    return offered


def _assignable(ctx, me: Principal) -> list[tuple[str, str]] | None:
    """Whom a senior may give a case to: language teams, then people; None for others."""
    if not me.can(Permission.APPROVE):
        return None
    with ctx.store.uow(read_only=True) as uow:
        people = uow.users.names()
    teams = [(f"team:{lang}", i18n.gettext("team: readers of %(language)s", language=lang))
             for lang in ("id", "en", "ar", "ms", "jv", "su")]
    return teams + list(people.items())


def _form_actions(offered: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Only what the case's platform can do (and escalation, which is not a platform action)."""
    return tuple((value, label) for value, label in FORM_ACTIONS if value in offered or value == ESCALATE)


def _proposal(case: Case) -> Decision | None:
    decision = case.decision
    return decision if decision is not None and decision.status is DecisionStatus.PROPOSED else None


def _same_channel_decisions(uow, case: Case) -> list[tuple[Decision, Target]]:
    """Decisions on the same channel's other cases: its posts, the channel itself."""
    return views.same_channel_decisions(uow.session, case)


def _similar_decisions(uow, case: Case) -> list[tuple[Decision, Target]]:
    """The latest decisions on other channels of the same category: how such cases went."""
    if not case.category:
        return []
    channel = case.target.channel_target.canonical
    return [(decision, target) for decision, target in views.category_decisions(uow.session, case)
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
            return RedirectResponse(_next_url(ctx, me, case_id), 303)
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
    message, values = _decision_notice(action, outcome, enforcement)
    _notify(request, message, **values)
    if outcome.repeated:
        return RedirectResponse(f"/console/cases/{case_id}", 303)
    return RedirectResponse(_next_url(ctx, me, case_id), 303)


def _next_url(ctx, me: Principal, decided: str) -> str:
    """Decide and next: the next case of this person's queue, or the queue when it is empty."""
    with ctx.store.uow(read_only=True) as uow:
        following = next_case(uow, me, decided)
    return f"/console/cases/{following}" if following else "/console/queue"


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


def _decision_notice(action: str, outcome, enforcement: dict | None) -> tuple:
    """(message id, values) for the notice after a decision."""
    shown = {"action": action}
    if outcome.awaiting_approval:
        return ("Proposed %(action)s: waits for a senior's approval (%(rule)s).",
                {**shown, "rule": outcome.awaiting_approval})
    if outcome.repeated:
        return "This decision had already been taken; nothing changed.", {}
    if enforcement is None:
        return "Decided: %(action)s.", shown
    return "Decided: %(action)s. Platform enforcement %(status)s.", {**shown, "status": enforcement["status"]}
