"""Signed checkpoints of the audit chain, and the lifecycle rules of issue 9 (pure domain)."""

from datetime import UTC, datetime

import pytest

from tanggap.domain.audit import Checkpoint, check_against_checkpoints
from tanggap.domain.errors import ConflictingDecision, PermissionDenied
from tanggap.domain.model import Case, CaseState, Decision, Scope
from tanggap.domain.targets import Target

KEY = b"k" * 32
AT = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def test_checkpoints_hold_for_the_database_they_were_signed_over():
    promised = [Checkpoint.sign(KEY, 3, "c" * 64, AT), Checkpoint.sign(KEY, 5, "e" * 64, AT)]
    assert check_against_checkpoints(5, {3: "c" * 64, 5: "e" * 64}, promised, KEY) is None
    assert check_against_checkpoints(7, {3: "c" * 64, 5: "e" * 64}, promised, KEY) is None  # more is fine


@pytest.mark.parametrize("total,heads,key,says", [
    (4, {3: "c" * 64}, KEY, "events 5..5 are missing"),
    (5, {3: "c" * 64, 5: "f" * 64}, KEY, "does not match the signed checkpoint"),
    (5, {3: "c" * 64, 5: "e" * 64}, b"another key", "wrong signature"),
])
def test_a_cut_or_rewritten_database_fails_its_checkpoints(total, heads, key, says):
    promised = [Checkpoint.sign(KEY, 3, "c" * 64, AT), Checkpoint.sign(KEY, 5, "e" * 64, AT)]
    broken = check_against_checkpoints(total, heads, promised, key)
    assert broken is not None and says in broken.reason


def blocked_case() -> Case:
    case = Case.open(Target.channel("kabar_x"), AT, "authority:a")
    case.step("triage", AT, "authority:a")
    case.decide(Decision(case.id, "block", Scope.parse("ID"), "propaganda", None, None, "mod-1", AT), "user:mod-1")
    case.state = CaseState.ACTIONED
    return case


def test_a_reversal_is_a_proposal_until_someone_else_approves_it():
    case = blocked_case()
    case.propose_reversal("senior-1", "news, not propaganda", AT, "user:senior-1")
    assert case.state == CaseState.PENDING_APPROVAL and case.decision.status == "effective"
    with pytest.raises(ConflictingDecision):
        case.propose_reversal("senior-2", "again", AT, "user:senior-2")
    with pytest.raises(PermissionDenied):
        case.approve_reversal("senior-1", AT, "user:senior-1")
    case.approve_reversal("senior-2", AT, "user:senior-2")
    assert case.state == CaseState.REVERSED and case.decisions[-1].status == "reversed"
    assert case.reversal_proposed_by is None


def test_a_repeated_step_is_recorded_not_silent():
    case = blocked_case()
    case.events.clear()
    assert case.step("close", AT, "system") is True
    assert case.step("close", AT, "system") is False
    assert [e.kind for e in case.events] == ["case_close", "case_close_repeated"]
