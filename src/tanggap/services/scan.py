"""Proactive scan: read the platform's public channels, score them, open `proactive` cases.

The platform finds the next channels before the ministry does. Each channel's posts are scored
(classifier and lexicon), rolled up into a channel risk with its reasons, compared with channels
already blocked (ban evasion), and a case is opened above the threshold, carrying its signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from tanggap.detect.language import detect_language
from tanggap.detect.channel_risk import PostEvidence, channel_risk
from tanggap.detect.evasion import ChannelProfile, likely_recreations, profile_of
from tanggap.domain.access import SYSTEM
from tanggap.domain.model import Case, CaseState, Source
from tanggap.domain.signals import Signal
from tanggap.domain.targets import Target
from tanggap.platforms.interface import Capability, ChannelInfo, Platform, PlatformError
from tanggap.services.automatic import AutoBlockRule, auto_block, qualifying_match
from tanggap.services.enforcement import carry_out
from tanggap.services.signals import media_signals, record_signals
from tanggap.store.views import blocked_targets
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostScore:
    score: float  # a probability of terrorist advocacy: channel risk combines it by noisy-OR
    terms: tuple[str, ...] = ()  # lexicon terms of high or medium specificity


class PostScorer(Protocol):
    name: str

    def score_posts(self, texts: list[str]) -> list[PostScore]: ...


class ModelScorer:
    """The live classifier, with the lexicon's high- and medium-specificity terms per post."""

    def __init__(self, model):
        self.model = model
        self.name = f"classifier {model.version}"

    def score_posts(self, texts: list[str]) -> list[PostScore]:
        normalised = self.model.normalise(texts)
        # the calibrated gate, not the banded ranking score: channel risk needs a probability
        scores = self.model.probabilities_normalised(normalised)
        return [PostScore(float(score), tuple(sorted({hit.term for hit in item.hits
                                                      if hit.specificity in ("high", "medium")})))
                for score, item in zip(scores, normalised, strict=True)]


@dataclass(frozen=True)
class ScanSettings:
    threshold: float = 0.8  # channel risk at which a proactive case is opened
    posts_per_channel: int = 20
    page_size: int = 100
    max_channels: int | None = None
    media_per_channel: int = 5  # images fetched and hashed against the banks, newest first
    auto_block: AutoBlockRule = AutoBlockRule()  # off unless configured


@dataclass
class ScanReport:
    channels: int = 0
    posts: int = 0
    cases_opened: list[str] = field(default_factory=list)
    signals_added: int = 0
    hash_matches: int = 0  # media items that matched a hash bank
    auto_blocked: list[str] = field(default_factory=list)
    recreations: int = 0
    errors: int = 0


def scan(store: Store, platform: Platform, scorer: PostScorer, settings: ScanSettings = ScanSettings(),
         progress: Callable[[int], None] | None = None) -> ScanReport:
    if Capability.LIST_PUBLIC not in platform.capabilities:
        raise ValueError(f"platform {platform.name} cannot list public channels")
    report = ScanReport()
    blocked = _blocked_profiles(store, platform)
    for channel in _public_channels(platform, settings):
        report.channels += 1
        try:
            _scan_channel(store, platform, scorer, settings, channel, blocked, report)
        except PlatformError as error:  # one channel's trouble does not end the scan
            report.errors += 1
            log.info("scan skipped a channel", extra={"error": str(error)[:200]})
        if progress:
            progress(report.channels)
    return report


def _scan_channel(store, platform, scorer, settings, channel: ChannelInfo, blocked, report) -> None:
    # Matrix rooms name themselves; a Telegram channel without a username is refused by Target.channel.
    target = channel.target or Target.channel(channel.username or "")
    posts = [p for p in platform.recent_posts(target, settings.posts_per_channel) if not p.removed]
    report.posts += len(posts)
    scores = scorer.score_posts([p.text for p in posts]) if posts else []
    matches = media_signals(store, platform, posts, settings.media_per_channel)
    report.hash_matches += sum(len(found) for found in matches.values())
    evidence = [PostEvidence(p.platform_id, s.score, s.terms, tuple(matches.get(p.platform_id, ())))
                for p, s in zip(posts, scores, strict=False)]
    profile = profile_of(target.canonical, channel.username, channel.title, channel.description,
                         [p.text for p in posts])
    extra = [Signal("evasion", r.score, f"likely re-creation of blocked {r.blocked_key}: " + "; ".join(r.reasons),
                    {"blocked": r.blocked_key}) for r in likely_recreations(profile, blocked)]
    report.recreations += len(extra)
    risk = channel_risk(evidence, extra)
    if risk.score < settings.threshold:
        return
    signals = [Signal("channel_risk", risk.score, f"channel risk {risk.score:.2f} ({scorer.name})",
                      {"explanation": list(risk.explanation)}), *risk.signals]
    # Routed by language like any case: a proactive case is never left as "?" for every reader.
    language = detect_language([p.text for p in posts] + [channel.title, channel.description])
    opened = open_proactive_case(store, target, signals, channel.subscribers, language)
    if opened:
        report.cases_opened.append(opened)
        match = qualifying_match([m for p in evidence for m in p.hash_matches], settings.auto_block)
        if match is not None:
            outcome = auto_block(store, opened, match)
            if outcome.enforcement_id:
                carry_out(store, platform, outcome.enforcement_id)
            report.auto_blocked.append(opened)
    report.signals_added += len(signals)


def open_proactive_case(store: Store, target: Target, signals: list[Signal], subscribers: int | None,
                        language: str | None = None) -> str | None:
    """A queued case with source `proactive` and its signals; on an existing case, add the signals.
    Returns the id of a newly opened case."""
    with store.uow() as uow:
        now = uow.clock.now()
        existing = uow.cases.by_targets([target], lock=True).get(target)
        case = existing
        if case is None:
            case = uow.cases.add_all_or_existing([Case.open(target, now, SYSTEM.actor)])[target]
        if case.source is None:
            case.source = Source.PROACTIVE
        case.subscribers = case.subscribers or subscribers
        case.language = case.language or language
        if case.state == CaseState.NEW:
            case.step("triage", now, SYSTEM.actor, source="proactive")
        record_signals(uow, case.id, signals, now)
        uow.commit()
        return case.id if existing is None else None


def _public_channels(platform: Platform, settings: ScanSettings) -> Iterator[ChannelInfo]:
    after, seen = None, 0
    while True:
        page = platform.public_channels(after, settings.page_size)
        if not page:
            return
        for channel in page:
            if channel.blocked_globally or not (channel.username or channel.target):
                continue
            yield channel
            seen += 1
            if settings.max_channels and seen >= settings.max_channels:
                return
        after = page[-1].platform_id


def _blocked_profiles(store: Store, platform: Platform) -> list[ChannelProfile]:
    """Channels we blocked, as they looked: what a re-creation would copy."""
    with store.uow(read_only=True) as uow:
        blocked = blocked_targets(uow.session)
    profiles = []
    for target in blocked:
        try:
            channel = platform.channel(target)
            posts = platform.recent_posts(target, 20)
        except PlatformError:
            continue
        profiles.append(profile_of(target.canonical, channel.username, channel.title,
                                   channel.description, [p.text for p in posts]))
    return profiles
