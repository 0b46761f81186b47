"""Automatic blocks on an exact match in a verified hash bank, and their post-hoc review.

Off by default (`TANGGAP_SCAN_AUTO_BLOCK_VERIFIED`). Only a match a human already vouched
for, in a bank marked `verified`, acts without a moderator; a person then reviews each one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.domain.access import SYSTEM, Permission, Principal
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.model import Case, Enforcement
from tanggap.domain.signals import Signal
from tanggap.services.decisions import DecisionOutcome, DecisionRequest, decide
from tanggap.store.uow import Store, UnitOfWork


@dataclass(frozen=True)
class AutoBlockRule:
    enabled: bool = False
    max_pdq_distance: int = 0  # 0: the same image; MD5/SHA-256 matches are exact by nature


def qualifying_match(signals: list[Signal], rule: AutoBlockRule) -> Signal | None:
    """The verified-bank match that allows acting without a moderator, if any."""
    if not rule.enabled:
        return None
    for signal in signals:
        details = signal.details or {}
        if not details.get("verified") or not signal.source.startswith("hash:"):
            continue
        distance = details.get("distance", 0) or 0
        if signal.source == "hash:pdq" and distance > rule.max_pdq_distance:
            continue
        return signal
    return None


def auto_block(store: Store, case_id: str, match: Signal) -> DecisionOutcome:
    """Decide a global block as the system; four-eyes rules still apply to big channels."""
    return decide(store.uow(), case_id, DecisionRequest(
        "block", f"automatic: exact match in verified hash bank ({match.explanation})", "global",
        note="automatic decision: awaits post-hoc review", reason_code="terrorist_content"), SYSTEM)


def awaiting_review(uow: UnitOfWork, by: Principal) -> list[Case]:
    by.require(Permission.APPROVE)
    with uow:
        # A proposal held by a four-eyes rule gets its human look through the approval.
        return list(uow.cases.automatic_unreviewed(SYSTEM.id))


def review(uow: UnitOfWork, case_id: str, confirm: bool, reason: str, by: Principal) -> Enforcement | None:
    """A senior confirms the automatic block, or proposes its reversal: another senior approves
    the unblock (services.reversals), so nothing is unblocked here and None is returned."""
    by.require(Permission.APPROVE)
    if not reason.strip():
        raise DomainError("say why the automatic decision stands or falls", "reason")
    with uow:
        case = uow.cases.get_for_update(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        case.review_automatic(by.id, confirm, reason.strip(), uow.clock.now(), by.actor, SYSTEM.id)
        uow.commit()
        return None
