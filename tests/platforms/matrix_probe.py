"""The contract's probe for a real Synapse: an ordinary user's view, the admin's record of
shutdowns, and faults injected between the adapter and the homeserver.

Synapse has no fault switch, so faults are injected in the adapter's HTTP transport: a refused
call never reaches the homeserver (as a proxy answering 503 would), while a stalled or dropped
call is delivered first and only its answer is lost (as a real timeout after the server acted).
In the contract, methods=["POST"] means "the action's write call": for Matrix that is also PUT
and DELETE (a shutdown is a DELETE).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from tanggap.domain.targets import Target, parse_target
from tanggap.platforms.matrix import MatrixPlatform
from tests.platforms.synapse import MatrixUser, SeededRoom, Synapse, png_bytes

WRITE_METHODS = {"POST", "PUT", "DELETE"}
KINDS = ("propaganda", "hate", "ordinary")


@dataclass
class MatrixChannel:
    """A seeded room in the shape the contract checks read (like the demo's SeededChannel)."""

    room: SeededRoom
    kind: str

    @property
    def target(self) -> Target:
        return self.room.target

    def post_target(self, post_id: str | None = None) -> Target:
        return self.room.post_target(post_id or self.room.event_ids[-1])

    @property
    def username(self) -> str:
        return self.room.alias

    @property
    def internal_id(self) -> str:
        return self.room.room_id

    @property
    def title(self) -> str:
        return self.room.name

    @property
    def subscribers(self) -> int:
        return self.room.members

    @property
    def post_ids(self) -> list[str]:
        return self.room.event_ids


@dataclass
class FaultPlan:
    calls: int
    status: int = 0  # 0: the connection drops after the request was delivered
    stall_s: float = 0.0
    methods: set[str] | None = None


class FaultyTransport(httpx.BaseTransport):
    """Forwards to the homeserver, except for the calls a test asked to fail."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()
        self._plans: list[FaultPlan] = []
        self._lock = threading.Lock()

    def arm(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plans.append(plan)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def _take(self, method: str) -> FaultPlan | None:
        with self._lock:
            for plan in self._plans:
                if plan.calls > 0 and (plan.methods is None or method in plan.methods):
                    plan.calls -= 1
                    return plan
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        plan = self._take(request.method)
        if plan is None:
            return self._real.handle_request(request)
        if plan.stall_s:
            answer = self._real.handle_request(request)  # the homeserver acts ...
            answer.read()
            timeout = (request.extensions.get("timeout") or {}).get("read") or 0
            if plan.stall_s > timeout:  # ... but the answer comes too late for this client
                raise httpx.ReadTimeout("stalled by the test", request=request)
            return answer
        if plan.status == 0:
            self._real.handle_request(request).read()
            raise httpx.RemoteProtocolError("connection dropped by the test", request=request)
        return httpx.Response(plan.status, json={"errcode": "M_UNKNOWN", "error": "injected by the test"},
                              request=request)

    def close(self) -> None:
        self._real.close()


class MatrixWorldProbe:
    """Fresh public rooms for one test, on a shared homeserver."""

    def __init__(self, synapse: Synapse, admin: MatrixUser, owner: MatrixUser, members: list[MatrixUser],
                 outsider: MatrixUser):
        self.synapse = synapse
        self.admin = admin
        self.owner = owner
        self.outsider = outsider  # an ordinary user who is in none of the rooms
        self.transport = FaultyTransport()
        suffix = uuid.uuid4().hex[:8]
        self.channels = [
            MatrixChannel(synapse.create_public_room(
                owner, f"{kind}_{suffix}", f"{kind.title()} room {suffix}", f"about {kind}",
                members, [f"{kind} pesan {i}" for i in range(1, 4)], png_bytes(n + hash(suffix) % 97)), kind)
            for n, kind in enumerate(KINDS)
        ]
        self._platforms: list[MatrixPlatform] = []

    def close(self) -> None:
        self.transport.clear()
        for platform in self._platforms:
            platform.close()

    def platform(self, timeout: float = 10.0, token: str | None = None) -> MatrixPlatform:
        adapter = MatrixPlatform(self.synapse.url, token or self.admin.access_token, timeout=timeout,
                                 transport=self.transport)
        self._platforms.append(adapter)
        return adapter

    # -- the seeded world

    def public_channel(self, kind: str) -> MatrixChannel:
        return next(channel for channel in self.channels if channel.kind == kind)

    def private_channel(self) -> None:
        return None  # Matrix rooms have no invite-hash links like t.me/+...

    def newest_post_ids(self, channel: MatrixChannel, count: int) -> list[str]:
        return list(reversed(channel.post_ids))[:count]

    def missing_channel(self) -> Target:
        return parse_target(f"#tidak_ada_room_ini_{uuid.uuid4().hex[:6]}:localhost")

    def missing_post(self, channel: MatrixChannel) -> Target:
        return channel.room.post_target("$TidakAdaEventIni0000000000000000000000000000")

    # -- what an ordinary user sees (Matrix has no countries: the country is ignored)

    def visible_to(self, channel: MatrixChannel, country: str) -> bool:
        """Listed in the directory, and an outsider can join it and read it (then leaves)."""
        directory = self.synapse.call(self.outsider, "POST", "/_matrix/client/v3/publicRooms",
                                      json={"limit": 500})
        directory.raise_for_status()
        listed = any(room["room_id"] == channel.internal_id for room in directory.json()["chunk"])
        room = quote(channel.internal_id, safe="")
        joined = self.synapse.call(self.outsider, "POST", f"/_matrix/client/v3/join/{room}")
        if joined.status_code != 200:
            return False
        try:
            read = self.synapse.call(self.outsider, "GET", f"/_matrix/client/v3/rooms/{room}/messages",
                                     params={"dir": "b", "limit": 5})
            return listed and read.status_code == 200
        finally:
            self.synapse.call(self.outsider, "POST", f"/_matrix/client/v3/rooms/{room}/leave")

    def post_visible_to(self, channel: MatrixChannel, post_id: str, country: str) -> bool:
        room = quote(channel.internal_id, safe="")
        joined = self.synapse.call(self.outsider, "POST", f"/_matrix/client/v3/join/{room}")
        if joined.status_code != 200:
            return False
        try:
            event = self.synapse.call(self.outsider, "GET",
                                      f"/_matrix/client/v3/rooms/{room}/event/{quote(post_id, safe='')}")
            return event.status_code == 200 and bool(event.json().get("content"))
        finally:
            self.synapse.call(self.outsider, "POST", f"/_matrix/client/v3/rooms/{room}/leave")

    def user_can_join(self, user: MatrixUser, channel: MatrixChannel) -> bool:
        room = quote(channel.internal_id, safe="")
        return self.synapse.call(user, "POST", f"/_matrix/client/v3/join/{room}").status_code == 200

    # -- what the platform did, and making it fail

    def actions_with_key(self, key: str, channel: MatrixChannel) -> list[dict[str, Any]]:
        """The room's shutdowns, as Synapse records them. Synapse keeps no client key, and each
        test has rooms of its own, so every shutdown of this room is this test's."""
        answer = self.synapse.call(self.admin, "GET", f"/_synapse/admin/v2/rooms/"
                                   f"{quote(channel.internal_id, safe='')}/delete_status")
        if answer.status_code == 404:
            return []
        answer.raise_for_status()
        return [{"reference": f"shutdown:{item['delete_id']}", "status": item["status"]}
                for item in answer.json()["results"]]

    def fail_next(self, calls: int, status: int, methods: Sequence[str] | None = None) -> None:
        self.transport.arm(FaultPlan(calls, status=status, methods=_methods(methods)))

    def stall_next(self, calls: int, seconds: float, methods: Sequence[str] | None = None) -> None:
        self.transport.arm(FaultPlan(calls, stall_s=seconds, methods=_methods(methods)))

    def platform_with_token(self, token: str) -> MatrixPlatform:
        return self.platform(token=token)

    def platform_with_timeout(self, seconds: float) -> MatrixPlatform:
        return self.platform(timeout=seconds)


def _methods(methods: Sequence[str] | None) -> set[str] | None:
    if methods is None:
        return None
    wanted = {method.upper() for method in methods}
    return wanted | WRITE_METHODS if "POST" in wanted else wanted
