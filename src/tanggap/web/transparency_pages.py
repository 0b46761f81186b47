"""The public transparency pages (no login): a month of counts as HTML with SVG charts, CSV,
JSON and an Atom feed of the daily sentence. All four are drawn from one `PublicMonth`, so
they agree figure by figure; days are days in the configured zone (default Asia/Jakarta)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from time import monotonic
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanggap.domain.errors import DomainError
from tanggap.services.transparency import (
    PublicMonth, daily_counts, daily_sentence, month_report, public_month,
)
from tanggap.web import i18n
from tanggap.web.charts import daily_columns, horizontal_bars
from tanggap.web.console import templates

router = APIRouter(include_in_schema=False)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
PUBLIC_CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
FEED_DAYS = 31
CACHE_S = 60.0


class BadMonth(DomainError):
    status = 422


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.ctx.settings.transparency_timezone)


def _today(request: Request) -> date:
    return request.app.state.ctx.store.clock.now().astimezone(_zone(request)).date()


def _month(request: Request, written: str | None) -> tuple[int, int]:
    if not written:
        today = _today(request)
        return today.year, today.month
    match = MONTH.match(written)
    if not match or not (1 <= int(match[2]) <= 12) or not (2000 <= int(match[1]) <= 2100):
        raise BadMonth(f"month {written[:20]!r} is not YYYY-MM (e.g. 2026-11)", "month")
    return int(match[1]), int(match[2])


def _published(request: Request, month: str | None) -> PublicMonth:
    year, number = _month(request, month)
    return _cached_month(request, year, number)


def _cached_month(request: Request, year: int, number: int) -> PublicMonth:
    """A month's figures are kept for CACHE_S: the public pages are open to anyone, and a month
    of 20,000 blocks takes about 2 s to count (bench/transparency_month.py)."""
    ctx = request.app.state.ctx
    cache = request.app.state.__dict__.setdefault("transparency_cache", {})
    key = (year, number, _today(request), ctx.settings.transparency_timezone, ctx.settings.transparency_min_count)
    hit = cache.get(key)
    if hit is not None and monotonic() - hit[0] < CACHE_S:
        return hit[1]
    report = month_report(ctx.store.uow(read_only=True), year, number, ctx.settings.transparency_timezone,
                          until=_today(request))
    published = public_month(report, ctx.settings.transparency_min_count)
    if len(cache) > 64:  # a crawler walking every month cannot grow it without bound
        cache.clear()
    cache[key] = (monotonic(), published)
    return published


@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(request: Request, month: str | None = None, lang: str | None = Query(None, max_length=5)):
    published = _published(request, month)
    # ?lang= wins over Accept-Language, so a shared link shows the language it was shared in.
    token = i18n.current_locale.set(i18n.negotiate(request.headers.get("accept-language"), lang))
    try:
        return _render(request, published)
    finally:
        i18n.current_locale.reset(token)


def _render(request: Request, published: PublicMonth):
    _ = i18n.gettext
    report = published.report
    language = i18n.current_locale.get()
    last = published.days[-1] if published.days else None
    sentence = None
    if last is not None:
        today = daily_counts(request.app.state.ctx.store.uow(read_only=True), last.day,
                             report.timezone)
        sentence = daily_sentence(last.day, today.terrorism, today.terrorism_this_month, language)
    first = date(report.year, report.month, 1)
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    following = (first + timedelta(days=32)).replace(day=1)
    values = dict(
        request=request, published=published, report=report, sentence=sentence, language=language,
        month_label=first.strftime("%Y-%m"), previous=previous,
        following=following.strftime("%Y-%m") if following <= _today(request) else None,
        daily_chart=daily_columns([(f"{d.day.day}", d.net, d.reversed) for d in published.days],
                                  _("Channels blocked per day")),
        category_chart=horizontal_bars({label(name): count for name, count in
                                        published.totals("by_category").items() if count},
                                       _("By category")),
        source_chart=horizontal_bars({label(name): count for name, count in
                                      published.totals("by_source").items() if count},
                                     _("By source")),
        label=label)
    response = templates.TemplateResponse(request, "transparency.html", values)
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    return response


def label(name: str) -> str:
    """The words a reader sees for a category, source or scope key."""
    _ = i18n.gettext
    words = {"terrorism": _("terrorism"), "csam": _("child sexual abuse"), "public_order": _("public order"),
             "hate_speech": _("hate speech"), "gambling": _("gambling"), "uncategorised": _("uncategorised"),
             "order": _("authority order"), "report": _("user report"), "proactive": _("proactive detection"),
             "global": _("worldwide"), "other": _("other (small groups combined)"), "unknown": _("unknown")}
    return words.get(name, name)


@router.get("/transparency.csv")
def transparency_csv(request: Request, month: str | None = None):
    published = _published(request, month)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "timezone", "blocked", "reversed", "net", "terrorism",
                     *(f"source:{s}" for s in published.sources),
                     *(f"category:{c}" for c in published.categories),
                     *(f"scope:{s}" for s in published.scopes)])
    for day in published.days:
        writer.writerow([day.day.isoformat(), published.report.timezone, day.blocked, day.reversed, day.net,
                         day.terrorism, *(day.by_source.get(s, 0) for s in published.sources),
                         *(day.by_category.get(c, 0) for c in published.categories),
                         *(day.by_scope.get(s, 0) for s in published.scopes)])
    name = f"tanggap-transparency-{published.report.year}-{published.report.month:02d}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/transparency.json")
def transparency_json(request: Request, month: str | None = None):
    published = _published(request, month)
    report = published.report
    return {
        "month": f"{report.year}-{report.month:02d}", "timezone": report.timezone,
        "minimum_published_count": published.minimum,
        "totals": {"blocked": report.blocked, "reversed": report.reversed, "net": report.net,
                   "terrorism": report.terrorism, "by_category": published.totals("by_category"),
                   "by_source": published.totals("by_source"), "by_scope": published.totals("by_scope")},
        "days": [{"date": d.day.isoformat(), "blocked": d.blocked, "reversed": d.reversed, "net": d.net,
                  "terrorism": d.terrorism, "by_category": d.by_category, "by_source": d.by_source,
                  "by_scope": d.by_scope} for d in published.days],
        "authorities": [_authority_json(a) for a in report.authorities],
    }


def _authority_json(figures) -> dict:
    return {"authority": figures.authority, "orders": figures.orders, "targets": figures.targets,
            "actioned": figures.actioned, "refused": figures.refused,
            "refusal_reasons": figures.refusal_reasons, "unreadable_targets": figures.unreadable,
            "pending": figures.pending, "in_time": figures.in_time, "breaches": figures.breaches,
            "median_hours_to_action": figures.median_hours, "p95_hours_to_action": figures.p95_hours,
            "deadline_hours": figures.deadline_hours}


ATOM = "http://www.w3.org/2005/Atom"


@router.get("/transparency.atom")
def transparency_atom(request: Request, lang: str | None = Query(None, max_length=5)):
    """The daily sentence for each of the last days, newest first (one entry per day)."""
    zone, today = _zone(request), _today(request)
    language = i18n.negotiate(request.headers.get("accept-language"), lang)
    base = str(request.base_url).rstrip("/")
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"xml:lang": language})
    _text(feed, "title", "Tanggap transparency" if language == "en" else "Transparansi Tanggap")
    _text(feed, "id", f"{base}/transparency.atom")
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base}/transparency.atom"})
    _text(feed, "updated", _stamp(today, zone))
    months: dict[tuple[int, int], PublicMonth] = {}
    for back in range(FEED_DAYS):
        day = today - timedelta(days=back)
        key = (day.year, day.month)
        if key not in months:
            months[key] = _cached_month(request, *key)
        published = months[key]
        counts = next(d for d in published.days if d.day == day)
        month_total = sum(d.terrorism for d in published.days if d.day <= day)
        entry = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "title", daily_sentence(day, counts.terrorism, month_total, language))
        _text(entry, "id", f"{base}/transparency#{day.isoformat()}")
        _text(entry, "updated", _stamp(day, zone))
        ElementTree.SubElement(entry, f"{{{ATOM}}}link",
                               {"href": f"{base}/transparency?month={day:%Y-%m}&lang={language}"})
        _text(entry, "summary", f"blocked {counts.blocked}, reversed {counts.reversed}, net {counts.net}")
    body = ElementTree.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type="application/atom+xml")


def _text(parent, name: str, value: str) -> None:
    ElementTree.SubElement(parent, f"{{{ATOM}}}{name}").text = value


def _stamp(day: date, zone: ZoneInfo) -> str:
    """An entry is updated at the end of its day there (the figure is final from then on)."""
    end = datetime.combine(day, time(23, 59, 59), zone)
    return end.isoformat()
