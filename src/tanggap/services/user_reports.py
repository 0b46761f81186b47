"""User reports: a member of the public names channels; a moderator triages them.

A report is no legal order, so it carries no deadline; it merges into the case of its target
like an order does (one case per channel), and the case's source says `report` unless an
order or a signal ranks higher.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tanggap.domain.model import Case, CaseState, Report
from tanggap.domain.targets import Target
from tanggap.store.uow import UnitOfWork

MAX_TARGETS_PER_REPORT = 50  # a complaint naming more is a list for a human, not 1,000 cases


def file_reports(uow: UnitOfWork, targets: Iterable[Target], reporter: str, reason: str,
                 received_at: datetime, actor: str) -> list[str]:
    """One report per target (at most MAX_TARGETS_PER_REPORT), each on its target's case."""
    wanted = list(dict.fromkeys(targets))[:MAX_TARGETS_PER_REPORT]
    with uow:
        cases = uow.cases.by_targets(wanted, lock=True)
        missing = [Case.open(t, received_at, actor) for t in wanted if t not in cases]
        cases.update(uow.cases.add_all_or_existing(missing))
        report_ids = []
        for target in wanted:
            case = cases[target]
            report = uow.reports.add(Report(target, reporter[:200], reason, received_at, case.id))
            case.attach_report(report, actor)
            if case.state == CaseState.NEW:
                case.step("triage", received_at, actor)
            report_ids.append(report.id)
        uow.commit()
    return report_ids
