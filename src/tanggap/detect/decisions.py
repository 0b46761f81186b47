"""Moderators' decisions as labels: every decision teaches the next model.

A case's latest *effective* decision labels the posts of its target: the posts the moderator saw,
from the evidence snapshot taken at decision time (services/evidence.py), or, for a decision
without one, read from the platform (``recent_posts(target, 20)``):

- ``block`` or ``remove_post`` with reason code ``terrorist_content`` (or, without a code, a
  reason that mentions terror / teror) -> positive;
- ``no_action`` -> negative (except ``not_reachable``: nothing was looked at);
- anything else (gambling, hate speech, pending four-eyes proposals, decisions reversed on
  appeal) -> not a label for this model.

A channel-level decision labels every recent post of the channel, although not every post of a
blocked channel is propaganda: those examples weigh half. A post-level decision labels that
post alone, at full weight.

The hold-out is drawn per case (a stable hash of the target), so that the posts of one channel
never sit on both sides; texts already in the base data's test split never enter training.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from tanggap.detect.corpus import Example, in_holdout
from tanggap.domain.targets import Target, TargetKind
from tanggap.platforms.interface import Platform, PlatformError, Post
from tanggap.store.tables import cases, decisions

POSITIVE_ACTIONS = {"block", "remove_post"}
POSITIVE_REASON_CODES = {"terrorist_content"}
NOT_LOOKED_AT = {"not_reachable"}
TERROR_WORDS = re.compile(r"terror|teror", re.IGNORECASE)
POSTS_PER_TARGET = 20
CHANNEL_LEVEL_WEIGHT = 0.5


@dataclass(frozen=True)
class LabelledCase:
    case_id: str
    target: Target
    label: int
    decision_id: str


@dataclass(frozen=True)
class DecisionExample:
    case_id: str
    target: str
    example: Example


@dataclass
class Harvest:
    examples: list[DecisionExample] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def label_of(action: str, reason_code: str | None, reason: str | None) -> int | None:
    if action in POSITIVE_ACTIONS:
        if reason_code in POSITIVE_REASON_CODES:
            return 1
        if reason_code is None and TERROR_WORDS.search(reason or ""):
            return 1
        return None
    if action == "no_action" and reason_code not in NOT_LOOKED_AT:
        return 0
    return None


def labelled_cases(store) -> list[LabelledCase]:
    """Each case's latest effective decision, where it is a label."""
    query = (select(decisions.c.id, decisions.c.case_id, decisions.c.action, decisions.c.reason_code,
                    decisions.c.reason, decisions.c.status, decisions.c.decided_at, cases.c.target)
             .join(cases, cases.c.id == decisions.c.case_id)
             .order_by(decisions.c.case_id, decisions.c.decided_at, decisions.c.id))
    latest: dict[str, Any] = {}  # case id -> its latest decision's row
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            if _value(row.status) == "effective":
                latest[row.case_id] = row
    labelled = []
    for case_id, row in latest.items():
        label = label_of(_value(row.action), row.reason_code, row.reason)
        if label is not None:
            labelled.append(LabelledCase(case_id, row.target, label, row.id))
    return labelled


def _value(member) -> str:
    return getattr(member, "value", member)


def harvest(store, platform: Platform, posts_per_target: int = POSTS_PER_TARGET) -> Harvest:
    """Decision-labelled examples, read from the store and the platform."""
    result = Harvest()
    labelled = labelled_cases(store)
    frozen = _snapshot_posts(store, [case.decision_id for case in labelled])
    for case in labelled:
        # What the moderator saw when deciding, frozen then; the platform's present only without it.
        posts = frozen.get(case.decision_id)
        if posts is not None:
            result.counts["cases from snapshots"] += 1
        else:
            try:
                posts = platform.recent_posts(case.target, posts_per_target)
            except PlatformError:
                result.counts["targets unreadable"] += 1
                continue
        post_level = case.target.kind in (TargetKind.POST, TargetKind.PRIVATE_POST) and case.target.post_id
        if post_level:
            chosen = [p for p in posts if p.platform_id == str(case.target.post_id)]
            posts, weight = (chosen, 1.0) if chosen else (posts, CHANNEL_LEVEL_WEIGHT)
        else:
            weight = CHANNEL_LEVEL_WEIGHT
        texts = [p.text for p in posts if p.text and p.text.strip()]
        result.counts["cases positive" if case.label else "cases negative"] += 1
        for text in texts:
            result.examples.append(DecisionExample(case.case_id, str(case.target), Example(
                text, case.label, "decisions", getattr(platform, "name", "platform"), weight=weight)))
        result.counts["posts positive" if case.label else "posts negative"] += len(texts)
    return result


def _snapshot_posts(store, decision_ids: list[str]) -> dict[str, list[Post]]:
    from tanggap.services.evidence import snapshots_for_decisions

    found = {}
    for decision_id, snapshot in snapshots_for_decisions(store.uow(read_only=True), decision_ids).items():
        if snapshot.posts:
            found[decision_id] = [Post(str(p.get("platform_id")), str((snapshot.channel or {}).get("platform_id", "")),
                                       p.get("text") or "", None) for p in snapshot.posts]
    return found


def split_harvest(harvested: Sequence[DecisionExample], base_train: Iterable[Example],
                  base_test: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(train, hold-out). Hold-out by case; no text on both sides; no base test text trained on;
    no hold-out text that a model already saw in the base training data."""
    base_train_keys = {e.key for e in base_train}
    base_test_keys = {e.key for e in base_test}
    holdout: list[Example] = []
    train: list[Example] = []
    for item in harvested:
        (holdout if in_holdout(item.target) else train).append(item.example)
    holdout = _unique(e for e in holdout if e.key not in base_train_keys)
    holdout_keys = {e.key for e in holdout}
    train = _unique(e for e in train if e.key not in base_test_keys | holdout_keys)
    return train, holdout


def _unique(examples: Iterable[Example]) -> list[Example]:
    """One example per text; a text labelled both ways (reposted to a blocked and a cleared
    channel) is dropped."""
    by_key: dict[str, Example] = {}
    conflicted: set[str] = set()
    for example in examples:
        kept = by_key.setdefault(example.key, example)
        if kept.label != example.label:
            conflicted.add(example.key)
    return [e for key, e in by_key.items() if key not in conflicted]


def to_jsonl(examples: Iterable[Example]) -> str:
    return "".join(json.dumps({"text": e.text, "label": e.label, "source": e.source, "weight": e.weight},
                              ensure_ascii=False) + "\n" for e in examples)


def from_jsonl(text: str) -> list[Example]:
    examples = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(Example(row["text"], int(row["label"]), "decisions", row.get("source", "platform"),
                                    weight=float(row.get("weight", 1.0))))
    return examples
