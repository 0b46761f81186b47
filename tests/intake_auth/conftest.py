import pytest

from tanggap.domain.access import SYSTEM
from tanggap.intake.authentication import SenderTrust
from tanggap.services.accounts import add_authority
from tanggap.services.intake import process_inbound, receive_raw
from tests.intake_auth.corpus import MINISTRY, OUR_MX, local_dns


@pytest.fixture
def authorities(store):
    ministry = add_authority(store.uow(), "Kemkomdigi", "ID", [MINISTRY], SYSTEM)
    garda = add_authority(store.uow(), "Garda", "EU", ["garda.ie"], SYSTEM)
    return {"ministry": ministry, "garda": garda}


@pytest.fixture
def trust():
    """Our MX's authserv-id is trusted; DKIM keys come from local DNS, never the network."""
    return SenderTrust.from_setting(OUR_MX, local_dns())


@pytest.fixture
def intake(store, sla, authorities, trust):
    """Store one raw e-mail and process it as the SMTP listener's worker would."""
    def run(raw: bytes, channel: str = "smtp"):
        receipt = receive_raw(store.uow(), raw, channel)
        return process_inbound(store, sla, receipt.inbound_id, trust=trust)
    return run
