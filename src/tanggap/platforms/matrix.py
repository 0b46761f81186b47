"""The adapter for a Matrix homeserver running Synapse, over its admin and client-server APIs.

A Matrix public room is what a channel is elsewhere. What a takedown does here (measured on
Synapse 1.163): ``PUT /_synapse/admin/v1/rooms/{id}/block`` alone only refuses new joins —
members keep reading and posting and the room stays in the directory — so ``block`` shuts the
room down (``DELETE /_synapse/admin/v2/rooms/{id}`` with ``block: true, purge: false``): every
local member is removed, the room leaves the directory, nobody can join it again, and its
events stay readable by the server admin, so the evidence survives. A copy of the room's
details, state and recent events is taken first and handed back in the result.

What Matrix cannot do, said plainly: there is no per-country visibility (no
``BLOCK_IN_COUNTRY``), and a shut-down room cannot be brought back — its members were removed
and no server is left in it to rejoin through — so there is no ``UNBLOCK``; an unblock is
refused with that reason, never confirmed.

Synapse keeps no client idempotency keys for admin calls, so repeats are made safe by the
platform's own state: a room already shut down is ``already_done`` with the original shutdown
as reference; a redaction uses the key as its transaction id, which Synapse deduplicates.

Error mapping as for every adapter: no answer, timeouts, 5xx and 429 are transient; 404 (and
``M_NOT_FOUND``) is ``TargetNotFound``; other 4xx are permanent. The admin token is never put
in a message or a repr.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from tanggap.domain.errors import InvalidTarget
from tanggap.domain.model import Scope
from tanggap.domain.targets import Target, TargetKind
from tanggap.platforms import matrix_targets
from tanggap.platforms.interface import (
    Capability,
    ChannelInfo,
    EnforcementResult,
    PlatformError,
    Post,
    TargetNotFound,
)

if TYPE_CHECKING:
    from tanggap.config import Settings

DEFAULT_TIMEOUT_S = 10.0
NETWORKS = frozenset({matrix_targets.NETWORK})
MAX_POSTS = 100
EVIDENCE_EVENTS = 100  # the newest events copied before a shutdown
MEDIA_MESSAGE_TYPES = {"m.image", "m.video", "m.file", "m.audio"}
UNBLOCK_REFUSAL = ("Matrix cannot unblock a room that was shut down: its members were removed "
                   "and no server is left in it to rejoin through; the room's owner has to "
                   "create a new room")


def from_settings(settings: Settings) -> MatrixPlatform:
    """The adapter as configured (``TANGGAP_MATRIX_HOMESERVER_URL``, ``TANGGAP_MATRIX_ADMIN_TOKEN``)."""
    if not settings.matrix_homeserver_url:
        raise ValueError("TANGGAP_MATRIX_HOMESERVER_URL is not set: the Matrix platform needs it")
    if settings.matrix_admin_token is None or not settings.matrix_admin_token.get_secret_value():
        raise ValueError("TANGGAP_MATRIX_ADMIN_TOKEN is not set: the Matrix platform needs "
                         "a Synapse server admin's access token")
    return MatrixPlatform(settings.matrix_homeserver_url,
                          settings.matrix_admin_token.get_secret_value(),
                          timeout=settings.enforcement_timeout_s)


@dataclass(frozen=True)
class EventReport:
    """A user's report of an event (``GET /_synapse/admin/v1/event_reports``)."""

    report_id: str
    target: Target  # the reported event, in canonical form
    reason: str  # the reporter's words: attacker-controlled, escape when shown
    reporter: str
    received_at: datetime
    score: int | None = None


