"""The demo platform: a small Telegram-like service of its own, with a trust-and-safety API.

It keeps its world (channels, posts, blocks, its action log) in its own SQLite file, apart from
Tanggap's store, so the demo shows two systems talking over HTTP as they would in production.

Three surfaces:

* ``/api/v1/...`` — the trust-and-safety API Tanggap's adapter calls (bearer token). Actions
  (block, unblock, remove a post) need an ``Idempotency-Key``: a repeated key answers the first
  response again with ``already_done: true`` and acts no second time.
* ``/public/...`` — what an ordinary viewer in a given country sees (no auth). A channel blocked
  for ``ID`` is invisible to Indonesian viewers only.
* ``/admin/...`` — fault injection and the action log, only when built with ``faults=True``,
  so tests can make the platform fail on purpose and count what it really did.

Errors are ``application/problem+json`` (RFC 9457) with ``title``, ``status`` and ``detail``.
"""

# No `from __future__ import annotations`: FastAPI must see the real annotations of the routes,
# whose dependencies are closures inside create_platform_app.
import asyncio
import hmac
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope as AsgiScope, Send

from tanggap.domain.clock import Clock, SystemClock, as_utc
from tanggap.domain.errors import InvalidTarget
from tanggap.domain.model import Scope, new_id
from tanggap.domain.targets import USERNAME, Target, TargetKind, parse_target

PROBLEM_JSON = "application/problem+json"
MAX_IDEMPOTENCY_KEY = 255

SCHEMA = """
CREATE TABLE IF NOT EXISTS channels (
    id                INTEGER PRIMARY KEY,          -- internal id, as in t.me/c/<id>/<post>
    username          TEXT UNIQUE,                  -- lowercase; NULL for private channels
    invite_hash       TEXT UNIQUE,                  -- case-sensitive; NULL when none
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    subscribers       INTEGER NOT NULL,
    country_audience  TEXT NOT NULL,                -- JSON {"ID": 0.82, ...}
    created_at        TEXT NOT NULL,                -- ISO 8601, UTC
    blocked_globally  INTEGER NOT NULL DEFAULT 0,
    blocked_countries TEXT NOT NULL DEFAULT '[]'    -- JSON ["ID", "MY"], sorted
);
CREATE TABLE IF NOT EXISTS posts (
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    id         INTEGER NOT NULL,                    -- per channel, growing, as on Telegram
    text       TEXT NOT NULL,
    posted_at  TEXT NOT NULL,
    media      TEXT NOT NULL DEFAULT '[]',
    removed    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, id)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,                      -- what was asked, to refuse a reused key
    response    TEXT NOT NULL,                      -- the first answer, JSON
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS owner_notices (      -- what the channel's owner was told (statements of reasons)
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id INTEGER NOT NULL,
    text       TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT NOT NULL UNIQUE,
    at              TEXT NOT NULL,
    action          TEXT NOT NULL,                  -- block | unblock | remove_post
    channel_id      INTEGER NOT NULL,
    post_id         INTEGER,
    scope           TEXT,                           -- JSON "global" or ["ID"]
    idempotency_key TEXT NOT NULL,
    changed         INTEGER NOT NULL                -- 0: the state already was so
);
"""
TABLES = ("actions", "idempotency", "owner_notices", "posts", "channels")


# --------------------------------------------------------------------------- the world (store)

@dataclass(frozen=True)
class ChannelRecord:
    """A channel as it is written into the world (by the seeder)."""

    id: int
    username: str | None
    invite_hash: str | None
    title: str
    description: str
    subscribers: int
    country_audience: dict[str, float]
    created_at: datetime
    blocked_globally: bool = False
    blocked_countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostRecord:
    channel_id: int
    id: int
    text: str
    posted_at: datetime
    media: tuple[str, ...] = ()
    removed: bool = False


