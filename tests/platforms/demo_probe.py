"""The contract's probe for the demo platform: its public viewer API and its /admin endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from tanggap.domain.targets import Target
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.seed import SeededChannel


class DemoWorldProbe:
    def __init__(self, base_url: str, token: str, channels: Sequence[SeededChannel]):
        self.base_url = base_url
        self.token = token
        self.channels = channels
        self._http = httpx.Client(base_url=base_url, timeout=5.0)
        self._admin = {"Authorization": f"Bearer {token}"}
        self._platforms: list[DemoPlatform] = []

    def close(self) -> None:
        self.clear_faults()
        for platform in self._platforms:
            platform.close()
        self._http.close()

    # -- the seeded world

    def public_channel(self, kind: str) -> SeededChannel:
        return next(c for c in self.channels if c.kind == kind and c.username)

    def private_channel(self) -> SeededChannel:
        return next(c for c in self.channels if c.username is None)

    def newest_post_ids(self, channel: SeededChannel, count: int) -> list[str]:
        return [str(post_id) for post_id in sorted(channel.post_ids, reverse=True)[:count]]

    def missing_channel(self) -> Target:
        return Target.channel("tidak_ada_channel_ini")

    def missing_post(self, channel: SeededChannel) -> Target:
        return channel.post_target(max(channel.post_ids) + 1000)

    # -- what viewers see

    def visible_to(self, channel: SeededChannel, country: str) -> bool:
        answer = self._http.get(f"/public/channels/{channel.username}", params={"country": country})
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200

    def post_visible_to(self, channel: SeededChannel, post_id: int, country: str) -> bool:
        answer = self._http.get(f"/public/channels/{channel.username}/posts",
                                params={"country": country, "limit": 100})
        if answer.status_code == 404:
            return False
        answer.raise_for_status()
        return post_id in {post["id"] for post in answer.json()["posts"]}

    # -- what the platform did, and making it fail

    def actions_with_key(self, key: str, channel: SeededChannel | None = None) -> list[dict[str, Any]]:
        answer = self._http.get("/admin/actions", params={"idempotency_key": key},
                                headers=self._admin)
        answer.raise_for_status()
        return answer.json()["actions"]

    def fail_next(self, calls: int, status: int, methods: Sequence[str] | None = None) -> None:
        self._arm({"fail_next": calls, "status": status, "methods": methods})

    def stall_next(self, calls: int, seconds: float, methods: Sequence[str] | None = None) -> None:
        self._arm({"fail_next": calls, "mode": "timeout", "delay_s": seconds, "methods": methods})

    def clear_faults(self) -> None:
        self._http.delete("/admin/faults", headers=self._admin).raise_for_status()

    def _arm(self, plan: dict[str, Any]) -> None:
        plan = {name: value for name, value in plan.items() if value is not None}
        self._http.post("/admin/faults", json=plan, headers=self._admin).raise_for_status()

    # -- the same platform, other clients

    def platform_with_token(self, token: str) -> DemoPlatform:
        return self._keep(DemoPlatform(self.base_url, token))

    def platform_with_timeout(self, seconds: float) -> DemoPlatform:
        return self._keep(DemoPlatform(self.base_url, self.token, timeout=seconds))

    def _keep(self, platform: DemoPlatform) -> DemoPlatform:
        self._platforms.append(platform)
        return platform
