"""An order whose list could not all be read opens with what was read, and the acknowledgement
tells the authority which parts were not, so the rest is sent again instead of being missed."""

from tanggap.services.replies import send_due_replies
from tests.intake_more.conftest import HEAD, email, multipart, part


OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504  # an Excel 97 file's signature: not read


class Outbox:
    """Where the replies go in this test: kept, as a relay would take them."""

    def __init__(self):
        self.sent = []

    def send(self, message) -> None:
        self.sent.append(message)


def test_the_acknowledgement_names_the_attachment_we_could_not_read(store, intake):
    body, content_type = multipart(
        part("text/plain; charset=utf-8", HEAD + "1. https://t.me/kanal_di_badan\n\nDaftar lengkap terlampir.\n",
             cte="8bit"),
        part("application/vnd.ms-excel", OLD_EXCEL, filename="Daftar_Kanal.xls"))
    outcome = intake(email(body, content_type=content_type, cte="8bit", message_id="<xls-lama@komdigi.go.id>"))
    assert outcome.state == "order", outcome.reason
    outbox = Outbox()
    assert send_due_replies(store, outbox, "abuse@platform.example").acknowledgements == 1
    text = outbox.sent[0].get_content()
    assert "https://t.me/kanal_di_badan" in text
    assert "parts we could not read (1)" in text and "Daftar_Kanal.xls" in text
    assert "send the targets in them again" in text


def test_an_order_read_whole_says_nothing_of_unread_parts(store, intake):
    intake(email(HEAD + "1. https://t.me/kanal_lengkap\n", message_id="<lengkap@komdigi.go.id>"))
    outbox = Outbox()
    send_due_replies(store, outbox, "abuse@platform.example")
    assert "could not read" not in outbox.sent[0].get_content()


def test_the_intake_page_shows_the_liaison_what_was_not_read_escaped(store, intake, make_client, moderator_login):
    from tests.web.test_console import log_in

    body, content_type = multipart(
        part("text/plain; charset=utf-8", HEAD + "1. https://t.me/kanal_di_badan\n", cte="8bit"),
        part("application/vnd.ms-excel", OLD_EXCEL, filename="Daftar<script>x</script>.xls"))
    intake(email(body, content_type=content_type, cte="8bit", message_id="<xls-halaman@komdigi.go.id>"))
    client = make_client()
    log_in(client, "sari", moderator_login.password)
    page = client.get("/console/intake?state=order", headers={"Accept-Language": "id"}).text
    assert "Tidak terbaca:" in page
    assert "<script>x</script>" not in page and "Daftar&lt;script&gt;x&lt;/script&gt;.xls" in page
