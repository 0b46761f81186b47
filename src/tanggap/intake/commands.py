"""`tanggap intake import | process | quarantine | release`: e-mail intake from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.domain.errors import DomainError
from tanggap.intake.files import count_messages, iter_messages
from tanggap.intake.worker import IntakeWorker, mailer_from_settings
from tanggap.services.intake import receive_raw, release
from tanggap.store.uow import Store

console = Console()


def import_command(
    paths: Annotated[list[Path], typer.Argument(help=".eml files, folders of them, or mbox files")],
    process: Annotated[bool, typer.Option(help="parse and open orders after storing")] = True,
    reply: Annotated[bool, typer.Option(help="send acknowledgements through the SMTP relay")] = False,
):
    """Store every message (raw, content-addressed), then parse them. Importing twice adds nothing."""
    settings = Settings()
    store = Store(settings.database_url)
    stored = duplicates = unreadable = 0
    with Progress(console=console) as progress:
        task = progress.add_task("importing", total=count_messages(paths))
        for message in iter_messages(paths):
            if message.raw is None:
                unreadable += 1
                console.print(f"[yellow]skipped[/yellow] {message.label}: {message.error}")
            elif receive_raw(store.uow(), message.raw, "import").duplicate:
                duplicates += 1
            else:
                stored += 1
            progress.advance(task)
    console.print(f"{stored} stored, {duplicates} already known, {unreadable} unreadable files")
    if process:
        _process(store, settings, reply)


def process_command(reply: Annotated[bool, typer.Option(help="send due replies too")] = True):
    """Parse every stored message not yet handled, and send due replies."""
    settings = Settings()
    _process(Store(settings.database_url), settings, reply)


def quarantine_command():
    """Messages waiting for a human: untrusted senders, unreadable messages."""
    from sqlalchemy import select

    from tanggap.store.tables import inbound_messages

    store = Store(Settings().database_url)
    with store.uow(read_only=True) as uow:
        rows = uow.session.execute(select(inbound_messages).where(inbound_messages.c.state == "quarantined")
                                   .order_by(inbound_messages.c.received_at)).all()
    table = Table("id", "received (UTC)", "sender", "subject", "reason")
    for row in rows:
        table.add_row(row.id, row.received_at.isoformat(timespec="seconds"), row.sender or "",
                      (row.subject or "")[:60], row.reason or "")
    console.print(table)


def release_command(
    inbound_id: str,
    authority: Annotated[str, typer.Option(help="the authority that confirmed the order")],
):
    """Open the order of a quarantined message once a human has confirmed it with the authority."""
    settings = Settings()
    try:
        outcome = release(Store(settings.database_url), settings.sla, inbound_id, authority, SYSTEM)
    except DomainError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from None
    console.print(f"released: order {outcome.order_id}")


def _process(store: Store, settings: Settings, reply: bool) -> None:
    worker = IntakeWorker(store, settings, mailer_from_settings(settings) if reply else None)
    result = worker.run_once()
    by_state: dict[str, int] = {}
    for outcome in result.processed:
        by_state[outcome.state] = by_state.get(outcome.state, 0) + 1
    console.print(f"processed {len(result.processed)}: {by_state}")
    if result.replies:
        console.print(f"replies: {result.replies.acknowledgements} acknowledgements, "
                      f"{result.replies.final_statuses} final statuses, {result.replies.failures} failed")
