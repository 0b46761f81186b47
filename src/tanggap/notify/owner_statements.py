"""The affected channel's owner receives each statement of reasons (and each reversal) through
the platform adapter, with the route of appeal, in Bahasa Indonesia and English. Once each: the
notice is recorded, and the platform call carries an idempotency key made from the statement."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tanggap.domain.clock import format_wib
from tanggap.domain.targets import parse_target
from tanggap.platforms.interface import Capability, Platform, PlatformError
from tanggap.services.statements import Statement
from tanggap.store.accountability import notified_puids, record_notice
from tanggap.store.uow import Store

log = logging.getLogger(__name__)
ACTION_ID = {"block": "pemblokiran kanal", "remove_post": "penghapusan pos", "restrict": "pembatasan interaksi"}


@dataclass
class NoticeReport:
    sent: int = 0
    already: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def owner_text(statement: Statement) -> str:
    own = statement.own
    scope = "seluruh dunia / worldwide" if own["scope"] == "global" else ", ".join(own["scope"])
    appeal = own["appeal"]["url"]
    from datetime import datetime
    decided_at = own.get("decided_at")
    decided = format_wib(datetime.fromisoformat(decided_at.replace("Z", "+00:00"))) if decided_at else ""
    if statement.kind == "reversal":
        return (f"Keputusan dibatalkan / Decision reversed\n"
                f"{statement.target}: {ACTION_ID.get(own['action'], own['action'])} ({own['action']}) "
                f"dicabut setelah peninjauan / lifted after review.\n"
                f"Ref: {statement.puid}")
    lines = [
        "Pernyataan alasan / Statement of reasons",
        f"Kanal / Channel: {statement.target}",
        f"Keputusan / Decision: {ACTION_ID.get(own['action'], own['action'])} ({own['action']}), {scope}, {decided}",
        f"Alasan / Reason: {own['reason']}",
    ]
    if own.get("legal_basis"):
        lines.append(f"Dasar hukum / Legal basis: {own['legal_basis']}")
    lines += [f"Banding / Appeal: {appeal} (dalam 6 bulan / within 6 months)", f"Ref: {statement.puid}"]
    return "\n".join(lines)


def notify_owners(store: Store, platform: Platform, statements: list[Statement]) -> NoticeReport:
    report = NoticeReport()
    if Capability.NOTIFY_OWNER not in platform.capabilities:
        raise ValueError(f"the {getattr(platform, 'name', 'platform')} adapter cannot message channel owners")
    wanted = [s for s in statements if s.kind in {"decision", "reversal"}]
    with store.uow(read_only=True) as uow:
        done = notified_puids(uow.session, [s.puid for s in wanted])
    for statement in wanted:
        if statement.puid in done:
            report.already += 1
            continue
        try:
            result = platform.notify_owner(parse_target(statement.target), owner_text(statement),
                                           f"tanggap-sor-{statement.puid}")
        except PlatformError as error:
            report.failed[statement.puid] = str(error)[:300]
            continue
        with store.uow() as uow:
            record_notice(uow.session, statement.puid, statement.case_id, result.reference, uow.clock.now())
            uow.commit()
        report.sent += 1
    return report
