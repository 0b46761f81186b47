"""Channel risk: post-level signals rolled up into one score per channel, with the reasons.

A channel is as risky as its worst evidence, and several independent pieces of evidence
together are stronger than any one (noisy-OR). Weak classifier scores are ignored: twenty
posts at 0.3 are twenty posts the classifier is unsure about, not one certain one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tanggap.domain.signals import Signal

POST_SCORE_FLOOR = 0.5  # below this a post's classifier score is not evidence
TOP_POSTS = 5  # the strongest posts speak for the channel; the rest would only add noise


@dataclass(frozen=True)
class PostEvidence:
    post_id: str
    classifier_score: float | None = None
    lexicon_terms: tuple[str, ...] = ()  # high/medium-specificity terms found
    hash_matches: tuple[Signal, ...] = ()  # from the hash banks


@dataclass(frozen=True)
class ChannelRisk:
    score: float
    explanation: tuple[str, ...]
    signals: tuple[Signal, ...]


def channel_risk(posts: Sequence[PostEvidence], extra: Sequence[Signal] = ()) -> ChannelRisk:
    scored = sorted((p for p in posts if (p.classifier_score or 0) >= POST_SCORE_FLOOR),
                    key=lambda p: -(p.classifier_score or 0))[:TOP_POSTS]
    signals: list[Signal] = []
    if scored:
        best = scored[0].classifier_score or 0.0
        signals.append(Signal("classifier", round(best, 3),
                              f"{len(scored)} of {len(posts)} posts score ≥ {POST_SCORE_FLOOR} "
                              f"(highest {best:.2f}, post {scored[0].post_id})",
                              {"posts": [p.post_id for p in scored]}))
    terms = sorted({t for p in posts for t in p.lexicon_terms})
    if terms:
        with_terms = sum(1 for p in posts if p.lexicon_terms)
        signals.append(Signal("lexicon", min(0.8, 0.3 + 0.1 * len(terms)),
                              f"{with_terms} post(s) use {', '.join(terms[:6])}", {"terms": terms}))
    signals.extend(match for p in posts for match in p.hash_matches)
    signals.extend(extra)
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - signal.strength
    score = round(1.0 - remaining, 3)
    explanation = tuple(s.explanation for s in sorted(signals, key=lambda s: -s.strength))
    return ChannelRisk(score, explanation, tuple(signals))
