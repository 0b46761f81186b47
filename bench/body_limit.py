"""How much memory an anonymous oversized POST costs the server: Tanggap's app (body limit before
parsing) next to the same app without the limit (the peer: what issue 9 measured, 457 -> 818 MB).

Each server runs in its own process on a free loopback port; its resident memory is read from
/proc before and after the POST. Run: .venv/bin/python bench/body_limit.py [MEGABYTES]
"""

from __future__ import annotations

import multiprocessing
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(var_dir: str, port: int, limited: bool) -> None:
    import uvicorn

    from tanggap.config import Settings
    from tanggap.store.migrate import upgrade
    from tanggap.web.app import create_app

    url = f"sqlite:///{var_dir}/bench.db"
    upgrade(url)
    settings = Settings(database_url=url, var_dir=Path(var_dir), secret_key="bench",
                        max_body_bytes=(2 * 1024 * 1024) if limited else 10**12)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="error")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(limited: bool, megabytes: int) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as var_dir:
        port = _free_port()
        server = multiprocessing.Process(target=_serve, args=(var_dir, port, limited), daemon=True)
        server.start()
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        before = _rss_mb(server.pid)
        chunk = b"[" + b"0," * (512 * 1024 - 1) + b"0]"

        def body():
            for _ in range(megabytes):
                yield chunk

        try:
            status = httpx.post(f"http://127.0.0.1:{port}/api/v1/orders", content=body(), timeout=120,
                                headers={"Content-Type": "application/json"}).status_code
        except httpx.TransportError:
            status = 0  # the server closed the connection after answering
        time.sleep(0.5)
        after = _rss_mb(server.pid)
        server.terminate()
        server.join()
    return status, before, after


if __name__ == "__main__":
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"anonymous POST of {megabytes} MB (chunked) to /api/v1/orders")
    for name, limited in (("tanggap (2 MB limit)", True), ("peer: no body limit", False)):
        status, before, after = measure(limited, megabytes)
        print(f"{name:24s} status {status:3d}  RSS {before:6.0f} MB -> {after:6.0f} MB  (+{after - before:.0f} MB)")
