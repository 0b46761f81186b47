"""Review rules: language routing, expiring claims, four-eyes, appeals."""

from datetime import timedelta

import pytest

from tanggap.domain.access import SYSTEM
from tanggap.domain.errors import ConflictingDecision, InvalidTransition, NotFound, PermissionDenied
from tanggap.domain.model import CaseState
from tanggap.services.accounts import add_user, principal_for_key
from tanggap.services.appeals import resolve_appeal, submit_appeal
from tanggap.services.decisions import DecisionRequest, approve, decide
from tanggap.services.orders import ingest_order, order_status
from tanggap.services.reversals import approve_reversal
from tanggap.services.review import QueueFilter, claim, decide_order, expire_leases, queue
from tests.builders import order_for


def staff(store, name, role, languages):
    return principal_for_key(store.uow(), add_user(store.uow(), name, role, languages, SYSTEM).api_key)


def set_case(store, case_id, **values):
    with store.uow() as uow:
        case = uow.cases.get(case_id)
        for key, value in values.items():
            setattr(case, key, value)
        uow.commit()


def queued_ids(store, who, **wanted):
    with store.uow(read_only=True) as uow:
        return [c.id for c in queue(uow, who, QueueFilter(**wanted))]


@pytest.fixture
def two_cases(store, sla, ministry):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_daulah", "@news_of_war"), ministry)
    indonesian, english = receipt.case_ids
    set_case(store, indonesian, language="id")
    set_case(store, english, language="en")
    return indonesian, english


def test_a_moderator_who_reads_only_english_never_sees_an_indonesian_case(store, two_cases):
    indonesian, english = two_cases
    only_en = staff(store, "tom", "moderator", ["en"])
    assert queued_ids(store, only_en) == [english]
    with pytest.raises(NotFound):
        claim(store.uow(), indonesian, only_en)
    with pytest.raises(PermissionDenied):
        decide(store.uow(), indonesian, DecisionRequest("block", "propaganda"), only_en)


def test_malay_readers_see_indonesian_cases_and_the_other_way_round(store, two_cases):
    indonesian, _ = two_cases
    malay = staff(store, "aisyah", "moderator", ["ms"])
    assert indonesian in queued_ids(store, malay)
    set_case(store, indonesian, language="ms")
    assert indonesian in queued_ids(store, staff(store, "dewi", "moderator", ["id"]))


def test_a_claim_hides_the_case_from_others_until_its_lease_expires(store, clock, two_cases):
    indonesian, _ = two_cases
    sari, dewi = staff(store, "sari2", "moderator", ["id"]), staff(store, "dewi", "moderator", ["id"])
    claim(store.uow(), indonesian, sari, lease=timedelta(minutes=15))
    assert indonesian not in queued_ids(store, dewi)
    with pytest.raises(ConflictingDecision):
        claim(store.uow(), indonesian, dewi)
    with pytest.raises(ConflictingDecision):
        decide(store.uow(), indonesian, DecisionRequest("block", "propaganda"), dewi)
    clock.advance(timedelta(minutes=16))  # sari's browser crashed
    assert indonesian in queued_ids(store, dewi)
    assert expire_leases(store) == 1
    with store.uow(read_only=True) as uow:
        case = uow.cases.get(indonesian)
        assert case.state == CaseState.QUEUED and case.claimed_by is None


