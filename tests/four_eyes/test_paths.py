"""Every way in that could lift, weaken or flip an ordered block, tried by one person alone.

(Self-approval of a reversal is covered in tests/domain/test_checkpoints_and_reversals.py,
tests/services/test_scan.py and tests/web/test_attacks.py; a flip on a decided case in
tests/services/test_decisions.py; an escalated case in tests/web_attack/test_roles.py.)"""

import pytest

from tanggap.domain.errors import ConflictingDecision, InvalidTransition, PermissionDenied
from tanggap.domain.model import CaseState, DecisionStatus
from tanggap.services.appeals import resolve_appeal, submit_appeal
from tanggap.services.decisions import DecisionRequest, approve, decide, reject_proposal
from tanggap.services.escalation import escalate
from tanggap.services.orders import ingest_order
from tanggap.services.reversals import approve_reversal
from tanggap.services.review import claim, decide_order, release
from tests.builders import order_for
from tests.four_eyes.conftest import staff

BLOCK = DecisionRequest("block", "terrorist propaganda", "global", "UU 5/2018")


def blocked(store, sla, ministry, moderator, username):
    """An ordered global block the platform has confirmed."""
    case_id = ingest_order(store.uow(), sla, order_for(ministry, f"@{username}"), ministry).case_ids[0]
    decide(store.uow(), case_id, BLOCK, moderator)
    with store.uow() as uow:
        uow.cases.get(case_id).state = CaseState.ACTIONED
        uow.commit()
    return case_id


def decision_in_force(store, case_id):
    with store.uow(read_only=True) as uow:
        case = uow.cases.get(case_id)
        return str(case.state), case.decision.action, str(case.decision.scope), case.decision.status


@pytest.mark.parametrize("request_", [
    DecisionRequest("block", "terrorist propaganda", ["ID"], "UU 5/2018"),  # global -> one country
    DecisionRequest("restrict", "only restrict it"),
    DecisionRequest("no_action", "harmless after all"),
    DecisionRequest("unblock", "not_violating"),
], ids=["narrow-scope", "restrict", "no_action", "unblock"])
def test_one_person_cannot_redecide_a_block_in_force(store, sla, ministry, moderator, senior_a, request_):
    case_id = blocked(store, sla, ministry, moderator, "kabar_satu")
    for who in (moderator, senior_a):
        with pytest.raises(ConflictingDecision):
            decide(store.uow(), case_id, request_, who)
    assert decision_in_force(store, case_id) == ("actioned", "block", "global", DecisionStatus.EFFECTIVE)


def test_claim_release_and_escalation_do_not_take_a_blocked_case_back_to_the_queue(
        store, sla, ministry, moderator, senior_a):
    case_id = blocked(store, sla, ministry, moderator, "kabar_dua")
    with pytest.raises(InvalidTransition):
        claim(store.uow(), case_id, moderator)
    with pytest.raises(InvalidTransition):
        escalate(store.uow(), case_id, "should this stay blocked?", moderator)
    release(store.uow(), case_id, senior_a)
    with pytest.raises((InvalidTransition, PermissionDenied)):
        approve(store.uow(), case_id, senior_a)
    assert decision_in_force(store, case_id) == ("actioned", "block", "global", DecisionStatus.EFFECTIVE)


def test_another_authoritys_order_does_not_reopen_a_blocked_case(store, sla, ministry, eu_authority, moderator):
    case_id = blocked(store, sla, ministry, moderator, "kabar_tiga")
    again = ingest_order(store.uow(), sla, order_for(eu_authority, "@kabar_tiga", reference="EU-1"), eu_authority)
    assert again.case_ids == [case_id]
    assert decision_in_force(store, case_id) == ("actioned", "block", "global", DecisionStatus.EFFECTIVE)