class Problem(Exception):
    """An answer the API gives on purpose: becomes a problem+json response."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


class PlatformWorld:
    """The demo platform's state in its own SQLite file.

    One connection per call (SQLite connections are cheap and must not cross threads), WAL so
    readers never wait for the writer, and ``BEGIN IMMEDIATE`` for every write so that the
    check-then-act of an idempotent action is atomic across uvicorn's worker threads.
    """

    def __init__(self, db_path: str | Path, clock: Clock | None = None):
        self.db_path = Path(db_path)
        self.clock = clock or SystemClock()

    # -- connections

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # -- schema

    def ensure_schema(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self.reading() as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: set once per file
        with self.writing() as conn:
            _run_script(conn, SCHEMA)

    def reset(self) -> None:
        """Empty the world (drop and recreate), keeping the file: a running server may hold it."""
        self.ensure_schema()
        with self.writing() as conn:
            for table in TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            _run_script(conn, SCHEMA)

    def add(self, channels: Iterable[ChannelRecord], posts: Iterable[PostRecord]) -> None:
        with self.writing() as conn:
            conn.executemany(
                "INSERT INTO channels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.id, c.username.lower() if c.username else None, c.invite_hash, c.title,
                  c.description, c.subscribers, json.dumps(c.country_audience, sort_keys=True),
                  as_utc(c.created_at).isoformat(), int(c.blocked_globally),
                  json.dumps(sorted(c.blocked_countries))) for c in channels])
            conn.executemany(
                "INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?)",
                [(p.channel_id, p.id, p.text, as_utc(p.posted_at).isoformat(),
                  json.dumps(list(p.media)), int(p.removed)) for p in posts])

    # -- reading

    def channel(self, channel_id: int) -> dict[str, Any]:
        with self.reading() as conn:
            return _channel_json(_channel_row(conn, channel_id))

    def channels_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Public channels by id, for proactive scanning (keyset paging: stable under inserts)."""
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM channels WHERE id > ? AND username IS NOT NULL "
                                "ORDER BY id LIMIT ?", (after_id, limit)).fetchall()
            return [_channel_json(row) for row in rows]

    def resolve(self, target: Target) -> tuple[dict[str, Any], int | None]:
        """The channel (and post id) a target names; Problem 404 when there is none."""
        with self.reading() as conn:
            match target.kind:
                case TargetKind.CHANNEL | TargetKind.POST:
                    row = conn.execute("SELECT * FROM channels WHERE username = ?",
                                       (target.username,)).fetchone()
                case TargetKind.PRIVATE_POST:
                    row = conn.execute("SELECT * FROM channels WHERE id = ?",
                                       (target.internal_id,)).fetchone()
                case TargetKind.INVITE:
                    # Invite hashes are case-sensitive: SQLite's default BINARY collation is.
                    row = conn.execute("SELECT * FROM channels WHERE invite_hash = ?",
                                       (target.invite_hash,)).fetchone()
                case _:  # pragma: no cover - TargetKind is closed
                    row = None
            if row is None:
                raise Problem(404, "Not found", f"no channel for {target.canonical}")
            if target.post_id is not None:
                _post_row(conn, row["id"], target.post_id)
            return _channel_json(row), target.post_id

    def posts(self, channel_id: int, limit: int, include_removed: bool) -> list[dict[str, Any]]:
        with self.reading() as conn:
            _channel_row(conn, channel_id)
            rows = conn.execute(
                "SELECT * FROM posts WHERE channel_id = ? AND (? OR removed = 0) "
                "ORDER BY id DESC LIMIT ?", (channel_id, int(include_removed), limit)).fetchall()
            return [_post_json(row) for row in rows]

    def public_channel(self, username: str, country: str | None) -> dict[str, Any]:
        """The channel as a viewer in ``country`` sees it; Problem 404 when hidden there."""
        if not USERNAME.fullmatch(username):
            raise Problem(404, "Not found", "no such channel")
        with self.reading() as conn:
            row = conn.execute("SELECT * FROM channels WHERE username = ?",
                               (username.lower(),)).fetchone()
        if row is None:
            raise Problem(404, "Not found", "no such channel")
        channel = _channel_json(row)
        if channel["blocked_globally"]:
            raise Problem(404, "Not available", "This channel can't be displayed.")
        if country is not None and country in channel["blocked_countries"]:
            raise Problem(404, "Not available",
                          "This channel can't be displayed in your country.")
        return channel

    def actions(self, idempotency_key: str | None = None,
                channel_id: int | None = None) -> list[dict[str, Any]]:
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM actions WHERE (? IS NULL OR idempotency_key = ?) "
                "AND (? IS NULL OR channel_id = ?) ORDER BY seq",
                (idempotency_key, idempotency_key, channel_id, channel_id)).fetchall()
        return [{
            "reference": row["reference"], "at": row["at"], "action": row["action"],
            "channel_id": row["channel_id"], "post_id": row["post_id"],
            "scope": json.loads(row["scope"]) if row["scope"] else None,
            "idempotency_key": row["idempotency_key"], "changed": bool(row["changed"]),
        } for row in rows]

    # -- acting

    def block(self, channel_id: int, scope: Scope, key: str) -> dict[str, Any]:
        def apply(conn: sqlite3.Connection, channel: sqlite3.Row) -> bool:
            if scope.is_global:
                if channel["blocked_globally"]:
                    return False
                conn.execute("UPDATE channels SET blocked_globally = 1 WHERE id = ?", (channel_id,))
                return True
            before = set(json.loads(channel["blocked_countries"]))
            after = before | set(scope.countries)
            if after == before:
                return False
            conn.execute("UPDATE channels SET blocked_countries = ? WHERE id = ?",
                         (json.dumps(sorted(after)), channel_id))
            return True

        return self._act("block", channel_id, None, scope, key, apply)

    def unblock(self, channel_id: int, key: str) -> dict[str, Any]:
        """Lift every block on the channel, global and per country."""
        def apply(conn: sqlite3.Connection, channel: sqlite3.Row) -> bool:
            if not channel["blocked_globally"] and channel["blocked_countries"] == "[]":
                return False
            conn.execute("UPDATE channels SET blocked_globally = 0, blocked_countries = '[]' "
                         "WHERE id = ?", (channel_id,))
            return True

        return self._act("unblock", channel_id, None, None, key, apply)

    def remove_post(self, channel_id: int, post_id: int, key: str) -> dict[str, Any]:
        def apply(conn: sqlite3.Connection, channel: sqlite3.Row) -> bool:
            post = _post_row(conn, channel_id, post_id)
            if post["removed"]:
                return False
            conn.execute("UPDATE posts SET removed = 1 WHERE channel_id = ? AND id = ?",
                         (channel_id, post_id))
            return True

        return self._act("remove_post", channel_id, post_id, None, key, apply)

    def post_message(self, channel_id: int, text: str, key: str) -> dict[str, Any]:
        """A new post on the channel (our own channel: the daily transparency sentence)."""
        def apply(conn: sqlite3.Connection, channel: sqlite3.Row) -> bool:
            last = conn.execute("SELECT coalesce(max(id), 0) FROM posts WHERE channel_id = ?",
                                (channel_id,)).fetchone()[0]
            conn.execute("INSERT INTO posts (channel_id, id, text, posted_at) VALUES (?, ?, ?, ?)",
                         (channel_id, last + 1, text, self.clock.now().isoformat()))
            return True

        return self._act("post_message", channel_id, None, None, key, apply)

    def notify_owner(self, channel_id: int, text: str, key: str) -> dict[str, Any]:
        """A message to the channel's owner (not a post): e.g. a statement of reasons."""
        def apply(conn: sqlite3.Connection, channel: sqlite3.Row) -> bool:
            conn.execute("INSERT INTO owner_notices (channel_id, text, at) VALUES (?, ?, ?)",
                         (channel_id, text, self.clock.now().isoformat()))
            return True

        return self._act("notify_owner", channel_id, None, None, key, apply)

    def _act(self, action: str, channel_id: int, post_id: int | None, scope: Scope | None,
             key: str, apply: Callable[[sqlite3.Connection, sqlite3.Row], bool]) -> dict[str, Any]:
        """Do one action once per idempotency key, and log it; all in one write transaction."""
        scope_json = scope.as_json() if scope is not None else None
        fingerprint = json.dumps([action, channel_id, post_id, scope_json])
        with self.writing() as conn:
            stored = conn.execute("SELECT fingerprint, response FROM idempotency WHERE key = ?",
                                  (key,)).fetchone()
            if stored is not None:
                if stored["fingerprint"] != fingerprint:
                    raise Problem(422, "Idempotency-Key reused",
                                  "this Idempotency-Key was already used for a different request")
                return {**json.loads(stored["response"]), "already_done": True}
            channel = _channel_row(conn, channel_id)
            changed = apply(conn, channel)
            reference = new_id()
            now = self.clock.now().isoformat()
            conn.execute(
                "INSERT INTO actions (reference, at, action, channel_id, post_id, scope, "
                "idempotency_key, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (reference, now, action, channel_id, post_id,
                 json.dumps(scope_json) if scope_json is not None else None, key, int(changed)))
            response: dict[str, Any] = {
                "reference": reference,
                "already_done": not changed,
                "channel": _channel_json(_channel_row(conn, channel_id)),
            }
            if post_id is not None:
                response["post"] = _post_json(_post_row(conn, channel_id, post_id))
            conn.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?)",
                         (key, fingerprint, json.dumps(response), now))
            return response


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT our open transaction; run the statements one by one.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""


