"""``tanggap platform``: run and seed the built-in demo platform; take reports from and post to
the configured platform(s) (Matrix)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

platform_app = typer.Typer(
    help="The built-in demo platform (a small Telegram-like service with a trust-and-safety API), "
         "and what Tanggap takes from or posts to the configured platform(s).",
    no_args_is_help=True,
)
console = Console()
error_console = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="The demo platform's own SQLite file.")]


@platform_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    db: DbOption = Path("var/platform.db"),
    token: Annotated[str | None, typer.Option(
        envvar="TANGGAP_PLATFORM_TOKEN", show_envvar=True, show_default=False,
        help="Bearer token of the trust-and-safety API (prefer the environment variable: "
             "options show up in process lists).")] = None,
    faults: Annotated[bool, typer.Option(
        "--faults", help="Enable /admin fault injection and the action log (tests, demos).")] = False,
) -> None:
    """Serve the demo platform's API over HTTP."""
    import uvicorn

    from tanggap.platforms.demo_server import create_platform_app

    if not token or not token.strip():
        error_console.print("[red]Refusing to start:[/] set TANGGAP_PLATFORM_TOKEN "
                            "(the trust-and-safety API must not run without a token).")
        raise typer.Exit(2)
    if len(token.strip()) < 16:
        error_console.print("[yellow]Warning:[/] the platform token is shorter than 16 characters.")
    app = create_platform_app(db, token.strip(), faults=faults)
    console.print(f"[bold]Demo platform[/] on [cyan]http://{host}:{port}[/]  world: {db}")
    if faults:
        console.print("[yellow]Fault injection is on[/] (/admin/faults, /admin/actions).")
    uvicorn.run(app, host=host, port=port, log_level="info")


@platform_app.command()
def seed(
    db: DbOption = Path("var/platform.db"),
    channels: Annotated[int, typer.Option(min=4, max=5000, help="How many channels.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same world.")] = 2017,
) -> None:
    """(Re)build the demo platform's world: channels and posts, deterministically."""
    from tanggap.platforms.seed import seed_world

    world = seed_world(db, channels=channels, seed=seed)
    kinds = Counter(channel.kind for channel in world)
    table = Table(title=f"Demo world in {db} (seed {seed})")
    table.add_column("kind")
    table.add_column("channels", justify="right")
    table.add_column("private", justify="right")
    table.add_column("posts", justify="right")
    for kind in ("propaganda", "hate", "gambling", "ordinary"):
        of_kind = [channel for channel in world if channel.kind == kind]
        table.add_row(kind, str(kinds[kind]),
                      str(sum(channel.username is None for channel in of_kind)),
                      str(sum(len(channel.post_ids) for channel in of_kind)))
    console.print(table)
    examples = [channel for channel in world if channel.kind == "propaganda"][:3]
    for channel in examples:
        console.print(f"  e.g. {channel.target}  ({channel.kind}, {channel.subscribers:,} subscribers)",
                      markup=False, highlight=False)


@platform_app.command()
def reports() -> None:
    """Take users' reports from the configured platform(s) (Matrix event reports) as user
    reports: each opens or joins the case of the reported event. Running it again adds nothing."""
    from tanggap.config import Settings
    from tanggap.platforms.loader import platform_from_settings
    from tanggap.platforms.registry import PlatformRegistry
    from tanggap.services.platform_reports import import_platform_reports
    from tanggap.store.uow import Store

    settings = Settings()
    platform = platform_from_settings(settings)
    adapters = platform.platforms if isinstance(platform, PlatformRegistry) else (platform,)
    store = Store.for_settings(settings)
    for adapter in adapters:
        outcome = import_platform_reports(store, adapter)
        console.print(f"{adapter.name}: {outcome.seen} reports seen, {outcome.imported} new, "
                      f"{len(outcome.cases_opened)} cases opened", markup=False, highlight=False)


@platform_app.command("post-transparency")
def post_transparency(
    room: Annotated[str, typer.Option(help="The Matrix room to post in (#alias:server or !id:server); "
                                           "the admin account must be allowed to post there.")],
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: yesterday in the "
                                                           "transparency time zone, WIB).")] = None,
) -> None:
    """Post the daily transparency sentence to a Matrix room (a retry soon after posts it once)."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from tanggap.config import Settings
    from tanggap.platforms.matrix import from_settings
    from tanggap.services.transparency import daily_counts
    from tanggap.store.uow import Store

    settings = Settings()
    try:
        # "Yesterday" where the counts' days are (WIB), not on the server's clock: at 06:00 WIB a
        # UTC server still says yesterday is the day before.
        today = datetime.now(UTC).astimezone(ZoneInfo(settings.transparency_timezone)).date()
        when = date.fromisoformat(day) if day else today - timedelta(days=1)
    except ValueError:
        error_console.print(f"[red]--date must be YYYY-MM-DD[/], not {day!r}")
        raise typer.Exit(2) from None
    counts = daily_counts(Store.for_settings(settings).uow(read_only=True), when,
                          settings.transparency_timezone)
    with from_settings(settings) as matrix:
        event_id = matrix.post_message(room, counts.sentence, key=f"transparency:{when.isoformat()}")
    console.print(f"posted to {room}: {counts.sentence} ({event_id})", markup=False, highlight=False)
