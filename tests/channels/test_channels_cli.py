"""``tanggap intake imap`` and ``tanggap intake smtp`` from the command line."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from tanggap.cli import app
from tests.channels.conftest import inbound_count, message, stored_bytes

runner = CliRunner()


@pytest.fixture(autouse=True)
def keep_logging():
    """The commands install JSON logging on the root logger; give the next test its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_imap_once_stores_new_mail_and_never_prints_the_password(store, store_url, mailbox, tmp_path):
    mailbox.deliver(message(1, run="cli"), message(2, run="cli"))
    env = {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_IMAP_PASSWORD": mailbox.server.password}
    args = ["intake", "imap", "--once", "--host", mailbox.server.host, "--port", str(mailbox.server.port),
            "--user", mailbox.user, "--no-ssl"]

    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    assert "2 fetched" in first.output and "2 new stored" in first.output
    again = runner.invoke(app, args, env=env)
    assert again.exit_code == 0 and "0 new stored" in again.output
    assert mailbox.server.password not in first.output + again.output
    assert inbound_count(store, "imap") == 2


def test_imap_once_reads_a_password_file_and_reports_a_failed_login(tmp_path, sqlite_template,
                                                                   mailbox_for_bad_logins):
    """Fails at login, before any database work: one backend is enough."""
    mailbox = mailbox_for_bad_logins
    shutil.copy(sqlite_template, tmp_path / "tanggap.db")
    store_url = f"sqlite:///{tmp_path / 'tanggap.db'}"
    secret = tmp_path / "imap-password"
    secret.write_text("wrong-password-123\n")
    result = runner.invoke(app, ["intake", "imap", "--once", "--host", mailbox.server.host,
                                 "--port", str(mailbox.server.port), "--user", mailbox.user, "--no-ssl",
                                 "--password-file", str(secret)], env={"TANGGAP_DATABASE_URL": store_url})
    assert result.exit_code == 1
    assert "LoginError" in result.output and "wrong-password-123" not in result.output


def test_imap_without_an_account_says_what_to_set(store_url):
    result = runner.invoke(app, ["intake", "imap", "--once"],
                           env={"TANGGAP_DATABASE_URL": store_url, "TANGGAP_IMAP_HOST": "",
                                "TANGGAP_IMAP_USERNAME": ""})
    assert result.exit_code == 1 and "TANGGAP_IMAP_HOST" in result.output


def test_smtp_command_serves_until_sigterm(store, store_url, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("TANGGAP_")}
    env |= {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_SMTP_RELAY_PORT": "9", "COLUMNS": "300"}
    process = subprocess.Popen([sys.executable, "-m", "tanggap.cli", "intake", "smtp", "--port", "0"],
                               cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        deadline = time.monotonic() + 30
        while not (found := re.search(r"listening on 127\.0\.0\.1:(\d+)", seen)):
            assert time.monotonic() < deadline and process.poll() is None, seen
            seen += process.stderr.readline()
        raw = message(1, run="cli-smtp")
        with smtplib.SMTP("127.0.0.1", int(found.group(1)), timeout=30) as client:
            assert client.sendmail("pengirim@example.org", ["abuse@tanggap.invalid"], raw) == {}
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    assert stored_bytes(store, raw)[2] == raw


def test_smtp_command_refuses_a_database_without_the_schema(tmp_path):
    result = runner.invoke(app, ["intake", "smtp", "--port", "0"],
                           env={"TANGGAP_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert result.exit_code == 1 and "tanggap db upgrade" in " ".join(result.output.split())
