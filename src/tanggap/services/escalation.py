"""A moderator asks for more information: the case goes to a senior (lifecycle step `escalate`)."""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.detect.language import readable_by
from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import ConflictingDecision, InvalidDecision, NotFound, PermissionDenied
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class EscalationOutcome:
    case_id: str
    case_state: str
    repeated: bool  # the case was already escalated; nothing changed


def escalate(uow: UnitOfWork, case_id: str, note: str | None, by: Principal) -> EscalationOutcome:
    """"Need more information": hand the case to the seniors' queue, with the question asked.

    The claim is given up, so a senior sees the case at once rather than when the lease ends.
    """
    by.require(Permission.DECIDE)
    with uow:
        case = uow.cases.get_for_update(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        if by.kind == "user" and not by.can(Permission.APPROVE) and not readable_by(case.language, by.languages):
            raise PermissionDenied(f"this case is in {case.language}; you read {', '.join(by.languages)}")
        now = uow.clock.now()
        if case.held_by_other(by.id, now):
            raise ConflictingDecision("another moderator holds this case; wait or ask them", "claim")
        note = (note or "").strip()[:10_000] or None
        if note is None and not case.held_by_other(by.id, now):
            # A senior cannot answer an empty question: say what is missing.
            raise InvalidDecision("escalating needs a question: write what you need to know", "note")
        changed = case.step("escalate", now, by.actor, note=note)
        case.claimed_by = case.lease_until = None
        outcome = EscalationOutcome(case.id, str(case.state), repeated=not changed)
        uow.commit()
    return outcome
