"""A month of real activity, built through the services: orders, decisions, confirmed blocks,
proactive cases, appeals that reverse. The platform's confirmation is recorded as the
enforcement service records it (the HTTP round trip has its own tests)."""

from __future__ import annotations

from datetime import datetime

from tanggap.domain.access import SYSTEM
from tanggap.domain.targets import parse_target
from tanggap.services.accounts import add_user, principal_for_key
from tanggap.services.appeals import resolve_appeal, submit_appeal
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.orders import ingest_order
from tanggap.services.reversals import approve_reversal
from tanggap.services.scan import open_proactive_case
from tests.builders import order_for


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


class Activity:
    def __init__(self, store, clock, sla, moderator, senior):
        self.store, self.clock, self.sla = store, clock, sla
        self.moderator, self.senior = moderator, senior

    def _now(self, moment: str) -> None:
        self.clock.at = at(moment)

    def order(self, when: str, authority, *targets: str, category: str = "terrorism",
              reference: str | None = None) -> list[str]:
        self._now(when)
        draft = order_for(authority, *targets, category=category,
                          reference=reference or f"B-{len(targets)}-{when}")
        return list(ingest_order(self.store.uow(), self.sla, draft, authority).case_ids)

    def proactive(self, when: str, target: str) -> str:
        self._now(when)
        return open_proactive_case(self.store, parse_target(target), [], 500)

    def decide(self, when: str, case_id: str, action: str = "block", scope: str | list[str] = "global",
               reason_code: str | None = "terrorist_content", reason: str = "ISIS propaganda",
               legal_basis: str | None = "UU 5/2018 Pasal 13A", enforce_at: str | None = None):
        self._now(when)
        outcome = decide(self.store.uow(), case_id, DecisionRequest(
            action, reason, scope if action == "block" else None, legal_basis, None, reason_code), self.moderator)
        if outcome.enforcement_id:
            self.confirm(enforce_at or when, outcome.enforcement_id)
        return outcome

    def approve_last(self, case_id: str):
        """A senior approves the decision waiting on four-eyes (e.g. no action on an order)."""
        from tanggap.services.decisions import approve

        return approve(self.store.uow(), case_id, self.senior)

    def confirm(self, when: str, enforcement_id: str) -> None:
        self._now(when)
        with self.store.uow() as uow:
            enforcement = uow.enforcements.get(enforcement_id)
            case = uow.cases.get_for_update(enforcement.case_id)
            enforcement.confirm(f"demo-{enforcement_id}", uow.clock.now(), SYSTEM.actor)
            case.enforced(enforcement, SYSTEM.actor)
            uow.commit()

    def reverse(self, when: str, target: str, unblocked_at: str | None = None):
        self._now(when)
        appeal = submit_appeal(self.store.uow(), target, "Pemilik kanal", "this is a news channel",
                               "owner@example.org", "public:test")
        proposed = resolve_appeal(self.store.uow(), appeal.appeal_id, True, "news reporting, not propaganda",
                                  self.senior)
        # Unblocking is never one person's act: a second senior approves the proposed reversal.
        approved = approve_reversal(self.store.uow(), proposed.case_id, self._second_senior())
        self.confirm(unblocked_at or when, approved.enforcement_id)
        return approved

    def _second_senior(self):
        if getattr(self, "_second", None) is None:
            issued = add_user(self.store.uow(), "senior_kedua", "senior", ["id", "en"], SYSTEM)
            self._second = principal_for_key(self.store.uow(), issued.api_key)
        return self._second
