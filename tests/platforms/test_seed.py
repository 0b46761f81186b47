"""The seeded demo world: deterministic, plausible, and reset by reseeding."""

from __future__ import annotations

import sqlite3
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from tanggap.domain.model import Scope
from tanggap.domain.targets import USERNAME
from tanggap.platforms.demo_server import PlatformWorld
from tanggap.platforms.seed import SEED_NOW, sample_texts, seed_world


def dump(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return (conn.execute("SELECT * FROM channels ORDER BY id").fetchall()
                + conn.execute("SELECT * FROM posts ORDER BY channel_id, id").fetchall())


@pytest.fixture(scope="module")
def full_world(tmp_path_factory):
    db = tmp_path_factory.mktemp("seed") / "platform.db"
    return db, seed_world(db)


def test_the_same_seed_builds_the_same_world(tmp_path, full_world):
    db, channels = full_world
    again = seed_world(tmp_path / "again.db")
    assert again == channels
    assert dump(tmp_path / "again.db") == dump(db)


def test_another_seed_builds_another_world(tmp_path, full_world):
    _, channels = full_world
    other = seed_world(tmp_path / "other.db", seed=7)
    assert [c.username for c in other] != [c.username for c in channels]


def test_reseeding_resets_the_world(tmp_path):
    db = tmp_path / "platform.db"
    first = seed_world(db, channels=20)
    world = PlatformWorld(db)
    world.block(first[0].internal_id, Scope(), "before-reseed")
    assert world.channel(first[0].internal_id)["blocked_globally"]
    assert seed_world(db, channels=20) == first
    assert not world.channel(first[0].internal_id)["blocked_globally"]
    assert world.actions() == []


def test_the_world_has_every_kind_of_channel_in_plausible_shape(full_world):
    db, channels = full_world
    assert len(channels) == 300
    kinds = Counter(c.kind for c in channels)
    assert set(kinds) == {"propaganda", "hate", "gambling", "ordinary"}
    assert kinds["ordinary"] > kinds["propaganda"] > 0
    usernames = [c.username for c in channels if c.username]
    assert len(set(usernames)) == len(usernames)
    assert all(USERNAME.fullmatch(name) and name == name.lower() for name in usernames)
    private = [c for c in channels if c.username is None]
    assert private and all(c.invite_hash for c in private)
    assert any(c.invite_hash and c.username for c in channels)  # public ones with invites too
    assert len({c.internal_id for c in channels}) == 300
    assert all(1_000_000_000 <= c.internal_id < 2_000_000_000 for c in channels)
    assert all(c.post_ids == tuple(sorted(c.post_ids)) and len(c.post_ids) >= 3 for c in channels)
    assert sum(c.subscribers > 100_000 for c in channels) >= 3


def test_audiences_are_mostly_indonesian_and_times_are_utc(full_world):
    db, channels = full_world
    world = PlatformWorld(db)
    infos = [world.channel(c.internal_id) for c in channels]
    top = Counter(max(info["country_audience"], key=info["country_audience"].get) for info in infos)
    assert top["ID"] > 0.8 * len(infos) and top["MY"] > 0
    assert all(abs(sum(info["country_audience"].values()) - 1) < 0.011 for info in infos)
    countries = {country for info in infos for country in info["country_audience"]}
    assert {"ID", "MY", "SG"} <= countries and countries & {"NL", "DE", "FR", "BE"}
    for seeded in channels[:20]:
        posts = world.posts(seeded.internal_id, limit=100, include_removed=True)
        created = world.channel(seeded.internal_id)["created_at"]
        assert created.endswith("+00:00")
        assert all(created <= post["posted_at"] <= SEED_NOW.isoformat() for post in posts)


def test_propaganda_channels_post_propaganda_and_ordinary_ones_do_not(full_world):
    db, channels = full_world
    world = PlatformWorld(db)
    by_kind = {}
    for sample in sample_texts():
        by_kind.setdefault(sample.text, set()).add(sample.kind)
    for seeded in channels:
        for post in world.posts(seeded.internal_id, limit=100, include_removed=True):
            assert seeded.kind in by_kind[post["text"]]


def test_targets_of_seeded_channels_are_canonical(full_world):
    _, channels = full_world
    private = next(c for c in channels if c.username is None)
    public = next(c for c in channels if c.username)
    assert private.target.canonical == f"https://t.me/+{private.invite_hash}"
    assert private.post_target(5).canonical == f"https://t.me/c/{private.internal_id}/5"
    assert public.post_target().canonical == f"https://t.me/{public.username}/{public.post_ids[-1]}"


def test_the_copied_sample_is_small_and_attributed():
    texts = sample_texts()
    assert 200 <= len(texts) <= 500
    assert all(40 <= len(t.text) <= 240 for t in texts if t.source != "tanggap (invented)")
    assert {t.source for t in texts} == {"netifier", "id-hatespeech", "isis-tweets-en",
                                         "tanggap (invented)"}
    attribution = resources.files("tanggap.demo").joinpath("seed", "ATTRIBUTION.md").read_text(encoding="utf-8")
    for must in ("CC BY-NC-SA 4.0", "CC0", "non-commercial", "netifier", "id-hatespeech",
                 "isis-tweets-en"):
        assert must in attribution


def test_too_small_a_world_is_refused(tmp_path):
    with pytest.raises(ValueError):
        seed_world(tmp_path / "tiny.db", channels=3)


def test_seeding_300_channels_is_quick(tmp_path):
    import time

    started = time.perf_counter()
    seed_world(tmp_path / "quick.db")
    assert time.perf_counter() - started < 3.0
