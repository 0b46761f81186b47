import socket
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.intake.authentication import SenderTrust
from tanggap.services.accounts import add_authority

# The samples' Authentication-Results were written by "our" MX; no DNS in these tests.
TRUST = SenderTrust.from_setting("mx1.telegram.org", dns=None)

SAMPLES = Path(__file__).parents[1] / "intake" / "samples" / "shared"
if not SAMPLES.exists():  # before the parser's fixtures land: the shared folder itself
    SAMPLES = Path(__file__).parents[3] / "shared" / "samples" / "intake"


class Sink:
    """A real SMTP server that keeps what it is sent: the relay in these tests."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        self.arrived.set()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def relay():
    sink = Sink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def intake_settings(store_url, tmp_path, relay):
    return Settings(database_url=store_url, var_dir=tmp_path / "var", secret_key="t",
                    smtp_relay_host="127.0.0.1", smtp_relay_port=relay.port,
                    intake_address="abuse@platform.example",
                    intake_trusted_authserv_ids="mx1.telegram.org", intake_verify_dkim=False)


@pytest.fixture
def authorities(store):
    ministry = add_authority(store.uow(), "Komdigi", "ID", ["komdigi.go.id", "kominfo.go.id"], SYSTEM)
    garda = add_authority(store.uow(), "Garda", "EU", ["garda.ie"], SYSTEM)
    return {"ministry": ministry, "garda": garda}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
