"""A statement of reasons delivered to the DSA Transparency Database is a change of state: it is
on the audit chain, written in the transaction that records the delivery."""

import pytest

from tanggap.notify.sor_submitter import Endpoint, submit
from tanggap.services.audit import verify_audit_log
from tanggap.services.statements import statements_since
from tanggap.store.audit_log import events_for
from tests.accountability.dsa_double import TOKEN, running_dsa
from tests.accountability.world import at


@pytest.fixture
def dsa():
    with running_dsa() as server:
        yield server


def test_each_delivered_statement_is_on_the_audit_chain_once(store, activity, ministry, dsa):
    (case_id,) = activity.order("2026-11-10T09:00+07:00", ministry, "@kanal_sor")
    outcome = activity.decide("2026-11-10T10:00+07:00", case_id)
    found = statements_since(store.uow(read_only=True), at("2026-11-01T00:00+07:00"), "https://x/appeal")
    endpoint = Endpoint(f"{dsa.url}/api/v1/statements", TOKEN, attempts=1, backoff_s=0.0)
    assert submit(store, found, endpoint, sleep=lambda s: None).sent == 1
    dsa.state.puids.clear()  # the database forgot nothing of ours, but a rerun must not re-audit
    submit(store, found, endpoint, sleep=lambda s: None)
    with store.uow(read_only=True) as uow:
        delivered = [e for e in events_for(uow.session, "decision", outcome.decision_id)
                     if e.kind == "statement_of_reasons_delivered"]
    assert len(delivered) == 1
    assert delivered[0].payload["puid"] == outcome.decision_id
    assert delivered[0].payload["endpoint"] == endpoint.url
    assert TOKEN not in str(delivered[0].payload)
    report = verify_audit_log(store.uow(read_only=True))
    assert report.intact, report.broken
