"""Legal deadlines: jurisdiction x category -> hours, as configuration.

Permenkominfo 5/2020 Art. 14(3): urgent ("mendesak") content — terrorism, child sexual abuse
material, content that disturbs public order — within 4 hours of the order; everything else
within 24 hours. Regulation (EU) 2021/784 Art. 3(3): a removal order within 1 hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanggap.domain.clock import as_utc
from tanggap.domain.dsa import EEA_COUNTRIES
from tanggap.domain.errors import UnknownCategory

ANY = "*"

# Ordered from most to least severe; the order is the tie-breaker in the queue.
DEFAULT_CATEGORIES: tuple[str, ...] = (
    "terrorism", "csam", "public_order", "hate_speech", "pornography", "gambling", "fraud",
    "hoax", "other",
)
DEFAULT_SLA_HOURS: dict[str, dict[str, float]] = {
    "ID": {"terrorism": 4, "csam": 4, "public_order": 4, ANY: 24},
    "EU": {"terrorism": 1, ANY: 24},
    ANY: {ANY: 24},
}
# Words authorities write for our categories (Indonesian letters use their own terms).
DEFAULT_CATEGORY_ALIASES: dict[str, str] = {
    "terorisme": "terrorism", "radikalisme": "terrorism", "terrorist_content": "terrorism",
    "tco": "terrorism", "pornografi_anak": "csam", "child_sexual_abuse": "csam",
    "ketertiban_umum": "public_order", "meresahkan_masyarakat": "public_order",
    "judi": "gambling", "judi_online": "gambling", "perjudian": "gambling",
    "hoaks": "hoax", "disinformasi": "hoax", "pornografi": "pornography",
    "ujaran_kebencian": "hate_speech", "sara": "hate_speech", "penipuan": "fraud",
    # Spellings met in e-mailed orders (Indonesian, English and EU languages).
    "teroris": "terrorism", "terrorist": "terrorism",
    "terrorisme": "terrorism", "terrorismus": "terrorism", "terrorismo": "terrorism",
    "eksploitasi_seksual_anak": "csam", "child_sexual_abuse_material": "csam",
    "mengganggu_ketertiban_umum": "public_order", "judi_daring": "gambling",
    "berita_bohong": "hoax",
}


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # UTC, timezone-aware
    basis: str  # "ID/terrorism 4h", "EU/terrorism 1h"

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - as_utc(now)

    def is_breached(self, now: datetime) -> bool:
        return as_utc(now) > self.due_at

    @staticmethod
    def earliest(*deadlines: Deadline | None) -> Deadline | None:
        present = [d for d in deadlines if d is not None]
        return min(present, key=lambda d: d.due_at) if present else None


class SlaPolicy:
    """Answers how long an order may take, from configuration, never from code branches."""

    def __init__(
        self,
        hours: Mapping[str, Mapping[str, float]] | None = None,
        categories: tuple[str, ...] = DEFAULT_CATEGORIES,
        aliases: Mapping[str, str] | None = None,
    ):
        self.hours = {j.upper() if j != ANY else ANY: dict(t) for j, t in (hours or DEFAULT_SLA_HOURS).items()}
        self.categories = tuple(categories)
        self.aliases = dict(DEFAULT_CATEGORY_ALIASES if aliases is None else aliases)

    def category(self, written: str) -> str:
        """The category code for what an authority wrote ("terorisme" -> "terrorism")."""
        key = written.strip().lower().replace(" ", "_").replace("-", "_")
        key = self.aliases.get(key, key)
        if key not in self.categories:
            raise UnknownCategory(
                f"unknown category {written!r}; known: {', '.join(self.categories)}"
            )
        return key

    def severity(self, category: str) -> int:
        """0 is most severe."""
        return self.categories.index(category)

    def hours_for(self, jurisdiction: str, category: str) -> float:
        code = jurisdiction.upper()
        if code not in self.hours and code in EEA_COUNTRIES:
            code = "EU"  # a member state's competent authority orders under the EU's rules (TCO: 1 h)
        table = self.hours.get(code) or self.hours.get(ANY, {})
        if category in table:
            return table[category]
        if ANY in table:
            return table[ANY]
        return self.hours.get(ANY, {}).get(ANY, 24)

    def deadline(self, received_at: datetime, jurisdiction: str, category: str) -> Deadline:
        hours = self.hours_for(jurisdiction, category)
        due_at = as_utc(received_at) + timedelta(hours=hours)
        return Deadline(due_at=due_at, basis=f"{jurisdiction.upper()}/{category} {hours:g}h")
