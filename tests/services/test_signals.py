from tanggap.domain.signals import Signal
from tanggap.services.orders import ingest_order
from tanggap.services.signals import record_signals, signals_for
from tests.builders import order_for


def test_signals_are_stored_on_the_case_strongest_first_and_shown_escaped(
        store, sla, ministry, make_client, moderator_login):
    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x"), ministry).case_ids[0]
    with store.uow() as uow:
        record_signals(uow, case_id, [
            Signal("lexicon", 0.4, "2 post(s) use thaghut, ansharut thaghut"),
            Signal("hash:pdq", 0.95, "image matches bank <TVEC> (distance 8)", {"bank": "TVEC"}),
        ], uow.clock.now())
        uow.commit()
    assert [s["source"] for s in signals_for(store, case_id)] == ["hash:pdq", "lexicon"]
    from tests.web.test_console import log_in
    client = make_client()
    log_in(client, "sari", moderator_login.password)
    page = client.get(f"/console/cases/{case_id}").text
    assert "image matches bank &lt;TVEC&gt; (distance 8)" in page and "0.95" in page
