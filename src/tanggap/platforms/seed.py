"""Seed the demo platform with a deterministic world of a few hundred channels.

Posts come from the small sample in ``tanggap/demo/seed/`` (see ATTRIBUTION.md there: part of it
is CC BY-NC-SA 4.0, so the demo world is non-commercial). Channel names, titles, descriptions,
audiences and ids are invented here, from a seeded random generator: the same ``seed`` gives the
same world, byte for byte, so a demo or a test can name its channels in advance.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from tanggap.domain.targets import USERNAME, Target
from tanggap.platforms.demo_media import RELEASES
from tanggap.platforms.demo_server import ChannelRecord, PlatformWorld, PostRecord

ChannelKind = Literal["propaganda", "hate", "gambling", "ordinary"]
KINDS: tuple[ChannelKind, ...] = ("propaganda", "hate", "gambling", "ordinary")
# Share of the world per kind; "ordinary" takes what is left.
KIND_SHARES: dict[ChannelKind, float] = {"propaganda": 0.15, "hate": 0.15, "gambling": 0.10}
# The seeded world's "now": fixed, so seeding is deterministic whenever it runs.
SEED_NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
MAX_CHANNELS = 5000

NAME_PARTS: dict[ChannelKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "propaganda": (
        ("kabar", "suara", "seruan", "panji", "cahaya", "barisan", "mimbar", "risalah", "pena",
         "jalan", "bendera", "tholiah"),
        ("ummah", "tauhid", "khilafah", "mujahid", "syam", "anshar", "hijrah", "daulah",
         "jihad", "tamkin", "ghuroba", "sabilillah"),
    ),
    "hate": (
        ("fakta", "bongkar", "waspada", "lawan", "bela", "suara", "gerakan", "benteng", "awas",
         "bangkit"),
        ("pribumi", "bangsa", "umat", "rakyat", "nusantara", "akidah", "negeri", "asli",
         "garuda", "merahputih"),
    ),
    "gambling": (
        ("slot", "togel", "judi", "casino", "bola", "parlay", "maxwin", "gacor", "scatter",
         "jackpot"),
        ("gacor", "hoki", "jp", "vip", "resmi", "maxwin", "online", "asia", "sultan", "mania"),
    ),
    "ordinary": (
        ("info", "resep", "kuliner", "loker", "berita", "wisata", "jual", "kajian", "belajar",
         "promo", "diskon", "cerita", "humor", "komunitas", "otomotif", "warta", "tips"),
        ("nusantara", "jakarta", "bandung", "surabaya", "jogja", "medan", "makassar", "harian",
         "terkini", "murah", "santai", "keluarga", "bunda", "mahasiswa", "semarang", "bali"),
    ),
}
NAME_SUFFIXES = ("", "", "", "_id", "_official", "_media", "_news", "_channel", "17", "88",
                 "_baru", "_2", "_real")
DESCRIPTIONS: dict[ChannelKind, tuple[str, ...]] = {
    "propaganda": (
        "Kabar terkini dari bumi jihad. Sebarkan!",
        "Kajian tauhid dan berita mujahidin. Channel cadangan ada di pinned.",
        "Media dakwah. Akun lama kena banned, ini yang baru. Join sebelum dihapus.",
        "News and statements, translated. Share before it is deleted.",
        "Untuk ikhwan dan akhwat yang istiqomah. Bukan untuk umum.",
    ),
    "hate": (
        "Bongkar kebohongan media mainstream.",
        "Suara rakyat yang dibungkam. Share sebanyak-banyaknya!",
        "Waspada antek asing dan aseng!",
        "Fakta yang tidak diberitakan TV.",
    ),
    "gambling": (
        "Situs resmi terpercaya, WD berapapun dibayar. Chat admin 24 jam.",
        "Link alternatif anti blokir. Bonus new member 100%.",
        "Prediksi jitu setiap hari. Daftar lewat admin.",
        "RTP live & pola gacor update tiap jam.",
    ),
    "ordinary": (
        "Info lowongan kerja terbaru setiap hari.",
        "Resep masakan rumahan yang mudah dan murah.",
        "Berita dan obrolan santai, tanpa hoaks.",
        "Promo dan diskon hemat untuk keluarga.",
        "Komunitas berbagi cerita dan tips sehari-hari.",
        "Jadwal kajian dan kegiatan masjid sekitar.",
    ),
}
# Attacker-written text reaches the console; one seeded title checks that it is escaped there.
HOSTILE_TITLE = "<b>BONUS 100%</b> <script>alert('gacor')</script> Slot"
INVITE_ALPHABET = string.ascii_letters + string.digits + "_-"
EU_COUNTRIES = ("NL", "DE", "FR", "BE")


@dataclass(frozen=True)
class SeededChannel:
    """What the demo needs to know about one seeded channel: how to name it, what it is."""

    username: str | None  # None: a private channel, reachable by invite or t.me/c/ link
    internal_id: int
    invite_hash: str | None
    kind: ChannelKind
    post_ids: tuple[int, ...]  # oldest first
    title: str = ""
    subscribers: int = 0

    @property
    def target(self) -> Target:
        """The channel as an order would name it: by username, else by invite link."""
        if self.username:
            return Target.channel(self.username)
        assert self.invite_hash is not None  # every private channel is seeded with one
        return Target.invite(self.invite_hash)

    def post_target(self, post_id: int | None = None) -> Target:
        """A post of this channel (the newest by default), public or private link form."""
        post = post_id if post_id is not None else self.post_ids[-1]
        if self.username:
            return Target.post(self.username, post)
        return Target.private_post(self.internal_id, post)


@dataclass(frozen=True)
class SampleText:
    kind: str
    source: str
    text: str


def seed_world(db_path: str | Path, channels: int = 300, seed: int = 2017,
               now: datetime | None = None) -> list[SeededChannel]:
    """(Re)build the demo platform's world in ``db_path``; the same seed gives the same world.

    An existing world in the file is emptied first (the file itself is kept, so a running
    demo server keeps working on the new world).
    """
    if not len(KINDS) <= channels <= MAX_CHANNELS:
        raise ValueError(f"channels must be {len(KINDS)}..{MAX_CHANNELS} (one of each kind at least)")
    rng = random.Random(seed)
    world_now = now or SEED_NOW
    plan = _kind_plan(channels, rng)
    ids = rng.sample(range(1_000_000_000, 2_000_000_000), channels)
    usernames: set[str] = set()
    invites: set[str] = set()
    records: list[ChannelRecord] = []
    posts: list[PostRecord] = []
    seeded: list[SeededChannel] = []
    propaganda_seen = 0
    for kind, internal_id in zip(plan, ids, strict=True):
        # Every third propaganda channel is private: only an invite or a t.me/c/ link reaches it.
        propaganda_seen += kind == "propaganda"
        private = kind == "propaganda" and propaganda_seen % 3 == 0
        username = None if private else _username(kind, rng, usernames)
        invite_hash = _invite_hash(rng, invites) if private or rng.random() < 0.15 else None
        title = _title(kind, username, rng)
        if kind == "gambling" and not any(r.title == HOSTILE_TITLE for r in records):
            title = HOSTILE_TITLE
        created_at = world_now - timedelta(days=rng.uniform(30, 2500))
        record = ChannelRecord(
            id=internal_id, username=username, invite_hash=invite_hash, title=title,
            description=rng.choice(DESCRIPTIONS[kind]), subscribers=_subscribers(kind, rng),
            country_audience=_audience(kind, rng), created_at=_whole_seconds(created_at),
        )
        channel_posts = _posts(kind, internal_id, created_at, world_now, rng)
        records.append(record)
        posts.extend(channel_posts)
        seeded.append(SeededChannel(
            username=username, internal_id=internal_id, invite_hash=invite_hash, kind=kind,
            post_ids=tuple(p.id for p in channel_posts), title=title,
            subscribers=record.subscribers,
        ))
    world = PlatformWorld(db_path)
    world.reset()
    world.add(records, posts)
    return seeded


def sample_texts() -> tuple[SampleText, ...]:
    """The copied sample plus the project's invented gambling lines (see ATTRIBUTION.md)."""
    return _load_sample()


