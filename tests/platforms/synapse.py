"""A real Synapse homeserver for the Matrix tests, run as a separate process.

Synapse is AGPL-3.0: it lives in its own virtual environment (``scripts/synapse-deps.sh``
installs it into ``.synapse-venv``) and is only ever started as a program, never imported.
This module writes a config (SQLite, 127.0.0.1, a free port, a registration shared secret,
rate limits out of the way), starts the server, registers users with the shared secret and
builds public rooms with text and image posts over the client-server API.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import secrets
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[2]
SYNAPSE_VENV = Path(os.environ.get("TANGGAP_SYNAPSE_VENV", ROOT / ".synapse-venv"))
SYNAPSE_PYTHON = SYNAPSE_VENV / "bin" / "python"
SERVER_NAME = "localhost"

CONFIG = """\
server_name: "{server_name}"
pid_file: "{dir}/homeserver.pid"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{dir}/homeserver.db"
media_store_path: "{dir}/media_store"
signing_key_path: "{dir}/signing.key"
registration_shared_secret: "{shared_secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
report_stats: false
enable_registration: false
trusted_key_servers: []
suppress_key_server_warning: true
url_preview_enabled: false
presence:
  enabled: false
# Rooms reach the public directory only when these rules allow it.
room_list_publication_rules:
  - action: allow
alias_creation_rules:
  - action: allow
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
  remote: {{per_second: 1000, burst_count: 1000}}
rc_invites:
  per_room: {{per_second: 1000, burst_count: 1000}}
  per_user: {{per_second: 1000, burst_count: 1000}}
rc_admin_redaction: {{per_second: 1000, burst_count: 1000}}
rc_media_create: {{per_second: 1000, burst_count: 1000}}
rc_room_creation: {{per_second: 1000, burst_count: 1000}}
rc_reports: {{per_second: 1000, burst_count: 1000}}
"""


def _die_with_parent() -> None:
    """Linux: the homeserver gets SIGTERM when the test process dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def synapse_installed() -> bool:
    return SYNAPSE_PYTHON.exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MatrixUser:
    user_id: str
    access_token: str


@dataclass
class SeededRoom:
    """A public room built for a test: what the contract checks compare the adapter against."""

    room_id: str
    alias: str  # "#name:localhost"
    name: str
    topic: str
    members: int
    event_ids: list[str] = field(default_factory=list)  # text and image posts, oldest first
    image_event_ids: list[str] = field(default_factory=list)
    image_mxcs: list[str] = field(default_factory=list)
    image_bytes: bytes = b""

    @property
    def target(self):
        from tanggap.domain.targets import parse_target

        return parse_target(self.alias)

    def post_target(self, event_id: str | None = None):
        from tanggap.domain.targets import parse_target

        return parse_target(f"https://matrix.to/#/{self.room_id}/{event_id or self.event_ids[0]}")


class Synapse:
    """One homeserver process over a temporary directory; a context manager."""

    def __init__(self, directory: Path, startup_timeout_s: float = 90.0):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.startup_timeout_s = startup_timeout_s
        self._process: subprocess.Popen | None = None
        self._http = httpx.Client(base_url=self.url, timeout=30.0)
        self._log = None

    def __enter__(self) -> Synapse:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "homeserver.yaml"
        config.write_text(CONFIG.format(
            server_name=SERVER_NAME, dir=self.directory, port=self.port,
            shared_secret=self.shared_secret, macaroon=secrets.token_hex(16),
            form=secrets.token_hex(16)))
        subprocess.run([str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "-c", str(config),
                        "--generate-keys"], check=True, capture_output=True, cwd=self.directory)
        self._log = (self.directory / "synapse.log").open("wb")
        self._process = subprocess.Popen(
            [str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=self.directory,
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"synapse exited: {self.log_tail()}")
            try:
                if self._http.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"synapse did not answer within {self.startup_timeout_s} s: {self.log_tail()}")

    def stop(self) -> None:
        self._http.close()
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log:
            self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "synapse.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # -- users

    def register(self, localpart: str, admin: bool = False) -> MatrixUser:
        """Register with the shared secret (the admin API's HMAC registration)."""
        nonce = self._http.get("/_synapse/admin/v1/register").json()["nonce"]
        password = secrets.token_urlsafe(12)
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        answer = self._http.post("/_synapse/admin/v1/register", json={
            "nonce": nonce, "username": localpart, "password": password, "admin": admin,
            "mac": mac.hexdigest()})
        answer.raise_for_status()
        body = answer.json()
        return MatrixUser(body["user_id"], body["access_token"])

    # -- rooms and posts, as their users would make them

    def call(self, user: MatrixUser, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {user.access_token}", **kwargs.pop("headers", {})}
        return self._http.request(method, path, headers=headers, **kwargs)

    def create_public_room(self, owner: MatrixUser, alias_localpart: str, name: str, topic: str,
                           members: list[MatrixUser] = (), texts: list[str] = (),
                           image: bytes | None = None, room_version: str | None = None) -> SeededRoom:
        body: dict[str, Any] = {"preset": "public_chat", "visibility": "public",
                                "room_alias_name": alias_localpart, "name": name, "topic": topic}
        if room_version:
            body["room_version"] = room_version
        answer = self.call(owner, "POST", "/_matrix/client/v3/createRoom", json=body)
        answer.raise_for_status()
        room_id = answer.json()["room_id"]
        room = SeededRoom(room_id, f"#{alias_localpart}:{SERVER_NAME}", name, topic, 1 + len(members))
        for member in members:
            self.call(member, "POST", f"/_matrix/client/v3/join/{quote(room_id, safe='')}").raise_for_status()
        for text in texts:
            room.event_ids.append(self.send_text(owner, room_id, text))
        if image is not None:
            event_id, mxc = self.send_image(owner, room_id, image)
            room.event_ids.append(event_id)
            room.image_mxcs.append(mxc)
            room.image_event_ids.append(event_id)
            room.image_bytes = image
        return room

    def send_text(self, user: MatrixUser, room_id: str, text: str) -> str:
        answer = self.call(user, "PUT", f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}"
                           f"/send/m.room.message/{uuid.uuid4().hex}",
                           json={"msgtype": "m.text", "body": text})
        answer.raise_for_status()
        return answer.json()["event_id"]

    def send_image(self, user: MatrixUser, room_id: str, image: bytes) -> tuple[str, str]:
        upload = self.call(user, "POST", "/_matrix/media/v3/upload", content=image,
                           params={"filename": "poster.png"}, headers={"Content-Type": "image/png"})
        upload.raise_for_status()
        answer = self.call(user, "PUT", f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}"
                           f"/send/m.room.message/{uuid.uuid4().hex}",
                           json={"msgtype": "m.image", "body": "poster.png",
                                 "url": (mxc := upload.json()["content_uri"]),
                                 "info": {"mimetype": "image/png", "size": len(image)}})
        answer.raise_for_status()
        return answer.json()["event_id"], mxc


def png_bytes(seed: int) -> bytes:
    """A small, distinct PNG image (Pillow is a dependency of the hash banks)."""
    from PIL import Image

    image = Image.new("RGB", (64, 64), ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    for x in range(0, 64, 8):
        for y in range(0, 64, 8):
            if (x // 8 + y // 8 + seed) % 3 == 0:
                for dx in range(8):
                    image.putpixel((x + dx, y), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