def test_a_moderator_cannot_approve_and_nobody_approves_their_own(store, sla, ministry, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@big_channel_x"), ministry)
    case_id = receipt.case_ids[0]
    set_case(store, case_id, subscribers=250_000)
    outcome = decide(store.uow(), case_id, DecisionRequest("block", "propaganda", "global"), moderator)
    assert outcome.awaiting_approval == "global block of a channel over 100,000 subscribers"
    assert outcome.enforcement_id is None and outcome.case_state == "pending_approval"
    with pytest.raises(PermissionDenied):
        approve(store.uow(), case_id, moderator)
    senior_a, senior_b = staff(store, "rina", "senior", ["id"]), staff(store, "agus", "senior", ["id"])
    second = ingest_order(store.uow(), sla, order_for(ministry, "@big_channel_y", reference="B-9"), ministry)
    set_case(store, second.case_ids[0], subscribers=500_000)
    decide(store.uow(), second.case_ids[0], DecisionRequest("block", "propaganda"), senior_a)
    with pytest.raises(PermissionDenied, match="own decision"):
        approve(store.uow(), second.case_ids[0], senior_a)
    approved = approve(store.uow(), case_id, senior_b)
    assert approved.case_state == "decided" and approved.enforcement_id


def test_a_country_block_of_a_big_channel_needs_no_second_pair_of_eyes(store, sla, ministry, moderator):
    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@big_channel_z"), ministry).case_ids[0]
    set_case(store, case_id, subscribers=250_000)
    outcome = decide(store.uow(), case_id, DecisionRequest("block", "propaganda", ["ID"]), moderator)
    assert outcome.awaiting_approval is None and outcome.enforcement_id


def test_bulk_decision_acts_only_on_confirmed_targets(store, sla, ministry, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@one_chan", "@two_chan", "@three_chan"), ministry)
    confirmed = set(receipt.case_ids[:2])
    outcomes = decide_order(store.uow, receipt.order_id, DecisionRequest("block", "propaganda", ["ID"]),
                            confirmed, moderator)
    assert {o.case_id for o in outcomes} == confirmed
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(receipt.case_ids[2]).state == CaseState.QUEUED


def test_an_appeal_is_reviewed_by_someone_else_and_an_approved_reversal_unblocks(store, sla, clock, ministry,
                                                                                 moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@wrongly_blocked"), ministry)
    case_id = receipt.case_ids[0]
    decide(store.uow(), case_id, DecisionRequest("block", "propaganda", ["ID"]), moderator)
    set_case(store, case_id, state=CaseState.ACTIONED)  # as if the platform had confirmed
    appeal = submit_appeal(store.uow(), "t.me/wrongly_blocked", "Channel owner", "It is a news channel",
                           "owner@example.org", "public")
    assert appeal.case_state == "appealed"
    with pytest.raises(PermissionDenied):
        resolve_appeal(store.uow(), appeal.appeal_id, True, "mistake", moderator)
    other = staff(store, "wati", "moderator", ["id"])
    outcome = resolve_appeal(store.uow(), appeal.appeal_id, True, "news reporting, not propaganda", other)
    assert outcome.case_state == "pending_approval" and outcome.status == "reversal_proposed"
    assert outcome.enforcement_id is None  # still blocked until a senior approves
    approved = approve_reversal(store.uow(), case_id, staff(store, "budi", "senior", ["id"]))
    assert approved.case_state == "reversed"
    with store.uow(read_only=True) as uow:
        unblock = uow.enforcements.get(approved.enforcement_id)
        assert unblock.action == "unblock"
    assert order_status(store.uow(), receipt.order_id, ministry).targets[0].status == "reversed"


def test_appeals_close_after_six_months(store, sla, clock, ministry, moderator):
    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@old_decision"), ministry).case_ids[0]
    decide(store.uow(), case_id, DecisionRequest("block", "propaganda", ["ID"]), moderator)
    set_case(store, case_id, state=CaseState.ACTIONED)
    clock.advance(timedelta(days=190))
    with pytest.raises(InvalidTransition, match="6 months"):
        submit_appeal(store.uow(), "@old_decision", "Owner", "please", None, "public")


def test_with_the_same_deadline_and_severity_the_stronger_signal_comes_first(store, sla, ministry, moderator):
    from tanggap.domain.signals import Signal
    from tanggap.services.signals import record_signals

    weak, strong = ingest_order(store.uow(), sla, order_for(ministry, "@first_listed", "@second_listed"),
                                ministry).case_ids
    with store.uow() as uow:
        record_signals(uow, strong, [Signal("hash:pdq", 0.95, "image matches a verified bank")], uow.clock.now())
        record_signals(uow, weak, [Signal("lexicon", 0.3, "one medium term")], uow.clock.now())
        uow.commit()
    assert queued_ids(store, moderator)[:2] == [strong, weak]


def test_an_upheld_appeal_does_not_use_up_the_owners_right_to_appeal(store, sla, clock, ministry, moderator):
    """Anyone can appeal through the public form: a stranger's weak appeal, upheld, must not leave
    the channel's owner with a 409 for the rest of the six months."""
    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@kanal_berita"), ministry).case_ids[0]
    decide(store.uow(), case_id, DecisionRequest("block", "propaganda", ["ID"]), moderator)
    set_case(store, case_id, state=CaseState.ACTIONED)
    reviewer = staff(store, "wati", "moderator", ["id"])
    stranger = submit_appeal(store.uow(), "@kanal_berita", "someone", "buka dong", None, "public")
    assert resolve_appeal(store.uow(), stranger.appeal_id, False, "no grounds given", reviewer).case_state == "upheld"
    clock.advance(timedelta(days=30))
    owner = submit_appeal(store.uow(), "t.me/kanal_berita", "Redaksi Kanal Berita", "Kami kanal berita resmi",
                          "redaksi@example.org", "public")
    assert owner.case_state == "appealed" and owner.appeal_id != stranger.appeal_id
    assert resolve_appeal(store.uow(), owner.appeal_id, False, "the channel posts IS releases", reviewer).status \
        == "upheld"
    clock.advance(timedelta(days=160))  # the window is counted from the decision, not the last appeal
    with pytest.raises(InvalidTransition, match="6 months"):
        submit_appeal(store.uow(), "@kanal_berita", "someone", "lagi", None, "public")
