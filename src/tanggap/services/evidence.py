"""Evidence preserved at decision time (TCO Art. 6): before a restriction is carried out, what the
decision rests on — the channel profile, posts and media the moderator saw, the signals, the
orders and reports — is frozen into the content-addressed evidence store and kept at least six
months, longer under a legal hold. Appeals, statements of reasons and training from decisions
read the snapshot, not the platform (which may have purged the channel by then).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tanggap.domain.access import SYSTEM, Permission, Principal
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import AuditDraft
from tanggap.platforms.interface import Capability, Platform, PlatformError
from tanggap.store import snapshots as store
from tanggap.store import views
from tanggap.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)
RETENTION = timedelta(days=183)  # at least six months (TCO Art. 6, DSA appeals window)
POSTS = 20  # what the case page shows the moderator
MAX_MEDIA_ITEMS = 10
MAX_MEDIA_BYTES = 20 * 1024 * 1024
FORMAT = "tanggap-snapshot/1"


@dataclass(frozen=True)
class Snapshot:
    """A snapshot as read back: the frozen record and where it is kept."""

    sha256: str
    taken_at: datetime
    retain_until: datetime
    record: dict[str, Any]

    @property
    def posts(self) -> list[dict[str, Any]]:
        return self.record.get("posts") or []

    @property
    def channel(self) -> dict[str, Any] | None:
        return self.record.get("channel")


def take_snapshot(store_: Store, platform: Platform | None, case_id: str, decision_id: str) -> str | None:
    """Freeze the evidence for a decision (once: a second call returns the first snapshot's
    address). A platform that cannot be read does not stop the snapshot, nor the enforcement:
    what we hold ourselves (signals, orders) is kept and the platform's error recorded."""
    with store_.uow(read_only=True) as uow:
        existing = store.snapshot_for_decision(uow.session, decision_id)
        case = uow.cases.get(case_id)
        if existing is not None or case is None:
            return existing.evidence_sha256 if existing else None
        decision = next((d for d in case.decisions if d.id == decision_id), None)
        own = _own_records(uow, case_id)
    seen, media, error = _from_platform(platform, case.target)
    with store_.uow() as uow:
        now = uow.clock.now()
        retain_until = now + RETENTION
        for item in media:
            item["sha256"] = store.put_blob(uow.session, item.pop("content"), now, retain_until)
        record = {"format": FORMAT, "case_id": case_id, "decision_id": decision_id, "target": case.target.canonical,
                  "taken_at": _iso(now), **seen, "platform_error": error, **own,
                  "decision": _decision(decision)}
        content = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode()
        sha256 = store.put_blob(uow.session, content, now, retain_until)
        items = len(record.get("posts") or []) + len(media) + len(own["signals"]) + len(own["orders"])
        if not store.add_snapshot(uow.session, case_id, decision_id, sha256, now, retain_until, items):
            return sha256  # a concurrent call took it first; the bytes are the same address
        uow.record(AuditDraft("evidence_snapshot_taken", "case", case_id, SYSTEM.actor,
                              {"decision_id": decision_id, "sha256": sha256, "items": items,
                               "retain_until": _iso(retain_until), "platform_error": error}))
        uow.commit()
    return sha256


def preserve_evidence(store_: Store, platform: Platform | None, case_id: str, decision_id: str) -> str | None:
    """The enforcement's hook: a snapshot that fails is logged, never a reason to miss a deadline."""
    try:
        return take_snapshot(store_, platform, case_id, decision_id)
    except Exception:  # noqa: BLE001 - the takedown matters more; the failure is on the record
        log.exception("evidence snapshot failed", extra={"case_id": case_id, "decision_id": decision_id})
        return None


def _from_platform(platform: Platform | None, target) -> tuple[dict, list[dict], str | None]:
    if platform is None:
        return {"channel": None, "posts": []}, [], "no platform adapter at decision time"
    try:
        channel = platform.channel(target)
        posts = platform.recent_posts(target, POSTS)
    except PlatformError as error:
        return {"channel": None, "posts": []}, [], str(error)[:500]
    media: list[dict] = []
    post_records = []
    for post in posts:
        refs = []
        for reference in post.media:
            item = _media(platform, reference, media)
            refs.append({"reference": reference, "sha256": None} if item is None else item)
        post_records.append({"platform_id": post.platform_id, "text": post.text, "posted_at": _iso(post.posted_at),
                             "removed": post.removed, "media": refs})
    channel_record = {"platform_id": channel.platform_id, "username": channel.username, "title": channel.title,
                      "description": channel.description, "subscribers": channel.subscribers,
                      "created_at": _iso(channel.created_at), "country_audience": channel.country_audience}
    return {"channel": channel_record, "posts": post_records}, media, None


def _media(platform: Platform, reference: str, media: list[dict]) -> dict | None:
    if Capability.FETCH_MEDIA not in getattr(platform, "capabilities", ()) or len(media) >= MAX_MEDIA_ITEMS:
        return None
    try:
        content = platform.media(reference)
    except (PlatformError, NotImplementedError):
        return None
    if len(content) > MAX_MEDIA_BYTES:
        return None
    item = {"reference": reference, "size": len(content), "content": content}
    media.append(item)
    return item  # sha256 is filled in when stored