def _channel_row(conn: sqlite3.Connection, channel_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM channels WHERE id = ?", (channel_id,)).fetchone()
    if row is None:
        raise Problem(404, "Not found", f"no channel {channel_id}")
    return row


def _post_row(conn: sqlite3.Connection, channel_id: int, post_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM posts WHERE channel_id = ? AND id = ?",
                       (channel_id, post_id)).fetchone()
    if row is None:
        raise Problem(404, "Not found", f"no post {post_id} in channel {channel_id}")
    return row


def _channel_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "username": row["username"],
        "invite_hash": row["invite_hash"],
        "title": row["title"],
        "description": row["description"],
        "subscribers": row["subscribers"],
        "country_audience": json.loads(row["country_audience"]),
        "created_at": row["created_at"],
        "blocked_globally": bool(row["blocked_globally"]),
        "blocked_countries": json.loads(row["blocked_countries"]),
    }


def _post_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "text": row["text"],
        "posted_at": row["posted_at"],
        "media": json.loads(row["media"]),
        "removed": bool(row["removed"]),
    }


# --------------------------------------------------------------------------- fault injection

class FaultPlan(BaseModel):
    """Make the next ``fail_next`` trust-and-safety calls misbehave.

    ``mode``: ``status`` answers ``status`` (e.g. 503, 429); ``timeout`` waits ``delay_s`` and
    then serves the call normally (set ``delay_s`` above the client's timeout: the client gives
    up, yet the platform still acts — the case idempotency keys exist for); ``drop`` closes the
    connection mid-answer. ``"status": 0`` is shorthand for ``drop``. ``methods`` limits the
    faults to e.g. ``["POST"]`` so a lookup can pass and the action after it fail.
    """

    model_config = ConfigDict(extra="forbid")

    fail_next: int = Field(ge=0, le=1000)
    mode: Literal["status", "timeout", "drop"] = "status"
    status: int = Field(default=503, ge=0, le=599)
    delay_s: float = Field(default=0.0, ge=0, le=60)
    methods: list[Literal["GET", "POST"]] | None = None

    def normalised(self) -> "FaultPlan":
        if self.mode == "status" and self.status == 0:
            return self.model_copy(update={"mode": "drop"})
        if self.mode == "status" and not 400 <= self.status <= 599:
            raise Problem(422, "Invalid fault", "status must be 0 (drop) or 400-599")
        return self


