"""The IMAP poller against a real Dovecot: each message once, across restarts and UIDVALIDITY changes."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from tanggap.intake.imap import ImapPoller
from tanggap.store.tables import mailbox_state
from tests.channels.conftest import inbound_count, message, stored_bytes


def _state(store, account):
    with store.uow(read_only=True) as uow:
        return uow.session.execute(
            select(mailbox_state).where(mailbox_state.c.mailbox == account.state_key)).first()


def _wait_until(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_poll_stores_every_message_with_its_bytes(store, mailbox):
    raws = [message(n, run="all") for n in range(7)]
    mailbox.deliver(*raws)

    with ImapPoller(store, mailbox.account(batch_size=3)) as poller:
        assert poller.poll_once() == 7

    for raw in raws:
        _id, channel, content = stored_bytes(store, raw)
        assert (channel, content) == ("imap", raw)
    state = _state(store, mailbox.account())
    assert state.last_uid == 7 and poller.last_round.fetched == 7


def test_a_restarted_poller_fetches_nothing_again_and_then_only_new_mail(store, mailbox):
    mailbox.deliver(*(message(n, run="restart") for n in range(4)))
    with ImapPoller(store, mailbox.account()) as first:
        assert first.poll_once() == 4

    with ImapPoller(store, mailbox.account()) as restarted:  # a new process: only the database remembers
        assert restarted.poll_once() == 0
        assert restarted.last_round.fetched == 0  # not even fetched: the UID says it was done

    later = [message(n, run="restart-later") for n in range(2)]
    mailbox.deliver(*later)
    with ImapPoller(store, mailbox.account()) as again:
        assert again.poll_once() == 2
        assert again.last_round.fetched == 2
    assert inbound_count(store, "imap") == 6
    assert all(stored_bytes(store, raw) for raw in later)


def test_a_new_uidvalidity_reads_the_mailbox_again_and_stores_only_what_is_new(store, mailbox):
    folder = "Perintah"
    before = [message(n, run="validity") for n in range(3)]
    with mailbox.client() as client:
        client.create_folder(folder)
    mailbox.deliver(*before, folder=folder)
    account = mailbox.account(folder)
    with ImapPoller(store, account) as poller:
        assert poller.poll_once() == 3
    old = _state(store, account)

    # The mailbox is rebuilt (a migration, a restore): UIDs start again at 1 under a new UIDVALIDITY.
    with mailbox.client() as client:
        client.delete_folder(folder)
        client.create_folder(folder)
    new_mail = message(99, run="validity")
    mailbox.deliver(before[0], new_mail, folder=folder)  # UIDs 1 and 2: both at or below the old last UID

    with ImapPoller(store, account) as poller:
        assert poller.poll_once() == 1  # the new one; the old one is recognised
        assert poller.last_round.restarted and poller.last_round.fetched == 2
    state = _state(store, account)
    assert state.uidvalidity != old.uidvalidity and state.last_uid == 2
    assert stored_bytes(store, new_mail) is not None
    assert inbound_count(store, "imap") == 4


def test_the_same_message_twice_in_the_mailbox_is_one_inbound_message(store, mailbox):
    raw = message(1, run="twice")
    mailbox.deliver(raw, raw)
    with ImapPoller(store, mailbox.account()) as poller:
        assert poller.poll_once() == 1
        assert poller.last_round.fetched == 2
    assert inbound_count(store, "imap") == 1


def test_the_last_uid_moves_only_past_messages_that_were_stored(store, mailbox, monkeypatch):
    """The database fails on the third message: progress stops at the second; the next round
    stores the rest, and nothing is stored twice."""
    import tanggap.intake.imap as imap_module

    raws = [message(n, run="crash") for n in range(5)]
    mailbox.deliver(*raws)
    real_receive = imap_module.receive_raw
    calls = {"n": 0}

    def failing_third(uow, raw, channel):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return real_receive(uow, raw, channel)

    monkeypatch.setattr(imap_module, "receive_raw", failing_third)
    with ImapPoller(store, mailbox.account(batch_size=10)) as poller, pytest.raises(RuntimeError):
        poller.poll_once()
    assert _state(store, mailbox.account()).last_uid == 2
    assert inbound_count(store, "imap") == 2

    monkeypatch.setattr(imap_module, "receive_raw", real_receive)
    with ImapPoller(store, mailbox.account()) as poller:
        assert poller.poll_once() == 3
    assert inbound_count(store, "imap") == 5


def test_two_accounts_keep_their_own_progress(store, dovecot, mailbox):
    from tests.channels.conftest import Mailbox

    other = Mailbox(dovecot, mailbox.user + "-b")
    mailbox.deliver(message(1, run="acct-a"))
    other.deliver(message(1, run="acct-b"), message(2, run="acct-b"))
    with ImapPoller(store, mailbox.account()) as a, ImapPoller(store, other.account()) as b:
        assert (a.poll_once(), b.poll_once()) == (1, 2)
    assert _state(store, mailbox.account()).last_uid == 1
    assert _state(store, other.account()).last_uid == 2


def test_run_forever_wakes_on_idle_and_reconnects_after_a_drop(store, dovecot, mailbox):
    """IDLE is offered, so new mail is stored at once though the poll interval is an hour; a
    server-side disconnect is survived."""
    with mailbox.client() as client:
        assert client.has_capability("IDLE")
    stored = threading.Event()
    poller = ImapPoller(store, mailbox.account(poll_interval_s=3600, idle_timeout_s=3600, max_backoff_s=1),
                        on_stored=stored.set)
    stop = threading.Event()
    runner = threading.Thread(target=poller.run_forever, args=(stop,), daemon=True)
    runner.start()
    try:
        assert _wait_until(lambda: poller.last_round is not None)  # first round done, now in IDLE
        time.sleep(0.3)
        first = message(1, run="idle")
        mailbox.deliver(first)
        assert stored.wait(10), "IDLE did not wake the poller"
        assert stored_bytes(store, first) is not None

        dovecot.kick(mailbox.user)  # the server drops us
        time.sleep(0.5)
        second = message(2, run="idle")
        mailbox.deliver(second)
        assert _wait_until(lambda: stored_bytes(store, second) is not None, 20), \
            "the poller did not reconnect and pick up the new mail"
    finally:
        stop.set()
        runner.join(15)
    assert not runner.is_alive()
    assert inbound_count(store, "imap") == 2


def test_without_idle_it_polls_on_the_interval(store, mailbox):
    poller = ImapPoller(store, mailbox.account(use_idle=False, poll_interval_s=0.2))
    stop = threading.Event()
    runner = threading.Thread(target=poller.run_forever, args=(stop,), daemon=True)
    runner.start()
    try:
        assert _wait_until(lambda: poller.last_round is not None)
        raw = message(1, run="interval")
        mailbox.deliver(raw)
        assert _wait_until(lambda: stored_bytes(store, raw) is not None)
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()


def test_a_wrong_password_is_an_error_and_the_password_is_never_shown(tmp_path, mailbox_for_bad_logins):
    """Login fails before any database work: one backend is enough."""
    from dataclasses import replace

    from imapclient.exceptions import LoginError

    from tanggap.store.uow import Store

    account = replace(mailbox_for_bad_logins.account(), password="not-the-password")
    store = Store(f"sqlite:///{tmp_path / 'unused.db'}")
    with ImapPoller(store, account) as poller, pytest.raises(LoginError):
        poller.poll_once()
    store.dispose()
    assert "not-the-password" not in repr(account)
    assert "not-the-password" not in account.state_key
