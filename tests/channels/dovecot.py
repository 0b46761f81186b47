"""A throwaway Dovecot IMAP server for tests: its own config, folders and port, on 127.0.0.1.

Plaintext login is allowed (loopback only); a static passdb takes any user name with the one
password, so every test gets a fresh, empty account by using a new name. As root, Dovecot's
own users (``dovecot``, ``dovenull``) run the processes, as Dovecot insists; as anyone else,
everything runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "imap-test-password-5c1d"


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


def doveadm_binary() -> str | None:
    found = shutil.which("doveadm")
    if found:
        return found
    return "/usr/bin/doveadm" if os.access("/usr/bin/doveadm", os.X_OK) else None


@dataclass
class Dovecot:
    folder: Path
    port: int
    host: str = "127.0.0.1"
    password: str = PASSWORD
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def config(self) -> Path:
        return self.folder / "dovecot.conf"

    @property
    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kick(self, user: str) -> None:
        """Disconnect every IMAP session of ``user`` (as an outage would)."""
        subprocess.run([doveadm_binary() or "doveadm", "-c", str(self.config), "kick", user],
                       check=True, capture_output=True, timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_dovecot(binary: str, attempts: int = 3) -> Dovecot:
    last_error: Exception | None = None
    for _ in range(attempts):  # a free port taken between choosing and binding: choose again
        folder = Path(tempfile.mkdtemp(prefix="tanggap-dovecot-"))
        server = Dovecot(folder, _free_port())
        try:
            _configure(server)
            server.process = subprocess.Popen([binary, "-F", "-c", str(server.config)],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            _wait_for_greeting(server)
            return server
        except Exception as error:  # noqa: BLE001 - retried, then reported with the log
            last_error = RuntimeError(f"{error}\n--- dovecot log ---\n{server.log}")
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
    raise RuntimeError(f"dovecot did not start: {last_error}")


def _configure(server: Dovecot) -> None:
    folder = server.folder
    for sub in ("run", "state", "mail", "home"):
        (folder / sub).mkdir()
    if os.geteuid() == 0:
        internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
        folder.chmod(0o755)  # the unprivileged processes must reach their sockets
        for sub in ("mail", "home"):
            os.chown(folder / sub, internal.pw_uid, internal.pw_gid)
        internal_user, login_user = internal.pw_name, login.pw_name
        mail_uid, mail_gid = internal.pw_uid, internal.pw_gid
    else:
        me = pwd.getpwuid(os.getuid())
        internal_user = login_user = me.pw_name
        mail_uid, mail_gid = me.pw_uid, me.pw_gid
    server.config.write_text(f"""# written by tests/channels/dovecot.py
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
info_log_path = {folder}/dovecot.log
protocols = imap
listen = {server.host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = {min(mail_uid, 1) if mail_uid else 0}
first_valid_gid = 0
mail_location = maildir:{folder}/mail/%u
mail_fsync = never
passdb {{
  driver = static
  args = password={server.password}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={folder}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {server.host}
    port = {server.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
""")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_greeting(server: Dovecot, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {server.process.returncode}")
        try:
            with socket.create_connection((server.host, server.port), timeout=2) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no IMAP greeting on {server.host}:{server.port}")
        time.sleep(0.1)
