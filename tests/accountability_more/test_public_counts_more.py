"""Public counts: a confirmation repeated is not a second block, the month is the sum of its
days (also the daily API's month figure), and a country-scoped block counts once as a channel."""

from datetime import date

from tanggap.services.transparency import daily_counts, month_report


def test_a_repeated_confirmation_and_a_scoped_block_are_one_channel_each(store, activity, ministry):
    plain, scoped = activity.order("2026-11-10T09:00+07:00", ministry, "@blocked_once", "@in_two_countries")
    outcome = activity.decide("2026-11-10T10:00+07:00", plain)
    activity.confirm("2026-11-11T10:00+07:00", outcome.enforcement_id)  # the platform answers again
    activity.decide("2026-11-10T10:00+07:00", scoped, scope=["ID", "MY"])
    day = daily_counts(store.uow(), date(2026, 11, 10))
    assert (day.blocked, day.net, day.terrorism) == (2, 2, 2)
    assert day.by_scope == {"global": 1, "ID": 1, "MY": 1}
    assert daily_counts(store.uow(), date(2026, 11, 11)).blocked == 0


def test_the_month_is_the_sum_of_its_days_and_the_daily_month_figure_agrees(store, activity, ministry):
    cases = activity.order("2026-11-01T00:05+07:00", ministry, "@month_1", "@month_2", "@month_3", "@month_4")
    activity.decide("2026-11-01T00:10+07:00", cases[0])  # the 1st in WIB, still October in UTC
    activity.decide("2026-11-15T12:00+07:00", cases[1])
    activity.decide("2026-11-30T23:50+07:00", cases[2])  # the 30th in WIB, 16:50 UTC
    activity.decide("2026-12-01T00:10+07:00", cases[3])  # December in WIB, November in UTC
    activity.reverse("2026-12-02T10:00+07:00", "@month_2")
    report = month_report(store.uow(), 2026, 11)
    assert len(report.days) == 30
    assert (report.blocked, report.reversed, report.net, report.terrorism) == (3, 1, 2, 2)
    assert report.terrorism == sum(day.terrorism for day in report.days)
    last = daily_counts(store.uow(), date(2026, 11, 30))
    assert last.terrorism_this_month == report.terrorism
    assert daily_counts(store.uow(), date(2026, 12, 1)).terrorism_this_month == 1
