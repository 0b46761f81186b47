"""The IMAP poller (``tanggap intake imap``): read a mailbox, store each message, remember where it got.

Progress is kept in the ``mailbox_state`` table as (UIDVALIDITY, last UID) under a key naming
the account and mailbox (``imap://user@host:port/INBOX``; no password in it). The last UID
moves only after the messages up to it were stored and committed by ``receive_raw``, so a
poller killed at any moment fetches again at most the batch it was in, and deduplication
(Message-ID plus content hash) makes that refetch a no-op. When the server's UIDVALIDITY
changes (the mailbox was rebuilt, UIDs reassigned) the poller starts again from UID 1, which
deduplication also makes safe.

Messages are fetched with ``BODY.PEEK[]`` on a read-only selection (EXAMINE): the poller
never sets flags, moves or deletes anything; housekeeping stays with the mail system.

After each round it waits with IDLE where the server offers it (woken by new mail at once),
otherwise it polls every ``poll_interval_s``. Connection errors are retried with exponential
backoff for as long as it runs.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout
from sqlalchemy import insert, select, update

from tanggap.config import Settings
from tanggap.services.intake import receive_raw
from tanggap.store.engine import rows_changed
from tanggap.store.tables import mailbox_state
from tanggap.store.uow import Store

log = logging.getLogger(__name__)

# Whatever means "the connection is gone or unusable": reconnect and carry on.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, IMAPClientError, imaplib.IMAP4.abort, ssl.SSLError,
                                                      EOFError)
MAX_BATCH_BYTES = 64 * 1024 * 1024  # fetch at most this much in one round trip


@dataclass(frozen=True)
class ImapAccount:
    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # None: 993 with SSL, 143 without
    ssl: bool = True
    mailbox: str = "INBOX"
    use_idle: bool = True  # when the server offers it
    poll_interval_s: float = 60.0
    idle_timeout_s: float = 300.0
    batch_size: int = 50
    timeout_s: float = 60.0  # connect and read timeout of the socket
    max_backoff_s: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ImapAccount:
        """The account in ``TANGGAP_IMAP_*``; keyword arguments that are not None override it."""
        password = settings.imap_password.get_secret_value() if settings.imap_password else ""
        values: dict[str, Any] = dict(
            host=settings.imap_host, username=settings.imap_username, password=password,
            port=settings.imap_port, ssl=settings.imap_ssl, mailbox=settings.imap_mailbox,
            poll_interval_s=settings.imap_poll_interval_s, idle_timeout_s=settings.imap_idle_timeout_s,
            batch_size=settings.imap_batch_size)
        values.update({key: value for key, value in overrides.items() if value is not None})
        if not values["host"] or not values["username"]:
            raise ValueError("no IMAP account: set TANGGAP_IMAP_HOST and TANGGAP_IMAP_USERNAME "
                             "(and TANGGAP_IMAP_PASSWORD), or give --host and --user")
        return cls(**values)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.ssl else 143)

    @property
    def state_key(self) -> str:
        """The ``mailbox_state`` key: one row per account and mailbox (300 characters at most)."""
        return f"imap://{self.username}@{self.host}:{self.effective_port}/{self.mailbox}"[:300]


@dataclass(frozen=True)
class PollRound:
    uidvalidity: int
    last_uid: int  # after the round
    fetched: int  # messages read from the server
    stored: int  # new inbound messages (the rest were duplicates)
    restarted: bool = False  # UIDVALIDITY changed: read again from UID 1


class ImapPoller:
    """Reads one mailbox into intake. ``poll_once`` for a single round; ``run_forever`` to keep going."""

    def __init__(self, store: Store, account: ImapAccount | Settings,
                 ssl_context: ssl.SSLContext | None = None, on_stored: Callable[[], object] | None = None):
        self.store = store
        self.account = account if isinstance(account, ImapAccount) else ImapAccount.from_settings(account)
        self.ssl_context = ssl_context
        self.on_stored = on_stored  # called (no arguments) after a round that stored something
        self.last_round: PollRound | None = None
        self._client: IMAPClient | None = None

    # --- one round -------------------------------------------------------------------

    def poll_once(self) -> int:
        """Fetch every message not yet stored; return how many new inbound messages it made."""
        try:
            client = self._connected()
            selected = client.select_folder(self.account.mailbox, readonly=True)
            uidvalidity = int(selected[b"UIDVALIDITY"])
            last_uid, restarted = self._progress(uidvalidity)
            uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
            fetched = stored = 0
            for batch in self._batches(client, uids):
                got, new, last_uid = self._store_batch(client, batch, uidvalidity, last_uid)
                fetched, stored = fetched + got, stored + new
        except CONNECTION_ERRORS:
            self._drop()
            raise
        self.last_round = PollRound(uidvalidity, last_uid, fetched, stored, restarted)
        if stored and self.on_stored is not None:
            self.on_stored()
        return stored

    def _progress(self, uidvalidity: int) -> tuple[int, bool]:
        """The last UID stored under this UIDVALIDITY; a new UIDVALIDITY starts again at 0."""
        with self.store.uow(read_only=True) as uow:
            row = uow.session.execute(
                select(mailbox_state).where(mailbox_state.c.mailbox == self.account.state_key)).first()
        if row is not None and row.uidvalidity == uidvalidity:
            return row.last_uid, False
        if row is not None:
            log.warning("IMAP UIDVALIDITY changed: reading the mailbox again from UID 1 "
                        "(already stored messages are recognised as duplicates)",
                        extra={"status": f"{self.account.mailbox}: {row.uidvalidity} -> {uidvalidity}"})
        self._save(uidvalidity, 0)
        return 0, row is not None

    def _batches(self, client: IMAPClient, uids: list[int]) -> Iterator[list[int]]:
        """Split by count and by size, so one fetch never holds more than MAX_BATCH_BYTES.
        Lazily: the sizes of a chunk are asked for just before it is stored."""
        for start in range(0, len(uids), self.account.batch_size):
            chunk = uids[start:start + self.account.batch_size]
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            current: list[int] = []
            current_bytes = 0
            for uid in chunk:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                if current and current_bytes + size > MAX_BATCH_BYTES:
                    yield current
                    current, current_bytes = [], 0
                current.append(uid)
                current_bytes += size
            if current:
                yield current

    def _store_batch(self, client: IMAPClient, batch: list[int], uidvalidity: int,
                     last_uid: int) -> tuple[int, int, int]:
        fetched = client.fetch(batch, ["BODY.PEEK[]"])
        got = new = 0
        done = last_uid
        try:
            for uid in batch:  # in UID order: last_uid never passes a message not stored
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is not None:  # None: expunged meanwhile, nothing to store
                    receipt = receive_raw(self.store.uow(), bytes(raw), "imap")
                    got += 1
                    new += 0 if receipt.duplicate else 1
                done = uid
        finally:
            if done > last_uid:
                self._save(uidvalidity, done)
        return got, new, done

    def _save(self, uidvalidity: int, last_uid: int) -> None:
        key = self.account.state_key
        with self.store.uow() as uow:
            now = uow.clock.now()
            changed = rows_changed(uow.session, update(mailbox_state).where(mailbox_state.c.mailbox == key)
                                   .values(uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now))
            if not changed:
                uow.session.execute(insert(mailbox_state).values(
                    mailbox=key, uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now))
            uow.commit()

    # --- forever ---------------------------------------------------------------------

    def run_forever(self, stop_event: threading.Event) -> None:
        """Poll, wait (IDLE or interval), repeat, until ``stop_event`` is set. Never raises
        for a connection or database failure: it logs, backs off and tries again."""
        backoff = 1.0
        while not stop_event.is_set():
            try:
                self.poll_once()
                backoff = 1.0
                if self.account.use_idle and self._client is not None and self._client.has_capability("IDLE"):
                    self._idle(stop_event)
                else:
                    stop_event.wait(self.account.poll_interval_s)
            except Exception as error:  # noqa: BLE001 - a mailbox or database hiccup must not end intake
                kind = "connection" if isinstance(error, CONNECTION_ERRORS) else "intake"
                log.warning(f"IMAP {kind} error; retrying in {backoff:.0f} s",
                            extra={"error": type(error).__name__})
                self._drop()
                stop_event.wait(backoff)
                backoff = min(backoff * 2, self.account.max_backoff_s)
        self.close()

    def _idle(self, stop_event: threading.Event, step_s: float = 1.0) -> None:
        """Wait in IDLE until new mail arrives, the renewal time is up, or we are stopped."""
        client = self._client
        assert client is not None
        client.idle()
        deadline = time.monotonic() + self.account.idle_timeout_s
        quick_empty = 0
        try:
            while not stop_event.is_set() and time.monotonic() < deadline:
                started = time.monotonic()
                responses = client.idle_check(timeout=step_s)
                if any(_is_bye(r) for r in responses):
                    raise ConnectionError("the IMAP server closed the connection")
                if any(_is_new_mail(r) for r in responses):
                    break
                # idle_check swallows EOF and answers [] at once: many quick empty answers
                # in a row mean the server has gone.
                quick = not responses and time.monotonic() - started < step_s / 2
                quick_empty = quick_empty + 1 if quick else 0
                if quick_empty >= 5:
                    raise ConnectionError("the IMAP connection was closed during IDLE")
        except BaseException:
            self._drop()
            raise
        client.idle_done()

    # --- connection ------------------------------------------------------------------

    def _connected(self) -> IMAPClient:
        if self._client is None:
            account = self.account
            client = IMAPClient(account.host, account.effective_port, ssl=account.ssl,
                                ssl_context=self.ssl_context,
                                timeout=SocketTimeout(connect=min(account.timeout_s, 30), read=account.timeout_s))
            try:
                client.login(account.username, account.password)
            except BaseException:
                _quietly(client.shutdown)
                raise
            self._client = client
            log.info("IMAP connected", extra={"status": f"{account.state_key}"})
        return self._client

    def close(self) -> None:
        """Log out and disconnect (the next round connects again)."""
        client, self._client = self._client, None
        if client is not None:
            _quietly(client.logout)
            _quietly(client.shutdown)

    def _drop(self) -> None:
        """Disconnect without a word: the connection may be broken and LOGOUT could hang."""
        client, self._client = self._client, None
        if client is not None:
            _quietly(client.shutdown)

    def __enter__(self) -> ImapPoller:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _is_bye(response: Any) -> bool:
    return isinstance(response, tuple) and bool(response) and response[0] == b"BYE"


def _is_new_mail(response: Any) -> bool:
    """``* n EXISTS``: the mailbox grew. (Not the ``* OK Still here`` keep-alive.)"""
    return isinstance(response, tuple) and len(response) >= 2 and response[1] == b"EXISTS"


def _quietly(action: Any) -> None:
    try:
        action()
    except Exception:  # noqa: BLE001 - closing a connection that may already be gone
        pass

