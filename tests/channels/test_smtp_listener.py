"""The SMTP listener: 250 only for what is stored; 451 when the store fails; 552 when too big."""

from __future__ import annotations

import smtplib
import threading

import pytest
from sqlalchemy import text

from tanggap.intake.smtp import SmtpListener
from tanggap.store.uow import Store
from tests.channels.conftest import inbound_count, message, stored_bytes


def _send(listener: SmtpListener, raw: bytes) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA on one connection; the answer to DATA (what the sender acts on)."""
    with smtplib.SMTP(listener.host, listener.port, timeout=30) as client:
        client.ehlo("mx1.example.net")
        client.mail("pengirim@example.org")
        client.rcpt("abuse@tanggap.invalid")
        return client.data(raw)


def test_250_names_the_inbound_message_stored_with_the_exact_bytes(store):
    woken = []
    raw = message(1, run="smtp")
    with SmtpListener(store, on_stored=woken.append) as listener:
        code, answer = _send(listener, raw)

    assert code == 250
    inbound_id, channel, content = stored_bytes(store, raw)
    assert answer == f"OK {inbound_id}".encode()
    assert (channel, content) == ("smtp", raw)
    assert [receipt.inbound_id for receipt in woken] == [inbound_id]


def test_the_same_message_twice_is_one_inbound_message_and_wakes_the_worker_once(store):
    woken = []
    raw = message(1, run="again")
    with SmtpListener(store, on_stored=woken.append) as listener:
        first, second = _send(listener, raw), _send(listener, raw)
    assert first == second and first[0] == 250
    assert inbound_count(store, "smtp") == 1
    assert len(woken) == 1


def test_lines_longer_than_rfc_5321_allows_and_leading_dots_arrive_intact(store):
    long_line = "https://t.me/" + "a" * 5000
    raw = (b"From: a@example.org\r\nTo: abuse@tanggap.invalid\r\nSubject: panjang\r\n"
           b"Message-ID: <long@example.org>\r\n\r\n" + long_line.encode() + b"\r\n.titik di awal\r\n..dua\r\n")
    with SmtpListener(store) as listener:
        code, _ = _send(listener, raw)
    assert code == 250
    assert stored_bytes(store, raw)[2] == raw


def test_a_message_over_the_limit_gets_552_and_nothing_is_stored(store):
    raw = message(1, run="big", body="x" * 5000 + "\n")
    with SmtpListener(store, max_message_bytes=2000) as listener:
        # smtplib declares SIZE= on MAIL FROM when offered: refused before the data is sent.
        with smtplib.SMTP(listener.host, listener.port, timeout=30) as client, \
                pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("pengirim@example.org", ["abuse@tanggap.invalid"], raw)
        assert refused.value.smtp_code == 552
        # A sender that does not declare the size: refused after DATA.
        code, _ = _send(listener, raw)
        assert code == 552
        # The connection stays usable, and a small message still gets through.
        assert _send(listener, message(2, run="big"))[0] == 250
    assert stored_bytes(store, raw) is None
    assert inbound_count(store, "smtp") == 1


def test_an_unreachable_database_gets_451_and_the_listener_keeps_serving():
    down = Store("postgresql+psycopg://tanggap@127.0.0.1:9/nowhere?connect_timeout=2")
    try:
        with SmtpListener(down) as listener:
            for n in range(3):
                code, answer = _send(listener, message(n, run="down"))
                assert (code, answer) == (451, b"4.3.0 temporary failure, try again")
    finally:
        down.dispose()


def test_a_failing_store_gets_451_and_the_retry_after_recovery_is_stored(store):
    """The table disappears under the listener (a broken migration, a DBA's mistake): every
    message is refused with 451, none is half-stored, and the sender's retry succeeds."""
    raw = message(1, run="retry")
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbound_messages RENAME TO inbound_messages_away"))
    try:
        with SmtpListener(store) as listener:
            assert _send(listener, raw)[0] == 451
    finally:
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE inbound_messages_away RENAME TO inbound_messages"))
    with store.engine.connect() as connection:  # the evidence write was rolled back with it
        assert connection.execute(text("SELECT count(*) FROM evidence")).scalar_one() == 0

    with SmtpListener(store) as listener:
        assert _send(listener, raw)[0] == 250
    assert stored_bytes(store, raw)[2] == raw


def test_parallel_senders_each_get_their_own_answer(store):
    raws = [message(n, run="parallel") for n in range(40)]
    answers: dict[int, tuple[int, bytes]] = {}

    def sender(start: int) -> None:
        with smtplib.SMTP(listener.host, listener.port, timeout=60) as client:
            client.ehlo("mx1.example.net")
            for n in range(start, len(raws), 4):
                client.mail("pengirim@example.org")
                client.rcpt("abuse@tanggap.invalid")
                answers[n] = client.data(raws[n])

    with SmtpListener(store) as listener:
        threads = [threading.Thread(target=sender, args=(start,)) for start in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    for n, raw in enumerate(raws):
        inbound_id, _, content = stored_bytes(store, raw)
        assert answers[n] == (250, f"OK {inbound_id}".encode()) and content == raw


def test_it_listens_on_loopback_unless_told_otherwise(store):
    listener = SmtpListener(store)
    assert listener.host == "127.0.0.1"
    from tanggap.config import Settings

    assert Settings().smtp_listen_host == "127.0.0.1"


def test_stop_lets_a_message_being_stored_finish_and_answer(store):
    """A graceful stop (SIGTERM) while DATA is being stored: the sender still gets its 250."""
    import time

    gate = threading.Event()
    listener = SmtpListener(store)
    real_store = listener.handler._store

    def slow_store(raw):
        gate.wait(10)
        return real_store(raw)

    listener.handler._store = slow_store
    raw = message(1, run="drain")
    result: list[tuple[int, bytes]] = []
    listener.start()
    sender = threading.Thread(target=lambda: result.append(_send(listener, raw)))
    sender.start()
    while listener.in_flight == 0:
        time.sleep(0.01)
    stopper = threading.Thread(target=listener.stop)
    stopper.start()
    time.sleep(0.2)
    gate.set()
    stopper.join(20)
    sender.join(20)
    assert result and result[0][0] == 250
    assert stored_bytes(store, raw)[2] == raw
