"""``tanggap intake …``: read e-mailed orders from files, without storing anything.

``parse --json`` has a fixed output contract that other tools depend on: one JSON object per
input file, one per line, in the order given; an unreadable file gives a line with ``error``
set and the command goes on; the exit code is 0 once every file was handled.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tanggap.intake.parse import ParsedMessage, ParseLimits, parse_file, parse_message

intake_app = typer.Typer(help="E-mailed takedown orders: parse (stores nothing), import, SMTP, IMAP, quarantine.",
                         no_args_is_help=True)


@intake_app.callback()
def intake() -> None:
    """Read e-mailed takedown orders (nothing is stored)."""


@intake_app.command("parse")
def parse_command(
    files: Annotated[
        list[str], typer.Argument(metavar="FILE", help=".eml files; - reads standard input")
    ],
    json_lines: Annotated[
        bool, typer.Option("--json", help="One JSON object per file, one per line")
    ] = False,
) -> None:
    """Parse e-mails into orders: reference, deadline class, canonical targets."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken PDFs are reported as warnings
    limits = ParseLimits()
    results = []
    for file in files:
        parsed = _parse_one(file, limits)
        if json_lines:
            typer.echo(json.dumps(parsed.contract(file)))
        else:
            results.append((file, parsed))
    if not json_lines:
        Console().print(_table(results))


def _parse_one(file: str, limits: ParseLimits) -> ParsedMessage:
    if file == "-":
        return parse_message(sys.stdin.buffer.read(limits.max_message_bytes + 1), limits)
    return parse_file(file, limits)


def _table(results: list[tuple[str, ParsedMessage]]) -> Table:
    table = Table(title="Parsed e-mails")
    for column in ("File", "Order", "Reference", "Deadline", "Targets", "Warnings / error"):
        table.add_column(column, overflow="fold")
    for file, parsed in results:
        table.add_row(
            file,
            "yes" if parsed.is_order else "no",
            parsed.order_reference or "-",
            f"{parsed.deadline_hours} h" if parsed.deadline_hours is not None else "-",
            "\n".join(t.canonical for t in parsed.targets) or "-",
            f"[red]{parsed.error}[/red]" if parsed.error else "\n".join(parsed.warnings) or "-",
        )
    return table
