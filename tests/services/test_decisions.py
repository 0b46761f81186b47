import pytest

from tanggap.domain.errors import ConflictingDecision, InvalidDecision, NotFound
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.orders import ingest_order
from tests.builders import order_for


@pytest.fixture
def case_id(store, sla, ministry):
    return ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x"), ministry).case_ids[0]


def test_the_same_decision_twice_is_one_decision_and_one_enforcement(store, case_id, moderator):
    request = DecisionRequest("block", "terrorist propaganda", "global", "UU 5/2018")
    first = decide(store.uow(), case_id, request, moderator)
    second = decide(store.uow(), case_id, request, moderator)
    assert not first.repeated and second.repeated
    assert second.decision_id == first.decision_id
    assert second.enforcement_id == first.enforcement_id
    with store.uow() as uow:
        assert len(uow.cases.get(case_id).decisions) == 1
        assert len(uow.enforcements.for_case(case_id)) == 1


def test_a_different_decision_on_a_decided_case_conflicts(store, case_id, moderator):
    decide(store.uow(), case_id, DecisionRequest("block", "terrorist propaganda"), moderator)
    with pytest.raises(ConflictingDecision):
        decide(store.uow(), case_id, DecisionRequest("no_action", "harmless"), moderator)


def test_decision_validation(store, case_id, moderator):
    with pytest.raises(InvalidDecision) as error:
        decide(store.uow(), case_id, DecisionRequest("nuke", "x"), moderator)
    assert error.value.field == "action"
    with pytest.raises(InvalidDecision) as error:
        decide(store.uow(), case_id, DecisionRequest("block", "  "), moderator)
    assert error.value.field == "reason"
    with pytest.raises(NotFound):
        decide(store.uow(), "01NOSUCHCASE", DecisionRequest("block", "x"), moderator)


def test_country_scoped_block_keeps_its_countries(store, case_id, moderator):
    outcome = decide(store.uow(), case_id, DecisionRequest("block", "terrorism", ["id", "MY"]), moderator)
    with store.uow() as uow:
        enforcement = uow.enforcements.get(outcome.enforcement_id)
        assert enforcement.scope.countries == ("ID", "MY")
        assert enforcement.idempotency_key == f"tanggap-{outcome.decision_id}"
