"""`tanggap`: the command line. Every command reads the database from TANGGAP_DATABASE_URL."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.domain.errors import DomainError

app = typer.Typer(help="Tanggap: takedown orders in, blocked channels out, every step on the record.",
                  no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
authority_app = typer.Typer(help="Authorities that may send orders.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
key_app = typer.Typer(help="API keys: list, revoke, rotate.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(authority_app, name="authority")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(key_app, name="key")
console = Console()
errors = Console(stderr=True)


def _mount_optional(module: str, attribute: str, name: str) -> None:
    import importlib

    try:
        sub_app = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return
    app.add_typer(sub_app, name=name)


_mount_optional("tanggap.platforms.cli", "platform_app", "platform")
_mount_optional("tanggap.bus.cli", "worker_app", "worker")
_mount_optional("tanggap.intake.cli", "intake_app", "intake")
_mount_optional("tanggap.detect.banks.cli", "bank_app", "bank")
_mount_optional("tanggap.detect.cli", "model_app", "model")
_mount_optional("tanggap.notify.cli", "export_app", "export")
_mount_optional("tanggap.notify.cli", "sor_app", "sor")
_mount_optional("tanggap.notify.cli", "report_app", "report")
_mount_optional("tanggap.notify.cli", "publish_app", "publish")
_mount_optional("tanggap.notify.cli", "evidence_app", "evidence")
try:  # the classifier's fixed contract: tanggap classify --input IN.jsonl --output OUT.jsonl
    from tanggap.detect.cli import classify_command as _classify_command
    app.command("classify")(_classify_command)
except ImportError:
    pass


def _intake_commands() -> None:
    """The parser's sub-app gets the commands that store and act (intake/commands.py)."""
    try:
        from tanggap.intake import commands
        from tanggap.intake.cli import intake_app
    except ImportError:
        return
    intake_app.command("import")(commands.import_command)
    intake_app.command("process")(commands.process_command)
    intake_app.command("quarantine")(commands.quarantine_command)
    intake_app.command("release")(commands.release_command)
    try:
        from tanggap.intake import channels_cli
    except ImportError:
        return
    intake_app.command("smtp")(channels_cli.smtp_command)
    intake_app.command("imap")(channels_cli.imap_command)


_intake_commands()


def _store(settings: Settings):
    from tanggap.store.uow import Store

    return Store.for_settings(settings)


def _fail(message: str) -> None:
    errors.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head"):
    """Create or migrate the schema (Alembic) at TANGGAP_DATABASE_URL."""
    from tanggap.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url, revision)
    console.print(f"database at [bold]{_safe_url(settings.database_url)}[/bold] is at revision {revision}")


@authority_app.command("add")
def authority_add(
    name: str,
    jurisdiction: Annotated[str, typer.Option(help="ISO country or EU, e.g. ID")],
    domain: Annotated[list[str] | None, typer.Option(help="verified e-mail domain (repeatable)")] = None,
):
    """Register an authority and print its API key once (only a hash is stored)."""
    from tanggap.services.accounts import add_authority

    try:
        issued = add_authority(_store(Settings()).uow(), name, jurisdiction, domain or [], SYSTEM)
    except DomainError as error:
        _fail(error.message)
    console.print(f"authority [bold]{name}[/bold] id {issued.owner_id}")
    console.print("API key (shown once, keep it safe):")
    print(issued.api_key)


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help="moderator, senior, admin, auditor or liaison")] = "moderator",
    lang: Annotated[str, typer.Option(help="languages read, comma-separated, e.g. id,en")] = "id",
):
    """Create a staff account; prints a generated password and an API token once."""
    from tanggap.services.accounts import add_user

    try:
        issued = add_user(_store(Settings()).uow(), name, role, lang.split(","), SYSTEM)
    except DomainError as error:
        _fail(error.message)
    console.print(f"user [bold]{name}[/bold] ({role}) id {issued.owner_id} — shown once:")
    print(f"password: {issued.password}")
    print(f"api token: {issued.api_key}")


