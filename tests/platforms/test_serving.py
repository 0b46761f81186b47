"""BackgroundServer: starts on a free port, serves, and stops so the port is free again."""

from __future__ import annotations

import socket

import httpx
import pytest

from tanggap.serving import BackgroundServer


async def hello(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})


async def broken_startup(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_serves_on_a_free_port_and_stops_on_exit():
    with BackgroundServer(hello) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        assert server.running
        assert httpx.get(server.url).text == "hello"
    assert not server.running
    assert refuses_connections(server.port)


def test_serves_on_a_given_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with BackgroundServer(hello, port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}"
        assert httpx.get(server.url).status_code == 200


def test_a_taken_port_fails_at_once():
    with BackgroundServer(hello) as first:
        with pytest.raises(OSError):
            BackgroundServer(hello, port=first.port).start()


def test_a_failed_startup_is_reported():
    with pytest.raises(RuntimeError, match="failed to start"):
        BackgroundServer(broken_startup).start()


def test_url_before_start_is_an_error():
    with pytest.raises(RuntimeError):
        _ = BackgroundServer(hello).url
