"""Test peers served over real HTTP, started the same way wherever a test needs one."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import seed_world
from tanggap.serving import BackgroundServer


@contextmanager
def seeded_demo_platform(folder: Path, token: str, *, channels: int, seed: int,
                         faults: bool = False) -> Iterator[BackgroundServer]:
    """The demo platform with a seeded world in `folder`: `server.db` is its database and
    `server.channels` the channels seeded."""
    db = folder / "platform.db"
    seeded = seed_world(db, channels=channels, seed=seed)
    with BackgroundServer(create_platform_app(db, token, faults=faults)) as server:
        server.db, server.channels = db, seeded
        yield server
