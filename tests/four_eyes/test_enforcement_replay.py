"""Retried, replayed and out-of-order enforcements: none of them lifts a block that two people
did not agree to lift, and none of them brings back a block that two people lifted."""

from tanggap.domain.model import Action, CaseState, Enforcement, EnforcementStatus, Scope
from tanggap.domain.signals import Signal
from tanggap.services.automatic import auto_block, review
from tanggap.services.decisions import DecisionRequest, approve, decide
from tanggap.services.enforcement import RetryPolicy, carry_out, carry_out_pending
from tanggap.services.orders import ingest_order
from tanggap.services.reversals import approve_reversal
from tests.builders import order_for
from tests.four_eyes.conftest import no_sleep, visible

FAST = RetryPolicy(2, 0.0)
MATCH = Signal("hash:sha256", 1.0, "the same video as bank entry 7", {"verified": True})


def ordered_case(store, sla, ministry, username):
    return ingest_order(store.uow(), sla, order_for(ministry, f"@{username}"), ministry).case_ids[0]


def forged_unblock(store, case_id, key):
    """An unblock row that no reversal produced (a replayed message, a hand-made row)."""
    with store.uow() as uow:
        case = uow.cases.get(case_id)
        decision = case.decision
        unblock = uow.enforcements.add(Enforcement(case.id, decision.id, Action.UNBLOCK, Scope(), case.target,
                                                   idempotency_key=key, created_at=uow.clock.now()))
        uow.commit()
        return unblock.id


def test_an_unblock_without_an_approved_reversal_never_reaches_the_platform(
        store, sla, ministry, moderator, platform, platform_server, channels):
    username = channels[0].username
    case_id = ordered_case(store, sla, ministry, username)
    block = decide(store.uow(), case_id, DecisionRequest("block", "terrorist propaganda"), moderator)
    assert carry_out(store, platform, block.enforcement_id, FAST, no_sleep).status is EnforcementStatus.CONFIRMED
    assert not visible(platform_server, username)

    unblock_id = forged_unblock(store, case_id, "replayed-unblock-1")
    refused = carry_out(store, platform, unblock_id, FAST, no_sleep)
    assert refused.status is EnforcementStatus.FAILED and "reversal" in refused.error
    assert not visible(platform_server, username)  # still blocked
    # The sweep (`tanggap enforce`) does not pick it up again either.
    assert carry_out_pending(store, platform, FAST, no_sleep) == []
    assert not visible(platform_server, username)
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == CaseState.ACTIONED
        assert uow.enforcements.get(unblock_id).last_error.startswith("refused:")


def test_a_block_retried_after_its_reversal_was_approved_does_not_block_again(
        store, sla, ministry, senior_a, senior_b, admin, platform, platform_server, channels):
    """The automatic block's enforcement is still pending (platform outage) when two seniors
    reverse it; the bus delivers the unblock first, then retries the block."""
    username = channels[1].username
    case_id = ordered_case(store, sla, ministry, username)
    blocked = auto_block(store, case_id, MATCH)
    admin.post("/admin/faults", json={"fail_next": 100, "status": 503})
    assert carry_out(store, platform, blocked.enforcement_id, FAST, no_sleep).status is EnforcementStatus.PENDING
    admin.delete("/admin/faults")

    review(store.uow(), case_id, False, "the video is news footage", senior_a)
    reversed_ = approve_reversal(store.uow(), case_id, senior_b)
    assert carry_out(store, platform, reversed_.enforcement_id, FAST, no_sleep).status is EnforcementStatus.CONFIRMED
    late = carry_out(store, platform, blocked.enforcement_id, FAST, no_sleep)
    assert late.status is EnforcementStatus.FAILED and "reversed" in late.error
    assert visible(platform_server, username)
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == CaseState.REVERSED


def test_a_replayed_block_or_unblock_acts_once(store, sla, ministry, moderator, senior_a, senior_b, admin,
                                               platform, platform_server, channels):
    """A message delivered twice, a sweep run twice: each finds the enforcement done."""
    username = channels[2].username
    case_id = ordered_case(store, sla, ministry, username)
    blocked = auto_block(store, case_id, MATCH)
    for _ in range(2):
        assert carry_out(store, platform, blocked.enforcement_id, FAST, no_sleep).status is EnforcementStatus.CONFIRMED
    review(store.uow(), case_id, False, "wrong match", senior_a)
    unblock = approve_reversal(store.uow(), case_id, senior_b).enforcement_id
    for _ in range(2):
        assert carry_out(store, platform, unblock, FAST, no_sleep).status is EnforcementStatus.CONFIRMED
        assert carry_out(store, platform, blocked.enforcement_id, FAST, no_sleep).status is EnforcementStatus.CONFIRMED
    assert visible(platform_server, username)
    with store.uow(read_only=True) as uow:
        keys = [e.idempotency_key for e in uow.enforcements.for_case(case_id)]
    assert [len(admin.get("/admin/actions", params={"idempotency_key": k}).json()["actions"]) for k in keys] == [1, 1]


def test_an_unblock_decision_goes_out_only_after_a_second_person_approved_it(
        store, sla, ministry, moderator, senior_a, platform, platform_server, channels):
    username = channels[3].username
    case_id = ordered_case(store, sla, ministry, username)
    proposed = decide(store.uow(), case_id, DecisionRequest("unblock", "blocked by mistake elsewhere"), moderator)
    assert proposed.awaiting_approval == "unblock" and proposed.enforcement_id is None
    approved = approve(store.uow(), case_id, senior_a)
    assert carry_out(store, platform, approved.enforcement_id, FAST, no_sleep).status is EnforcementStatus.CONFIRMED
