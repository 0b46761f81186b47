"""`tanggap demo`: a whole takedown loop on the embedded store, over real HTTP.

Builds a demo platform world, starts the platform and the Tanggap API, lets two authorities
send orders through the API, plays a moderator who decides every case through the API, and
checks on the platform's public side that blocked channels are really gone for the viewers
they should be gone for. Everything lives under ./var/demo and is rebuilt on each run.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import secrets
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.domain.model import EnforcementStatus
from tanggap.domain.targets import TargetKind, parse_target
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import SeededChannel, seed_world
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_authority, add_user
from tanggap.services.audit import verify_audit_log
from tanggap.services.review import profile_cases
from tanggap.services.transparency import daily_counts
from tanggap.store.migrate import upgrade
from tanggap.store.uow import Store
from tanggap.bus.runner import BackgroundWorkers, effects_workers, transport_from_settings
from tanggap.web.app import create_app

DEMO_DIR = Path("var/demo")
LEGAL_BASIS = {
    "ID": "UU 5/2018 (terorisme); Permenkominfo 5/2020 Pasal 14",
    "EU": "Regulation (EU) 2021/784 Art. 3",
}


@dataclass
class DemoWorld:
    channels: list[SeededChannel]

    def by_target(self) -> dict[str, SeededChannel]:
        index = {}
        for channel in self.channels:
            index[channel.target.canonical] = channel
            if channel.invite_hash:
                index[f"https://t.me/+{channel.invite_hash}"] = channel
            for post_id in channel.post_ids:
                index[channel.post_target(post_id).canonical] = channel
        return index

    def of_kind(self, kind: str, public: bool | None = None) -> list[SeededChannel]:
        return [c for c in self.channels if c.kind == kind
                and (public is None or (c.username is not None) == public)]


def run_demo(console: Console, serve: bool, channels: int, port: int, platform_port: int) -> int:
    started = time.perf_counter()
    _reset(DEMO_DIR)
    database_url = f"sqlite:///{DEMO_DIR / 'tanggap.db'}"
    token = secrets.token_urlsafe(24)
    settings = Settings(database_url=database_url, platform_token=token, var_dir=DEMO_DIR,
                        enforcement_backoff_s=0.2)
    with console.status("building the demo platform world"):
        world = DemoWorld(seed_world(DEMO_DIR / "platform.db", channels=channels))
    upgrade(database_url)
    store = Store(database_url)
    keys = _accounts(store)
    platform_server = BackgroundServer(create_platform_app(DEMO_DIR / "platform.db", token),
                                       port=platform_port if serve else 0).start()
    settings = settings.model_copy(update={"platform_url": platform_server.url})
    platform = DemoPlatform(platform_server.url, token)
    api_server = BackgroundServer(create_app(settings, store=store, platform=platform),
                                  port=port if serve else 0).start()
    # Decisions are enforced by an effects worker from the outbox, as in `tanggap serve`.
    effects = BackgroundWorkers(store, transport_from_settings(settings, store),
                                effects_workers(store, platform, settings)).start()
    try:
        with httpx.Client(base_url=api_server.url, timeout=60) as http:
            orders = _send_orders(http, keys, world, console)
            profiled = profile_cases(store, platform)  # language and audience, for routing and four-eyes
            console.print(f"profiled {profiled} cases from the platform")
            for_demo_moderator = {t["case_id"] for order in orders[:-1] for t in order["targets"]}
            decisions = _moderate(http, keys["moderator"].api_key, world, console, for_demo_moderator)
            _approve(http, keys["senior"].api_key, console)
        _wait_for_effects(store, console)
        found = _proactive_scan(store, platform, console)
        visible = _check_public_view(platform_server.url, store, world)
        ok = _summary(console, store, settings, orders, decisions, visible, found, time.perf_counter() - started)
        if serve:
            _serve_forever(console, api_server.url, platform_server.url, keys)
        return 0 if ok else 1
    finally:
        effects.stop()
        api_server.stop()
        platform_server.stop()
        platform.close()
        store.dispose()


def _wait_for_effects(store: Store, console: Console, timeout_s: float = 120.0) -> None:
    """Until the effects worker has carried out every enforcement the decisions asked for."""
    from tanggap.store import outbox
    deadline = time.monotonic() + timeout_s
    with console.status("the effects worker enforces the decisions"):
        while time.monotonic() < deadline:
            with store.uow(read_only=True) as uow:
                waiting = outbox.backlog(uow.session, uow.clock.now()).get("enforcement.requested", 0)
            if not waiting:
                return
            time.sleep(0.1)


def _reset(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def _accounts(store: Store) -> dict:
    return {
        "ministry": add_authority(store.uow(), "Kemkomdigi (Ditjen Pengawasan Ruang Digital)", "ID",
                                  ["komdigi.go.id", "kominfo.go.id"], SYSTEM),
        "eu": add_authority(store.uow(), "An Garda Siochana (TCO competent authority)", "EU",
                            ["garda.ie"], SYSTEM),
        "moderator": add_user(store.uow(), "sari", "moderator", ["id", "ms", "jv", "en"], SYSTEM),
        "senior": add_user(store.uow(), "budi", "senior", ["id", "ar", "en"], SYSTEM),
        "admin": add_user(store.uow(), "admin", "admin", ["en"], SYSTEM),
    }


def _spell(channel: SeededChannel, style: int) -> str:
    """Write a target the way real orders do: every common spelling appears."""
    if channel.username is None:
        return [f"https://t.me/joinchat/{channel.invite_hash}", f"t.me/+{channel.invite_hash}",
                f"tg://join?invite={channel.invite_hash}"][style % 3]
    name = channel.username
    return [f"@{name}", f"https://t.me/{name}", f"t.me/s/{name}", f"hxxps://t[.]me/{name}",
            f"telegram.me/{name.upper()}", f"https://{name}.t.me/", f"tg://resolve?domain={name}",
            f"<https://t.me/{name}>."][style % 8]


def _send_orders(http: httpx.Client, keys: dict, world: DemoWorld, console: Console) -> list[dict]:
    propaganda = world.of_kind("propaganda")
    public_propaganda = world.of_kind("propaganda", public=True)
    gambling = world.of_kind("gambling", public=True)
    ordinary = world.of_kind("ordinary", public=True)
    terror_targets = [_spell(c, i) for i, c in enumerate(propaganda[:14])]
    terror_targets += [public_propaganda[-1].post_target().canonical,  # one post, not the channel
                       _spell(ordinary[0], 1),  # listed by mistake: the moderator says no
                       "https://www.youtube.com/watch?v=dQw4w9WgXcQ"]  # out of scope: rejected
    overlap = public_propaganda[:3]  # the EU names channels the ministry named too: one case each
    eu_targets = [f"https://t.me/{c.username}" for c in overlap + public_propaganda[14:17]]
    payloads = [
        (keys["ministry"].api_key, {
            "reference": "B-0634/DJWD/PW.02.01/03/2026", "category": "terorisme",
            "legal_basis": LEGAL_BASIS["ID"], "targets": terror_targets}),
        (keys["ministry"].api_key, {
            "reference": "B-1157/DJWD/PW.02.02/03/2026", "category": "judi_online",
            "legal_basis": "UU 1/2024 (ITE) Pasal 27 ayat (2)",
            "targets": [_spell(c, i) for i, c in enumerate(gambling[:6])]}),
        (keys["eu"].api_key, {
            "reference": "TCO-IE-2026-000214", "category": "terrorism", "jurisdiction": "EU",
            "legal_basis": LEGAL_BASIS["EU"], "targets": eu_targets}),
        # Left undecided: a queue for whoever opens the console after the demo.
        (keys["ministry"].api_key, {
            "reference": "B-2611/DJAI/AI.03.01/03/2026", "category": "terorisme",
            "legal_basis": LEGAL_BASIS["ID"],
            "targets": [_spell(c, i) for i, c in enumerate(public_propaganda[17:22] + ordinary[1:3])]}),
    ]
    receipts = []
    for key, payload in payloads:
        response = http.post("/api/v1/orders", json=payload, headers={"Authorization": f"Bearer {key}"})
        response.raise_for_status()
        receipts.append(response.json())
        console.print(f"order {payload['reference']}: {len(response.json()['targets'])} targets, "
                      f"{len(response.json()['rejected'])} rejected, due {response.json()['deadline_wib']}")
    return receipts


def _moderate(http: httpx.Client, moderator_key: str, world: DemoWorld, console: Console,
              case_ids: set[str]) -> Counter:
    headers = {"Authorization": f"Bearer {moderator_key}"}
    queue = http.get("/api/v1/cases", params={"state": "queued", "limit": 500}, headers=headers)
    queue.raise_for_status()
    index = world.by_target()
    decided: Counter = Counter()
    for case in queue.json()["cases"]:
        if case["case_id"] not in case_ids:
            continue
        decision = _verdict(case, index.get(case["target"]))
        response = http.post(f"/api/v1/cases/{case['case_id']}/decision", json=decision, headers=headers)
        response.raise_for_status()
        decided[decision["action"]] += 1
    console.print(f"moderator decided {sum(decided.values())} cases: {dict(decided)}")
    return decided


def _approve(http: httpx.Client, senior_key: str, console: Console) -> None:
    """Four-eyes: a senior confirms what the rules hold back (big channels, no action on orders)."""
    headers = {"Authorization": f"Bearer {senior_key}"}
    waiting = [c for c in http.get("/api/v1/queue", params={"limit": 500}, headers=headers).json()["cases"]
               if c["state"] == "pending_approval"]
    for case in waiting:
        http.post(f"/api/v1/cases/{case['case_id']}/approval", json={"approve": True},
                  headers=headers).raise_for_status()
    console.print(f"senior approved {len(waiting)} four-eyes decisions")


def _proactive_scan(store: Store, platform: DemoPlatform, console: Console):
    """The platform looks for what no order named yet: the shipped classifier over public posts."""
    from tanggap.detect.banks.service import create_bank, import_hash_list
    from tanggap.detect.registry import ModelRegistry
    from tanggap.platforms.demo_media import release_hash_list
    from tanggap.services.scan import ModelScorer, ScanSettings, scan

    # A verified bank with the world's known releases, as a GIFCT-style list would bring them.
    create_bank(store, "demo-releases", "positive", verified=True, description="demo propaganda releases")
    import_hash_list(store, "demo-releases", release_hash_list(), "csv", filename="releases.csv")
    with console.status("proactive scan of the platform's public channels"):
        report = scan(store, platform, ModelScorer(ModelRegistry(DEMO_DIR / "models").load()), ScanSettings())
    console.print(f"proactive scan: {report.channels} channels, {report.posts} posts, "
                  f"{report.hash_matches} images matched the hash bank, "
                  f"{len(report.cases_opened)} proactive cases opened")
    return report


def _verdict(case: dict, channel: SeededChannel | None) -> dict:
    """The demo moderator knows the seeded truth; a real one reads the case page."""
    jurisdiction = "EU" if case["deadline_basis"].startswith("EU") else "ID"
    kind = channel.kind if channel else "unknown"
    is_post = parse_target(case["target"]).kind in {TargetKind.POST, TargetKind.PRIVATE_POST}
    if kind == "propaganda" and is_post:
        return {"action": "remove_post", "reason": "terrorist propaganda: ISIS release",
                "reason_code": "terrorist_content", "legal_basis": LEGAL_BASIS[jurisdiction]}
    if kind == "propaganda":
        return {"action": "block", "scope": "global", "reason": "terrorist propaganda: ISIS channel",
                "reason_code": "terrorist_content", "legal_basis": LEGAL_BASIS[jurisdiction]}
    if kind == "gambling":
        return {"action": "block", "scope": ["ID"], "reason": "online gambling (judi online), illegal in Indonesia",
                "reason_code": "illegal_gambling", "legal_basis": "UU 1/2024 (ITE) Pasal 27 ayat (2)"}
    return {"action": "no_action", "reason": "ordinary channel: no terrorist content found",
            "reason_code": "not_violating", "note": "listed by mistake; reported back to the ministry"}


def _check_public_view(platform_url: str, store: Store, world: DemoWorld) -> dict[str, int]:
    """Ask the platform as an ordinary viewer: blocked channels must be invisible where blocked."""
    seen: Counter[str] = Counter()
    with store.uow() as uow, httpx.Client(base_url=platform_url, timeout=10) as http:
        for enforcement_id in _confirmed_block_ids(uow):
            enforcement = uow.enforcements.get(enforcement_id)
            username = enforcement.target.channel_target.username
            if username is None:
                continue
            countries = ["ID"] if enforcement.scope.is_global else list(enforcement.scope.countries)
            hidden = all(http.get(f"/public/channels/{username}", params={"country": c}).status_code == 404
                         for c in countries)
            seen["hidden_where_blocked" if hidden else "still_visible"] += 1
            if not enforcement.scope.is_global:
                elsewhere = http.get(f"/public/channels/{username}", params={"country": "SG"}).status_code
                seen["visible_elsewhere" if elsewhere == 200 else "hidden_elsewhere"] += 1
    return seen


def _confirmed_block_ids(uow) -> list[str]:
    from sqlalchemy import select

    from tanggap.store.tables import enforcements
    return list(uow.session.scalars(select(enforcements.c.id).where(
        enforcements.c.action == "block", enforcements.c.status == EnforcementStatus.CONFIRMED)))


def _summary(console, store, settings, orders, decisions, visible, found, elapsed) -> bool:
    with store.uow() as uow:
        states = uow.cases.count_by_state()
        now = uow.clock.now()
        cases = uow.cases.list(limit=10_000)
        breached = sum(1 for c in cases if c.deadline and c.deadline.is_breached(c.actioned_at or now)
                       and (c.actioned_at or c.is_open))
        from sqlalchemy import func, select

        from tanggap.store.tables import enforcements
        by_status = dict(uow.session.execute(
            select(enforcements.c.status, func.count()).group_by(enforcements.c.status)).all())
    confirmed = by_status.get(EnforcementStatus.CONFIRMED, 0)
    chain = verify_audit_log(store.uow())
    zone = settings.transparency_timezone  # the day as people there read it (WIB by default)
    counts = daily_counts(store.uow(), now.astimezone(ZoneInfo(zone)).date(), zone)
    table = Table(title="Tanggap demo: the takedown loop", show_header=False)
    rows = [
        ("orders received", len(orders)),
        ("targets accepted / rejected",
         f"{sum(len(o['targets']) for o in orders)} / {sum(len(o['rejected']) for o in orders)}"),
        ("cases created (merged across orders)", sum(states.values())),
        ("decisions", f"{sum(decisions.values())} {dict(decisions)}"),
        ("enforcements confirmed by the platform", f"{confirmed} of {sum(by_status.values())}"),
        ("blocks checked as a viewer", dict(visible)),
        ("cases by state", states),
        ("proactive scan", f"{found.channels} channels, {found.posts} posts, {found.hash_matches} hash-bank "
                           f"matches, {len(found.cases_opened)} cases opened"),
        ("left in the queue for you", states.get("queued", 0)),
        ("deadlines breached", breached),
        ("audit chain", f"intact, {chain.events} events" if chain.broken is None else f"BROKEN at {chain.broken.seq}"),
        ("transparency", counts.sentence),
        ("time", f"{elapsed:.1f} s"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    return (breached == 0 and chain.intact and confirmed == sum(by_status.values())
            and not visible.get("still_visible"))


def _serve_forever(console, api_url, platform_url, keys) -> None:
    console.print(f"\n[bold]Console and API:[/bold] {api_url}/  (API docs: {api_url}/docs)")
    console.print(f"[bold]Demo platform:[/bold] {platform_url}/public/channels/<username>?country=ID")
    for role in ("moderator", "senior", "admin"):
        login = keys[role]
        console.print(f"  {role:9} login [bold]{login.name}[/bold] / {login.password}   API token {login.api_key}",
                      soft_wrap=True)
    console.print(f"  ministry API key {keys['ministry'].api_key}", soft_wrap=True)
    console.print("Press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopped")
