"""Several platforms at once: each case goes to the adapter that serves its target's network.

``PlatformRegistry`` is itself a ``Platform``, so the services (enforcement, review, scan) take
one adapter or several the same way. Routing is by ``Target.network`` ("telegram" targets to
the demo/Telegram adapter, "matrix" targets to the Matrix one), never by a switch on names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tanggap.domain.model import Scope
from tanggap.domain.targets import Target
from tanggap.platforms.interface import (
    Capability,
    ChannelInfo,
    EnforcementResult,
    Platform,
    PlatformError,
    Post,
)

NETWORK_NAMES = {"telegram": "Telegram (t.me)", "matrix": "Matrix"}


class NoPlatformFor(PlatformError):
    """No configured adapter serves this target's network: nothing can act on it here."""

    def __init__(self, target: Target):
        super().__init__(f"no platform for {network_name(target.network)} targets is configured "
                         f"here ({target})", transient=False, status=422)


def network_name(network: str) -> str:
    return NETWORK_NAMES.get(network, network)


def serves(platform: Platform, target: Target) -> bool:
    return target.network in getattr(platform, "networks", frozenset({"telegram"}))


def capabilities_for(platform: Platform | None, target: Target) -> frozenset[Capability]:
    """What can be done to this target: the capabilities of the adapter that serves it."""
    if platform is None:
        return frozenset()
    if isinstance(platform, PlatformRegistry):
        return platform.capabilities_for(target)
    return platform.capabilities if serves(platform, target) else frozenset()


def split_unserved(targets: Sequence[Target], spellings: Sequence[str], networks: Iterable[str],
                   ) -> tuple[list[Target], list[str], list[dict[str, str]]]:
    """Keep the targets a configured platform serves; reject the others, each with a reason."""
    served = set(networks)
    kept, kept_spellings, rejected = [], [], []
    for target, spelling in zip(targets, spellings, strict=True):
        if target.network in served:
            kept.append(target)
            kept_spellings.append(spelling)
        else:
            rejected.append({"input": spelling[:200],
                             "reason": f"no platform for {network_name(target.network)} targets "
                                       "is configured here"})
    return kept, kept_spellings, rejected


class PlatformRegistry:
    """Configured adapters, tried in order; the first that serves a target's network acts."""

    def __init__(self, platforms: Sequence[Platform]):
        if not platforms:
            raise ValueError("a platform registry needs at least one platform")
        self.platforms = tuple(platforms)
        self.name = "+".join(platform.name for platform in self.platforms)
        self.networks = frozenset(n for p in self.platforms for n in getattr(p, "networks", ()))
        self.capabilities = frozenset(c for p in self.platforms for c in p.capabilities)
        self._listing = 0  # which platform public_channels is paging through
        self._listed_after: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"PlatformRegistry({list(self.platforms)!r})"

    def close(self) -> None:
        for platform in self.platforms:
            if close := getattr(platform, "close", None):
                close()

    def for_target(self, target: Target) -> Platform:
        for platform in self.platforms:
            if serves(platform, target):
                return platform
        raise NoPlatformFor(target)

    def capabilities_for(self, target: Target) -> frozenset[Capability]:
        try:
            return self.for_target(target).capabilities
        except NoPlatformFor:
            return frozenset()

    def channel(self, ref: Target) -> ChannelInfo:
        return self.for_target(ref).channel(ref)

    def recent_posts(self, ref: Target, limit: int = 20) -> list[Post]:
        return self.for_target(ref).recent_posts(ref, limit)

    def block(self, ref: Target, scope: Scope, key: str) -> EnforcementResult:
        return self.for_target(ref).block(ref, scope, key)

    def unblock(self, ref: Target, key: str) -> EnforcementResult:
        return self.for_target(ref).unblock(ref, key)

    def remove_post(self, ref: Target, key: str) -> EnforcementResult:
        return self.for_target(ref).remove_post(ref, key)

    def post_message(self, ref: Target, text: str, key: str) -> EnforcementResult:
        return self.for_target(ref).post_message(ref, text, key)

    def notify_owner(self, ref: Target, text: str, key: str) -> EnforcementResult:
        return self.for_target(ref).notify_owner(ref, text, key)

    def media(self, reference: str) -> bytes:
        # Matrix media are mxc:// URIs; the demo platform's are its own references.
        wanted = "matrix" if reference.startswith("mxc://") else "telegram"
        for platform in self.platforms:
            if Capability.FETCH_MEDIA in platform.capabilities and wanted in getattr(platform, "networks", ()):
                return platform.media(reference)
        raise PlatformError(f"no configured platform holds media {reference[:100]!r}", transient=False)

    def public_channels(self, after: str | None, limit: int) -> list[ChannelInfo]:
        """Each listing platform in turn; ``after`` is the last platform id handed out."""
        index = 0 if after is None else self._listed_after.get(after, len(self.platforms))
        while index < len(self.platforms):
            platform = self.platforms[index]
            if Capability.LIST_PUBLIC in platform.capabilities:
                own_after = after if after is not None and self._listed_after.get(after) == index else None
                page = platform.public_channels(own_after, limit)
                if page:
                    self._listed_after[page[-1].platform_id] = index
                    return page
            index += 1
            after = None
        return []
