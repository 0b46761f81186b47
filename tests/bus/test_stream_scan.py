"""The post stream: scan workers score what platforms publish and open proactive cases, and a
post delivered twice changes nothing the second time."""

from __future__ import annotations

import pytest

from tanggap.bus.worker import Worker
from tanggap.detect.registry import ModelRegistry
from tanggap.domain.model import CaseState
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import seed_world
from tanggap.serving import BackgroundServer
from tanggap.services.scan import ModelScorer
from tanggap.services.stream_scan import DirectoryMedia, StreamScanner, message_id, posts_of_platform
from tanggap.store import stream
from tanggap.store.tables import cases

TOKEN = "stream-test-token"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """What the demo platform's 30 public channels publish, with their media by reference."""
    folder = tmp_path_factory.mktemp("stream")
    channels = seed_world(folder / "platform.db", channels=30, seed=5)
    media = DirectoryMedia(folder / "media")
    with BackgroundServer(create_platform_app(folder / "platform.db", TOKEN)) as server, \
            DemoPlatform(server.url, TOKEN) as platform:
        posts = posts_of_platform(platform, media)
    return posts, media, {c.username: c.kind for c in channels if c.username}


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    return ModelScorer(ModelRegistry(tmp_path_factory.mktemp("models")).load())


def drain(loop, worker, timeout_s=0.3):
    idle = 0
    while idle < 3:
        idle = idle + 1 if loop.run_until_complete(worker.step(timeout_s)) == 0 else 0


def test_scan_workers_open_cases_for_propaganda_and_count_each_post_once(loop, store, transport, published, scorer):
    posts, media, kinds = published
    scanner = StreamScanner(store, scorer, media)
    for post in posts:
        loop.run_until_complete(transport.publish(post.subject, post.payload(), message_id(post)))
    drain(loop, Worker(transport, "scan", "posts", {"post.seen": scanner.handle}, batch=64))

    with store.uow(read_only=True) as uow:
        totals = stream.totals(uow.session)
        opened = uow.session.execute(cases.select().where(cases.c.source == "proactive")).all()
    assert totals == {"rows": len(posts), "distinct_posts": len(posts), "counted_in_channels": len(posts)}
    found = [kinds[row.target.username] for row in opened]
    assert found and found.count("propaganda") >= len(found) * 0.75, found
    assert "ordinary" not in found
    assert all(row.state == CaseState.QUEUED for row in opened)

    scanner.handle(posts[:50])  # delivered again (a worker died before its ack): no effect
    with store.uow(read_only=True) as uow:
        assert stream.totals(uow.session) == totals
        assert len(uow.session.execute(cases.select().where(cases.c.source == "proactive")).all()) == len(opened)


def test_an_edited_post_is_scanned_again_a_deleted_one_is_not(store, published, scorer):
    posts, media, _ = published
    scanner = StreamScanner(store, scorer, media)
    original = posts[0]
    edited = type(original)(**{**original.payload(), "text": original.text + " (edited)", "kind": "edited"})
    deleted = type(original)(**{**original.payload(), "post_id": "deleted-1", "kind": "deleted"})
    scanner.handle([original, edited, deleted])
    with store.uow(read_only=True) as uow:
        assert stream.totals(uow.session) == {"rows": 2, "distinct_posts": 1, "counted_in_channels": 2}