@dataclass
class FaultInjector:
    """Thread-safe countdown of planned faults (shared by every request of one app)."""

    plan: FaultPlan | None = None
    remaining: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arm(self, plan: FaultPlan) -> None:
        with self.lock:
            self.plan, self.remaining = plan, plan.fail_next

    def clear(self) -> None:
        self.arm(FaultPlan(fail_next=0))

    def take(self, method: str) -> FaultPlan | None:
        with self.lock:
            if self.plan is None or self.remaining <= 0:
                return None
            if self.plan.methods is not None and method not in self.plan.methods:
                return None
            self.remaining -= 1
            return self.plan

    def state(self) -> dict[str, Any]:
        with self.lock:
            plan = self.plan.model_dump() if self.plan else None
            return {"remaining": self.remaining, "plan": plan}


class FaultInjection:
    """ASGI middleware: applies the armed faults to ``/api/v1`` calls only."""

    def __init__(self, app: ASGIApp, injector: FaultInjector):
        self.app = app
        self.injector = injector

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1/"):
            await self.app(scope, receive, send)
            return
        fault = self.injector.take(scope["method"])
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.mode == "timeout":
            # Take the whole request first: a slow platform that already has the request goes
            # on and acts even when the client has hung up in the meantime.
            request = await _whole_request(receive)
            await asyncio.sleep(fault.delay_s)
            await self.app(scope, _replay(request, receive), send)
        elif fault.mode == "drop":
            # Promise a body and hang up before it arrives: the client sees a broken answer.
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", b"1000")]})
            await send({"type": "http.response.body", "body": b'{"reference": ', "more_body": True})
        else:
            response = problem_response(Problem(fault.status, "Injected fault",
                                                f"the demo platform was told to answer {fault.status}"))
            if fault.status in (429, 503):
                response.headers["Retry-After"] = "1"
            await response(scope, receive, send)


