"""The adapter for the built-in demo platform (``demo_server.py``), over HTTP.

It maps the platform's answers onto the interface's errors and does not retry: the enforcement
service owns retries and backoff, and passes the same idempotency key on every attempt, which
this adapter forwards as ``Idempotency-Key`` so that a retry never acts twice.

Error mapping: no answer (connection refused or dropped, timeout), 5xx and 429 are transient
``PlatformError``; 404 is ``TargetNotFound``; any other 4xx is a permanent ``PlatformError``.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from tanggap.domain.model import Scope
from tanggap.domain.targets import Target, TargetKind
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
NETWORKS = frozenset({"telegram"})  # the demo platform is Telegram-shaped: t.me targets
MAX_POSTS = 100  # the server's page limit


def from_settings(settings: Settings) -> DemoPlatform:
    """The adapter as configured (``TANGGAP_PLATFORM_URL``, ``TANGGAP_PLATFORM_TOKEN``)."""
    if not settings.platform_token:
        raise ValueError("TANGGAP_PLATFORM_TOKEN is not set: the demo platform needs a token")
    return DemoPlatform(settings.platform_url, settings.platform_token,
                        timeout=settings.enforcement_timeout_s)


class DemoPlatform:
    """Talks to a demo platform server at ``base_url`` with its bearer ``token``."""

    name = "demo"
    capabilities = frozenset(Capability)
    networks = NETWORKS

    def __init__(self, base_url: str, token: str, timeout: float = DEFAULT_TIMEOUT_S,
                 transport: httpx.BaseTransport | None = None):
        if not token:
            raise ValueError("the demo platform adapter needs an API token")
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # never shows the token
        return f"DemoPlatform({self.base_url!r})"

    # -- lifecycle

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DemoPlatform:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- the Platform interface

    def channel(self, ref: Target) -> ChannelInfo:
        channel, _ = self._resolve(ref)
        return _channel_info(channel)

    def recent_posts(self, ref: Target, limit: int = 20) -> list[Post]:
        """The channel's newest posts first (of the post's channel, for a post target).

        At most 100: the platform pages no further back, so a larger ``limit`` is capped.
        """
        limit = max(1, min(limit, MAX_POSTS))
        channel, _ = self._resolve(ref)
        answer = self._call("GET", f"/api/v1/channels/{channel['id']}/posts",
                            params={"limit": limit})
        return [_post(post) for post in answer["posts"]]

    def block(self, ref: Target, scope: Scope, key: str) -> EnforcementResult:
        """Block the channel ``ref`` names (a post target blocks the post's channel)."""
        channel, _ = self._resolve(ref)
        answer = self._call("POST", f"/api/v1/channels/{channel['id']}/block",
                            json={"scope": scope.as_json()}, key=key)
        return _result(answer)

    def unblock(self, ref: Target, key: str) -> EnforcementResult:
        """Lift every block on the channel, global and per country."""
        channel, _ = self._resolve(ref)
        answer = self._call("POST", f"/api/v1/channels/{channel['id']}/unblock", key=key)
        return _result(answer)

    def media(self, reference: str) -> bytes:
        try:
            response = self._client.get("/api/v1/media", params={"ref": reference})
        except httpx.HTTPError as error:
            raise PlatformError(f"no media from demo platform: {_kind(error)}", transient=True) from error
        if response.status_code != 200:
            raise PlatformError(f"demo platform answered {response.status_code} for media",
                                transient=response.status_code >= 500, status=response.status_code)
        return response.content

    def public_channels(self, after: str | None, limit: int) -> list[ChannelInfo]:
        answer = self._call("GET", "/api/v1/channels", params={"after_id": int(after or 0), "limit": limit})
        return [_channel_info(channel) for channel in answer["channels"]]

    def remove_post(self, ref: Target, key: str) -> EnforcementResult:
        if ref.kind not in (TargetKind.POST, TargetKind.PRIVATE_POST):
            raise PlatformError(f"remove_post needs a post target; {ref} is a {ref.kind}",
                                transient=False)
        channel, post_id = self._resolve(ref)
        answer = self._call("POST", f"/api/v1/channels/{channel['id']}/posts/{post_id}/remove",
                            key=key)
        return _result(answer)

    def post_message(self, ref: Target, text: str, key: str) -> EnforcementResult:
        channel, _ = self._resolve(ref)
        answer = self._call("POST", f"/api/v1/channels/{channel['id']}/messages", json={"text": text}, key=key)
        return _result(answer)

    def notify_owner(self, ref: Target, text: str, key: str) -> EnforcementResult:
        channel, _ = self._resolve(ref)
        answer = self._call("POST", f"/api/v1/channels/{channel['id']}/owner-notices", json={"text": text}, key=key)
        return _result(answer)

    # -- HTTP

    def _resolve(self, ref: Target) -> tuple[dict[str, Any], int | None]:
        answer = self._call("GET", "/api/v1/resolve", params={"target": ref.canonical})
        channel = answer.get("channel")
        if not isinstance(channel, dict) or "id" not in channel:
            raise PlatformError("demo platform resolved a target without a channel id",
                                transient=True)
        return channel, answer.get("post_id")

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key is not None else None
        try:
            response = self._client.request(method, path, params=params, json=json,
                                            headers=headers)
        except httpx.TimeoutException as error:
            raise PlatformError(f"demo platform timed out on {method} {path}: {_kind(error)}",
                                transient=True) from error
        except httpx.TransportError as error:
            # Refused, reset, or hung up mid-answer: the action may or may not have happened;
            # the retry with the same key settles it.
            raise PlatformError(f"no answer from demo platform on {method} {path}: {_kind(error)}",
                                transient=True) from error
        status = response.status_code
        if status == 404:
            raise TargetNotFound(f"demo platform: {_problem_detail(response)}")
        if status == 429 or status >= 500:
            raise PlatformError(f"demo platform answered {status}: {_problem_detail(response)}",
                                transient=True, status=status)
        if status >= 400:
            raise PlatformError(f"demo platform refused ({status}): {_problem_detail(response)}",
                                transient=False, status=status)
        try:
            body = response.json()
        except ValueError as error:
            raise PlatformError(f"demo platform sent unreadable JSON on {method} {path}",
                                transient=True, status=status) from error
        if not isinstance(body, dict):
            raise PlatformError(f"demo platform sent an unexpected answer on {method} {path}",
                                transient=True, status=status)
        return body


def _kind(error: Exception) -> str:
    return type(error).__name__


def _problem_detail(response: httpx.Response) -> str:
    """The server's own words, shortened; problem+json ``detail`` when there is one."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or str(response.status_code)
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or response.reason_phrase)[:500]
    return response.reason_phrase


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _channel_info(channel: dict[str, Any]) -> ChannelInfo:
    audience = channel.get("country_audience") or {}
    return ChannelInfo(
        platform_id=str(channel["id"]),
        username=channel.get("username"),
        title=channel.get("title") or "",
        description=channel.get("description") or "",
        subscribers=int(channel.get("subscribers") or 0),
        country_audience={str(country): float(share) for country, share in audience.items()},
        created_at=_when(channel.get("created_at")),
        blocked_globally=bool(channel.get("blocked_globally")),
        blocked_countries=tuple(channel.get("blocked_countries") or ()),
        invite_hash=channel.get("invite_hash"),
    )


def _post(post: dict[str, Any]) -> Post:
    return Post(
        platform_id=str(post["id"]),
        channel_id=str(post["channel_id"]),
        text=post.get("text") or "",
        posted_at=_when(post.get("posted_at")),
        media=tuple(post.get("media") or ()),
        removed=bool(post.get("removed")),
    )


def _result(answer: dict[str, Any]) -> EnforcementResult:
    channel = answer.get("channel") or {}
    detail: dict[str, Any] = {
        "platform": DemoPlatform.name,
        "channel_id": str(channel.get("id", "")),
        "blocked_globally": bool(channel.get("blocked_globally")),
        "blocked_countries": list(channel.get("blocked_countries") or []),
    }
    if post := answer.get("post"):
        detail["post_id"] = str(post.get("id", ""))
        detail["post_removed"] = bool(post.get("removed"))
    if not answer.get("reference"):
        raise PlatformError("demo platform confirmed an action without a reference", transient=True)
    return EnforcementResult(reference=str(answer["reference"]),
                             already_done=bool(answer.get("already_done")), detail=detail)
