"""Statements of reasons: one for every decision (a decision not to restrict included), and one
for every reversal.

Each statement carries the DSA Transparency Database fields (checked against its rules) and
our own: the full country scope (an Indonesia-only block has no EU scope, so it is kept here and
not sent to the EU database), the orders behind the decision, and the route of appeal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tanggap.domain.access import SYSTEM
from tanggap.domain.dsa import EARLIEST, EEA_COUNTRIES, problems
from tanggap.domain.policy import PolicyTaxonomy
from tanggap.services.evidence import Snapshot, snapshots_for_decisions
from tanggap.store.accountability import DecisionRow, decision_rows, reversed_decision_rows
from tanggap.store.uow import UnitOfWork

TAXONOMY = PolicyTaxonomy()
RESTRICTIONS = {"block", "remove_post", "restrict"}
# The DSA category when the moderator gave no policy reason: from the case's category.
CATEGORY_FOR = {
    "terrorism": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "csam": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "public_order": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "hate_speech": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "gambling": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
}
KEYWORDS_FOR = {"terrorism": ["KEYWORD_TERRORIST_CONTENT"], "csam": ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]}


@dataclass(frozen=True)
class Statement:
    puid: str
    kind: str  # decision | reversal
    decision_id: str
    case_id: str
    target: str
    dsa: dict[str, Any]
    own: dict[str, Any]  # fields the DSA schema has no place for
    dsa_problems: dict[str, str]
    not_for_dsa: str | None  # why it is not sent to the EU database (None: it is)

    @property
    def submittable(self) -> bool:
        return self.not_for_dsa is None and not self.dsa_problems

    def as_json(self) -> dict[str, Any]:
        return {"puid": self.puid, "kind": self.kind, "decision_id": self.decision_id, "case_id": self.case_id,
                "target": self.target, "dsa": self.dsa, "dsa_submittable": self.submittable,
                "not_for_dsa": self.not_for_dsa, "dsa_problems": self.dsa_problems, **self.own}


def statements_since(uow: UnitOfWork, since: datetime, appeal_url: str,
                     until: datetime | None = None) -> list[Statement]:
    with uow:
        rows = decision_rows(uow.session, since, until)
        # A reversal is told in the window it happened in, also for a decision taken before it
        # (the same puid as when it is told with its decision: delivered and notified once).
        reversed_earlier = reversed_decision_rows(uow.session, since, until)
    snapshots = snapshots_for_decisions(uow, [row.decision_id for row in rows]) if rows else {}
    found: list[Statement] = []
    for row in rows:
        if row.action not in RESTRICTIONS:
            found.append(no_restriction_for(row, appeal_url))
            continue
        found.append(statement_for(row, appeal_url, snapshots.get(row.decision_id)))
        if row.status == "reversed":
            found.append(reversal_for(row, appeal_url))
    found += [reversal_for(row, appeal_url) for row in reversed_earlier if row.action in RESTRICTIONS]
    return found


def statement_for(row: DecisionRow, appeal_url: str, snapshot: Snapshot | None = None) -> Statement:
    """From the decision and the evidence frozen when it was taken (not the platform's present)."""
    dsa = _dsa_fields(row, snapshot)
    eu_scope = dsa["territorial_scope"]
    not_for_dsa = None if eu_scope else (
        f"the restriction applies only outside the EU/EEA ({', '.join(row.countries)})")
    own = _own(row, appeal_url)
    if snapshot is not None:
        own["evidence"] = {"snapshot_sha256": snapshot.sha256, "taken_at": _iso(snapshot.taken_at),
                           "posts": len(snapshot.posts),
                           "channel_title": (snapshot.channel or {}).get("title")}
    return Statement(row.decision_id, "decision", row.decision_id, row.case_id, row.target, dsa,
                     own, problems(dsa) if not not_for_dsa else {}, not_for_dsa)


def no_restriction_for(row: DecisionRow, appeal_url: str) -> Statement:
    """A decision not to act (e.g. on an order): the reasons go to whoever asked; the EU database
    takes statements of restrictions only (DSA Art. 17, 24(5))."""
    return Statement(row.decision_id, "no_restriction", row.decision_id, row.case_id, row.target, {},
                     _own(row, appeal_url), {}, "no restriction was imposed")


def reversal_for(row: DecisionRow, appeal_url: str) -> Statement:
    """The restriction was lifted: the owner is told; the EU database records restrictions only."""
    own = _own(row, appeal_url)
    own.update(reversed_at=_iso(row.reversed_at), lifted=row.action)
    return Statement(f"{row.decision_id}-reversal", "reversal", row.decision_id, row.case_id, row.target, {},
                     own, {}, "a lifted restriction is not a statement the EU database takes")


def _dsa_fields(row: DecisionRow, snapshot: Snapshot | None = None) -> dict[str, Any]:
    reason = TAXONOMY.by_code.get(row.reason_code or "")
    category = (reason.dsa_category if reason and reason.dsa_category else None) \
        or CATEGORY_FOR.get(row.category or "", "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE")
    keywords = list(reason.dsa_keywords) if reason and reason.dsa_keywords else KEYWORDS_FOR.get(row.category or "")
    legal_ground = row.legal_basis or next((basis for _, _, basis in row.order_references if basis), None)
    applied = row.enforced_at or row.approved_at or row.decided_at
    fields: dict[str, Any] = {
        **_restriction(row),
        "category": category,
        "content_type": _content_types(row, snapshot),
        "territorial_scope": _eu_scope(row.countries),
        "content_date": _content_date(row, snapshot).isoformat(),
        "application_date": max(applied.date(), _content_date(row, snapshot)).isoformat(),
        "decision_facts": _facts(row)[:5000],
        **_source(row),
        "automated_detection": "Yes" if row.source == "proactive" else "No",
        "automated_decision": "AUTOMATED_DECISION_FULLY" if row.decided_by == SYSTEM.id
        else "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": row.decision_id,
    }
    if "CONTENT_TYPE_OTHER" in fields["content_type"]:
        fields["content_type_other"] = "messaging channel (its posts, media and profile)"
    if keywords:
        fields["category_specification"] = keywords
    if row.language and len(row.language) == 2:
        fields["content_language"] = row.language.upper()
    if legal_ground:
        fields.update(decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
                      illegal_content_legal_ground=legal_ground[:500],
                      illegal_content_explanation=row.reason[:2000])
    else:
        fields.update(decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
                      incompatible_content_ground=(reason.label if reason else "Terms of service")[:500],
                      incompatible_content_explanation=row.reason[:2000],
                      incompatible_content_illegal="Yes" if row.category in CATEGORY_FOR else "No")
    return fields


def _content_types(row: DecisionRow, snapshot: Snapshot | None) -> list[str]:
    """What the restricted content was, as the snapshot shows it: text, and images or videos."""
    if snapshot is None or not snapshot.posts:
        return ["CONTENT_TYPE_TEXT"] if row.kind in {"post", "private_post"} else ["CONTENT_TYPE_OTHER"]
    posts = snapshot.posts
    if row.kind in {"post", "private_post"}:
        wanted = row.target.rstrip("/").rsplit("/", 1)[-1]
        posts = [p for p in posts if str(p.get("platform_id")) == wanted] or posts
    references = [str(m.get("reference", "")).lower() for p in posts for m in p.get("media") or []]
    videos = [r for r in references if r.endswith((".mp4", ".webm", ".mov", ".mkv"))]
    images = [r for r in references if r.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp"))]
    found = []
    if any((p.get("text") or "").strip() for p in posts):
        found.append("CONTENT_TYPE_TEXT")
    if videos:
        found.append("CONTENT_TYPE_VIDEO")
    if images:
        found.append("CONTENT_TYPE_IMAGE")
    # Media of a kind its name does not tell, or the channel itself (its profile with its posts).
    if len(videos) + len(images) < len(references) or row.kind not in {"post", "private_post"} or not found:
        found.append("CONTENT_TYPE_OTHER")
    return found


def _content_date(row: DecisionRow, snapshot: Snapshot | None) -> date:
    """When the content was published: the earliest post the moderator saw, else when we first
    knew of it."""
    dates = [p["posted_at"][:10] for p in (snapshot.posts if snapshot else []) if p.get("posted_at")]
    earliest = min((date.fromisoformat(d) for d in dates), default=row.case_created_at.date())
    return max(earliest, EARLIEST)


def _restriction(row: DecisionRow) -> dict[str, Any]:
    if row.action == "remove_post":
        return {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]}
    if row.action == "restrict":
        return {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"]}
    # A blocked channel: its content disabled (for everyone, or for viewers in some countries);
    # a worldwide block also suspends the service to the channel.
    if row.countries:
        return {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]}
    return {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
            "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION"}


def _eu_scope(countries: tuple[str, ...]) -> list[str]:
    if not countries:
        return list(EEA_COUNTRIES)
    return [code for code in countries if code in EEA_COUNTRIES]


def _source(row: DecisionRow) -> dict[str, Any]:
    if row.order_references:
        authority, reference, _ = row.order_references[0]
        identity = f"{authority}, order {reference}" if reference else authority
        return {"source_type": "SOURCE_TYPE_OTHER_NOTIFICATION", "source_identity": identity[:500]}
    if row.trusted_flagger:
        return {"source_type": "SOURCE_TRUSTED_FLAGGER"}
    if row.source == "report":
        return {"source_type": "SOURCE_ARTICLE_16"}
    return {"source_type": "SOURCE_VOLUNTARY"}


def _facts(row: DecisionRow) -> str:
    scope = "worldwide" if not row.countries else "for viewers in " + ", ".join(row.countries)
    what = {"block": f"The channel {row.target} was blocked {scope}",
            "remove_post": f"The post {row.target} was removed",
            "restrict": f"Interaction with {row.target} was restricted"}.get(row.action, f"{row.target}: {row.action}")
    orders = "; ".join(f"{a} order {r}" if r else f"{a} order" for a, r, _ in row.order_references)
    return f"{what}. Reason: {row.reason}." + (f" Ordered by: {orders}." if orders else "")


def _own(row: DecisionRow, appeal_url: str) -> dict[str, Any]:
    return {
        "action": row.action, "scope": list(row.countries) or "global",
        "territorial_scope_all": list(row.countries) or ["worldwide"],
        "category_tanggap": row.category, "reason": row.reason, "reason_code": row.reason_code,
        "legal_basis": row.legal_basis, "decided_at": _iso(row.decided_at), "enforced_at": _iso(row.enforced_at),
        "orders": [{"authority": a, "reference": r, "legal_basis": b} for a, r, b in row.order_references],
        "appeal": {"url": appeal_url, "how": "Send the channel address and your grounds within 6 months "
                   "(DSA Art. 20); someone who did not take the decision reviews it."},
        "status": row.status,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def write_jsonl(found: list[Statement], path: Path) -> int:
    """Write atomically (a half-written export is never left behind); returns the count."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        for statement in found:
            out.write(json.dumps(statement.as_json(), ensure_ascii=False, sort_keys=True) + "\n")
    partial.replace(path)
    return len(found)


def batches(found: list[Statement], size: int) -> Iterator[list[Statement]]:
    for start in range(0, len(found), size):
        yield found[start:start + size]
