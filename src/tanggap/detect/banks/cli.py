"""``tanggap bank``: hash banks from the command line (reads TANGGAP_DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

bank_app = typer.Typer(help="Hash banks: known terrorist (positive) and known-benign (negative) media.",
                       no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _store():
    from tanggap.config import Settings
    from tanggap.store.uow import Store

    return Store(Settings().database_url)


def _fail(message: str, code: int = 1) -> None:
    errors.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


@bank_app.command("create")
def create(
    name: str,
    kind: Annotated[str, typer.Option(help="positive (terrorist content) or negative (known-benign)")],
    verified: Annotated[bool, typer.Option("--verified",
                                           help="A vetted list: later rules may act on it alone.")] = False,
    description: Annotated[str | None, typer.Option(help="Where the list comes from, who curates it.")] = None,
):
    """Create an empty bank."""
    from tanggap.detect.banks.service import create_bank
    from tanggap.domain.errors import DomainError

    try:
        bank = create_bank(_store(), name, kind, verified=verified, description=description)
    except DomainError as error:
        _fail(error.message)
    console.print(f"bank [bold]{bank.name}[/bold] ({bank.kind}{', verified' if bank.verified else ''}) "
                  f"id {bank.id}", highlight=False)


@bank_app.command("import")
def import_(
    name: str,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    show: Annotated[int, typer.Option(help="How many rejected rows to print.")] = 20,
):
    """Import a hash list (GIFCT / Tech Against Terrorism / ThreatExchange CSV or JSON)."""
    from tanggap.detect.banks.service import import_hash_list
    from tanggap.domain.errors import DomainError

    try:
        report = import_hash_list(_store(), name, file, format)
    except (DomainError, ValueError) as error:
        _fail(getattr(error, "message", str(error)))
    console.print(report.summary(), highlight=False)
    console.print(f"raw file kept as evidence {report.sha256}; import id {report.import_id}", highlight=False)
    for reject in report.rejects[:show]:
        console.print(f"  rejected {reject.where}: {reject.reason}", markup=False, highlight=False)
    if report.rejected > show:
        console.print(f"  … and {report.rejected - show} more rejected rows", highlight=False)


@bank_app.command("list")
def list_():
    """Banks with their entries, suspended entries and matches."""
    from tanggap.detect.banks.service import list_banks

    table = Table(title="Hash banks")
    for column in ("name", "kind", "verified", "entries", "suspended", "matches"):
        table.add_column(column, justify="right" if column in ("entries", "suspended", "matches") else "left")
    for bank in list_banks(_store()):
        table.add_row(bank.name, bank.kind.value, "yes" if bank.verified else "no", f"{bank.entries:,}",
                      f"{bank.suspended:,}", f"{bank.matches:,}")
    console.print(table)


@bank_app.command("match")
def match(files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]):
    """Hash local media files and print what the banks say about each."""
    from tanggap.detect.banks.service import match_media

    results = match_media(_store(), [(str(path), path.read_bytes()) for path in files])
    matched = 0
    for result in results:
        hashes = ", ".join(f"{h.signal_type} {h.value}" for h in result.hashes if h.ok)
        console.print(f"[bold]{result.item_id}[/bold]  {hashes}", highlight=False)
        for flag in result.flags:
            console.print(f"  [yellow]flag[/yellow] {flag}", highlight=False)
        for signal in result.signals:
            console.print(f"  [red]MATCH[/red] {signal.source} strength {signal.strength:.2f}: "
                          f"{signal.explanation}", highlight=False)
        for hit in result.cancelled:
            console.print(f"  cancelled: {hit.signal_type} match to {hit.bank!r} entry {hit.entry_id} "
                          f"(distance {hit.distance})", highlight=False)
        for hit in result.negatives:
            console.print(f"  known-benign: {hit.signal_type} match to {hit.bank!r} entry {hit.entry_id} "
                          f"(distance {hit.distance})", highlight=False)
        for entry_id in result.quarantined:
            console.print(f"  [yellow]quarantined[/yellow] entry {entry_id}: flood of matches", highlight=False)
        if not (result.signals or result.cancelled or result.negatives):
            console.print("  no match", highlight=False)
        matched += result.matched
    console.print(f"{matched} of {len(results)} files match a positive bank", highlight=False)


@bank_app.command("flagged")
def flagged(bank: Annotated[str | None, typer.Option(help="Only this bank.")] = None):
    """Suspended entries (flood quarantine or withdrawn by the list), for review."""
    from tanggap.detect.banks.service import flagged_entries

    entries = flagged_entries(_store(), bank)
    for entry in entries:
        console.print(f"{entry.id}  {entry.bank}  {entry.signal_type} {entry.hash_value}  "
                      f"matches {entry.match_count}: {entry.suspended_reason}", markup=False, highlight=False)
    console.print(f"{len(entries)} suspended entries", highlight=False)


@bank_app.command("reinstate")
def reinstate(entry_id: str, note: Annotated[str, typer.Option(help="Why it may match again.")] = ""):
    """Let a suspended entry match again (after a person has reviewed it)."""
    from tanggap.detect.banks.service import reinstate_entry
    from tanggap.domain.access import SYSTEM
    from tanggap.domain.errors import DomainError

    try:
        entry = reinstate_entry(_store(), entry_id, by=SYSTEM, note=note)
    except DomainError as error:
        _fail(error.message)
    console.print(f"entry {entry.id} of {entry.bank!r} matches again", highlight=False)
