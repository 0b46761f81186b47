"""Reports users made on the platform itself (Matrix event reports) become user reports here.

Each report opens (or joins) the case of the reported entity, which then waits in the queue
like any user report: no legal deadline, source ``report``. Importing again adds nothing: a
report is the same when the same reporter reported the same entity at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tanggap.domain.model import Case, CaseState, Report
from tanggap.platforms.interface import Platform
from tanggap.store.uow import Store

PAGE = 100
MAX_PAGES = 1000  # 100,000 reports per run: enough, and a run always ends


@dataclass
class ReportImport:
    seen: int = 0
    imported: int = 0
    cases_opened: list[str] = field(default_factory=list)


def import_platform_reports(store: Store, platform: Platform) -> ReportImport:
    """Take every report the platform holds that is not here yet (platforms without reports: none)."""
    outcome = ReportImport()
    fetch = getattr(platform, "event_reports", None)
    if fetch is None:
        return outcome
    offset: int | None = 0
    for _ in range(MAX_PAGES):
        if offset is None:
            break
        reports, offset = fetch(offset, PAGE)
        for report in reports:
            outcome.seen += 1
            _take(store, platform.name, report, outcome)
    return outcome


def _take(store: Store, platform_name: str, report, outcome: ReportImport) -> None:
    reporter = f"{platform_name}:{report.reporter}"
    actor = f"platform:{platform_name}"
    with store.uow() as uow:
        if uow.reports.exists(report.target, reporter, report.received_at):
            return
        now = uow.clock.now()
        existing = uow.cases.by_targets([report.target], lock=True).get(report.target)
        case = existing or uow.cases.add_all_or_existing([Case.open(report.target, now, actor)])[report.target]
        taken = uow.reports.add(Report(report.target, reporter, report.reason or "(no reason given)",
                                       report.received_at, case.id))
        case.attach_report(taken, actor)
        if case.state == CaseState.NEW:
            case.step("triage", now, actor, source="report")
        uow.commit()
        outcome.imported += 1
        if existing is None:
            outcome.cases_opened.append(case.id)
