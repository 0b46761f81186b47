"""Run an ASGI app with uvicorn in a background thread: for the demo and for tests.

    with BackgroundServer(create_platform_app(db, token)) as platform:
        httpx.get(platform.url + "/healthz")

The listening socket is bound before the thread starts (port 0 picks a free one), so there is
no race between choosing a port and another process taking it, and ``.url`` is known at once.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

DEFAULT_HOST = "127.0.0.1"


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound and listening before any thread starts (port 0: a free one), so the
    port is known at once and early connections wait in the backlog."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when it
    # sees TCP, and without it every keep-alive answer waits 40 ms on Nagle + delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class BackgroundServer:
    """A uvicorn server in a daemon thread; a context manager that starts and stops it."""

    def __init__(self, app: Any, host: str = DEFAULT_HOST, port: int = 0, *,
                 startup_timeout_s: float = 10.0, shutdown_timeout_s: float = 5.0,
                 log_level: str = "warning", access_log: bool = False):
        self.app = app
        self.host = host
        self.port = port  # 0: any free port, known after start()
        self.startup_timeout_s = startup_timeout_s
        self.shutdown_timeout_s = shutdown_timeout_s
        # log_config=None: leave the host program's logging alone (uvicorn would replace it).
        self._config = uvicorn.Config(
            app, log_config=None, log_level=log_level, access_log=access_log, lifespan="auto",
            timeout_graceful_shutdown=max(1, int(shutdown_timeout_s) - 1),
        )
        self._server = uvicorn.Server(self._config)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._server.started

    def start(self) -> BackgroundServer:
        if self._thread is not None:
            raise RuntimeError("a BackgroundServer starts once; make a new one")
        sock = listening_socket(self.host, self.port)
        self._socket = sock
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, args=(sock,), name=f"uvicorn:{self.port}",
                                        daemon=True)
        self._thread.start()
        self._wait_until_started()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(self.shutdown_timeout_s)
        if self._thread.is_alive():  # a request that would not finish: stop waiting for it
            self._server.force_exit = True
            self._thread.join(self.shutdown_timeout_s)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _serve(self, sock: socket.socket) -> None:
        try:
            self._server.run(sockets=[sock])
        except BaseException as error:  # noqa: BLE001 - uvicorn exits with SystemExit on failure
            self._failure = error

    def _wait_until_started(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while not self._server.started:
            if self._thread is None or not self._thread.is_alive():
                self.stop()
                raise RuntimeError(f"server failed to start: {self._failure!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"server did not start within {self.startup_timeout_s} s")
            time.sleep(0.01)
        # Started means the lifespan ran and the socket is served; prove it with a connection.
        with socket.create_connection((self.host, self.port), timeout=self.startup_timeout_s):
            pass
