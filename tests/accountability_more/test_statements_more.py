"""Statements of reasons: a reversal is told in the window it happens in (not only with its
decision), says when it happened, and a geo-blocked or post-removal statement has the DSA shape."""

from tanggap.domain.dsa import problems
from tanggap.services.appeals import resolve_appeal, submit_appeal
from tanggap.services.reversals import approve_reversal
from tanggap.services.statements import statements_since
from tests.accountability.world import at


def _reverse_without_unblock(activity, when, target):
    """Appeal upheld and the reversal approved; the platform has not confirmed the unblock yet."""
    activity._now(when)
    appeal = submit_appeal(activity.store.uow(), target, "Pemilik kanal", "news channel", "owner@example.org",
                           "public:test")
    proposed = resolve_appeal(activity.store.uow(), appeal.appeal_id, True, "news reporting", activity.senior)
    return approve_reversal(activity.store.uow(), proposed.case_id, activity._second_senior())


def _found(store, since, until=None):
    return statements_since(store.uow(read_only=True), at(since), "https://x/appeal",
                            at(until) if until else None)


def test_a_reversal_of_an_older_decision_is_in_the_window_it_happened_in(store, activity, ministry):
    (case_id,) = activity.order("2026-10-20T09:00+07:00", ministry, "@old_block")
    decision = activity.decide("2026-10-20T10:00+07:00", case_id)
    activity.reverse("2026-12-05T10:00+07:00", "@old_block", unblocked_at="2026-12-05T11:00+07:00")
    december = _found(store, "2026-12-01T00:00+07:00")
    assert [(s.kind, s.decision_id) for s in december] == [("reversal", decision.decision_id)]
    assert december[0].own["reversed_at"] == "2026-12-05T04:00:00Z"  # the confirmed unblock
    october = _found(store, "2026-10-01T00:00+07:00", "2026-11-01T00:00+07:00")
    assert [s.kind for s in october] == ["decision", "reversal"]  # told with its decision too: one puid
    assert {s.puid for s in october} >= {s.puid for s in december}


def test_a_reversal_not_yet_confirmed_by_the_platform_is_dated_by_its_approval(store, activity, ministry):
    (case_id,) = activity.order("2026-11-02T09:00+07:00", ministry, "@awaiting_unblock")
    activity.decide("2026-11-02T10:00+07:00", case_id)
    _reverse_without_unblock(activity, "2026-11-20T15:00+07:00", "@awaiting_unblock")
    (reversal,) = [s for s in _found(store, "2026-11-01T00:00+07:00") if s.kind == "reversal"]
    assert reversal.own["reversed_at"] == "2026-11-20T08:00:00Z"


def test_a_geo_blocked_channel_and_a_removed_post(store, activity, ministry):
    channel, eu_too, post = activity.order("2026-11-03T09:00+07:00", ministry, "@only_in_id", "@in_id_and_de",
                                           "https://t.me/some_channel/42")
    activity.decide("2026-11-03T10:00+07:00", channel, scope=["ID"])
    activity.decide("2026-11-03T10:00+07:00", eu_too, scope=["ID", "DE"])
    activity.decide("2026-11-03T10:00+07:00", post, action="remove_post")
    by_target = {s.target: s for s in _found(store, "2026-11-01T00:00+07:00")}
    only_id = by_target["https://t.me/only_in_id"]
    assert not only_id.submittable and "outside the EU" in only_id.not_for_dsa
    assert only_id.own["territorial_scope_all"] == ["ID"]
    both = by_target["https://t.me/in_id_and_de"]
    assert both.submittable and both.dsa["territorial_scope"] == ["DE"]
    assert both.dsa["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert "decision_provision" not in both.dsa  # not a total suspension: elsewhere it is seen
    removed = by_target["https://t.me/some_channel/42"]
    assert removed.dsa["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert len(removed.dsa["territorial_scope"]) == 30
    for statement in (both, removed):
        assert problems(statement.dsa) == {}
        assert statement.dsa["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
        assert statement.dsa["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
        assert statement.dsa["automated_detection"] == "No"
        assert statement.dsa["application_date"] == "2026-11-03"
