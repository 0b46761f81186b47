"""SIGKILL the SMTP listener while a client sends 1,000 messages: none that got a 250 is lost.

The listener runs as a real process (listener, thread pool, intake worker: `serve_smtp`), on a
SQLite file and on PostgreSQL. Four connections send as fast as they can and record every
message answered 250; after the 300th such answer the process is killed with SIGKILL, mid-
transaction for some messages. Then the database is opened afresh and every acknowledged
message must be there, under the id its 250 named, with exactly the bytes that were sent.
"""

from __future__ import annotations

import itertools
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from tanggap.store.tables import evidence, inbound_messages
from tanggap.store.uow import Store
from tests.channels.conftest import message, stored_bytes

MESSAGES = 1000
KILL_AFTER = 300
CONNECTIONS = 4

LISTENER = """
import sys
from tanggap.config import Settings
from tanggap.intake.smtp import serve_smtp

settings = Settings(database_url=sys.argv[1], smtp_relay_host="127.0.0.1", smtp_relay_port=9)
serve_smtp(settings, "127.0.0.1", 0, with_worker=True,
           on_ready=lambda listener: print(listener.port, flush=True))
"""


def _start_listener(database_url: str, folder) -> tuple[subprocess.Popen, int]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TANGGAP_")}
    process = subprocess.Popen([sys.executable, "-c", LISTENER, database_url], cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()  # the port, once the socket is bound and served
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"the listener did not start (exit {process.wait()})")
    return process, int(line)


def test_sigkill_while_sending_1000_messages_loses_none_that_got_250(store_url, tmp_path):
    run = f"kill{time.time_ns()}"
    raws = [message(n, run=run) for n in range(MESSAGES)]
    process, port = _start_listener(store_url, tmp_path)
    acknowledged: dict[int, str] = {}  # message number -> inbound id named by the 250
    lock = threading.Lock()
    enough = threading.Event()
    numbers = itertools.count()
    ended: list[str] = []

    def sender() -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.ehlo("mx1.example.net")
                while (n := next(numbers)) < MESSAGES:
                    client.mail("pengirim@example.org")
                    client.rcpt("abuse@tanggap.invalid")
                    code, answer = client.data(raws[n])
                    if code == 250:
                        with lock:
                            acknowledged[n] = answer.decode().removeprefix("OK ")
                            if len(acknowledged) >= KILL_AFTER:
                                enough.set()
        except (smtplib.SMTPException, OSError) as error:  # the listener died under us
            ended.append(type(error).__name__)

    started = time.monotonic()
    senders = [threading.Thread(target=sender) for _ in range(CONNECTIONS)]
    for thread in senders:
        thread.start()
    try:
        assert enough.wait(45), f"only {len(acknowledged)} messages acknowledged in 45 s"
        process.send_signal(signal.SIGKILL)
        assert process.wait(10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        for thread in senders:
            thread.join(30)
    elapsed = time.monotonic() - started

    with lock:
        acked = dict(acknowledged)
    assert KILL_AFTER <= len(acked) < MESSAGES, "the kill must land partway through the run"
    assert ended, "the senders must have seen the listener die"

    store = Store(store_url)  # a fresh process's view of what is on disk
    try:
        with store.uow(read_only=True) as uow:
            contents = [bytes(c) for c in uow.session.scalars(
                select(evidence.c.content).join(inbound_messages,
                                                inbound_messages.c.evidence_sha256 == evidence.c.sha256)
                .where(inbound_messages.c.channel == "smtp"))]
        stored_ids = {message_from_bytes(c, policy=default_policy)["Message-ID"] for c in contents}
        lost = [n for n in acked if f"<{run}.{n}@example.org>" not in stored_ids]
        assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {lost[:5]}"
        for n, inbound_id in acked.items():
            row = stored_bytes(store, raws[n])
            assert row is not None and row[0] == inbound_id and row[2] == raws[n], f"message {n}"
    finally:
        store.dispose()
    # Stored but not acknowledged (killed between commit and 250): the sender retries, dedupe absorbs it.
    print(f"\n{len(acked)} acknowledged, {len(stored_ids)} stored, killed after {elapsed:.1f} s")


def test_sigterm_stops_the_listener_cleanly(store_url, tmp_path):
    process, port = _start_listener(store_url, tmp_path)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo("mx1.example.net")
            client.mail("pengirim@example.org")
            client.rcpt("abuse@tanggap.invalid")
            assert client.data(message(1, run="term"))[0] == 250
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=2)