@cache
def _load_sample() -> tuple[SampleText, ...]:
    folder = resources.files("tanggap.demo").joinpath("seed")
    texts: list[SampleText] = []
    for name in ("posts.jsonl", "gambling.jsonl"):
        for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(SampleText(row["kind"], row["source"], row["text"]))
    return tuple(texts)


@cache
def _pools() -> dict[str, list[str]]:
    """Texts by what a channel posts; seeding only reads them."""
    pools: dict[str, list[str]] = {"propaganda_id": [], "propaganda_en": [], "hate": [],
                                   "gambling": [], "ordinary": []}
    for sample in sample_texts():
        if sample.kind == "propaganda":
            pools["propaganda_en" if sample.source == "isis-tweets-en" else "propaganda_id"].append(
                sample.text)
        else:
            pools[sample.kind].append(sample.text)
    return pools


def _kind_plan(channels: int, rng: random.Random) -> list[ChannelKind]:
    counts = {kind: max(1, round(share * channels)) for kind, share in KIND_SHARES.items()}
    counts["ordinary"] = channels - sum(counts.values())
    plan: list[ChannelKind] = [kind for kind in KINDS for _ in range(counts[kind])]
    rng.shuffle(plan)
    return plan


def _username(kind: ChannelKind, rng: random.Random, taken: set[str]) -> str:
    heads, tails = NAME_PARTS[kind]
    while True:
        name = f"{rng.choice(heads)}_{rng.choice(tails)}{rng.choice(NAME_SUFFIXES)}"
        if name in taken:
            name = f"{name}{rng.randint(2, 99)}"
        if name not in taken and USERNAME.fullmatch(name) and len(name) <= 32:
            taken.add(name)
            return name


