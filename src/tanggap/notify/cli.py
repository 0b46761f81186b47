"""Commands for accountability: `tanggap export sor`, `tanggap sor submit`, `tanggap report …`,
`tanggap publish daily`, `tanggap evidence …`. Every command reads TANGGAP_DATABASE_URL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from tanggap.config import Settings

export_app = typer.Typer(help="Exports for regulators.", no_args_is_help=True)
sor_app = typer.Typer(help="Statements of reasons and the DSA Transparency Database.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _store(settings: Settings):
    from tanggap.store.uow import Store

    return Store.for_settings(settings)


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _since(written: str) -> datetime:
    try:
        day = date.fromisoformat(written)
    except ValueError:
        _fail(f"--since {written!r} is not a date written YYYY-MM-DD")
    return datetime.combine(day, time(), UTC)


@export_app.command("sor")
def export_sor(since: Annotated[str, typer.Option(help="decisions taken on or after this day (YYYY-MM-DD, UTC)")],
               out: Annotated[Path, typer.Option(help="the JSON Lines file to write")]):
    """One statement of reasons per decision that restricts, and one per reversal, as JSON Lines:
    DSA Transparency Database fields under `dsa`, checked against its rules, and ours beside them."""
    from tanggap.services.statements import statements_since, write_jsonl

    settings = Settings()
    store = _store(settings)
    found = statements_since(store.uow(read_only=True), _since(since), settings.appeal_url)
    invalid = [s for s in found if s.dsa_problems]
    if out.parent and not out.parent.exists():
        _fail(f"no folder {out.parent}")
    count = write_jsonl(found, out)
    console.print(f"wrote {count} statements to {out} "
                  f"({sum(s.submittable for s in found)} for the DSA Transparency Database)")
    if invalid:
        for statement in invalid[:20]:
            errors.print(f"[red]invalid[/red] {statement.puid}: {statement.dsa_problems}")
        raise typer.Exit(2)


@sor_app.command("submit")
def sor_submit(since: Annotated[str, typer.Option(help="decisions taken on or after this day (YYYY-MM-DD, UTC)")],
               endpoint: Annotated[str | None, typer.Option(help="defaults to TANGGAP_SOR_ENDPOINT")] = None):
    """Send the statements not yet delivered (batches of 100; a puid the database has counts as
    delivered). The token is read from TANGGAP_SOR_TOKEN, never from the command line."""
    from tanggap.notify.sor_submitter import Endpoint, SubmitRefused, submit
    from tanggap.services.statements import statements_since

    settings = Settings()
    url = endpoint or settings.sor_endpoint
    if not url:
        _fail("no endpoint: set TANGGAP_SOR_ENDPOINT or pass --endpoint")
    store = _store(settings)
    found = statements_since(store.uow(read_only=True), _since(since), settings.appeal_url)
    token = settings.sor_token.get_secret_value() if settings.sor_token else None
    try:
        report = submit(store, found, Endpoint(url, token, settings.sor_attempts))
    except SubmitRefused as error:
        _fail(str(error))
    console.print(f"sent {report.sent}, already there {report.duplicates + report.already}, "
                  f"not for the EU database {report.not_for_dsa}, refused {len(report.rejected)}, "
                  f"left for the next run {report.left}")
    for puid, why in list(report.rejected.items())[:20]:
        errors.print(f"[red]refused[/red] {puid}: {why}")
    if report.rejected or report.left:
        raise typer.Exit(2)


report_app = typer.Typer(help="Compliance reports for authorities and regulators (CSV and PDF).",
                         no_args_is_help=True)


def _month(written: str) -> tuple[int, int]:
    import re

    match = re.fullmatch(r"(\d{4})-(\d{2})", written)
    if not match or not 1 <= int(match[2]) <= 12:
        _fail(f"--month {written!r} is not YYYY-MM (e.g. 2026-11)")
    return int(match[1]), int(match[2])


@report_app.command("compliance")
def report_compliance(
        authority: Annotated[str, typer.Option(help="the authority's name, as `tanggap authority add` gave it")],
        month: Annotated[str, typer.Option(help="YYYY-MM, in the transparency zone (WIB by default)")],
        out: Annotated[Path, typer.Option(help="folder for the CSV and PDF")] = Path(".")):
    """Every order of the month: each target's outcome and time of action against its deadline,
    breaches and by how much, and the monthly summary. Writes a CSV and a PDF."""
    from tanggap.domain.errors import NotFound
    from tanggap.notify.report_files import write_compliance_csv, write_compliance_pdf
    from tanggap.services.compliance import compliance_report

    year, number = _month(month)
    settings = Settings()
    if not out.is_dir():
        _fail(f"no folder {out}")
    try:
        report = compliance_report(_store(settings).uow(read_only=True), authority, year, number,
                                   settings.transparency_timezone)
    except NotFound as error:
        _fail(error.message)
    stem = out / f"compliance-{_slug(authority)}-{year}-{number:02d}"
    write_compliance_csv(report, stem.with_suffix(".csv"))
    write_compliance_pdf(report, stem.with_suffix(".pdf"))
    summary = report.summary
    console.print(f"{authority} {month}: {summary.orders} orders, {summary.targets} targets, "
                  f"{summary.actioned} actioned, {summary.breaches} past the deadline")
    console.print(f"wrote {stem}.csv and {stem}.pdf")


@report_app.command("tco")
def report_tco(year: Annotated[int, typer.Option(help="the calendar year reported on", min=2000, max=2100)],
               out: Annotated[Path, typer.Option(help="folder for the CSV and PDF")] = Path(".")):
    """The TCO Regulation's Article 7 annual transparency report: removals on orders and by our own
    measures, orders not acted on and why, complaints and their outcomes, reinstatements."""
    from tanggap.notify.report_files import write_tco_csv, write_tco_pdf
    from tanggap.services.compliance import tco_report

    settings = Settings()
    if not out.is_dir():
        _fail(f"no folder {out}")
    report = tco_report(_store(settings).uow(read_only=True), year, settings.transparency_timezone)
    stem = out / f"tco-report-{year}"
    write_tco_csv(report, stem.with_suffix(".csv"))
    write_tco_pdf(report, stem.with_suffix(".pdf"))
    console.print(f"wrote {stem}.csv and {stem}.pdf")


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "authority"


publish_app = typer.Typer(help="Publish the daily counts (platform channel, Telegram).", no_args_is_help=True)


@publish_app.command("daily")
def publish_daily_command(
        day: Annotated[str | None,
            typer.Option(help="YYYY-MM-DD; default: yesterday in the transparency zone")] = None):
    """Post the day's sentence once to TANGGAP_PUBLISH_CHANNEL on the platform and, when
    TANGGAP_TELEGRAM_BOT_TOKEN and TANGGAP_TELEGRAM_CHANNEL are set, to Telegram. Running it
    again for the same day posts nothing twice (schedule it daily, e.g. with cron or a timer)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from tanggap.services.publisher import Destination, PlatformChannel, publish_daily

    settings = Settings()
    zone = settings.transparency_timezone
    if day is None:
        chosen = datetime.now(UTC).astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    else:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            _fail(f"--day {day!r} is not a date written YYYY-MM-DD")
    destinations: list[Destination] = []
    platform = None
    if settings.publish_channel:
        from tanggap.platforms.loader import platform_from_settings

        try:
            platform = platform_from_settings(settings)
            destinations.append(PlatformChannel(platform, settings.publish_channel))
        except ValueError as error:
            _fail(f"cannot post to the platform: {error}")
    if settings.telegram_bot_token and settings.telegram_channel:
        from tanggap.notify.telegram import TelegramChannel

        destinations.append(TelegramChannel(settings.telegram_bot_token.get_secret_value(), settings.telegram_channel))
    if not destinations:
        _fail("nowhere to publish: set TANGGAP_PUBLISH_CHANNEL and/or TANGGAP_TELEGRAM_BOT_TOKEN with "
              "TANGGAP_TELEGRAM_CHANNEL")
    try:
        results = publish_daily(_store(settings), chosen, zone, destinations)
    finally:
        getattr(platform, "close", lambda: None)()
    for result in results:
        console.print(f"{result.destination}: {result.status}"
                      + (f" ({result.reference})" if result.reference else "")
                      + (f" - {result.error}" if result.error else ""))
    if any(result.status == "failed" for result in results):
        raise typer.Exit(2)


