"""The post stream's scan: score posts as they are published, hash their media against the
banks, roll the channel's risk up and open a `proactive` case when it crosses the threshold.

Runs inside `tanggap worker scan` processes (any number, on any machine) that share a consumer
group; a post delivered twice (a worker killed before its ack) is recognised by its platform,
channel, post id and content hash and changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import socket
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tanggap.detect.banks.service import match_media
from tanggap.detect.channel_risk import POST_SCORE_FLOOR, PostEvidence, channel_risk
from tanggap.domain.events import Event, PostSeen
from tanggap.domain.model import new_id
from tanggap.domain.signals import Signal
from tanggap.domain.targets import Target
from tanggap.services.scan import PostScorer, open_proactive_case
from tanggap.store import stream
from tanggap.store.uow import Store


class MediaSource(Protocol):
    def get(self, sha256: str) -> bytes | None: ...


class DirectoryMedia:
    """Media bytes stored by their SHA-256 (`ab/abcdef…`): the stream carries references only."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        path = self.path(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return sha256

    def get(self, sha256: str) -> bytes | None:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None  # a reference is a digest, never a path
        path = self.path(sha256)
        return path.read_bytes() if path.exists() else None


@dataclass(frozen=True)
class StreamScanSettings:
    threshold: float = 0.8  # channel risk at which a proactive case is opened
    evidence_posts: int = 20  # the channel's strongest scanned posts that its risk is computed from


def content_hash(post: PostSeen) -> str:
    return hashlib.sha256("\0".join([post.text, *post.media_sha256]).encode()).hexdigest()


class StreamScanner:
    def __init__(self, store: Store, scorer: PostScorer, media: MediaSource | None = None,
                 settings: StreamScanSettings = StreamScanSettings(), worker: str | None = None):
        self.store, self.scorer, self.media, self.settings = store, scorer, media, settings
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"

    def handle(self, events: Sequence[Event]) -> None:
        posts = [event for event in events if isinstance(event, PostSeen) and event.kind != "deleted"]
        if not posts:
            return
        scores = self.scorer.score_posts([post.text for post in posts])
        matches = self._media_matches(posts)
        with self.store.uow() as uow:
            now = uow.clock.now()
            rows = [{"id": new_id(), "platform": post.platform, "post_id": post.post_id,
                     "content_hash": content_hash(post), "channel": post.channel, "score": score.score,
                     "terms": list(score.terms), "hash_matches": len(matches.get(post.post_id, ())),
                     "scanned_at": now, "worker": self.worker} for post, score in zip(posts, scores, strict=False)]
            new_rows = stream.record_scanned(uow.session, rows, now)
            risky = sorted({(row["platform"], row["channel"]) for row in new_rows
                            if row["score"] >= POST_SCORE_FLOOR or row["hash_matches"]})
            to_open = [found for key in risky if (found := self._roll_up(uow, key, posts, matches))]
            uow.commit()
        subscribers = {(post.platform, post.channel): post.subscribers for post in posts}
        for (platform, channel), risk in to_open:
            signals = [Signal("channel_risk", risk.score, f"channel risk {risk.score:.2f} (post stream, "
                              f"{self.scorer.name})", {"explanation": list(risk.explanation)}), *risk.signals]
            case_id = open_proactive_case(self.store, Target.channel(channel), signals,
                                          subscribers.get((platform, channel)))
            if case_id:
                with self.store.uow() as uow:
                    stream.set_channel_risk(uow.session, platform, channel, risk.score, case_id)
                    uow.commit()

    def _media_matches(self, posts: Sequence[PostSeen]) -> dict[str, list[Signal]]:
        if self.media is None:
            return {}
        items = [(f"{post.post_id} {sha}", content) for post in posts for sha in post.media_sha256
                 if (content := self.media.get(sha)) is not None]
        found: dict[str, list[Signal]] = {}
        for match in match_media(self.store, items) if items else []:
            if match.signals:
                found.setdefault(match.item_id.split(" ", 1)[0], []).extend(match.signals)
        return found

    def _roll_up(self, uow, key: tuple[str, str], posts, matches):
        """The channel's risk from its strongest scanned posts (and this batch's hash matches),
        kept on its row; returns (key, risk) when a case should be opened for it."""
        platform, channel = key
        state = stream.channel_state(uow.session, platform, channel)
        if state and state["case_id"]:
            return None  # a case is open already: the moderator has it
        strongest = stream.strongest_posts(uow.session, platform, channel, self.settings.evidence_posts)
        evidence = [PostEvidence(row["post_id"], row["score"], tuple(row["terms"])) for row in strongest]
        hash_signals = tuple(signal for post in posts if (post.platform, post.channel) == key
                             for signal in matches.get(post.post_id, ()))
        if hash_signals:
            evidence.append(PostEvidence("media", None, (), hash_signals))
        risk = channel_risk(evidence)
        stream.set_channel_risk(uow.session, platform, channel, risk.score, None)
        return (key, risk) if risk.score >= self.settings.threshold else None

def posts_of_platform(platform, media: DirectoryMedia | None, max_channels: int | None = None,
                      posts_per_channel: int = 20) -> list[PostSeen]:
    """The post stream a platform would publish, read from its public channels (for platforms
    that cannot publish events themselves, the demo and the load test)."""
    from tanggap.platforms.interface import PlatformError
    from tanggap.services.scan import ScanSettings, _public_channels

    events = []
    for channel in _public_channels(platform, ScanSettings(max_channels=max_channels)):
        username = channel.username or ""  # a public channel has one; Target.channel refuses ""
        for post in platform.recent_posts(Target.channel(username), posts_per_channel):
            if post.removed:
                continue
            digests = []
            for reference in post.media if media is not None else ():
                try:
                    content = platform.media(reference)
                except PlatformError:
                    continue
                if media is not None:
                    digests.append(media.put(content))
            events.append(PostSeen(platform.name, username, post.platform_id, post.text,
                                   tuple(digests), subscribers=channel.subscribers))
    return events


def message_id(post: PostSeen) -> str:
    """The post's identity on the stream: a re-publish of the same content is a duplicate."""
    return f"{post.platform}:{post.channel}:{post.post_id}:{content_hash(post)}"