async def _whole_request(receive: Receive) -> dict[str, Any]:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return {"type": "http.request", "body": body, "more_body": False}


def _replay(request: dict[str, Any], receive: Receive) -> Receive:
    replayed = False

    async def replaying_receive() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return request
        return await receive()  # later: whatever the connection says (e.g. disconnect)

    return replaying_receive


# --------------------------------------------------------------------------- the HTTP app

COUNTRY_CODE = re.compile(r"[A-Z]{2}")
ChannelId = Annotated[int, PathParam(gt=0, le=2**53)]
PostId = Annotated[int, PathParam(gt=0, le=2**53)]
ViewerCountry = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")]


class MessageRequest(BaseModel):
    """``{"text": "…"}``: a post on one of our own channels."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4096)


class NoticeRequest(BaseModel):
    """``{"text": "…"}``: a message to a channel's owner."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)


class BlockRequest(BaseModel):
    """``{"scope": "global"}`` or ``{"scope": ["ID", "MY"]}`` (ISO 3166 alpha-2 codes)."""

    model_config = ConfigDict(extra="forbid")

    scope: str | list[str]

    @field_validator("scope")
    @classmethod
    def _global_or_countries(cls, scope: str | list[str]) -> str | list[str]:
        if isinstance(scope, str):
            if scope != Scope.GLOBAL_WORD:
                raise ValueError('must be "global" or a list of ISO 3166 country codes')
            return scope
        if len(scope) > 250:
            raise ValueError("a country list needs 1 to 250 ISO 3166 codes")
        countries = sorted({code.strip().upper() for code in scope})
        if not 1 <= len(countries) <= 250:
            raise ValueError("a country list needs 1 to 250 ISO 3166 codes")
        if wrong := [code for code in countries if not COUNTRY_CODE.fullmatch(code)]:
            raise ValueError(f"not ISO 3166 alpha-2 country codes: {', '.join(wrong[:5])}")
        return countries

    def as_scope(self) -> Scope:
        return Scope.parse(self.scope)


def problem_response(problem: Problem) -> JSONResponse:
    body = {"type": "about:blank", "title": problem.title, "status": problem.status,
            "detail": problem.detail, **problem.extra}
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON)


