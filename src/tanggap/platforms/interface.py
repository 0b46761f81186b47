"""The one interface every platform adapter fulfils (see tests/platforms/contract.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from tanggap.domain.model import Scope
from tanggap.domain.targets import Target


class Capability(StrEnum):
    BLOCK_GLOBAL = "block_global"
    BLOCK_IN_COUNTRY = "block_in_country"  # not every platform can geo-block
    REMOVE_POST = "remove_post"
    UNBLOCK = "unblock"
    LIST_PUBLIC = "list_public"  # can page through public channels (proactive scanning)
    FETCH_MEDIA = "fetch_media"  # can hand over the bytes of a post's media (hash matching)
    POST_MESSAGE = "post_message"  # can post to a channel of ours (the daily transparency sentence)
    NOTIFY_OWNER = "notify_owner"  # can message a channel's owner (statements of reasons)


@dataclass(frozen=True)
class ChannelInfo:
    platform_id: str
    username: str | None
    title: str  # attacker-written: escape wherever it is shown
    description: str
    subscribers: int
    country_audience: dict[str, float]  # ISO country -> share of subscribers
    created_at: datetime | None
    blocked_globally: bool = False
    blocked_countries: tuple[str, ...] = ()
    invite_hash: str | None = None
    # The channel as a target, where the platform's channels are not t.me usernames (Matrix).
    target: Target | None = None
    # Platform-specific facts worth showing a moderator: (name, value) pairs (Matrix: creator,
    # join rules, room version ...). Attacker-influenced: escape wherever shown.
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Post:
    platform_id: str
    channel_id: str
    text: str
    posted_at: datetime | None
    media: tuple[str, ...] = ()  # media URLs or content ids
    removed: bool = False


@dataclass(frozen=True)
class EnforcementResult:
    """The platform's answer to one action."""

    reference: str  # the platform's id for what it did (for the record)
    already_done: bool = False  # an idempotent repeat
    detail: dict = field(default_factory=dict)


class PlatformError(Exception):
    """The platform did not carry out the action. `transient` errors are worth retrying."""

    def __init__(self, message: str, transient: bool, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


class TargetNotFound(PlatformError):
    def __init__(self, message: str):
        super().__init__(message, transient=False, status=404)


class Platform(Protocol):
    name: str
    capabilities: frozenset[Capability]
    # The target networks it serves ("telegram" for t.me targets, "matrix" ...): how a case is
    # routed to its platform when several are configured (see registry.py).
    networks: frozenset[str]

    def channel(self, ref: Target) -> ChannelInfo: ...

    def recent_posts(self, ref: Target, limit: int = 20) -> list[Post]: ...

    def block(self, ref: Target, scope: Scope, key: str) -> EnforcementResult: ...

    def unblock(self, ref: Target, key: str) -> EnforcementResult: ...

    def remove_post(self, ref: Target, key: str) -> EnforcementResult: ...

    def post_message(self, ref: Target, text: str, key: str) -> EnforcementResult:
        """Post `text` to our own channel `ref`, once per `key` (needs Capability.POST_MESSAGE)."""
        raise NotImplementedError

    def notify_owner(self, ref: Target, text: str, key: str) -> EnforcementResult:
        """Tell the owner of `ref` something (a statement of reasons), once per `key`
        (needs Capability.NOTIFY_OWNER); the channel may be blocked, the owner still hears."""
        raise NotImplementedError

    def media(self, reference: str) -> bytes:
        """The bytes of one media item named in `Post.media` (needs Capability.FETCH_MEDIA)."""
        ...

    def public_channels(self, after: str | None, limit: int) -> list[ChannelInfo]:
        """Public channels after the given platform id (needs Capability.LIST_PUBLIC)."""
        ...
