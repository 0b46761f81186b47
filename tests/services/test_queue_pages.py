"""The queue tells the truth: keyset pages that cover every open case once, counts equal to the
database's, cases without a deadline ordered by risk, assignment by a senior, deciding takes the
claim, and an escalation needs a question."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tanggap.domain.access import SYSTEM
from tanggap.domain.errors import ConflictingDecision, InvalidDecision, PermissionDenied
from tanggap.domain.model import CaseState
from tanggap.domain.signals import Signal
from tanggap.domain.targets import Target
from tanggap.services.accounts import add_user, principal_for_key
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.escalation import escalate
from tanggap.services.orders import ingest_order
from tanggap.services.review import QueueFilter, assign, claim, next_case, queue, queue_page
from tanggap.services.scan import open_proactive_case
from tanggap.store.audit_log import events_for
from tanggap.store.tables import cases
from tests.builders import order_for


def staff(store, name, role, languages):
    return principal_for_key(store.uow(), add_user(store.uow(), name, role, languages, SYSTEM).api_key)


def proactive(store, username, strength, subscribers=None):
    open_proactive_case(store, Target.channel(username), [Signal("classifier", strength, "test")], subscribers)
    with store.uow(read_only=True) as uow:
        return uow.session.scalar(select(cases.c.id).where(cases.c.target == Target.channel(username)))


def all_pages(store, who, size, **wanted):
    seen, after, pages = [], None, 0
    while True:
        with store.uow(read_only=True) as uow:
            page = queue_page(uow, who, QueueFilter(limit=size, **wanted), after=after)
        seen += [case.id for case in page.cases]
        pages += 1
        if page.next_after is None:
            return seen, page, pages
        after = page.next_after


@pytest.fixture
def mixed_queue(store, sla, ministry, clock):
    """Two orders (one shared deadline over many targets) and proactive cases of varied risk."""
    first = ingest_order(store.uow(), sla, order_for(ministry, *[f"@ord_a{i}" for i in range(7)],
                                                     reference="A-1"), ministry)
    clock.advance(timedelta(minutes=5))
    second = ingest_order(store.uow(), sla, order_for(ministry, "@ord_b0", "@ord_b1", reference="B-1",
                                                      category="gambling"), ministry)
    risky = [proactive(store, f"pro_{i}", strength, subscribers)
             for i, (strength, subscribers) in enumerate([(0.4, 10), (0.9, None), (0.9, 5000), (0.4, 10), (0.7, 1)])]
    return first.case_ids, second.case_ids, risky


def test_pages_cover_every_open_case_once_in_queue_order(store, mixed_queue):
    senior = staff(store, "budi", "senior", ["id", "en"])
    with store.uow(read_only=True) as uow:
        whole = [case.id for case in queue(uow, senior, QueueFilter(limit=1000))]
    for size in (1, 2, 3, 5, 50):
        seen, last, pages = all_pages(store, senior, size)
        assert seen == whole
        assert pages == max(1, -(-len(whole) // size))
        assert last.total == len(whole) == 14


def test_deadlines_first_then_cases_without_one_by_signal_then_reach(store, mixed_queue):
    by_order_a, by_order_b, risky = mixed_queue
    senior = staff(store, "budi", "senior", ["id"])
    with store.uow(read_only=True) as uow:
        order = [case.id for case in queue(uow, senior, QueueFilter(limit=1000))]
    assert set(order[:9]) == set(by_order_a) | set(by_order_b)
    assert order.index(by_order_a[0]) < order.index(by_order_b[0])  # the earlier deadline first
    # 0.9 with 5000 subscribers, 0.9 with none, 0.7, then the two 0.4s (10 subscribers each) by id
    assert order[9:] == [risky[2], risky[1], risky[4], *sorted([risky[0], risky[3]])]


def test_counts_per_state_equal_the_database(store, mixed_queue, moderator):
    by_order_a, _, _ = mixed_queue
    claim(store.uow(), by_order_a[0], moderator)
    escalate(store.uow(), by_order_a[1], "Is this the same group as last week's order?", moderator)
    senior = staff(store, "budi", "senior", ["id"])
    with store.uow(read_only=True) as uow:
        page = queue_page(uow, senior, QueueFilter(limit=2))
        in_db = dict(uow.session.execute(select(cases.c.state, func.count()).group_by(cases.c.state)).all())
    assert page.counts == {"queued": in_db[CaseState.QUEUED], "in_review": 1, "escalated": 1, "pending_approval": 0}
    assert page.total == 14 and len(page.cases) == 2


def test_a_page_can_start_after_a_case_that_was_decided_meanwhile(store, mixed_queue, moderator):
    senior = staff(store, "budi", "senior", ["id", "en"])
    with store.uow(read_only=True) as uow:
        first = queue_page(uow, senior, QueueFilter(limit=4))
    decide(store.uow(), first.next_after, DecisionRequest("block", "propaganda", "global"), senior)
    with store.uow(read_only=True) as uow:
        second = queue_page(uow, senior, QueueFilter(limit=4), after=first.next_after)
        whole = [case.id for case in queue(uow, senior, QueueFilter(limit=1000))]
    assert [case.id for case in second.cases] == whole[3:7]


def test_filters_apply_to_pages_and_counts(store, mixed_queue):
    _, by_order_b, _ = mixed_queue
    senior = staff(store, "budi", "senior", ["id"])
    seen, last, _ = all_pages(store, senior, 1, category="gambling")
    assert seen == list(by_order_b) and last.total == 2


def test_a_senior_assigns_a_case_to_a_person_or_a_language_team(store, mixed_queue, moderator):
    by_order_a, _, _ = mixed_queue
    senior = staff(store, "budi", "senior", ["id"])
    other = staff(store, "dewi", "moderator", ["id"])
    english = staff(store, "tom", "moderator", ["en"])
    assign(store.uow(), by_order_a[0], other.id, senior)
    assign(store.uow(), by_order_a[1], "team:en", senior)

    def ids(who):
        with store.uow(read_only=True) as uow:
            return {case.id for case in queue(uow, who, QueueFilter(limit=100))}

    assert by_order_a[0] in ids(other) and by_order_a[0] not in ids(moderator)
    assert by_order_a[1] in ids(english) and by_order_a[1] in ids(moderator)  # sari reads en too
    assert by_order_a[1] not in ids(other)
    with pytest.raises(PermissionDenied):
        assign(store.uow(), by_order_a[2], moderator.id, moderator)
    with pytest.raises(InvalidDecision):
        assign(store.uow(), by_order_a[2], "01NOBODY00000000000000000", senior)
    assign(store.uow(), by_order_a[0], "", senior)  # back to everyone
    assert by_order_a[0] in ids(moderator)
    with store.uow(read_only=True) as uow:
        kinds = [e.kind for e in events_for(uow.session, "case", by_order_a[0])]
    assert kinds.count("case_assigned") == 2


def test_deciding_takes_the_claim_and_is_refused_while_another_holds_it(store, mixed_queue, moderator, clock):
    by_order_a, _, _ = mixed_queue
    other = staff(store, "dewi", "moderator", ["id"])
    decide(store.uow(), by_order_a[0], DecisionRequest("block", "propaganda", "global"), moderator)
    with store.uow(read_only=True) as uow:
        kinds = [e.kind for e in events_for(uow.session, "case", by_order_a[0])]
    assert kinds[-2:] == ["case_claim", "case_decide"]
    claim(store.uow(), by_order_a[1], other)
    with pytest.raises(ConflictingDecision):
        decide(store.uow(), by_order_a[1], DecisionRequest("block", "propaganda", "global"), moderator)
    clock.advance(timedelta(minutes=16))  # dewi's lease ran out
    decide(store.uow(), by_order_a[1], DecisionRequest("block", "propaganda", "global"), moderator)


def test_an_escalation_needs_a_question(store, mixed_queue, moderator):
    by_order_a, _, _ = mixed_queue
    for empty in (None, "", "   \n"):
        with pytest.raises(InvalidDecision):
            escalate(store.uow(), by_order_a[0], empty, moderator)
    escalate(store.uow(), by_order_a[0], "Is @ord_a0 the same admin as the blocked @ord_x?", moderator)
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(by_order_a[0]).state == CaseState.ESCALATED


def test_the_next_case_is_the_first_other_case_of_the_persons_queue(store, mixed_queue, moderator):
    by_order_a, _, _ = mixed_queue
    with store.uow(read_only=True) as uow:
        whole = [case.id for case in queue(uow, moderator, QueueFilter(limit=100))]
        assert next_case(uow, moderator, whole[0]) == whole[1]
        assert next_case(uow, moderator, "someone-else") == whole[0]