def _set_disabled(name: str, disabled: bool) -> None:
    from tanggap.services.accounts import set_user_disabled

    try:
        set_user_disabled(_store(Settings()).uow(), name, disabled, SYSTEM)
    except DomainError as error:
        _fail(error.message)
    console.print(f"user [bold]{name}[/bold] {'disabled: sessions ended, keys refused' if disabled else 'enabled'}")


@user_app.command("disable")
def user_disable(name: str):
    """Disable a staff account at once: its console sessions end and its keys stop working."""
    _set_disabled(name, True)


@user_app.command("enable")
def user_enable(name: str):
    """Enable a disabled staff account again (its keys work again; it logs in anew)."""
    _set_disabled(name, False)


@key_app.command("list")
def key_list():
    """Active API keys by prefix and owner (the keys themselves are never stored)."""
    from tanggap.services.accounts import key_listing

    for key in key_listing(_store(Settings()).uow(read_only=True), SYSTEM):
        print(f"{key.prefix}\t{key.owner_type}\t{key.owner_id}\t{key.created_at.isoformat()}")


@key_app.command("revoke")
def key_revoke(prefix: Annotated[str, typer.Argument(help="the key's first 8 characters, e.g. tgp_AbCd")]):
    """Revoke one API key now; requests with it get 401 from then on."""
    from tanggap.services.accounts import revoke_key

    try:
        key = revoke_key(_store(Settings()).uow(), prefix, SYSTEM)
    except DomainError as error:
        _fail(error.message)
    console.print(f"key {key.prefix}… of {key.owner_type} {key.owner_id} revoked")


@key_app.command("rotate")
def key_rotate(name: str, authority: Annotated[bool, typer.Option(
        "--authority", help="NAME is an authority (default: a staff user)")] = False):
    """Revoke every key of a user or authority and print one new key, once."""
    from tanggap.services.accounts import rotate_keys

    try:
        issued = rotate_keys(_store(Settings()).uow(), "authority" if authority else "user", name, SYSTEM)
    except DomainError as error:
        _fail(error.message)
    console.print(f"old keys of [bold]{name}[/bold] revoked; new API key (shown once):")
    print(issued.api_key)


@audit_app.command("verify")
def audit_verify():
    """Recompute the hash chain and check it against the signed checkpoints under var/audit/
    (exit 1 naming the first broken link, missing events or a rewritten head)."""
    from tanggap.services.audit import verify_audit_log

    store = _store(Settings())
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("verifying audit chain", total=None)
        report = verify_audit_log(store.uow(read_only=True), lambda n: progress.update(task, completed=n),
                                  checkpoints=store.checkpoints)
    if report.intact:
        console.print(f"[green]audit chain intact[/green]: {report.events} events, "
                      f"{report.checkpoints} signed checkpoints hold")
        return
    errors.print(f"[red]audit chain broken at event {report.broken.seq}[/red]: {report.broken.reason}",
                 soft_wrap=True)
    raise typer.Exit(1)


@app.command("enforce")
def enforce_pending():
    """Retry every enforcement still pending (after a platform outage)."""
    from tanggap.platforms.loader import platform_from_settings
    from tanggap.services.enforcement import RetryPolicy, carry_out_pending

    settings = Settings()
    outcomes = carry_out_pending(_store(settings), platform_from_settings(settings),
                                 RetryPolicy(settings.enforcement_attempts, settings.enforcement_backoff_s))
    confirmed = sum(1 for o in outcomes if o.error is None)
    console.print(f"{len(outcomes)} pending, {confirmed} confirmed, {len(outcomes) - confirmed} still failing")