class MatrixPlatform:
    """Talks to Synapse at ``homeserver_url`` as a server admin (``admin_token``)."""

    name = "matrix"
    networks = NETWORKS
    capabilities = frozenset({Capability.BLOCK_GLOBAL, Capability.REMOVE_POST,
                              Capability.LIST_PUBLIC, Capability.FETCH_MEDIA})
    unblock_refusal = UNBLOCK_REFUSAL

    def __init__(self, homeserver_url: str, admin_token: str, timeout: float = DEFAULT_TIMEOUT_S,
                 transport: httpx.BaseTransport | None = None, shutdown_wait_s: float = 60.0,
                 poll_interval_s: float = 0.2):
        if not admin_token:
            raise ValueError("the Matrix platform adapter needs a server admin's access token")
        self.base_url = homeserver_url.rstrip("/")
        self.shutdown_wait_s = shutdown_wait_s
        self.poll_interval_s = poll_interval_s
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {admin_token}", "Accept": "application/json"},
            follow_redirects=False,
        )
        self._admin_user: str | None = None

    def __repr__(self) -> str:  # never shows the token
        return f"MatrixPlatform({self.base_url!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> MatrixPlatform:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def serves(self, target: Target) -> bool:
        return target.network in self.networks

    # -- reading

    def channel(self, ref: Target) -> ChannelInfo:
        room_id = self.room_id(ref)
        details = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}")
        blocked = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/block")
        created_at = self._created_at(room_id)
        return _channel_info(room_id, details, bool(blocked.get("block")), created_at)

    def recent_posts(self, ref: Target, limit: int = 20) -> list[Post]:
        """The room's newest messages first (of the event's room, for an event target)."""
        limit = max(1, min(limit, MAX_POSTS))
        room_id = self.room_id(ref)
        return [_post(event, room_id) for event in self._messages(room_id, limit)]

    def media(self, reference: str) -> bytes:
        """The bytes of an ``mxc://server/id`` media item (authenticated media download)."""
        server, media_id = _mxc(reference)
        try:
            response = self._client.get(f"/_matrix/client/v1/media/download/{_path(server)}/{_path(media_id)}")
        except httpx.HTTPError as error:
            raise PlatformError(f"no media from the homeserver: {type(error).__name__}",
                                transient=True) from error
        if response.status_code != 200:
            self._raise_for(response, "GET media")
        return response.content

    def public_channels(self, after: str | None, limit: int) -> list[ChannelInfo]:
        """Public rooms (join rule ``public``) ordered by room id, after the given one."""
        rooms = sorted((room for room in self._all_rooms() if room.get("join_rules") == "public"),
                       key=lambda room: room["room_id"])
        page = [room for room in rooms if after is None or room["room_id"] > after][:max(1, limit)]
        answer = []
        for room in page:
            blocked = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room['room_id'])}/block")
            answer.append(_channel_info(room["room_id"], room, bool(blocked.get("block")), None))
        return answer

    def event_reports(self, offset: int = 0, limit: int = 100) -> tuple[list[EventReport], int | None]:
        """Users' reports of events, oldest first, and the offset of the next page (None: no more)."""
        answer = self._call("GET", "/_synapse/admin/v1/event_reports",
                            params={"from": offset, "limit": limit, "dir": "f"})
        reports = []
        for report in answer.get("event_reports", []):
            try:
                target = matrix_targets.event(report["room_id"], report["event_id"])
            except (KeyError, InvalidTarget):  # an id this adapter cannot name: skip, never guess
                continue
            reports.append(EventReport(
                report_id=str(report["id"]), target=target,
                reason=str(report.get("reason") or "")[:2000],
                reporter=str(report.get("user_id") or "")[:150],
                received_at=_from_ms(report.get("received_ts")) or datetime.now(UTC),
                score=report.get("score")))
        next_token = answer.get("next_token")
        return reports, (int(next_token) if next_token is not None else None)

    def evidence(self, ref: Target) -> dict[str, Any]:
        """A copy of what the room is: details, state and its newest events (before acting)."""
        room_id = self.room_id(ref)
        details = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}")
        state = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/state")
        members = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/members")
        return {"room_id": room_id, "target": ref.canonical,
                "taken_at": datetime.now(UTC).isoformat(), "details": details,
                "state": state.get("state", []), "members": members.get("members", []),
                "events": self._messages(room_id, EVIDENCE_EVENTS, only_messages=False)}

    # -- acting

    def block(self, ref: Target, scope: Scope, key: str) -> EnforcementResult:
        """Shut the room down for users (an event target shuts down the event's room)."""
        if not scope.is_global:
            raise PlatformError("Matrix has no per-country visibility: a room can only be "
                                "blocked for everyone", transient=False, status=422)
        room_id = self.room_id(ref.channel_target)
        # One reading of the room's shutdowns for both questions: read twice, a shutdown that
        # completes in between is neither finished (first reading) nor running (second), and a
        # retry would start another.
        shutdowns = self._shutdowns(room_id)
        done = self._finished_shutdown(room_id, shutdowns)
        if done is not None:
            return self._shutdown_result(room_id, done, already_done=True, evidence=None)
        running = _running_shutdown(shutdowns)
        if running is not None:  # an earlier attempt started it (its answer was lost): wait
            return self._shutdown_result(room_id, self._wait_for_shutdown(running),
                                         already_done=True, evidence=None)
        evidence = self.evidence(ref.channel_target)
        status = self._wait_for_shutdown(self._start_shutdown(room_id))
        return self._shutdown_result(room_id, status, already_done=False, evidence=evidence)

    def unblock(self, ref: Target, key: str) -> EnforcementResult:
        self.room_id(ref.channel_target)  # an unknown room is still "not found"
        raise PlatformError(UNBLOCK_REFUSAL, transient=False, status=422)

    def remove_post(self, ref: Target, key: str) -> EnforcementResult:
        """Redact one event and quarantine its media; the room itself stays."""
        if ref.kind is not TargetKind.POST or not ref.event_id:
            raise PlatformError(f"remove_post needs an event target; {ref} is a {ref.kind}",
                                transient=False)
        room_id = self.room_id(ref)
        event = self._event(room_id, ref.event_id)
        media = _media_of(event)
        if _is_redacted(event):
            return EnforcementResult(reference=str(event["unsigned"]["redacted_because"].get("event_id", "")) or
                                     f"redacted:{ref.event_id}", already_done=True,
                                     detail=self._post_detail(room_id, ref.event_id, media))
        copy = {"room_id": room_id, "target": ref.canonical, "taken_at": datetime.now(UTC).isoformat(),
                "event": event}  # redaction empties the event's content: keep it first
        # Redacting someone else's event needs the power to redact in that room: the admin
        # account joins and makes itself room admin (members see both in the room's timeline).
        self._join_as_room_admin(room_id)
        answer = self._call("PUT", f"/_matrix/client/v3/rooms/{_path(room_id)}/redact/"
                            f"{_path(ref.event_id)}/{_transaction_id(key)}",
                            json={"reason": "removed under a takedown decision"})
        for item in media:  # kept on the homeserver's disk, downloadable by nobody
            self.quarantine_media(item)
        return EnforcementResult(reference=str(answer["event_id"]),
                                 detail={**self._post_detail(room_id, ref.event_id, media), "evidence": copy})

    def quarantine_media(self, reference: str) -> None:
        """Make one media item undownloadable for everyone (kept on disk as evidence)."""
        server, media_id = _mxc(reference)
        self._call("POST", f"/_synapse/admin/v1/media/quarantine/{_path(server)}/{_path(media_id)}")

    def post_message(self, room: str, text: str, key: str | None = None) -> str:
        """Post a plain-text message (e.g. the daily transparency sentence) to a room the
        admin may post in; returns the event id. A retry with the same ``key`` soon after (Synapse
        keeps transaction ids for about 30 minutes) posts nothing new."""
        room_id = self.room_id(matrix_targets.room(room))
        self._join(room_id)
        txn = _transaction_id(key or hashlib.sha256(f"{room_id}\n{text}\n{time.time_ns()}".encode()).hexdigest())
        answer = self._call("PUT", f"/_matrix/client/v3/rooms/{_path(room_id)}/send/m.room.message/{txn}",
                            json={"msgtype": "m.notice", "body": text})
        return str(answer["event_id"])

    # -- rooms

    def room_id(self, ref: Target) -> str:
        """The room id a target names: aliases are resolved, ids checked to exist."""
        if ref.network != matrix_targets.NETWORK or not ref.room:
            raise TargetNotFound(f"{ref} is not a Matrix room")
        if ref.room.startswith("#"):
            answer = self._call("GET", f"/_matrix/client/v3/directory/room/{_path(ref.room)}")
            room_id = str(answer.get("room_id") or "")
            if not room_id:
                raise PlatformError("the homeserver resolved an alias without a room id", transient=True)
            return room_id
        self._call("GET", f"/_synapse/admin/v1/rooms/{_path(ref.room)}")
        return ref.room

    def _created_at(self, room_id: str) -> datetime | None:
        state = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/state")
        create = next((e for e in state.get("state", []) if e.get("type") == "m.room.create"), None)
        return _from_ms(create.get("origin_server_ts")) if create else None

    def _messages(self, room_id: str, limit: int, only_messages: bool = True) -> list[dict[str, Any]]:
        """Newest first; pages past membership and state events (at most 10 pages)."""
        found: list[dict[str, Any]] = []
        token = None
        for _ in range(10):
            params: dict[str, Any] = {"dir": "b", "limit": limit}
            if token:
                params["from"] = token
            answer = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/messages", params=params)
            chunk = answer.get("chunk") or []
            found += [e for e in chunk if not only_messages or e.get("type") == "m.room.message"]
            token = answer.get("end")
            if len(found) >= limit or not chunk or not token:
                break
        return found[:limit]

    def _event(self, room_id: str, event_id: str) -> dict[str, Any]:
        answer = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/context/{_path(event_id)}",
                            params={"limit": 0})
        event = answer.get("event")
        if not isinstance(event, dict):
            raise TargetNotFound(f"no event {event_id} in {room_id}")
        return event

    def _all_rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = []
        offset = 0
        while True:
            answer = self._call("GET", "/_synapse/admin/v1/rooms", params={"from": offset, "limit": 500})
            rooms += answer.get("rooms") or []
            if "next_batch" not in answer:
                return rooms
            offset = int(answer["next_batch"])

    def _whoami(self) -> str:
        if self._admin_user is None:
            self._admin_user = str(self._call("GET", "/_matrix/client/v3/account/whoami")["user_id"])
        return self._admin_user

    def _join(self, room_id: str) -> None:
        """The admin joins a room (any local room, through the admin join API)."""
        self._call("POST", f"/_synapse/admin/v1/join/{_path(room_id)}", json={"user_id": self._whoami()})

    def _join_as_room_admin(self, room_id: str) -> None:
        self._join(room_id)
        self._call("POST", f"/_synapse/admin/v1/rooms/{_path(room_id)}/make_room_admin",
                   json={"user_id": self._whoami()})

    # -- shutdowns

    def _shutdowns(self, room_id: str) -> list[dict[str, Any]]:
        try:
            answer = self._call("GET", f"/_synapse/admin/v2/rooms/{_path(room_id)}/delete_status")
        except TargetNotFound:  # no shutdown ever asked for
            return []
        return list(answer.get("results") or [])

    def _finished_shutdown(self, room_id: str, shutdowns: list[dict[str, Any]]) -> dict[str, Any] | None:
        """A complete shutdown among ``shutdowns`` of a room still blocked (read after them: a
        shutdown blocks the room before it completes)."""
        blocked = self._call("GET", f"/_synapse/admin/v1/rooms/{_path(room_id)}/block")
        if not blocked.get("block"):
            return None
        return next((s for s in shutdowns if s.get("status") == "complete"), None)

    def _start_shutdown(self, room_id: str) -> str:
        answer = self._call("DELETE", f"/_synapse/admin/v2/rooms/{_path(room_id)}",
                            json={"block": True, "purge": False})
        if not answer.get("delete_id"):
            raise PlatformError("the homeserver started a shutdown without a delete id", transient=True)
        return str(answer["delete_id"])

    def _wait_for_shutdown(self, delete_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.shutdown_wait_s
        while True:
            try:  # 404 for a moment right after the DELETE: not yet, not "no such shutdown"
                status = self._call("GET", f"/_synapse/admin/v2/rooms/delete_status/{_path(delete_id)}")
            except TargetNotFound:
                status = {"status": "pending"}
            if status.get("status") == "complete":
                return status
            if status.get("status") == "failed":
                raise PlatformError(f"the room shutdown {delete_id} failed: "
                                    f"{str(status.get('error') or '')[:300]}", transient=True)
            if time.monotonic() > deadline:
                raise PlatformError(f"the room shutdown {delete_id} is still running after "
                                    f"{self.shutdown_wait_s:.0f} s", transient=True)
            time.sleep(self.poll_interval_s)

    def _shutdown_result(self, room_id: str, status: dict[str, Any], already_done: bool,
                         evidence: dict[str, Any] | None) -> EnforcementResult:
        shutdown = status.get("shutdown_room") or {}
        detail: dict[str, Any] = {
            "platform": self.name, "room_id": room_id, "blocked_globally": True,
            "blocked_countries": [], "shutdown": status.get("delete_id"),
            "kicked_users": len(shutdown.get("kicked_users") or []),
            "failed_to_kick_users": len(shutdown.get("failed_to_kick_users") or []),
            "purged": False,
        }
        if evidence is not None:
            detail["evidence"] = evidence
        return EnforcementResult(reference=f"shutdown:{status.get('delete_id')}",
                                 already_done=already_done, detail=detail)

    def _post_detail(self, room_id: str, event_id: str, media: list[str]) -> dict[str, Any]:
        return {"platform": self.name, "room_id": room_id, "post_id": event_id,
                "post_removed": True, "media_quarantined": media}

    # -- HTTP

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, params=params, json=json)
        except httpx.TimeoutException as error:
            raise PlatformError(f"the homeserver timed out on {method} {_shown(path)}: "
                                f"{type(error).__name__}", transient=True) from error
        except httpx.TransportError as error:
            raise PlatformError(f"no answer from the homeserver on {method} {_shown(path)}: "
                                f"{type(error).__name__}", transient=True) from error
        if response.status_code >= 400:
            self._raise_for(response, f"{method} {_shown(path)}")
        try:
            body = response.json()
        except ValueError as error:
            raise PlatformError(f"the homeserver sent unreadable JSON on {method} {_shown(path)}",
                                transient=True, status=response.status_code) from error
        if not isinstance(body, dict):
            raise PlatformError(f"the homeserver sent an unexpected answer on {method} {_shown(path)}",
                                transient=True, status=response.status_code)
        return body

    @staticmethod
    def _raise_for(response: httpx.Response, call: str) -> None:
        status = response.status_code
        errcode, message = _matrix_error(response)
        said = f"{errcode}: {message}" if errcode else message
        if status == 404 or errcode == "M_NOT_FOUND":
            raise TargetNotFound(f"homeserver: {said} ({call})")
        if status == 429 or status >= 500:
            raise PlatformError(f"homeserver answered {status} on {call}: {said}",
                                transient=True, status=status)
        raise PlatformError(f"homeserver refused ({status}) {call}: {said}",
                            transient=False, status=status)


