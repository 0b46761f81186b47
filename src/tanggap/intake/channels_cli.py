"""``tanggap intake smtp`` and ``tanggap intake imap``: the channels that bring e-mail in.

Plain functions with Typer-annotated parameters; ``tanggap.cli`` registers them on the
``intake`` app. Settings come from ``TANGGAP_*`` (see ``tanggap.config``); the options here
override them. Passwords are read from the environment or a file, never from the command line
(where ``ps`` would show them), and are never printed.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from tanggap.config import Settings

console = Console(stderr=True)  # stdout stays free for machine-readable output
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def smtp_command(
    host: Annotated[str | None,
        typer.Option(help="address to listen on (default: TANGGAP_SMTP_LISTEN_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None,
        typer.Option(help="port (default: TANGGAP_SMTP_LISTEN_PORT, 2525); 0 picks a free one")] = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker",
        help="also parse what arrives and send the acknowledgements")] = True,
    max_size: Annotated[int | None, typer.Option(help="largest message in bytes; larger ones get 552")] = None,
) -> None:
    """Receive orders by SMTP from the MX: each message is stored before it is answered 250.

    No AUTH and no TLS: run it behind the MX, on loopback or a private address only.
    """
    from tanggap.intake.smtp import SmtpListener, serve_smtp
    from tanggap.logs import configure

    configure()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    settings = Settings()
    if max_size is not None:
        settings = settings.model_copy(update={"smtp_max_message_bytes": max_size})
    host = host or settings.smtp_listen_host
    if host not in LOOPBACK:
        console.print(f"[yellow]listening on {escape(host)}: this listener has no AUTH and no TLS; "
                      "let only the MX reach it[/yellow]")

    def ready(listener: SmtpListener) -> None:
        console.print(f"[green]SMTP intake listening on {escape(listener.host)}:{listener.port}[/green] "
                      f"(max {listener.max_message_bytes:,} bytes), storing into "
                      f"[bold]{escape(_safe_url(settings.database_url))}[/bold]"
                      f"{'; worker on' if worker else '; no worker'}. Ctrl-C or SIGTERM stops it.")

    try:
        serve_smtp(settings, host, port, with_worker=worker, on_ready=ready)
    except (RuntimeError, OSError) as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    console.print("SMTP intake stopped")


def imap_command(
    host: Annotated[str | None, typer.Option(help="IMAP server (default: TANGGAP_IMAP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: 993 with SSL, 143 without)")] = None,
    user: Annotated[str | None, typer.Option(help="login (default: TANGGAP_IMAP_USERNAME)")] = None,
    password_file: Annotated[Path | None,
        typer.Option(help="read the password from this file (default: TANGGAP_IMAP_PASSWORD)")] = None,
    ssl: Annotated[bool | None, typer.Option("--ssl/--no-ssl",
        help="implicit TLS (default: TANGGAP_IMAP_SSL, on)")] = None,
    mailbox: Annotated[str | None, typer.Option(help="mailbox to read (default: TANGGAP_IMAP_MAILBOX, INBOX)")] = None,
    once: Annotated[bool, typer.Option("--once", help="poll once, print what was stored, and exit")] = False,
    idle: Annotated[bool, typer.Option("--idle/--no-idle", help="wait with IDLE where the server offers it")] = True,
    poll_interval: Annotated[float | None, typer.Option(help="seconds between polls without IDLE")] = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker",
        help="also parse what arrives and send the acknowledgements")] = True,
) -> None:
    """Read orders from an IMAP mailbox; remembers its place (UIDVALIDITY/UID) across restarts."""
    from tanggap.intake.imap import ImapAccount, ImapPoller
    from tanggap.intake.smtp import check_schema, stop_on_signals
    from tanggap.logs import configure
    from tanggap.store.uow import Store

    configure()
    settings = Settings()
    try:
        password = password_file.read_text().strip() if password_file else None
        account = ImapAccount.from_settings(
            settings, host=host, port=port, username=user, ssl=ssl, mailbox=mailbox,
            poll_interval_s=poll_interval, use_idle=idle, **({"password": password} if password else {}))
    except (OSError, ValueError) as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    store = Store.for_settings(settings)
    try:
        check_schema(store)
    except RuntimeError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    where = f"{account.username}@{account.host}:{account.effective_port}/{account.mailbox}"
    transport = "TLS" if account.ssl else "[yellow]plain text[/yellow]"

    if once:
        try:
            with ImapPoller(store, account) as poller:
                stored = poller.poll_once()
        except Exception as error:  # noqa: BLE001 - reported, exit code 1
            console.print(f"[red]error:[/red] {escape(where)}: {escape(type(error).__name__)}: {escape(str(error))}")
            raise typer.Exit(1) from None
        finally:
            store.dispose()
        done = poller.last_round
        if done is None:  # poll_once records its round before it returns
            raise RuntimeError("the IMAP poll recorded no round")
        console.print(f"{escape(where)} ({transport}): {done.fetched} fetched, [bold]{stored}[/bold] new stored"
                      f"{', UIDVALIDITY changed: read from UID 1' if done.restarted else ''}; "
                      f"last UID {done.last_uid}")
        return

    from tanggap.intake.worker import IntakeWorker, mailer_from_settings

    intake_worker = IntakeWorker(store, settings, mailer_from_settings(settings)) if worker else None
    poller = ImapPoller(store, account, on_stored=intake_worker.wake if intake_worker else None)
    stop = threading.Event()
    console.print(f"[green]IMAP intake reading {escape(where)}[/green] ({transport}), storing into "
                  f"[bold]{escape(_safe_url(settings.database_url))}[/bold]"
                  f"{'; worker on' if worker else '; no worker'}. Ctrl-C or SIGTERM stops it.")
    with stop_on_signals(stop):
        if intake_worker is not None:
            intake_worker.start()
        try:
            poller.run_forever(stop)
        finally:
            if intake_worker is not None:
                intake_worker.stop()
            store.dispose()
    console.print("IMAP intake stopped")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
