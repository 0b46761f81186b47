"""The SMTP listener (``tanggap intake smtp``): e-mail in, stored durably, *then* "250".

It is the last hop behind the organisation's MX (Postfix, Exim, a cloud mail gateway), which
does the internet-facing work: TLS, spam and virus checks, recipient validation, rate limits.
So this listener offers **no SMTP AUTH and no STARTTLS**, accepts every recipient, and binds to
127.0.0.1 unless a host is given explicitly; expose it only to the MX.

For every message, ``handle_DATA`` runs :func:`tanggap.services.intake.receive_raw` (blocking
database work, in a thread pool) and answers ``250 OK <inbound id>`` only after it returned,
i.e. after the bytes and the ``inbound_messages`` row were committed. Whatever goes wrong
before that (database down, disk full, a lock wait that timed out) is answered
``451 4.3.0 temporary failure, try again``: the MX keeps the message and retries, and
deduplication (Message-ID plus content hash) makes a retry of a message that was in fact
stored a no-op. A process killed at any moment therefore loses no message it said 250 to.

The bytes are stored exactly as received (after SMTP dot-unstuffing): no Received: header is
added, so the evidence hash is the hash of what the MX handed over.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from tanggap.config import Settings
from tanggap.serving import listening_socket
from tanggap.services.intake import InboundReceipt, receive_raw
from tanggap.store.uow import Store

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
IDENT = "Tanggap intake"
TEMPORARY_FAILURE = "451 4.3.0 temporary failure, try again"
TOO_BIG = "552 5.3.4 message exceeds the maximum size"
# RFC 5321 caps a line at 1,000 octets, but mailers send longer ones (unwrapped HTML, base64
# without breaks). Refusing such a message would refuse an order, so DATA lines may be long;
# the message-size limit still bounds the memory.
DATA_LINE_LIMIT = 1 << 20


class IntakeHandler:
    """aiosmtpd handler: store each message with ``receive_raw`` before answering 250."""

    def __init__(self, store: Store, executor: ThreadPoolExecutor, max_message_bytes: int,
                 on_stored: Callable[[InboundReceipt], None] | None = None, channel: str = "smtp"):
        self.store = store
        self.executor = executor
        self.max_message_bytes = max_message_bytes
        self.on_stored = on_stored
        self.channel = channel
        self.in_flight = 0  # DATA commands being stored now (only touched on the loop thread)
        self.drained = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self.max_message_bytes:  # aiosmtpd checks too; this is the belt to its braces
            return TOO_BIG
        self.in_flight += 1
        self.drained.clear()
        try:
            receipt = await asyncio.get_running_loop().run_in_executor(self.executor, self._store, raw)
        except Exception as error:  # noqa: BLE001 - any failure: the sender keeps it and retries
            log.error("message not stored; answered 451", exc_info=True,
                      extra={"error": type(error).__name__})
            return TEMPORARY_FAILURE
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.drained.set()
        log.info("message stored", extra={"status": f"inbound {receipt.inbound_id}"
                                                    f"{' (duplicate)' if receipt.duplicate else ''}"})
        if self.on_stored is not None and not receipt.duplicate:
            try:
                self.on_stored(receipt)
            except Exception:  # noqa: BLE001 - the message is stored; a wake-up is only a hint
                log.exception("on_stored callback failed")
        return f"250 OK {receipt.inbound_id}"

    def _store(self, raw: bytes) -> InboundReceipt:
        return receive_raw(self.store.uow(), raw, self.channel)


class _IntakeSMTP(SMTP):
    line_length_limit = DATA_LINE_LIMIT


class SmtpListener:
    """An SMTP listener on its own event-loop thread; a context manager that starts and stops it.

    The socket is bound before the thread starts (port 0 picks a free one), so ``.port`` is
    known at once and no other process can take it in between.
    """

    def __init__(self, store: Store, host: str = DEFAULT_HOST, port: int = 0, *,
                 max_message_bytes: int = 64 * 1024 * 1024,
                 on_stored: Callable[[InboundReceipt], None] | None = None,
                 database_threads: int = 8, hostname: str | None = None,
                 idle_timeout_s: float = 300.0, drain_timeout_s: float = 60.0):
        self.store = store
        self.host = host
        self.port = port
        self.max_message_bytes = max_message_bytes
        self.hostname = hostname or socket.getfqdn()
        self.idle_timeout_s = idle_timeout_s
        self.drain_timeout_s = drain_timeout_s
        self._executor = ThreadPoolExecutor(database_threads, thread_name_prefix="smtp-store")
        self.handler = IntakeHandler(store, self._executor, max_message_bytes, on_stored)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()  # open connections, for stop()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def start(self) -> SmtpListener:
        if self._thread is not None:
            raise RuntimeError("an SmtpListener starts once; make a new one")
        sock = listening_socket(self.host, self.port)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(sock, ready),
                                        name=f"smtp:{self.port}", daemon=True)
        self._thread.start()
        ready.wait(30)
        if self._failure is not None or self._server is None:
            raise RuntimeError(f"SMTP listener failed to start: {self._failure!r}")
        return self

    def stop(self) -> None:
        """Stop accepting, let messages being stored finish (and get their 250), then close."""
        if self._thread is None or self._loop is None:
            return
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
            try:
                future.result(self.drain_timeout_s + 10)
            except Exception:  # noqa: BLE001 - closing anyway
                log.exception("SMTP listener did not shut down cleanly")
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._executor.shutdown(wait=True)

    @property
    def in_flight(self) -> int:
        return self.handler.in_flight

    def __enter__(self) -> SmtpListener:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _session(self) -> SMTP:
        assert self._loop is not None
        smtp = _IntakeSMTP(self.handler, data_size_limit=self.max_message_bytes, enable_SMTPUTF8=True,
                           hostname=self.hostname, ident=IDENT, timeout=self.idle_timeout_s,
                           loop=self._loop)
        self._sessions.add(smtp)
        return smtp

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(loop.create_server(self._session, sock=sock))
        except BaseException as error:  # noqa: BLE001 - reported by start()
            self._failure = error
            sock.close()
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()  # no new connections
        if self.handler.in_flight:
            try:
                await asyncio.wait_for(self.handler.drained.wait(), self.drain_timeout_s)
            except TimeoutError:
                log.warning("stopping with messages still being stored; their senders will retry")
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        self._sessions.clear()
        await asyncio.sleep(0)


def serve_smtp(settings: Settings, host: str | None = None, port: int | None = None,
               with_worker: bool = True, *, on_ready: Callable[[SmtpListener], Any] | None = None,
               store: Store | None = None, stop_event: threading.Event | None = None) -> None:
    """Run the SMTP listener (and, by default, the intake worker) until SIGTERM or SIGINT.

    ``host`` defaults to ``settings.smtp_listen_host`` (127.0.0.1); port 0 picks a free port,
    which ``on_ready`` receives on the listener; ``stop_event`` stops it from another thread
    (signals reach only the main thread). The worker parses what arrives and sends the
    acknowledgements through ``settings.smtp_relay_*``; it is woken after each stored message.
    """
    from tanggap.intake.worker import IntakeWorker, mailer_from_settings

    host = host or settings.smtp_listen_host
    port = settings.smtp_listen_port if port is None else port
    own_store = store is None
    store = store or Store.for_settings(settings)
    check_schema(store)
    stop = stop_event or threading.Event()
    worker = IntakeWorker(store, settings, mailer_from_settings(settings)) if with_worker else None
    listener = SmtpListener(store, host, port, max_message_bytes=settings.smtp_max_message_bytes,
                            on_stored=(lambda _receipt: worker.wake()) if worker else None)
    with stop_on_signals(stop):
        try:
            if worker is not None:
                worker.start()
            listener.start()
            if on_ready is not None:
                on_ready(listener)
            while not stop.wait(0.5):
                pass
        finally:
            listener.stop()
            if worker is not None:
                worker.stop()
            if own_store:
                store.dispose()


def check_schema(store: Store) -> None:
    """Fail at start, not with a 451 for every message, when the schema is missing."""
    from sqlalchemy import select

    from tanggap.store.tables import inbound_messages

    try:
        with store.uow(read_only=True) as uow:
            uow.session.execute(select(inbound_messages.c.id).limit(1)).all()
    except Exception as error:
        raise RuntimeError(f"the database is not ready for intake ({type(error).__name__}); "
                           "run `tanggap db upgrade`") from error


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """Set ``stop`` on SIGTERM or SIGINT while inside; the old handlers come back after.
    Only the main thread receives signals: elsewhere this does nothing."""
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
