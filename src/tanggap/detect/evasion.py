"""Ban evasion: does a new channel look like the re-creation of a blocked one?

Re-created channels keep what their audience needs to find them again: a handle one edit away
(`kabar_daulah` → `kabar_daulah2`, `kabar_dau1ah`), the same title and description, the same
avatar, and re-posted releases. Each resemblance is scored and explained separately, so the
moderator sees *why* and can disagree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

LEET = str.maketrans("013457@$", "oleastas")
PDQ_MATCH_DISTANCE = 31  # threatexchange's recommended PDQ threshold
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ChannelProfile:
    key: str  # the case target or platform id, for the explanation
    username: str | None
    title: str
    description: str
    avatar_pdq: str | None = None  # 64 hex digits
    post_fingerprints: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Resemblance:
    blocked_key: str
    score: float  # 0..1
    reasons: tuple[str, ...]


def post_fingerprint(text: str) -> str:
    """Re-posts differ in spacing and case; the words are the same."""
    words = " ".join(WORD.findall(text.lower()))
    return hashlib.sha256(words.encode()).hexdigest()[:32]


def profile_of(key: str, username: str | None, title: str, description: str,
               posts: Iterable[str], avatar_pdq: str | None = None) -> ChannelProfile:
    fingerprints = frozenset(post_fingerprint(p) for p in posts if len(WORD.findall(p)) >= 4)
    return ChannelProfile(key, username, title, description, avatar_pdq, fingerprints)


def resemblance(new: ChannelProfile, blocked: ChannelProfile) -> Resemblance:
    parts: list[tuple[float, str]] = []
    if new.username and blocked.username:
        handle = _similarity(_skeleton(new.username), _skeleton(blocked.username))
        if handle >= 0.75:
            parts.append((handle, f"handle @{new.username} is {handle:.0%} like blocked @{blocked.username}"))
    title = _jaccard(new.title, blocked.title)
    if title >= 0.5:
        parts.append((title, f"title shares {title:.0%} of its words with the blocked channel's"))
    description = _jaccard(new.description, blocked.description)
    if description >= 0.6:
        parts.append((description * 0.8, f"description shares {description:.0%} of its words"))
    if new.avatar_pdq and blocked.avatar_pdq:
        distance = _hamming(new.avatar_pdq, blocked.avatar_pdq)
        if distance <= PDQ_MATCH_DISTANCE:
            parts.append((1.0 - distance / 256, f"avatar matches (PDQ distance {distance})"))
    if new.post_fingerprints and blocked.post_fingerprints:
        shared = len(new.post_fingerprints & blocked.post_fingerprints)
        if shared:
            share = shared / min(len(new.post_fingerprints), len(blocked.post_fingerprints))
            parts.append((min(1.0, 0.5 + share), f"{shared} post(s) re-posted from the blocked channel"))
    # Independent resemblances add up (noisy-OR): one weak likeness is not enough on its own.
    remaining = 1.0
    for strength, _ in parts:
        remaining *= 1.0 - 0.7 * strength
    return Resemblance(blocked.key, round(1.0 - remaining, 3), tuple(reason for _, reason in parts))


def likely_recreations(new: ChannelProfile, blocked: Iterable[ChannelProfile],
                       threshold: float = 0.6) -> list[Resemblance]:
    found = [resemblance(new, old) for old in blocked if old.key != new.key]
    return sorted((r for r in found if r.score >= threshold), key=lambda r: -r.score)


def _skeleton(username: str) -> str:
    """What stays when evaders change digits, underscores and leetspeak."""
    return re.sub(r"[\d_]+$", "", username.lower().translate(LEET)).replace("_", "")


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return Levenshtein.normalized_similarity(a, b)


def _jaccard(a: str, b: str) -> float:
    words_a, words_b = set(WORD.findall(a.lower())), set(WORD.findall(b.lower()))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


def _hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")
