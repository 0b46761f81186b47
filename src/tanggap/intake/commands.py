"""`tanggap intake import | process | quarantine | release`: e-mail intake from the command line."""

from __future__ import annotations

import json
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
from tanggap.intake.worker import IntakeWorker, mailer_from_settings, trust_from_settings
from tanggap.services.intake import process_inbound, receive_raw, release
from tanggap.store.uow import Store

console = Console()


def import_command(
    paths: Annotated[list[Path], typer.Argument(help=".eml files, folders of them, or mbox files")],
    process: Annotated[bool, typer.Option(help="parse and open orders after storing")] = True,
    reply: Annotated[bool, typer.Option(help="send acknowledgements through the SMTP relay")] = False,
    json_lines: Annotated[bool, typer.Option(
        "--json", help="one JSON line per message: file, message_id, outcome, order_reference, order_id, "
                       "authority, reason")] = False,
):
    """Store every message (raw, content-addressed), then parse them. Importing twice adds nothing.

    With --json, each message is handled as it is stored and one line says what became of it:
    outcome is order, revision, quarantined, triage, report, not_order or duplicate (null, with the
    reason, for a file that could not be read; the exit code is then 1)."""
    settings = Settings()
    store = Store.for_settings(settings)
    if json_lines:
        failed = _import_json(store, settings, paths)
        if reply:
            _process(store, settings, reply, quiet=True)
        raise typer.Exit(1 if failed else 0)
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
    _process(Store.for_settings(settings), settings, reply)


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
        outcome = release(Store.for_settings(settings), settings.sla, inbound_id, authority, SYSTEM)
    except DomainError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from None
    console.print(f"released: order {outcome.order_id}")


def _import_json(store: Store, settings: Settings, paths: list[Path]) -> int:
    """Store and process each message in turn; print its line of the contract. Returns how many
    files could not be read."""
    trust = trust_from_settings(settings)
    failed = 0
    for message in iter_messages(paths):
        if message.raw is None:
            failed += 1
            typer.echo(json.dumps(outcome_line(message.label, None, None, reason=message.error)))
            continue
        receipt = receive_raw(store.uow(), message.raw, "import")
        if receipt.duplicate:
            typer.echo(json.dumps(outcome_line(message.label, store, _stored(store, receipt.inbound_id),
                                               duplicate=True)))
            continue
        try:
            outcome = process_inbound(store, settings.sla, receipt.inbound_id, trust=trust)
        except Exception as error:  # stored, so nothing is lost: `intake process` retries it
            failed += 1
            typer.echo(json.dumps(outcome_line(message.label, None, None, reason=(
                f"stored as {receipt.inbound_id} but not processed ({type(error).__name__}); "
                "`tanggap intake process` retries it"))))
            continue
        typer.echo(json.dumps(outcome_line(message.label, store, _stored(store, outcome.inbound_id))))
    return failed


def outcome_line(file: str, store: Store | None, row, duplicate: bool = False,
                 reason: str | None = None) -> dict[str, object]:
    """The fixed contract of `intake import --json`, one message."""
    if row is None or store is None:  # nothing was stored
        return {"file": file, "message_id": None, "outcome": None, "order_reference": None,
                "order_id": None, "authority": None, "reason": reason}
    with store.uow(read_only=True) as uow:
        order = uow.orders.get(row.order_id) if row.order_id else None
        authority = uow.authorities.get(row.authority_id) if row.authority_id else None
    said = row.reason or ""
    if duplicate:
        said = f"already received ({row.received_at.isoformat(timespec='seconds')}, {row.state}): {said}"
    return {"file": file, "message_id": row.message_id,
            "outcome": "duplicate" if duplicate else PUBLIC_OUTCOME.get(row.state, row.state),
            "order_reference": order.reference if order else None, "order_id": row.order_id,
            "authority": authority.name if authority else None, "reason": said}


# Human states after intake read as what intake did (a released or attached message was triage
# or quarantine first; the contract reports what the message is now).
PUBLIC_OUTCOME = {"released": "order", "attached": "revision", "dismissed": "triage",
                  "rejected": "quarantined"}


def _stored(store: Store, inbound_id: str):  # type: ignore[no-untyped-def]
    from tanggap.store import inbound as mailbox

    with store.uow(read_only=True) as uow:
        return mailbox.inbound(uow, inbound_id)


def _process(store: Store, settings: Settings, reply: bool, quiet: bool = False) -> None:
    worker = IntakeWorker(store, settings, mailer_from_settings(settings) if reply else None)
    result = worker.run_once()
    if quiet:
        return
    by_state: dict[str, int] = {}
    for outcome in result.processed:
        by_state[outcome.state] = by_state.get(outcome.state, 0) + 1
    console.print(f"processed {len(result.processed)}: {by_state}")
    if result.replies:
        console.print(f"replies: {result.replies.acknowledgements} acknowledgements, "
                      f"{result.replies.final_statuses} final statuses, {result.replies.failures} failed")
