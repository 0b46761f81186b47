"""Contract tests: what every Platform implementation must do (STYLE.md, "An adapter is ...").

Each check is a plain function ``check(platform, world)``: ``platform`` is the adapter under
test, ``world`` a :class:`PlatformProbe` over the same platform's seeded world. The probe gives
a test the few things the interface does not: what a viewer in a country sees, what the platform
really did (its action log), how the platform names things that do not exist, and ways to make
it fail on purpose. A new platform gets its own ``test_<name>_contract.py`` that runs
``CONTRACT`` with its own probe (the demo platform and a real Synapse both do). What a platform
cannot do (its capabilities say so) is checked to be refused plainly instead.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

import pytest

from tanggap.domain.model import Scope
from tanggap.domain.targets import Target
from tanggap.platforms.interface import Capability, Platform, PlatformError, TargetNotFound
from tanggap.platforms.seed import SeededChannel


class PlatformProbe(Protocol):
    channels: Sequence[SeededChannel]

    def public_channel(self, kind: str) -> SeededChannel: ...

    def private_channel(self) -> SeededChannel | None: ...  # None: the platform has none

    def newest_post_ids(self, channel: SeededChannel, count: int) -> list[str]: ...

    def missing_channel(self) -> Target: ...

    def missing_post(self, channel: SeededChannel) -> Target: ...

    def visible_to(self, channel: SeededChannel, country: str) -> bool: ...

    def post_visible_to(self, channel: SeededChannel, post_id: int, country: str) -> bool: ...

    def actions_with_key(self, key: str, channel: SeededChannel) -> list[dict[str, Any]]:
        """What the platform really did under this key to this channel (``reference`` each)."""
        ...

    def fail_next(self, calls: int, status: int, methods: Sequence[str] | None = None) -> None: ...

    def stall_next(self, calls: int, seconds: float, methods: Sequence[str] | None = None) -> None: ...

    def platform_with_token(self, token: str) -> Platform: ...

    def platform_with_timeout(self, seconds: float) -> Platform: ...


def new_key() -> str:
    return f"contract-{uuid.uuid4()}"


# ----------------------------------------------------------------------------- reading

def check_channel_info(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    info = platform.channel(seeded.target)
    assert info.username == seeded.username
    assert info.platform_id == str(seeded.internal_id)
    assert info.title == seeded.title
    assert info.subscribers == seeded.subscribers
    assert info.created_at is not None and info.created_at.utcoffset() == timedelta(0)
    if Capability.BLOCK_IN_COUNTRY in platform.capabilities:  # geo-blocking knows its audience
        assert info.country_audience and abs(sum(info.country_audience.values()) - 1) < 0.02
    assert not info.blocked_globally and info.blocked_countries == ()


def check_channel_info_of_private_channel(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.private_channel()
    if seeded is None:
        pytest.skip(f"{platform.name} has no private channels reachable by invite")
    by_invite = platform.channel(seeded.target)
    by_private_link = platform.channel(seeded.post_target())
    assert by_invite == by_private_link
    assert by_invite.username is None
    assert by_invite.invite_hash == seeded.invite_hash
    assert by_invite.platform_id == str(seeded.internal_id)


def check_recent_posts_newest_first(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    posts = platform.recent_posts(seeded.target, limit=3)
    expected = world.newest_post_ids(seeded, 3)
    assert [post.platform_id for post in posts] == expected
    assert all(post.channel_id == str(seeded.internal_id) and post.text for post in posts)
    assert all(post.posted_at is not None and post.posted_at.utcoffset() == timedelta(0)
               for post in posts)
    assert posts == sorted(posts, key=lambda post: post.posted_at, reverse=True)
    # A post target lists its channel's posts.
    assert platform.recent_posts(seeded.post_target(seeded.post_ids[0]), limit=3) == posts


# ----------------------------------------------------------------------------- acting

def check_block_global(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    assert world.visible_to(seeded, "ID")
    result = platform.block(seeded.target, Scope(), new_key())
    assert result.reference and not result.already_done
    assert platform.channel(seeded.target).blocked_globally
    assert not world.visible_to(seeded, "ID")
    assert not world.visible_to(seeded, "SG")


def check_block_in_one_country(platform: Platform, world: PlatformProbe) -> None:
    if Capability.BLOCK_IN_COUNTRY not in platform.capabilities:
        pytest.skip(f"{platform.name} cannot block per country")
    seeded = world.public_channel("hate")
    result = platform.block(seeded.target, Scope.parse(["ID"]), new_key())
    assert not result.already_done
    info = platform.channel(seeded.target)
    assert info.blocked_countries == ("ID",) and not info.blocked_globally
    assert not world.visible_to(seeded, "ID")  # invisible to Indonesian viewers ...
    assert world.visible_to(seeded, "SG")  # ... and to no one else
    assert world.visible_to(seeded, "MY")


def check_block_by_post_target_blocks_its_channel(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    platform.block(seeded.post_target(), Scope(), new_key())
    assert platform.channel(seeded.target).blocked_globally
    private = world.private_channel()
    if private is not None:
        platform.block(private.post_target(), Scope(), new_key())
        assert platform.channel(private.target).blocked_globally


def check_unblock(platform: Platform, world: PlatformProbe) -> None:
    if Capability.UNBLOCK not in platform.capabilities:
        pytest.skip(f"{platform.name} cannot unblock")
    seeded = world.public_channel("hate")
    platform.block(seeded.target, Scope(), new_key())
    platform.block(seeded.target, Scope.parse(["ID"]), new_key())
    result = platform.unblock(seeded.target, new_key())
    assert result.reference and not result.already_done
    info = platform.channel(seeded.target)
    assert not info.blocked_globally and info.blocked_countries == ()
    assert world.visible_to(seeded, "ID") and world.visible_to(seeded, "SG")
    assert platform.unblock(seeded.target, new_key()).already_done  # nothing left to lift


def check_unblock_refused_plainly_where_impossible(platform: Platform, world: PlatformProbe) -> None:
    if Capability.UNBLOCK in platform.capabilities:
        pytest.skip(f"{platform.name} can unblock")
    seeded = world.public_channel("hate")
    platform.block(seeded.target, Scope(), new_key())
    with pytest.raises(PlatformError) as refused:
        platform.unblock(seeded.target, new_key())
    assert not refused.value.transient and len(str(refused.value)) > 20  # a reason, in words
    assert platform.channel(seeded.target).blocked_globally  # nothing was half undone
    assert not world.visible_to(seeded, "ID")


def check_country_block_refused_where_impossible(platform: Platform, world: PlatformProbe) -> None:
    if Capability.BLOCK_IN_COUNTRY in platform.capabilities:
        pytest.skip(f"{platform.name} can block per country")
    seeded = world.public_channel("hate")
    with pytest.raises(PlatformError) as refused:
        platform.block(seeded.target, Scope.parse(["ID"]), new_key())
    assert not refused.value.transient and "countr" in str(refused.value)
    assert world.visible_to(seeded, "ID")  # a refused block did nothing


def check_remove_post(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    post_id = seeded.post_ids[-1]
    assert world.post_visible_to(seeded, post_id, "ID")
    result = platform.remove_post(seeded.post_target(post_id), new_key())
    assert result.reference and not result.already_done
    assert not world.post_visible_to(seeded, post_id, "ID")
    assert world.visible_to(seeded, "ID")  # the channel itself stays
    removed = {post.platform_id: post.removed for post in platform.recent_posts(seeded.target)}
    assert removed[str(post_id)] is True
    assert not any(flag for pid, flag in removed.items() if pid != str(post_id))


def check_remove_post_needs_a_post_target(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    with pytest.raises(PlatformError) as refused:
        platform.remove_post(seeded.target, new_key())
    assert not refused.value.transient


def check_repeated_key_acts_once(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    key = new_key()
    first = platform.block(seeded.target, Scope(), key)
    again = platform.block(seeded.target, Scope(), key)
    assert not first.already_done and again.already_done
    assert again.reference == first.reference
    assert [action["reference"] for action in world.actions_with_key(key, seeded)] == [first.reference]
    # Blocking what is already blocked, under a new key, is fine and says so.
    other = platform.block(seeded.target, Scope(), new_key())
    assert other.already_done
    assert len(world.actions_with_key(key, seeded)) == 1


# ----------------------------------------------------------------------------- failing

def check_unknown_target_is_not_found(platform: Platform, world: PlatformProbe) -> None:
    missing = world.missing_channel()
    with pytest.raises(TargetNotFound) as not_found:
        platform.channel(missing)
    assert not not_found.value.transient
    with pytest.raises(TargetNotFound):
        platform.block(missing, Scope(), new_key())
    seeded = world.public_channel("propaganda")
    with pytest.raises(TargetNotFound):
        platform.remove_post(world.missing_post(seeded), new_key())
    if world.private_channel() is not None:
        with pytest.raises(TargetNotFound):
            platform.channel(Target.invite("NoSuchInvite0000"))


def check_server_error_is_transient(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    world.fail_next(1, status=503)
    with pytest.raises(PlatformError) as unavailable:
        platform.channel(seeded.target)
    assert unavailable.value.transient and unavailable.value.status == 503
    assert not isinstance(unavailable.value, TargetNotFound)
    # The action itself failing: the retry with the same key acts, once.
    key = new_key()
    world.fail_next(1, status=503, methods=["POST"])
    with pytest.raises(PlatformError) as failed:
        platform.block(seeded.target, Scope(), key)
    assert failed.value.transient
    assert world.actions_with_key(key, seeded) == []
    result = platform.block(seeded.target, Scope(), key)
    assert not result.already_done and len(world.actions_with_key(key, seeded)) == 1


def check_rate_limit_is_transient(platform: Platform, world: PlatformProbe) -> None:
    world.fail_next(1, status=429)
    with pytest.raises(PlatformError) as limited:
        platform.channel(world.public_channel("ordinary").target)
    assert limited.value.transient and limited.value.status == 429


def check_timeout_is_transient_and_the_retry_acts_once(platform: Platform,
                                                       world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    impatient = world.platform_with_timeout(0.3)
    key = new_key()
    world.stall_next(1, seconds=0.9, methods=["POST"])
    with pytest.raises(PlatformError) as timed_out:
        impatient.block(seeded.target, Scope(), key)
    assert timed_out.value.transient
    # The platform carried the slow call out after the client gave up (as real ones do) ...
    done = _eventually(lambda: world.actions_with_key(key, seeded))
    # ... so the retry with the same key finds it done and does not act again.
    retry = platform.block(seeded.target, Scope(), key)
    assert retry.already_done and retry.reference == done[0]["reference"]
    assert len(world.actions_with_key(key, seeded)) == 1


def check_dropped_connection_is_transient(platform: Platform, world: PlatformProbe) -> None:
    seeded = world.public_channel("propaganda")
    world.fail_next(1, status=0, methods=["POST"])  # 0: hang up mid-answer
    with pytest.raises(PlatformError) as dropped:
        platform.block(seeded.target, Scope(), new_key())
    assert dropped.value.transient


def check_bad_credentials_are_permanent(platform: Platform, world: PlatformProbe) -> None:
    intruder = world.platform_with_token("not-the-token")
    with pytest.raises(PlatformError) as refused:
        intruder.channel(world.public_channel("propaganda").target)
    assert not refused.value.transient and refused.value.status == 401
    assert not isinstance(refused.value, TargetNotFound)
    assert "not-the-token" not in str(refused.value)


def check_names_itself_and_its_capabilities(platform: Platform, world: PlatformProbe) -> None:
    assert platform.name
    assert platform.capabilities and platform.capabilities <= set(Capability)


def _eventually(probe: Callable[[], list[dict[str, Any]]], within_s: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within_s
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing happened within {within_s} s")
        time.sleep(0.05)
    return found


CONTRACT: tuple[Callable[[Platform, PlatformProbe], None], ...] = (
    check_names_itself_and_its_capabilities,
    check_channel_info,
    check_channel_info_of_private_channel,
    check_recent_posts_newest_first,
    check_block_global,
    check_block_in_one_country,
    check_block_by_post_target_blocks_its_channel,
    check_unblock,
    check_unblock_refused_plainly_where_impossible,
    check_country_block_refused_where_impossible,
    check_remove_post,
    check_remove_post_needs_a_post_target,
    check_repeated_key_acts_once,
    check_unknown_target_is_not_found,
    check_server_error_is_transient,
    check_rate_limit_is_transient,
    check_timeout_is_transient_and_the_retry_acts_once,
    check_dropped_connection_is_transient,
    check_bad_credentials_are_permanent,
)
