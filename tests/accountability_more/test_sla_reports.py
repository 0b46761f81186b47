"""Compliance reports against the deadline: the exact second, revisions of one order (Nomor),
and the three SLAs (ID urgent 4 h, ID 24 h, EU TCO 1 h)."""

from dataclasses import replace
from datetime import datetime, timedelta


from tanggap.services.compliance import compliance_report
from tanggap.services.orders import ingest_order
from tests.builders import order_for

REFERENCE = "B-0700/DJAI/11/2026"


def test_acted_on_at_the_deadline_second_is_met_one_second_later_is_a_breach(store, activity, ministry, clock):
    on_time, late = activity.order("2026-11-03T08:00+07:00", ministry, "@on_the_second", "@one_second_late")
    activity.decide("2026-11-03T12:00:00+07:00", on_time)  # 4 h: due 12:00:00 WIB
    activity.decide("2026-11-03T12:00:01+07:00", late)
    clock.at = datetime.fromisoformat("2026-11-30T12:00+07:00")
    report = compliance_report(store.uow(), "Kemkomdigi", 2026, 11)
    outcome = {line.row.target: line for line in report.lines}
    assert not outcome["https://t.me/on_the_second"].breached
    assert outcome["https://t.me/one_second_late"].breached
    assert outcome["https://t.me/one_second_late"].late_by == timedelta(seconds=1)
    assert (report.summary.in_time, report.summary.breaches) == (1, 1)


def test_a_still_open_target_breaches_only_after_its_deadline_second(store, activity, ministry, clock):
    activity.order("2026-11-03T08:00+07:00", ministry, "@still_open")
    clock.at = datetime.fromisoformat("2026-11-03T12:00:00+07:00")
    assert not compliance_report(store.uow(), "Kemkomdigi", 2026, 11).breaches
    clock.at = datetime.fromisoformat("2026-11-03T12:00:01+07:00")
    assert len(compliance_report(store.uow(), "Kemkomdigi", 2026, 11).breaches) == 1


def _revision(ministry, *spellings, at):
    draft = order_for(ministry, *spellings, reference=REFERENCE)
    return replace(draft, received_at=datetime.fromisoformat(at), follow_up=True)


def test_a_revision_keeps_the_first_receipts_deadline_for_the_targets_it_repeats(
        store, activity, sla, ministry, clock):
    """A revision (same Nomor) repeats the earlier targets and adds new ones. A repeated target's
    clock runs from the first receipt (the authority asked for it then; a revision must not
    restart a missed deadline); a new target's from the revision. Each target is one line."""
    first = ingest_order(store.uow(), sla, _revision(ministry, "@first_ask", at="2026-11-03T08:00+07:00"), ministry)
    second = ingest_order(store.uow(), sla, _revision(ministry, "@first_ask", "@added_later",
                                                      at="2026-11-03T11:00+07:00"), ministry)
    assert second.order_id != first.order_id
    cases = dict(zip(["https://t.me/first_ask", "https://t.me/added_later"], second.case_ids, strict=True))
    # both acted on at 13:00 WIB: 5 h after the first receipt, 2 h after the revision
    activity.decide("2026-11-03T13:00+07:00", cases["https://t.me/first_ask"])
    activity.decide("2026-11-03T13:00+07:00", cases["https://t.me/added_later"])
    clock.at = datetime.fromisoformat("2026-11-30T12:00+07:00")
    report = compliance_report(store.uow(), "Kemkomdigi", 2026, 11)
    lines = [line for line in report.lines if line.row.outcome != "rejected"]
    assert sorted(line.row.target for line in lines) == ["https://t.me/added_later", "https://t.me/first_ask"]
    outcome = {line.row.target: line for line in lines}
    assert outcome["https://t.me/first_ask"].breached
    assert outcome["https://t.me/first_ask"].late_by == timedelta(hours=1)
    assert outcome["https://t.me/first_ask"].row.order_id == first.order_id
    assert not outcome["https://t.me/added_later"].breached
    summary = report.summary
    assert (summary.orders, summary.targets, summary.actioned, summary.in_time, summary.breaches) == (1, 2, 2, 1, 1)


