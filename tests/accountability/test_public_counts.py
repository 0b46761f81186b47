"""Public counts are net of reversals, read by the WIB day, and need no date to be asked for."""

from datetime import date

from tanggap.domain.accountability import percentile, suppress_small
from tanggap.services.transparency import daily_counts, month_report



def test_a_reversal_lowers_the_count_of_the_day_the_block_was_made(store, activity, ministry):
    cases = activity.order("2026-11-10T09:00+07:00", ministry, "@kabar_a", "@kabar_b", "@kabar_c")
    for case_id in cases:
        activity.decide("2026-11-10T10:00+07:00", case_id)
    before = daily_counts(store.uow(), date(2026, 11, 10))
    assert (before.blocked, before.reversed, before.net, before.terrorism) == (3, 0, 3, 3)
    activity.reverse("2026-11-20T10:00+07:00", "@kabar_b")
    after = daily_counts(store.uow(), date(2026, 11, 10))
    assert (after.blocked, after.reversed, after.net, after.terrorism) == (3, 1, 2, 2)
    assert after.sentence == "2 terrorist channels banned on November 10. Total this month: 2"
    assert after.sentence_id == "2 kanal dan bot teroris diblokir pada 10 November. Total bulan ini: 2"


def test_days_are_wib_days(store, activity, ministry):
    # 23:30 WIB on the 9th is 16:30 UTC on the 9th; 00:30 WIB on the 10th is still the 9th in UTC.
    late, early = activity.order("2026-11-09T23:00+07:00", ministry, "@late_one", "@early_one")
    activity.decide("2026-11-09T23:30+07:00", late)
    activity.decide("2026-11-10T00:30+07:00", early)
    assert daily_counts(store.uow(), date(2026, 11, 9)).net == 1
    assert daily_counts(store.uow(), date(2026, 11, 10)).net == 1
    assert daily_counts(store.uow(), date(2026, 11, 9), "UTC").net == 2


def test_counts_by_source_and_country_scope(store, activity, ministry):
    ordered, scoped = activity.order("2026-11-10T09:00+07:00", ministry, "@ordered", "@scoped")
    activity.decide("2026-11-10T10:00+07:00", ordered)
    activity.decide("2026-11-10T10:00+07:00", scoped, scope=["ID", "MY"])
    found = activity.proactive("2026-11-10T11:00+07:00", "@found_by_scan")
    activity.decide("2026-11-10T12:00+07:00", found)
    counts = daily_counts(store.uow(), date(2026, 11, 10))
    assert counts.by_source == {"order": 2, "proactive": 1}
    assert counts.by_scope == {"global": 2, "ID": 1, "MY": 1}
    assert counts.by_category == {"terrorism": 3}  # the proactive one by its policy reason


def test_month_report_has_every_day_and_authority_timings(store, activity, ministry):
    first, second = activity.order("2026-11-03T08:00+07:00", ministry, "@fast_one", "@slow_one")
    activity.decide("2026-11-03T09:00+07:00", first)  # 1 h: in time (4 h)
    activity.decide("2026-11-03T13:30+07:00", second)  # 5.5 h: 1.5 h late
    report = month_report(store.uow(), 2026, 11)
    assert len(report.days) == 30 and report.net == 2
    figures = report.authorities[0]
    assert (figures.authority, figures.orders, figures.targets, figures.actioned) == ("Kemkomdigi", 1, 2, 2)
    assert (figures.in_time, figures.breaches) == (1, 1)
    assert figures.median_hours == 3.25 and figures.p95_hours == 5.5 and figures.deadline_hours == 4


def test_small_groups_are_folded_into_other():
    folded = suppress_small({"terrorism": 40, "csam": 2, "gambling": 1, "hate_speech": 0}, 5)
    assert folded.shown == {"terrorism": 40} and folded.other == 3 and folded.folded == 2


def test_percentile_is_a_value_that_happened():
    assert percentile([1, 2, 3, 4, 100], 0.95) == 100
    assert percentile([], 0.5) is None