def test_a_bulk_no_action_skips_the_blocked_target_and_waits_for_a_senior_on_the_rest(
        store, sla, ministry, moderator, senior_a):
    blocked_id = blocked(store, sla, ministry, moderator, "kabar_empat")
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_empat", "@kabar_lima", reference="B-77"),
                           ministry)
    fresh_id = next(c for c in receipt.case_ids if c != blocked_id)
    outcomes = decide_order(store.uow, receipt.order_id, DecisionRequest("no_action", "nothing illegal"),
                            set(receipt.case_ids), moderator)
    assert [(o.case_id, o.awaiting_approval) for o in outcomes] == [(fresh_id, "no action on an authority's order")]
    assert decision_in_force(store, blocked_id) == ("actioned", "block", "global", DecisionStatus.EFFECTIVE)
    with pytest.raises(PermissionDenied):
        approve(store.uow(), fresh_id, moderator)
    # The same bulk decision again (a double submit) does not approve itself.
    decide_order(store.uow, receipt.order_id, DecisionRequest("no_action", "nothing illegal"),
                 set(receipt.case_ids), moderator)
    assert decision_in_force(store, fresh_id)[0] == "pending_approval"
    assert approve(store.uow(), fresh_id, senior_a).case_state == "closed"


def test_a_senior_alone_cannot_unblock_by_deciding_unblock(store, sla, ministry, senior_a, senior_b):
    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_enam"), ministry).case_ids[0]
    proposed = decide(store.uow(), case_id, DecisionRequest("unblock", "blocked elsewhere by mistake"), senior_a)
    assert proposed.awaiting_approval == "unblock" and proposed.enforcement_id is None
    with pytest.raises(PermissionDenied, match="own decision"):
        approve(store.uow(), case_id, senior_a)
    again = decide(store.uow(), case_id, DecisionRequest("unblock", "blocked elsewhere by mistake"), senior_a)
    assert again.repeated and again.enforcement_id is None
    assert approve(store.uow(), case_id, senior_b).enforcement_id


def test_a_pending_reversal_is_not_approved_or_rejected_as_a_decision(store, sla, clock, ministry, moderator,
                                                                      senior_a):
    case_id = blocked(store, sla, ministry, moderator, "kabar_tujuh")
    appeal = submit_appeal(store.uow(), "t.me/kabar_tujuh", "Owner", "a news channel", None, "public")
    other = staff(store, "wati", "moderator")
    resolve_appeal(store.uow(), appeal.appeal_id, True, "news, not propaganda", other)
    # The decision's four-eyes approval is not a way round the reversal's approval.
    with pytest.raises(InvalidTransition):
        approve(store.uow(), case_id, senior_a)
    with pytest.raises(InvalidTransition):
        reject_proposal(store.uow(), case_id, "back to the queue", senior_a)
    # Neither a second appeal, nor the proposer (or any moderator) approving.
    with pytest.raises(ConflictingDecision):
        submit_appeal(store.uow(), "t.me/kabar_tujuh", "Owner", "again", None, "public")
    for who in (other, moderator):
        with pytest.raises(PermissionDenied):
            approve_reversal(store.uow(), case_id, who)
    assert decision_in_force(store, case_id) == ("pending_approval", "block", "global", DecisionStatus.EFFECTIVE)


def test_a_new_authoritys_order_on_a_reversed_case_gets_a_fresh_look(
        store, sla, ministry, eu_authority, moderator, senior_a):
    case_id = blocked(store, sla, ministry, moderator, "kabar_delapan")
    appeal = submit_appeal(store.uow(), "t.me/kabar_delapan", "Owner", "a news channel", None, "public")
    resolve_appeal(store.uow(), appeal.appeal_id, True, "news, not propaganda", staff(store, "wati", "moderator"))
    approve_reversal(store.uow(), case_id, senior_a)
    ingest_order(store.uow(), sla, order_for(eu_authority, "@kabar_delapan", reference="EU-9"), eu_authority)
    assert decision_in_force(store, case_id)[0] == "queued"
