"""No e-mail from an authority's domain ends "not an order" unless a machine wrote it: every
sample (shared and our own) and every mail of the built corpus, through the whole intake."""

from pathlib import Path

import pytest

from tanggap.domain.access import SYSTEM
from tanggap.intake.authentication import SenderTrust
from tanggap.services.accounts import add_authority
from tanggap.services.intake import process_inbound, receive_raw
from tests.intake_auth.corpus import FOLLOW_UP_EN, FOLLOW_UP_ID, ORDER_LETTER, dmarc_pass, follow_up_styles, letter
from tests.intake_auth.test_follow_ups import AUTHORITY_NON_ORDERS, REPLIES_QUOTING_AN_ORDER

SAMPLES = Path(__file__).parents[1] / "intake" / "samples"
SAMPLE_MX = "mx1.telegram.org"  # the authserv-id the samples' headers carry
MACHINE_SAMPLES = {"10_nonorder_out_of_office.eml", "12_nonorder_newsletter.eml"}
# Samples whose From is an authority's domain, but which are forged (DMARC fail): quarantined.
FORGED_SAMPLES = {"22_nonorder_dmarc_fail.eml"}


def samples() -> list[Path]:
    return sorted([*SAMPLES.glob("*.eml"), *(SAMPLES / "shared").glob("*.eml")])


def corpus() -> list[tuple[str, bytes]]:
    built = [("order", letter(ORDER_LETTER, headers=[dmarc_pass()], message_id="<c-order@komdigi.go.id>"))]
    for reply in (FOLLOW_UP_ID, FOLLOW_UP_EN):
        for n, (name, subject, body) in enumerate(follow_up_styles(reply)):
            built.append((name, letter(body, subject=subject, headers=[dmarc_pass()],
                                       message_id=f"<c-{n}-{len(reply)}@komdigi.go.id>")))
    for name, (subject, body) in AUTHORITY_NON_ORDERS.items():
        built.append((name,
                      letter(body, subject=subject, headers=[dmarc_pass()], message_id=f"<c-{name}@komdigi.go.id>")))
    for name, (own, _) in REPLIES_QUOTING_AN_ORDER.items():
        body = own + "\n\n" + "\n".join(f"> {line}" for line in ORDER_LETTER.splitlines())
        built.append((name, letter(body, subject="Re: Permintaan", headers=[dmarc_pass()],
                                   message_id=f"<c-r-{name}@komdigi.go.id>")))
    return built


@pytest.fixture
def every_authority(store):
    add_authority(store.uow(), "Komdigi", "ID", ["komdigi.go.id", "kominfo.go.id"], SYSTEM)
    add_authority(store.uow(), "Polri", "ID", ["polri.go.id"], SYSTEM)
    add_authority(store.uow(), "Garda", "EU", ["garda.ie"], SYSTEM)
    add_authority(store.uow(), "BKA", "EU", ["bka.bund.de"], SYSTEM)


def test_no_authority_sample_ends_not_order_unless_machine_mail(store, sla, every_authority):
    trust = SenderTrust.from_setting(f"{SAMPLE_MX},mx1.platform.example", dns=None)
    for path in samples():
        outcome = process_inbound(store, sla, receive_raw(store.uow(), path.read_bytes(), "import").inbound_id,
                                  trust=trust)
        if path.name in MACHINE_SAMPLES:
            assert outcome.state == "not_order", (path.name, outcome.reason)
        elif path.name in FORGED_SAMPLES or "lookalike" in path.name:
            assert outcome.state == "quarantined", (path.name, outcome.reason)
        elif "complaint" in path.name:
            assert outcome.state == "report", (path.name, outcome.reason)
        else:
            assert outcome.state in ("order", "revision", "triage"), (path.name, outcome.state, outcome.reason)
    for name, raw in corpus():
        outcome = process_inbound(store, sla, receive_raw(store.uow(), raw, "import").inbound_id, trust=trust)
        assert outcome.state in ("order", "revision", "triage"), (name, outcome.state, outcome.reason)
