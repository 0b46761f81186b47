"""Links between intake messages, orders and cases both ways, and the order's letter as text
(the PDF attached to the e-mail included), escaped, with the raw e-mail one click away."""

from tanggap.domain.access import SYSTEM
from tanggap.intake.parse import letter_text
from tanggap.services.accounts import add_authority
from tanggap.services.intake import process_pending, receive_raw
from tests.intake_flow.conftest import TRUST, sample
from tests.web.conftest import bearer
from tests.web.test_console import log_in


def test_the_order_page_shows_the_letter_and_links_the_mail_and_the_cases(make_client, store, sla, authorities,
                                                                         moderator_login):
    raw = sample("07_pdf_letter.eml").replace(b"Subject: ", b"Subject: <script>x()</script> ", 1)
    receive_raw(store.uow(), raw, "smtp")
    process_pending(store, sla, trust=TRUST)
    client = make_client()
    log_in(client, "sari", moderator_login.password)
    intake = client.get("/console/intake").text
    order_id = intake.split('href="/console/orders/')[1].split('"')[0]
    page = client.get(f"/console/orders/{order_id}").text
    assert "DIREKTORAT JENDERAL APLIKASI INFORMATIKA" in page  # from the attached PDF
    assert "<script>x()" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    raw_link = page.split('href="/api/v1/evidence/')[1].split('"')[0]
    assert client.get(f"/api/v1/evidence/{raw_link}").content == raw
    case_id = page.split('href="/console/cases/')[1].split('"')[0]
    assert f'href="/console/orders/{order_id}"' in client.get(f"/console/cases/{case_id}").text  # and back


def test_an_order_without_an_email_says_so_and_an_unknown_one_is_not_found(make_client, store, moderator_login):
    key = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key
    client = make_client()
    answer = client.post("/api/v1/orders", json={"reference": "B-7", "category": "terrorism",
                                                 "targets": ["@kabar_x"]}, headers=bearer(key))
    log_in(client, "sari", moderator_login.password)
    page = client.get(f"/console/orders/{answer.json()['order_id']}").text
    assert "did not come by e-mail" in page and "/api/v1/evidence/" not in page
    assert client.get("/console/orders/nonexistent").status_code == 404


def test_an_unreadable_message_gives_no_letter_rather_than_an_error():
    assert letter_text(b"") == ""
    assert "Nomor" in letter_text(sample("01_plain_text_list.eml"))
