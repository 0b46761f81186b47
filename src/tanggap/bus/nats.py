"""The NATS JetStream transport: durable pull consumers shared by any number of workers on any
number of machines, explicit acks, redelivery with back-off, dead letters after the last attempt.

Streams (names carry a prefix, so tests and deployments can share a server):
  <PREFIX>_EVENTS  subjects <prefix>.events.<subject>   domain events from the outbox relay
  <PREFIX>_POSTS   subjects <prefix>.posts.<subject>    the platforms' post stream
  <PREFIX>_DEAD    subjects <prefix>.dead.<subject>     messages that failed their last attempt
Each message carries `Nats-Msg-Id` (the outbox row id, or platform+post+content for posts):
JetStream drops a re-publish inside its duplicate window, so a relay that crashed after
publishing and before marking the row relayed does not deliver it twice.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DiscardPolicy, StorageType, StreamConfig
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from tanggap.bus.transport import Delivery, stream_of

STREAMS = ("events", "posts", "dead")
CONSUMED = ("events", "posts")  # the streams workers consume (the dead letters wait for a person)


@dataclass(frozen=True)
class ConsumerLag:
    """One durable consumer (a worker group) on one stream: what it has not finished."""
    stream: str
    consumer: str
    pending: int  # in the stream, not yet delivered to the group
    ack_pending: int  # delivered, not yet acknowledged: in a worker's hands or waiting out ack_wait


class NatsTransport:
    name = "nats"

    def __init__(self, url: str = "nats://127.0.0.1:4222", prefix: str = "tanggap", *, ack_wait_s: float = 30.0,
                 max_deliver: int = 10, duplicate_window_s: float = 600.0, max_posts_backlog: int = 1_000_000):
        self.url = url
        self.prefix = prefix
        self.ack_wait_s = ack_wait_s
        self.max_deliver = max_deliver  # a safety net: the worker dead-letters before this
        self.duplicate_window_s = duplicate_window_s
        self.max_posts_backlog = max_posts_backlog
        self.connection: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self._subscriptions: dict[tuple[str, str], object] = {}

    def stream_name(self, stream: str) -> str:
        return f"{self.prefix.upper().replace('.', '_')}_{stream.upper()}"

    def subject(self, stream: str, subject: str) -> str:
        return f"{self.prefix}.{stream}.{subject}"

    async def start(self) -> None:
        self.connection = await nats.connect(self.url, name="tanggap", max_reconnect_attempts=-1)
        js = self.js = self.connection.jetstream()
        for stream in STREAMS:
            config = StreamConfig(name=self.stream_name(stream), subjects=[f"{self.prefix}.{stream}.>"],
                                  storage=StorageType.FILE, duplicate_window=self.duplicate_window_s)
            if stream == "posts":  # back-pressure: a full stream refuses new posts instead of losing old ones
                config.max_msgs = self.max_posts_backlog
                config.discard = DiscardPolicy.NEW
            try:
                await js.add_stream(config)
            except Exception:  # already there with another config: keep it (operators own it)
                await js.stream_info(self.stream_name(stream))

    @property
    def _js(self) -> JetStreamContext:
        if self.js is None:
            raise RuntimeError("the NATS transport is not started: await start() first")
        return self.js

    async def close(self) -> None:
        if self.connection is not None:
            # close, not drain: a pending pull would hold drain for its whole timeout. Nothing is
            # lost: an unacked message is redelivered after ack_wait.
            await self.connection.close()
            self.connection = None
            self._subscriptions.clear()

    async def delete_streams(self) -> None:
        """For tests: leave the server as it was."""
        for stream in STREAMS:
            try:
                await self._js.delete_stream(self.stream_name(stream))
            except NotFoundError:
                pass

    async def publish(self, subject: str, payload: dict, message_id: str) -> None:
        stream = stream_of(subject)
        await self._js.publish(self.subject(stream, subject), json.dumps(payload).encode(),
                              stream=self.stream_name(stream), headers={"Nats-Msg-Id": message_id})

    async def _subscription(self, group: str, stream: str):
        key = (group, stream)
        if key not in self._subscriptions:
            config = ConsumerConfig(durable_name=group, ack_policy=AckPolicy.EXPLICIT, ack_wait=self.ack_wait_s,
                                    max_deliver=self.max_deliver, max_ack_pending=10_000)
            self._subscriptions[key] = await self._js.pull_subscribe(
                f"{self.prefix}.{stream}.>", durable=group, stream=self.stream_name(stream), config=config)
        return self._subscriptions[key]

    async def fetch(self, group: str, stream: str, batch: int, timeout_s: float) -> list[Delivery]:
        subscription = await self._subscription(group, stream)
        try:
            messages = await subscription.fetch(batch, timeout=max(timeout_s, 0.05))
        except (TimeoutError, NatsTimeout):
            return []
        prefix = f"{self.prefix}.{stream}."
        return [Delivery(message.headers.get("Nats-Msg-Id", "") if message.headers else "",
                         message.subject.removeprefix(prefix), json.loads(message.data),
                         message.metadata.num_delivered, message) for message in messages]

    async def ack(self, delivery: Delivery) -> None:
        await delivery.handle.ack()

    async def retry(self, delivery: Delivery, delay_s: float, error: str) -> None:
        await delivery.handle.nak(delay=delay_s)

    async def dead(self, delivery: Delivery, error: str) -> None:
        body = json.dumps({"payload": delivery.payload, "error": error[:2000], "attempts": delivery.attempt})
        await self._js.publish(self.subject("dead", delivery.subject), body.encode(),
                              stream=self.stream_name("dead"),
                              headers={"Nats-Msg-Id": f"dead:{delivery.id}"})
        await delivery.handle.term()

    async def pending(self, group: str, stream: str) -> int:
        try:
            info = await self._js.consumer_info(self.stream_name(stream), group)
        except NotFoundError:
            info = None
        if info is None:
            stream_info = await self._js.stream_info(self.stream_name(stream))
            return stream_info.state.messages
        return info.num_pending + info.num_ack_pending

    async def consumer_lag(self) -> list[ConsumerLag]:
        """Every durable consumer on the consumed streams, however named (other groups too)."""
        found: list[ConsumerLag] = []
        for stream in CONSUMED:
            try:
                infos = await self._js.consumers_info(self.stream_name(stream))
            except NotFoundError:  # no worker has started yet: no stream, nothing behind
                continue
            found += [ConsumerLag(stream, info.name, info.num_pending or 0, info.num_ack_pending or 0)
                      for info in infos]
        return found

    async def dead_letters(self) -> list[dict]:
        """Read the dead letters (for operators and tests), without consuming them."""
        info = await self._js.stream_info(self.stream_name("dead"))
        found = []
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                message = await self._js.get_msg(self.stream_name("dead"), sequence)
            except NotFoundError:
                continue
            if message.subject is None or message.data is None:  # the client types both optional
                continue
            found.append({"subject": message.subject.removeprefix(f"{self.prefix}.dead."),
                          **json.loads(message.data)})
        return found


class ConsumerLagReader:
    """For a synchronous caller (each /metrics scrape): one broker connection held from call to
    call, on an event loop in a thread of its own (the caller may be inside a running loop). A
    call that fails or takes longer than `timeout_s` drops the connection; the next connects
    again, so a broker that went away and came back is read again."""

    def __init__(self, url: str, prefix: str, timeout_s: float = 2.0):
        self.url, self.prefix, self.timeout_s = url, prefix, timeout_s
        self._transport: NatsTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def read(self) -> list[ConsumerLag]:
        with self._lock:
            loop = self._running_loop()
            future = asyncio.run_coroutine_threadsafe(self._read(), loop)
            try:
                return future.result(self.timeout_s)
            except BaseException:
                future.cancel()
                asyncio.run_coroutine_threadsafe(self._drop(), loop)
                raise

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
            if loop is None:
                return
            try:
                asyncio.run_coroutine_threadsafe(self._drop(), loop).result(self.timeout_s)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                if self._thread is not None:
                    self._thread.join(self.timeout_s)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=loop.run_forever, name="nats-lag", daemon=True)
            self._thread.start()
            self._loop = loop
        return self._loop

    async def _read(self) -> list[ConsumerLag]:
        if self._transport is None:
            async def quiet(_error: Exception) -> None:
                return None

            transport = NatsTransport(self.url, self.prefix)
            transport.connection = await nats.connect(self.url, name="tanggap-metrics",
                                                      connect_timeout=self.timeout_s, allow_reconnect=False,
                                                      error_cb=quiet)
            transport.js = transport.connection.jetstream()
            self._transport = transport
        return await self._transport.consumer_lag()

    async def _drop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None and transport.connection is not None:
            try:
                await transport.connection.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                pass


def read_consumer_lag(url: str, prefix: str, timeout_s: float = 2.0) -> list[ConsumerLag]:
    """One reading, on a connection of its own (closed after)."""
    reader = ConsumerLagReader(url, prefix, timeout_s)
    try:
        return reader.read()
    finally:
        reader.close()
