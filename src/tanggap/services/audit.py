"""Verify the audit log's hash chain end to end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tanggap.domain.audit import BrokenLink, check_against_checkpoints, verify_chain
from tanggap.store.audit_log import iter_events
from tanggap.store.checkpoints import CheckpointLog
from tanggap.store.views import audit_count
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken: BrokenLink | None
    checkpoints: int = 0

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_audit_log(uow: UnitOfWork, progress: Callable[[int], None] | None = None,
                     checkpoints: CheckpointLog | None = None) -> ChainReport:
    """The chain must hold link by link, and (given the checkpoint file) the database must
    still hold every event each signed checkpoint covers, with the head it signed."""
    unreadable: BrokenLink | None = None
    try:
        promised = checkpoints.read() if checkpoints else []
    except ValueError as error:  # a garbled checkpoint file is tampering too: reported, not a crash
        promised, unreadable = [], BrokenLink(0, f"the checkpoint file cannot be trusted: {error}")
    wanted = {c.seq for c in promised}
    heads: dict[int, str] = {}
    with uow:
        total = audit_count(uow.session)

        def counted():
            for index, event in enumerate(iter_events(uow.session), 1):
                if progress and index % 1000 == 0:
                    progress(index)
                if event.seq in wanted:
                    heads[event.seq] = event.hash
                yield event

        broken = verify_chain(counted())
    if broken is None and unreadable is not None:
        broken = unreadable
    if broken is None and checkpoints is not None:
        broken = check_against_checkpoints(total, heads, promised, checkpoints.key)
    return ChainReport(total, broken, len(promised))
