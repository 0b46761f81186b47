"""Triage: an authority's authenticated e-mail that could not be read as an order.

It is never dropped. It waits for a human with its own clock: the shortest deadline the
authority could mean (an Indonesian order may be a 4 h one, a TCO removal order is 1 h), so a
real order that the parser missed is still handled in time. A person turns it into an order,
attaches it to an order the authority already sent, or dismisses it with a written reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tanggap.domain.errors import DomainError
from tanggap.domain.clock import as_utc
from tanggap.domain.sla import Deadline, SlaPolicy

MIN_DISMISSAL_REASON = 10  # characters: "ok" is no reason a reviewer can check later


def triage_deadline(sla: SlaPolicy, jurisdiction: str, received_at: datetime) -> Deadline:
    """The shortest deadline over every category the authority's jurisdiction has."""
    hours = min(sla.hours_for(jurisdiction, category) for category in sla.categories)
    return Deadline(as_utc(received_at) + timedelta(hours=hours),
                    f"{jurisdiction.upper()}/triage {hours:g}h (shortest possible)")


def dismissal_reason(text: str | None) -> str:
    """A dismissal must say why, in words a reviewer can check later."""
    reason = " ".join((text or "").split())
    if len(reason) < MIN_DISMISSAL_REASON:
        raise DomainError(f"say why it is dismissed (at least {MIN_DISMISSAL_REASON} characters)",
                          "reason")
    return reason[:2000]