def _own_records(uow: UnitOfWork, case_id: str) -> dict[str, list]:
    session = uow.session
    signals = [{"source": r["source"], "strength": r["strength"], "explanation": r["explanation"],
                "details": r["details"], "recorded_at": _iso(r["recorded_at"])}
               for r in views.case_signals_of(session, case_id)]
    order_list = [{"authority": r["name"], "reference": r["reference"], "category": r["category"],
                   "legal_basis": r["legal_basis"], "received_at": _iso(r["received_at"]),
                   "raw_evidence": r["raw_evidence"]}
                  for r in views.case_orders(session, case_id)]
    # Reports: the reason and whether a trusted flagger sent it; the reporter stays out (privacy).
    report_list = [{"reason": r["reason"], "trusted_flagger": r["trusted_flagger"],
                    "received_at": _iso(r["received_at"])}
                   for r in views.case_reports(session, case_id)]
    return {"signals": signals, "orders": order_list, "reports": report_list}


def _decision(decision) -> dict | None:
    if decision is None:
        return None
    return {"action": str(decision.action), "scope": decision.scope.as_json(), "reason": decision.reason,
            "reason_code": decision.reason_code, "legal_basis": decision.legal_basis,
            "decided_by": decision.decided_by, "decided_at": _iso(decision.decided_at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# --- reading ------------------------------------------------------------------------------------

def read_snapshot(uow: UnitOfWork, decision_id: str) -> Snapshot | None:
    with uow:
        row = store.snapshot_for_decision(uow.session, decision_id)
        if row is None or row.evidence_sha256 is None:
            return None
        content = store.blob(uow.session, row.evidence_sha256)
    if content is None:
        return None
    return Snapshot(row.evidence_sha256, row.taken_at, row.retain_until, json.loads(content))


def latest_for_case(uow: UnitOfWork, case_id: str) -> tuple[Snapshot | None, object | None]:
    """(the newest readable snapshot of the case, the newest snapshot row even if expired)."""
    with uow:
        rows = store.snapshots_for_case(uow.session, case_id)
        for row in rows:
            if row.evidence_sha256:
                content = store.blob(uow.session, row.evidence_sha256)
                if content is not None:
                    return Snapshot(row.evidence_sha256, row.taken_at, row.retain_until, json.loads(content)), row
    return None, rows[0] if rows else None


def snapshots_for_decisions(uow: UnitOfWork, decision_ids: list[str]) -> dict[str, Snapshot]:
    found: dict[str, Snapshot] = {}
    with uow:
        for decision_id, row in store.snapshots_by_decision(uow.session, decision_ids).items():
            content = store.blob(uow.session, row.evidence_sha256) if row.evidence_sha256 else None
            if content is not None and row.evidence_sha256:
                found[decision_id] = Snapshot(row.evidence_sha256, row.taken_at, row.retain_until, json.loads(content))
    return found


# --- legal hold and expiry ----------------------------------------------------------------------

def set_legal_hold(uow: UnitOfWork, case_id: str, reason: str, by: Principal) -> str:
    """An admin keeps a case's evidence past its retention (an investigation, a court)."""
    by.require(Permission.MANAGE)
    if not reason.strip():
        raise DomainError("a legal hold needs a reason (e.g. the court's or police's reference)", "reason")
    with uow:
        if uow.cases.get(case_id) is None:
            raise NotFound(f"no case {case_id}")
        hold_id = store.add_hold(uow.session, case_id, reason.strip()[:2000], by.actor, uow.clock.now())
        uow.record(AuditDraft("legal_hold_set", "case", case_id, by.actor,
                              {"hold_id": hold_id, "reason": reason.strip()}))
        uow.commit()
    return hold_id


def release_legal_hold(uow: UnitOfWork, case_id: str, reason: str, by: Principal) -> int:
    by.require(Permission.MANAGE)
    with uow:
        released = store.release_holds(uow.session, case_id, by.actor, uow.clock.now())
        if released:
            uow.record(AuditDraft("legal_hold_released", "case", case_id, by.actor,
                                  {"holds": released, "reason": reason.strip()}))
        uow.commit()
    return released


def expire_snapshots(uow: UnitOfWork) -> int:
    """Delete snapshots past retention (none under a legal hold), each with an audit event."""
    expired = 0
    with uow:
        now = uow.clock.now()
        for row in store.due_for_expiry(uow.session, now):
            content = store.blob(uow.session, row.evidence_sha256) if row.evidence_sha256 else None
            media = _media_addresses(content)
            store.mark_expired(uow.session, row.id, now)
            deleted = [sha for sha in [row.evidence_sha256, *media]
                       if sha and store.delete_blob_if_unused(uow.session, sha, now)]
            uow.record(AuditDraft("evidence_expired", "case", row.case_id, SYSTEM.actor,
                                  {"decision_id": row.decision_id, "sha256": row.evidence_sha256,
                                   "retained_until": _iso(row.retain_until), "blobs_deleted": len(deleted)}))
            expired += 1
        uow.commit()
    return expired


def _media_addresses(content: bytes | None) -> list[str]:
    if not content:
        return []
    record = json.loads(content)
    return [m["sha256"] for post in record.get("posts") or [] for m in post.get("media") or [] if m.get("sha256")]