def _path(identifier: str) -> str:
    """Room ids, aliases and event ids go into paths URL-encoded ('#', '!', '$', ':', '/')."""
    return quote(identifier, safe="")


def _shown(path: str) -> str:
    return path[:200]


def _transaction_id(key: str) -> str:
    # The same enforcement key is the same transaction: Synapse answers a repeat with the
    # event it made the first time instead of acting again.
    return "tanggap-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _matrix_error(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or str(response.status_code)
    if isinstance(body, dict):
        return (str(body["errcode"]) if body.get("errcode") else None,
                str(body.get("error") or response.reason_phrase)[:500])
    return None, response.reason_phrase


def _mxc(reference: str) -> tuple[str, str]:
    if not reference.startswith("mxc://") or reference.count("/") != 3:
        raise PlatformError(f"{reference[:100]!r} is not an mxc:// media reference", transient=False)
    server, media_id = reference[len("mxc://"):].split("/")
    if not server or not media_id:
        raise PlatformError(f"{reference[:100]!r} is not an mxc:// media reference", transient=False)
    return server, media_id


def _from_ms(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC) if value else None


def _is_redacted(event: dict[str, Any]) -> bool:
    return "redacted_because" in (event.get("unsigned") or {})


def _running_shutdown(shutdowns: list[dict[str, Any]]) -> str | None:
    """A shutdown already under way (a retry after a timeout): wait for it, do not start another."""
    return next((str(s["delete_id"]) for s in shutdowns
                 if s.get("status") in ("scheduled", "active", "shutting_down", "purging")), None)


