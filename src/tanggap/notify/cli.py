"""Commands for accountability: `tanggap export sor`, `tanggap sor submit`, `tanggap report …`,
`tanggap publish daily`, `tanggap evidence …`. Every command reads TANGGAP_DATABASE_URL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tanggap.config import Settings

export_app = typer.Typer(help="Exports for regulators.", no_args_is_help=True)
sor_app = typer.Typer(help="Statements of reasons and the DSA Transparency Database.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _store(settings: Settings):
    from tanggap.store.uow import Store

    return Store(settings.database_url)


def _fail(message: str) -> None:
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