def _invite_hash(rng: random.Random, taken: set[str]) -> str:
    while True:
        invite = rng.choice(string.ascii_letters) + "".join(
            rng.choice(INVITE_ALPHABET) for _ in range(15))
        if invite not in taken:
            taken.add(invite)
            return invite


def _title(kind: ChannelKind, username: str | None, rng: random.Random) -> str:
    if username is None:
        heads, tails = NAME_PARTS[kind]
        return f"{rng.choice(heads).title()} {rng.choice(tails).title()} (privat)"
    head, tail = username.split("_")[:2]  # the suffix ("_official", "88") stays in the handle
    title = f"{head.title()} {tail.rstrip(string.digits).title()}"
    if kind == "gambling":
        return f"🎰 {title.upper()} {rng.choice(('88', '777', 'VIP', 'RESMI', '🔥'))}"
    if kind == "propaganda" and rng.random() < 0.5:
        return f"{title} 🏴"
    return title


def _subscribers(kind: ChannelKind, rng: random.Random) -> int:
    if rng.random() < 0.04:  # a few big channels: the ones that matter most for priority
        return rng.randint(100_001, 480_000)
    median = {"propaganda": 6.5, "hate": 7.5, "gambling": 8.5, "ordinary": 7.0}[kind]
    return max(12, min(99_000, int(rng.lognormvariate(median, 1.3))))


def _audience(kind: ChannelKind, rng: random.Random) -> dict[str, float]:
    if (kind == "gambling" and rng.random() < 0.3) or rng.random() < 0.05:
        home, away = "MY", "ID"  # some channels speak mostly to Malaysia
    else:
        home, away = "ID", "MY"
    shares = {home: rng.uniform(0.6, 0.95)}
    rest = 1 - shares[home]
    shares[away] = rest * rng.uniform(0.4, 0.8)
    shares["SG"] = rest * rng.uniform(0.05, 0.3)
    if rng.random() < 0.2:
        shares[rng.choice(EU_COUNTRIES)] = rest - shares[away] - shares["SG"]
    rounded = {country: round(share, 2) for country, share in shares.items() if share >= 0.005}
    rounded[home] = round(rounded[home] + 1 - sum(rounded.values()), 2)  # whole audience: 1.0
    return dict(sorted(rounded.items(), key=lambda item: -item[1]))


def _posts(kind: ChannelKind, channel_id: int, created_at: datetime, world_now: datetime,
           rng: random.Random) -> list[PostRecord]:
    pools = _pools()
    if kind == "propaganda":
        pool = pools["propaganda_en"] if rng.random() < 0.35 else pools["propaganda_id"]
    else:
        pool = pools[kind]
    low, high = {"propaganda": (6, 14), "hate": (4, 10), "gambling": (4, 10),
                 "ordinary": (3, 8)}[kind]
    texts = rng.sample(pool, min(len(pool), rng.randint(low, high)))
    span = (world_now - created_at).total_seconds()
    moments = sorted(created_at + timedelta(seconds=rng.uniform(0, span)) for _ in texts)
    post_id = rng.randint(1, 400)  # channels existed before; ids need not start at 1
    posts = []
    for text, moment in zip(texts, moments, strict=True):
        post_id += rng.randint(1, 3)  # gaps: posts the owner deleted long ago
        with_media = rng.random() < 0.25
        # Propaganda channels re-post a few known "releases" (what hash banks are for).
        folder = f"release-{post_id % RELEASES}" if kind == "propaganda" else str(channel_id)
        media = (f"demo-media://{folder}/{channel_id}-{post_id}.jpg",) if with_media else ()
        posts.append(PostRecord(channel_id, post_id, text, _whole_seconds(moment), media))
    return posts


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