evidence_app = typer.Typer(help="Evidence snapshots: retention and legal holds.", no_args_is_help=True)


@evidence_app.command("expire")
def evidence_expire():
    """Delete snapshots past their retention (six months), except under a legal hold; each
    deletion is an audit event. Schedule it daily."""
    from tanggap.services.evidence import expire_snapshots

    count = expire_snapshots(_store(Settings()).uow())
    console.print(f"{count} snapshots expired")


@evidence_app.command("hold")
def evidence_hold(case_id: Annotated[str, typer.Argument(help="the case")],
                  reason: Annotated[str, typer.Option(help="why: e.g. the court's or police's reference")],
                  release: Annotated[bool, typer.Option("--release", help="lift the hold instead")] = False):
    """Set (or release) a legal hold on a case's evidence, as the system admin (recorded in the audit log)."""
    from tanggap.domain.access import SYSTEM
    from tanggap.domain.errors import DomainError
    from tanggap.services.evidence import release_legal_hold, set_legal_hold

    uow = _store(Settings()).uow()
    try:
        if release:
            console.print(f"{release_legal_hold(uow, case_id, reason, SYSTEM)} holds released")
        else:
            console.print(f"hold {set_legal_hold(uow, case_id, reason, SYSTEM)} set")
    except DomainError as error:
        _fail(error.message)


@sor_app.command("notify-owners")
def sor_notify_owners(
        since: Annotated[str, typer.Option(help="decisions taken on or after this day (YYYY-MM-DD, UTC)")]):
    """Send each statement of reasons (and each reversal) to the affected channel's owner through
    the platform, with the route of appeal; once each, however often it runs."""
    from tanggap.notify.owner_statements import notify_owners
    from tanggap.platforms.loader import platform_from_settings
    from tanggap.services.statements import statements_since

    settings = Settings()
    store = _store(settings)
    try:
        platform = platform_from_settings(settings)
    except ValueError as error:
        _fail(f"cannot reach the platform: {error}")
    try:
        found = statements_since(store.uow(read_only=True), _since(since), settings.appeal_url)
        report = notify_owners(store, platform, found)
    except ValueError as error:
        _fail(str(error))
    finally:
        getattr(platform, "close", lambda: None)()
    console.print(f"told {report.sent} owners, {report.already} already told, {len(report.failed)} failed")
    if report.failed:
        raise typer.Exit(2)