def test_each_order_is_held_to_its_own_sla(store, activity, ministry, eu_authority, clock):
    """ID terrorism 4 h, ID gambling 24 h, EU TCO 1 h: each acted on one second late."""
    (terror,) = activity.order("2026-11-03T08:00+07:00", ministry, "@id_terror", reference="B-T/2026")
    (gamble,) = activity.order("2026-11-03T08:00+07:00", ministry, "@id_judi", category="gambling",
                               reference="B-G/2026")
    (tco,) = activity.order("2026-11-03T08:00+01:00", eu_authority, "@eu_tco", reference="TCO-9")
    activity.decide("2026-11-03T12:00:01+07:00", terror)
    activity.decide("2026-11-04T08:00:01+07:00", gamble, reason_code="illegal_gambling", reason="judi online")
    activity.decide("2026-11-03T09:00:01+01:00", tco)
    clock.at = datetime.fromisoformat("2026-11-30T12:00+07:00")
    lines = {line.row.target: line for name in ("Kemkomdigi", "Garda Siochana")
             for line in compliance_report(store.uow(), name, 2026, 11).lines}
    for target, hours in (("https://t.me/id_terror", 4), ("https://t.me/id_judi", 24), ("https://t.me/eu_tco", 1)):
        row = lines[target].row
        assert row.deadline_due_at - row.received_at == timedelta(hours=hours), target
        assert lines[target].late_by == timedelta(seconds=1), target


def test_a_member_state_authoritys_terrorist_content_order_is_due_in_one_hour(store, sla):
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_authority, principal_for_key

    issued = add_authority(store.uow(), "Bundeskriminalamt", "DE", ["bka.de"], SYSTEM)
    bka = principal_for_key(store.uow(), issued.api_key)
    receipt = ingest_order(store.uow(), sla, order_for(bka, "@tco_de", reference="BKA-1"), bka)
    with store.uow(read_only=True) as uow:
        order = uow.orders.get(receipt.order_id)
        assert order.deadline_due_at - order.received_at == timedelta(hours=1)


def test_an_order_for_a_channel_already_blocked_is_met_at_once_not_before_it_came(
        store, activity, ministry, eu_authority, clock):
    (case_id,) = activity.order("2026-11-03T08:00+07:00", ministry, "@blocked_first", reference="B-X/2026")
    activity.decide("2026-11-03T09:00+07:00", case_id)
    activity.order("2026-11-05T10:00+01:00", eu_authority, "@blocked_first", reference="TCO-late")
    clock.at = datetime.fromisoformat("2026-11-30T12:00+07:00")
    report = compliance_report(store.uow(), "Garda Siochana", 2026, 11)
    (line,) = report.lines
    assert line.row.outcome == "actioned" and not line.breached
    assert line.hours_to_action == 0
    assert report.summary.median_hours == 0 and report.summary.in_time == 1


def test_a_case_reopened_by_another_authoritys_order_is_pending_for_it_not_refused(
        store, activity, ministry, eu_authority, clock):
    """Closed with no action on Kemkomdigi's order; the EU authority's later order reopens it.
    Until someone decides again, the EU order's target is pending (and breaches at its hour),
    not refused by a decision taken before the order came."""
    (case_id,) = activity.order("2026-11-03T08:00+07:00", ministry, "@looked_at_once", reference="B-N/2026")
    activity.decide("2026-11-03T09:00+07:00", case_id, action="no_action", reason_code="not_violating",
                    reason="news report")
    activity.approve_last(case_id)
    with store.uow() as uow:  # the refusal is final: the case closes
        case = uow.cases.get(case_id)
        case.step("close", clock.now(), "system:test")
        uow.commit()
    activity.order("2026-11-05T10:00+01:00", eu_authority, "@looked_at_once", reference="TCO-again")
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == "queued"  # reopened for a fresh look
    clock.at = datetime.fromisoformat("2026-11-30T12:00+07:00")
    (line,) = compliance_report(store.uow(), "Garda Siochana", 2026, 11).lines
    assert line.row.outcome == "pending" and line.breached
    (first,) = compliance_report(store.uow(), "Kemkomdigi", 2026, 11).lines
    assert first.row.outcome == "refused"