def create_platform_app(db_path: str | Path, token: str, faults: bool = False,
                        clock: Clock | None = None) -> FastAPI:
    """The demo platform as an ASGI app over the SQLite file at ``db_path``.

    ``token`` is the one bearer token the trust-and-safety API accepts. ``faults`` adds the
    ``/admin`` endpoints (fault injection, action log) that tests use; never in production.
    """
    if not token or not token.strip():
        raise ValueError("the demo platform needs a non-empty API token")
    expected = token.encode("utf-8")
    world = PlatformWorld(db_path, clock)
    world.ensure_schema()
    injector = FaultInjector()

    app = FastAPI(title="Demo platform (Telegram-like)", version="1",
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.world = world
    app.state.faults = injector

    @app.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem) -> JSONResponse:
        response = problem_response(problem)
        if problem.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="demo-platform"'
        return response

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem_response(Problem(error.status_code, _reason(error.status_code),
                                        str(error.detail)))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [{"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
                  for item in error.errors()]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return problem_response(Problem(422, "Invalid request", detail, errors=fields))

    def authorised(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, presented = (authorization or "").partition(" ")
        # Compare in constant time; never echo what was presented.
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                presented.strip().encode("utf-8"), expected):
            raise Problem(401, "Unauthorized", "a valid bearer token is required")

    def idempotency_key(idempotency_key: Annotated[str | None, Header()] = None) -> str:
        key = (idempotency_key or "").strip()
        if not key:
            raise Problem(400, "Idempotency-Key required",
                          "actions need an Idempotency-Key header, so a retry never acts twice")
        if len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
            raise Problem(400, "Invalid Idempotency-Key",
                          f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters")
        return key

    api = [Depends(authorised)]

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/resolve", dependencies=api)
    def resolve(target: Annotated[str, Query(min_length=1, max_length=500)]) -> dict[str, Any]:
        try:
            parsed = parse_target(target)
        except InvalidTarget as error:
            raise Problem(400, "Invalid target", error.message) from error
        channel, post_id = world.resolve(parsed)
        return {"channel": channel, "post_id": post_id}

    @app.get("/api/v1/media", dependencies=api)
    def media(ref: Annotated[str, Query(max_length=300, pattern=r"^demo-media://[\w./-]+$")]) -> Response:
        from tanggap.platforms.demo_media import render

        return Response(render(ref), media_type="image/jpeg")

    @app.get("/api/v1/channels", dependencies=api)
    def list_channels(after_id: Annotated[int, Query(ge=0)] = 0,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
        return {"channels": world.channels_after(after_id, limit)}

    @app.get("/api/v1/channels/{channel_id}", dependencies=api)
    def channel(channel_id: ChannelId) -> dict[str, Any]:
        return world.channel(channel_id)

    @app.get("/api/v1/channels/{channel_id}/posts", dependencies=api)
    def channel_posts(channel_id: ChannelId,
                      limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
        # Moderators see removed posts too (flagged), so they can check what was done.
        return {"posts": world.posts(channel_id, limit, include_removed=True)}

    @app.post("/api/v1/channels/{channel_id}/block", dependencies=api)
    def block(channel_id: ChannelId, body: BlockRequest,
              key: Annotated[str, Depends(idempotency_key)]) -> dict[str, Any]:
        return world.block(channel_id, body.as_scope(), key)

    @app.post("/api/v1/channels/{channel_id}/unblock", dependencies=api)
    def unblock(channel_id: ChannelId, key: Annotated[str, Depends(idempotency_key)]) -> dict[str, Any]:
        return world.unblock(channel_id, key)

    @app.post("/api/v1/channels/{channel_id}/posts/{post_id}/remove", dependencies=api)
    def remove_post(channel_id: ChannelId, post_id: PostId,
                    key: Annotated[str, Depends(idempotency_key)]) -> dict[str, Any]:
        return world.remove_post(channel_id, post_id, key)

    @app.post("/api/v1/channels/{channel_id}/messages", dependencies=api)
    def post_message(channel_id: ChannelId, body: MessageRequest,
                     key: Annotated[str, Depends(idempotency_key)]) -> dict[str, Any]:
        return world.post_message(channel_id, body.text, key)

    @app.post("/api/v1/channels/{channel_id}/owner-notices", dependencies=api)
    def notify_owner(channel_id: ChannelId, body: NoticeRequest,
                     key: Annotated[str, Depends(idempotency_key)]) -> dict[str, Any]:
        return world.notify_owner(channel_id, body.text, key)

    @app.get("/public/channels/{username}")
    def public_channel(username: str, country: ViewerCountry = None) -> dict[str, Any]:
        channel = world.public_channel(username, country.upper() if country else None)
        return {key: channel[key] for key in ("username", "title", "description", "subscribers")}

    @app.get("/public/channels/{username}/posts")
    def public_posts(username: str, country: ViewerCountry = None,
                     limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
        channel = world.public_channel(username, country.upper() if country else None)
        posts = world.posts(channel["id"], limit, include_removed=False)
        return {"posts": [{key: post[key] for key in ("id", "text", "posted_at", "media")}
                          for post in posts]}

    if faults:
        app.add_middleware(FaultInjection, injector=injector)

        @app.post("/admin/faults", dependencies=api)
        def arm_faults(plan: FaultPlan) -> dict[str, Any]:
            injector.arm(plan.normalised())
            return injector.state()

        @app.get("/admin/faults", dependencies=api)
        def fault_state() -> dict[str, Any]:
            return injector.state()

        @app.delete("/admin/faults", dependencies=api)
        def clear_faults() -> dict[str, Any]:
            injector.clear()
            return injector.state()

        @app.get("/admin/actions", dependencies=api)
        def list_actions(idempotency_key: str | None = None,
                         channel_id: int | None = None) -> dict[str, Any]:
            return {"actions": world.actions(idempotency_key, channel_id)}

    return app


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
