"""The submitter against a local HTTP stand-in for the DSA Transparency Database."""

import pytest
from sqlalchemy import text

from tanggap.notify.sor_submitter import Endpoint, SubmitRefused, submit
from tanggap.services.statements import statements_since
from tests.accountability.dsa_double import TOKEN, running_dsa
from tests.accountability.world import at


@pytest.fixture
def dsa():
    with running_dsa() as server:
        yield server


def endpoint(server, token=TOKEN):
    return Endpoint(f"{server.url}/api/v1/statements", token, attempts=3, backoff_s=0.0)


@pytest.fixture
def many_decisions(activity, ministry):
    targets = [f"@kanal_{n:03d}" for n in range(104)]
    for case_id in activity.order("2026-11-10T09:00+07:00", ministry, *targets):
        activity.decide("2026-11-10T10:00+07:00", case_id)


def statements(store):
    return statements_since(store.uow(read_only=True), at("2026-11-01T00:00+07:00"), "https://x/appeal")


def test_batches_of_at_most_100_and_a_rerun_sends_nothing(store, many_decisions, dsa):
    first = submit(store, statements(store), endpoint(dsa), sleep=lambda s: None)
    assert (first.sent, first.left, first.rejected) == (104, 0, {})
    assert dsa.state.batch_sizes == [100, 4]
    again = submit(store, statements(store), endpoint(dsa), sleep=lambda s: None)
    assert (again.sent, again.already) == (0, 104) and dsa.state.batch_sizes == [100, 4]


def test_a_puid_the_database_has_counts_as_delivered(store, many_decisions, dsa):
    found = statements(store)
    dsa.state.puids.extend(s.puid for s in found[:5])  # delivered before our records say so
    report = submit(store, found, endpoint(dsa), sleep=lambda s: None)
    assert (report.sent, report.duplicates, report.left) == (99, 5, 0)
    assert sorted(dsa.state.puids) == sorted(s.puid for s in found)


def test_an_endpoint_down_is_retried_and_what_is_left_waits(store, many_decisions, dsa):
    sleeps = []
    dsa.state.fail_next = 2
    report = submit(store, statements(store), endpoint(dsa), sleep=sleeps.append)
    assert report.sent == 104 and sleeps == [0.0, 0.0]
    dsa.state.puids.clear()
    dsa.state.fail_next = 99
    with store.uow() as uow:  # forget the deliveries: the endpoint is down for the whole run
        uow.session.execute(text("DELETE FROM sor_deliveries"))
        uow.commit()
    down = submit(store, statements(store), endpoint(dsa), sleep=lambda s: None)
    assert (down.sent, down.left) == (0, 104)


def test_a_refused_statement_is_reported_and_the_rest_delivered(store, many_decisions, dsa):
    found = statements(store)
    dsa.state.refuse_field = (found[7].puid, "category")
    report = submit(store, found, endpoint(dsa), sleep=lambda s: None)
    assert report.sent == 103 and list(report.rejected) == [found[7].puid]
    assert "category" in report.rejected[found[7].puid]
    dsa.state.refuse_field = None
    assert submit(store, found, endpoint(dsa), sleep=lambda s: None).sent == 1  # fixed: it goes


def test_a_wrong_token_stops_the_run(store, many_decisions, dsa):
    with pytest.raises(SubmitRefused):
        submit(store, statements(store), endpoint(dsa, token="wrong"), sleep=lambda s: None)


def test_the_served_submitter_sends_what_is_new_each_round(store, settings, many_decisions, dsa, activity, ministry):
    """`tanggap serve` runs StatementSubmitter: a round sends what is not yet delivered, the
    next round nothing, and a decision taken between rounds goes out with the round after it."""
    from pydantic import SecretStr

    from tanggap.notify.sor_worker import StatementSubmitter

    settings = settings.model_copy(update={"sor_endpoint": f"{dsa.url}/api/v1/statements",
                                           "sor_token": SecretStr(TOKEN),
                                           "sor_window_days": 3650})
    submitter = StatementSubmitter(store, settings)
    assert submitter.run_once().sent == 104
    assert submitter.run_once().sent == 0
    case_id = activity.order("2026-11-12T09:00+07:00", ministry, "@kanal_baru")[0]
    activity.decide("2026-11-12T10:00+07:00", case_id)
    assert submitter.run_once().sent == 1
    assert len(dsa.state.puids) == 105


def test_a_submitter_with_a_wrong_token_keeps_serving(store, settings, many_decisions, dsa, caplog):
    from pydantic import SecretStr

    from tanggap.notify.sor_worker import StatementSubmitter

    settings = settings.model_copy(update={"sor_endpoint": f"{dsa.url}/api/v1/statements",
                                           "sor_token": SecretStr("not-the-token"), "sor_window_days": 3650,
                                           "sor_interval_s": 0.05})
    submitter = StatementSubmitter(store, settings).start()
    try:
        import time

        time.sleep(0.3)
        assert submitter._thread is not None and submitter._thread.is_alive()
    finally:
        submitter.stop()
    assert "not accepted" in caplog.text and "not-the-token" not in caplog.text
    assert dsa.state.puids == []