def _media_of(event: dict[str, Any]) -> list[str]:
    content = event.get("content") or {}
    url = content.get("url")
    if content.get("msgtype") in MEDIA_MESSAGE_TYPES and isinstance(url, str) and url.startswith("mxc://"):
        return [url]
    return []


def _channel_info(room_id: str, room: dict[str, Any], blocked: bool,
                  created_at: datetime | None) -> ChannelInfo:
    alias = room.get("canonical_alias")
    facts = {"creator": room.get("creator"), "join_rules": room.get("join_rules"),
             "room_version": room.get("version"), "avatar": room.get("avatar"),
             "public": room.get("public"), "encryption": room.get("encryption")}
    return ChannelInfo(
        platform_id=room_id,
        username=alias or None,
        title=room.get("name") or "",
        description=room.get("topic") or "",
        subscribers=int(room.get("joined_members") or 0),
        country_audience={},  # Matrix knows no member's country
        created_at=created_at,
        blocked_globally=blocked,
        target=matrix_targets.room(alias or room_id),
        facts=tuple((name, str(value)) for name, value in facts.items() if value is not None),
    )


def _post(event: dict[str, Any], room_id: str) -> Post:
    content = event.get("content") or {}
    return Post(
        platform_id=str(event["event_id"]),
        channel_id=room_id,
        text=str(content.get("body") or ""),
        posted_at=_from_ms(event.get("origin_server_ts")),
        media=tuple(_media_of(event)),
        removed=_is_redacted(event),
    )

