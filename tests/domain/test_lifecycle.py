from datetime import datetime, timedelta

import pytest

from tanggap.domain.errors import ConflictingDecision, InvalidDecision, InvalidTransition
from tanggap.domain.model import (
    Action, Case, CaseState, Decision, Enforcement, Order, OrderDraft, Scope,
)
from tanggap.domain.sla import SlaPolicy
from tanggap.domain.targets import parse_target

T0 = datetime.fromisoformat("2026-03-31T23:30:00+07:00")


def an_order(category="terrorism", jurisdiction="ID", at=T0):
    draft = OrderDraft("auth1", "B-1/2026", category, jurisdiction, (parse_target("@kabar_mujahid"),))
    return Order.receive(draft, at, SlaPolicy().deadline(at, jurisdiction, category), "authority:auth1")


def a_case(target="@kabar_mujahid"):
    return Case.open(parse_target(target), T0, "system:test")


def a_decision(case, action=Action.BLOCK, scope=Scope(), reason="terrorist propaganda"):
    return Decision(case.id, action, scope, reason, "UU 5/2018", None, "mod1", T0)


def test_full_lifecycle_to_actioned_records_each_step():
    case = a_case()
    case.attach_order(an_order(), severity=0, actor="authority:auth1")
    assert case.step("triage", T0, "system")
    assert case.step("claim", T0, "user:mod1")
    assert case.decide(a_decision(case), "user:mod1")
    assert case.state == CaseState.DECIDED
    enforcement = Enforcement(case.id, case.decision.id, Action.BLOCK, Scope(), case.target, "k", T0)
    enforcement.confirm("ref-1", T0 + timedelta(minutes=5), "system")
    assert case.enforced(enforcement, "system")
    assert case.state == CaseState.ACTIONED
    assert case.actioned_at == T0 + timedelta(minutes=5)
    kinds = [e.kind for e in case.events]
    assert kinds == ["case_opened", "order_attached", "case_triage", "case_claim", "case_decide", "case_enforced"]


def test_transitions_are_idempotent_and_a_repeat_is_on_the_record():
    case = a_case()
    case.step("triage", T0, "system")
    events = len(case.events)
    assert case.step("triage", T0, "system") is False
    assert case.state == CaseState.QUEUED
    assert [e.kind for e in case.events[events:]] == ["case_triage_repeated"]  # never silent


def test_invalid_transition_is_a_typed_error():
    case = a_case()
    with pytest.raises(InvalidTransition):
        case.step("enforced", T0, "system")


def test_same_decision_twice_changes_nothing_and_a_different_one_conflicts():
    case = a_case()
    case.step("triage", T0, "system")
    assert case.decide(a_decision(case), "user:mod1")
    events = len(case.events)
    assert case.decide(a_decision(case), "user:mod1") is False
    assert len(case.events) == events and len(case.decisions) == 1
    with pytest.raises(ConflictingDecision):
        case.decide(a_decision(case, Action.NO_ACTION, reason="satire"), "user:mod2")


def test_no_action_closes_the_case_without_the_platform():
    case = a_case()
    case.step("triage", T0, "system")
    case.decide(a_decision(case, Action.NO_ACTION, reason="news reporting"), "user:mod1")
    assert case.state == CaseState.CLOSED


def test_unconfirmed_enforcement_cannot_action_a_case():
    case = a_case()
    case.step("triage", T0, "system")
    case.decide(a_decision(case), "user:mod1")
    pending = Enforcement(case.id, case.decision.id, Action.BLOCK, Scope(), case.target, "k", T0)
    with pytest.raises(InvalidTransition):
        case.enforced(pending, "system")
    assert case.state == CaseState.DECIDED


def test_remove_post_needs_a_post_target():
    case = a_case("@kabar_mujahid")
    case.step("triage", T0, "system")
    with pytest.raises(InvalidDecision):
        case.decide(a_decision(case, Action.REMOVE_POST), "user:mod1")


def test_case_deadline_is_the_earliest_over_its_orders():
    case = a_case()
    gambling = an_order("gambling")  # 24 h
    case.attach_order(gambling, severity=5, actor="a")
    eu = an_order("terrorism", "EU", at=T0 + timedelta(hours=2))  # 1 h, later receipt, earlier due
    case.attach_order(eu, severity=0, actor="b")
    assert case.deadline.due_at == T0 + timedelta(hours=3)
    assert case.category == "terrorism" and case.severity == 0
    case.attach_order(an_order("hoax", at=T0 + timedelta(hours=1)), severity=7, actor="c")
    assert case.deadline.due_at == T0 + timedelta(hours=3)  # a later deadline never postpones


@pytest.mark.parametrize(("written", "expected"), [
    (None, ()), ("global", ()), (["id", "my"], ("ID", "MY")), ("ID, SG", ("ID", "SG")),
])
def test_scope_parsing(written, expected):
    assert Scope.parse(written).countries == expected


def test_scope_rejects_non_country_codes():
    with pytest.raises(InvalidDecision):
        Scope.parse(["Indonesia"])