@app.command("scan")
def scan_command(
    threshold: Annotated[float, typer.Option(help="channel risk that opens a proactive case")] = 0.8,
    max_channels: Annotated[int | None, typer.Option(help="stop after this many channels")] = None,
    posts: Annotated[int, typer.Option(help="recent posts read per channel")] = 20,
):
    """Read the platform's public channels, score them, open `proactive` cases above the threshold."""
    from tanggap.detect.cli import _load, _registry
    from tanggap.platforms.loader import platform_from_settings
    from tanggap.services.automatic import AutoBlockRule
    from tanggap.services.scan import ModelScorer, ScanSettings, scan

    settings = Settings()
    rule = AutoBlockRule(settings.scan_auto_block_verified, settings.scan_auto_block_max_pdq_distance)
    scorer = ModelScorer(_load(_registry(None), None))
    with Progress(console=console) as progress:
        task = progress.add_task("scanning channels", total=None)
        report = scan(_store(settings), platform_from_settings(settings), scorer,
                      ScanSettings(threshold=threshold, posts_per_channel=posts, max_channels=max_channels,
                                   auto_block=rule),
                      lambda n: progress.update(task, completed=n))
    console.print(f"{report.channels} channels, {report.posts} posts, {report.hash_matches} hash-bank matches; "
                  f"{len(report.cases_opened)} proactive cases opened, {len(report.auto_blocked)} blocked "
                  f"automatically (awaiting post-hoc review), {report.recreations} likely re-creations, "
                  f"{report.errors} errors")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000,
          intake_worker: Annotated[bool, typer.Option(help="also parse stored e-mail and send replies")] = True,
          effects_workers: Annotated[int, typer.Option(
              help="effects workers in this process (0 when `tanggap worker effects` runs elsewhere)")] = 1):
    """Serve the API (/api/v1, docs at /docs) and the console."""
    import uvicorn

    from tanggap.logs import configure
    from tanggap.platforms.loader import configured_platform
    from tanggap.web.app import create_app

    from tanggap.web.auth import is_loopback

    configure()
    settings = Settings()
    if settings.secure_cookies is None:  # cookies over plain HTTP only where nobody else listens
        settings.secure_cookies = not is_loopback(host)
    platform = configured_platform(settings)
    if platform is None:
        errors.print("[yellow]no TANGGAP_PLATFORM_TOKEN: decisions will wait for `tanggap enforce`[/yellow]")
    app_instance = create_app(settings, platform=platform)
    from tanggap.services.sweeps import Sweeper

    sweeper = Sweeper(app_instance.state.ctx.store, platform, app_instance.state.ctx.retry).start()
    worker = None
    if intake_worker:
        from tanggap.intake.worker import IntakeWorker, mailer_from_settings

        worker = IntakeWorker(app_instance.state.ctx.store, settings, mailer_from_settings(settings)).start()
    submitter = None
    if settings.sor_endpoint:
        from tanggap.notify.sor_worker import StatementSubmitter

        submitter = StatementSubmitter(app_instance.state.ctx.store, settings).start()
    effects = None
    # Without a platform the workers still write case-view audits and send replies and notices;
    # enforcements wait as pending rows for `tanggap enforce` (their events are left to the sweep).
    if settings.effects == "worker" and effects_workers > 0:
        from tanggap.bus.runner import BackgroundWorkers, transport_from_settings
        from tanggap.bus.runner import effects_workers as make_effects_workers

        store = app_instance.state.ctx.store
        effects = BackgroundWorkers(store, transport_from_settings(settings, store),
                                    make_effects_workers(store, platform, settings, effects_workers)).start()
    try:
        uvicorn.run(app_instance, host=host, port=port, log_config=None)
    finally:
        if effects:
            effects.stop()
        sweeper.stop()
        if worker:
            worker.stop()
        if submitter:
            submitter.stop()


@app.command("demo")
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="keep serving after the loop")] = True,
    channels: Annotated[int, typer.Option(help="channels in the demo platform")] = 300,
    port: int = 8000,
    platform_port: int = 8001,
):
    """Build a demo world under ./var/demo, run the takedown loop end to end, then serve it."""
    from tanggap.demo.run import run_demo

    sys.exit(run_demo(console, serve=serve, channels=channels, port=port, platform_port=platform_port))


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
