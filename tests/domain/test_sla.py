from datetime import datetime, timedelta

import pytest

from tanggap.domain.clock import WIB, format_wib
from tanggap.domain.errors import UnknownCategory
from tanggap.domain.sla import SlaPolicy


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("jurisdiction", "category", "hours"), [
    ("ID", "terrorism", 4), ("ID", "csam", 4), ("ID", "public_order", 4),
    ("ID", "gambling", 24), ("ID", "hoax", 24), ("ID", "other", 24),
    ("EU", "terrorism", 1), ("EU", "hate_speech", 24), ("SG", "terrorism", 24),
    ("id", "terrorism", 4),
])
def test_default_sla_table(jurisdiction, category, hours):
    assert SlaPolicy().hours_for(jurisdiction, category) == hours


def test_urgent_order_received_at_2330_wib_on_the_last_day_of_a_month_is_due_next_month():
    deadline = SlaPolicy().deadline(at("2026-03-31T23:30:00+07:00"), "ID", "terrorism")
    assert deadline.due_at == at("2026-03-31T20:30:00+00:00")  # stored in UTC
    assert deadline.due_at.tzinfo is not None and deadline.due_at.utcoffset() == timedelta(0)
    assert deadline.due_at.astimezone(WIB) == at("2026-04-01T03:30:00+07:00")
    assert format_wib(deadline.due_at) == "01-04-2026 03:30 WIB"
    assert deadline.basis == "ID/terrorism 4h"


def test_non_urgent_order_at_month_end_crosses_into_next_month_in_utc_and_wib():
    deadline = SlaPolicy().deadline(at("2026-02-28T23:30:00+07:00"), "ID", "gambling")
    assert deadline.due_at.astimezone(WIB) == at("2026-03-01T23:30:00+07:00")


def test_eu_removal_order_has_one_hour():
    received = at("2026-11-28T09:00:00+01:00")
    deadline = SlaPolicy().deadline(received, "EU", "terrorism")
    assert deadline.due_at - received == timedelta(hours=1)
    assert deadline.is_breached(received + timedelta(minutes=61))
    assert not deadline.is_breached(received + timedelta(minutes=59))
    assert deadline.remaining(received) == timedelta(hours=1)


def test_sla_table_is_configuration():
    policy = SlaPolicy({"ID": {"terrorism": 2, "*": 12}})
    assert policy.hours_for("ID", "terrorism") == 2
    assert policy.hours_for("ID", "gambling") == 12
    assert policy.hours_for("EU", "terrorism") == 24  # no table, no wildcard: 24 h fallback


def test_indonesian_category_words_map_to_codes():
    policy = SlaPolicy()
    assert policy.category("Terorisme") == "terrorism"
    assert policy.category("judi online") == "gambling"
    with pytest.raises(UnknownCategory) as error:
        policy.category("kucing")
    assert error.value.field == "category"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        SlaPolicy().deadline(datetime(2026, 3, 31, 23, 30), "ID", "terrorism")
