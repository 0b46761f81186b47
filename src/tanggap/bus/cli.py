"""`tanggap worker …`: the processes that do the side effects and scan the post stream. Run as
many of each as the load needs, on as many machines: they share their consumer group."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tanggap.config import Settings

worker_app = typer.Typer(help="Bus workers: side effects (enforcement) and the post stream scan.",
                         no_args_is_help=True)
console = Console()


def _run(store, transport, workers) -> None:
    from tanggap.bus.runner import run_workers

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):  # finish the message in hand, then stop
            loop.add_signal_handler(signum, stop.set)
        await run_workers(store, transport, workers, stop)

    asyncio.run(main())


@worker_app.command("effects")
def effects(count: Annotated[int, typer.Option(help="concurrent workers in this process")] = 1):
    """Carry out what committed decisions asked for (enforcement on the platform), from the outbox."""
    from tanggap.bus.runner import effects_workers, transport_from_settings
    from tanggap.logs import configure
    from tanggap.platforms.loader import platform_from_settings
    from tanggap.store.uow import Store

    configure()
    settings = Settings()
    store = Store.for_settings(settings)
    platform = platform_from_settings(settings)
    transport = transport_from_settings(settings, store)
    console.print(f"effects workers ×{count} on the {transport.name} bus")
    _run(store, transport, effects_workers(store, platform, settings, count)(transport))


@worker_app.command("scan")
def scan(
    media_dir: Annotated[Path | None, typer.Option(help="media by SHA-256 (ab/abcd…) for hash matching")] = None,
    threshold: Annotated[float, typer.Option(help="channel risk that opens a proactive case")] = 0.8,
    batch: Annotated[int, typer.Option(help="posts scored together")] = 100,
):
    """Consume the post stream: score text, hash media, match banks, open proactive cases."""
    from tanggap.bus.runner import transport_from_settings
    from tanggap.bus.worker import RetryPolicy, Worker
    from tanggap.detect.cli import _load, _registry
    from tanggap.logs import configure
    from tanggap.services.scan import ModelScorer
    from tanggap.services.stream_scan import DirectoryMedia, StreamScanner, StreamScanSettings
    from tanggap.store.uow import Store

    configure()
    settings = Settings()
    store = Store.for_settings(settings)
    scanner = StreamScanner(store, ModelScorer(_load(_registry(None), None)),
                            DirectoryMedia(media_dir) if media_dir else None, StreamScanSettings(threshold))
    transport = transport_from_settings(settings, store)
    worker = Worker(transport, "scan", "posts", {"post.seen": scanner.handle},
                    RetryPolicy(settings.bus_max_attempts), batch=batch)
    console.print(f"scan worker on the {transport.name} bus")
    _run(store, transport, [worker])
