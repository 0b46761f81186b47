"""Authenticated follow-ups are revisions with the union of targets, in every quote style and
encoding; and no authority's mail ends "not an order" unless a machine wrote it."""

import pytest
from sqlalchemy import select

from tanggap.domain.senders import looks_like
from tanggap.intake.parse import parse_message
from tanggap.store.tables import inbound_messages, reports
from tests.intake_auth.corpus import (
    FOLLOW_UP_EN, MINISTRY, NEW_TARGETS, NOMOR, ORDER_LETTER, ORIGINAL_TARGETS, SENDER,
    dmarc_pass, follow_up_styles, letter, sign,
)

ENCODINGS = [("utf-8", "8bit", True), ("utf-8", "8bit", False), ("iso-8859-1", "base64", True),
             ("iso-8859-1", "quoted-printable", True), ("windows-1252", "quoted-printable", False),
             ("windows-1252", "base64", True), ("utf-8", "base64", False)]
STYLES = {name: (subject, body) for name, subject, body in follow_up_styles()}
STYLES_EN = {name: (subject, body) for name, subject, body in follow_up_styles(FOLLOW_UP_EN)}


def order_targets(store, order_id):
    with store.uow(read_only=True) as uow:
        order = uow.orders.get(order_id)
        return sorted(link.target.canonical for link in order.targets), order.revision, order.reference


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_follow_up_in_any_quote_style_is_a_revision_with_the_union_of_targets(store, intake, style):
    first = intake(letter(ORDER_LETTER, headers=[dmarc_pass()], message_id="<first@komdigi.go.id>"))
    assert first.state == "order"
    subject, body = STYLES[style]
    outcome = intake(letter(body, subject=subject, headers=[dmarc_pass()], message_id=f"<{style}@komdigi.go.id>"))
    assert outcome.state == "revision", outcome.reason
    targets, revision, reference = order_targets(store, outcome.order_id)
    assert targets == sorted(ORIGINAL_TARGETS + NEW_TARGETS)
    assert (revision, reference) == (2, NOMOR)


@pytest.mark.parametrize("style", sorted(STYLES_EN))
@pytest.mark.parametrize("charset,cte,crlf", ENCODINGS)
def test_follow_ups_parse_alike_in_every_encoding(style, charset, cte, crlf):
    subject, body = STYLES_EN[style]
    parsed = parse_message(letter(body, subject=subject, charset=charset, cte=cte, crlf=crlf))
    assert parsed.is_order, parsed.order_reason
    assert parsed.order_reference == NOMOR and parsed.deadline_hours == 4
    assert sorted(t.canonical for t in parsed.targets) == sorted(ORIGINAL_TARGETS + NEW_TARGETS)


@pytest.mark.parametrize("charset,cte,crlf", ENCODINGS)
def test_a_formal_letter_parses_like_its_utf8_twin(charset, cte, crlf):
    # Latin-1 letters, a no-break space after "Nomor" as Word writes it, accents in the signature.
    body = ORDER_LETTER.replace("Nomor    :", "Nomor\u00a0\u00a0:") + "\nAndré Siregar, S.Kom., M.Sc.\n"
    twin = parse_message(letter(body))
    parsed = parse_message(letter(body, charset=charset, cte=cte, crlf=crlf))
    assert parsed.contract("x") == twin.contract("x")
    assert twin.is_order and twin.order_reference == NOMOR and len(twin.targets) == 3


def test_a_masih_aktif_reminder_without_a_quote_adds_its_channels(store, intake):
    first = intake(letter(ORDER_LETTER, headers=[dmarc_pass()], message_id="<first@komdigi.go.id>"))
    reminder = ("Dengan hormat,\n\nMenindaklanjuti surat kami, kanal berikut masih aktif sampai hari ini:\n"
                "1. https://t.me/kanal_asal_satu\n2. https://t.me/kanal_ganti_satu\n\nTerima kasih.")
    outcome = intake(letter(reminder, subject=f"Pengingat: {NOMOR}", headers=[dmarc_pass()],
                            message_id="<reminder@komdigi.go.id>"))
    assert outcome.state == "revision", outcome.reason
    targets, revision, _ = order_targets(store, outcome.order_id)
    assert targets == sorted(ORIGINAL_TARGETS + ["https://t.me/kanal_ganti_satu"])
    assert first.order_id != outcome.order_id and revision == 2


def test_a_follow_up_that_adds_nothing_is_the_same_order_again(store, intake):
    first = intake(letter(ORDER_LETTER, headers=[dmarc_pass()], message_id="<first@komdigi.go.id>"))
    quoted = "> " + ORDER_LETTER.replace("\n", "\n> ")
    again = f"Kanal pada surat di bawah masih aktif, mohon segera ditindaklanjuti.\n\n{quoted}"
    outcome = intake(letter(again, subject="Re: Permintaan Penurunan Konten", headers=[dmarc_pass()],
                            message_id="<again@komdigi.go.id>"))
    assert outcome.state == "revision" and outcome.order_id == first.order_id
    assert "nothing new" in outcome.reason


def test_a_follow_up_signed_here_with_dkim_is_a_revision_too(store, intake):
    intake(sign(letter(ORDER_LETTER, message_id="<first@komdigi.go.id>"), MINISTRY))
    subject, body = STYLES["outlook_divider"]
    outcome = intake(sign(letter(body, subject=subject, message_id="<second@komdigi.go.id>"), MINISTRY))
    assert outcome.state == "revision", outcome.reason


AUTHORITY_NON_ORDERS = {
    "meeting_invitation": ("Undangan Rapat Koordinasi", "Dengan hormat, kami mengundang Bapak/Ibu rapat "
                           "koordinasi penanganan konten terorisme pada Kamis, 3 Desember 2026.\n"),
    "thanks_reply": (f"Re: Permintaan Penurunan Konten [{NOMOR}]",
                     "Terima kasih atas konfirmasinya.\n\n> Nomor : " + NOMOR + "\n> Kami meminta menurunkan:\n"),
    "call_us": ("Mohon dihubungi", "Mohon tim Telegram menghubungi kami di nomor kantor hari ini.\n"),
    "order_without_targets": ("Permintaan Penurunan Konten", "Kami meminta pihak Telegram menurunkan kanal "
                              "yang kami sampaikan lewat telepon tadi pagi.\n"),
    "channels_without_request": ("Informasi kanal", "Untuk diketahui: https://t.me/kanal_info_saja\n"),
    "empty_body": ("(tanpa judul)", "\n"),
}


@pytest.mark.parametrize("kind", sorted(AUTHORITY_NON_ORDERS))
def test_an_authenticated_authority_mail_that_is_no_order_goes_to_triage_with_a_4h_clock(store, intake, clock, kind):
    subject, body = AUTHORITY_NON_ORDERS[kind]
    outcome = intake(letter(body, subject=subject, headers=[dmarc_pass()]))
    assert outcome.state == "triage", outcome.reason
    with store.uow(read_only=True) as uow:
        row = uow.session.execute(select(inbound_messages).where(inbound_messages.c.id == outcome.inbound_id)).one()
    assert (row.triage_due_at - row.received_at).total_seconds() == 4 * 3600


def test_an_eu_authority_mail_gets_the_1h_tco_clock(store, intake):
    outcome = intake(letter("Dear colleagues, please call us about the channel list.", subject="Call",
                            sender="Garda <tco@garda.ie>", headers=[dmarc_pass("garda.ie")]))
    assert outcome.state == "triage"
    with store.uow(read_only=True) as uow:
        row = uow.session.execute(select(inbound_messages).where(inbound_messages.c.id == outcome.inbound_id)).one()
    assert (row.triage_due_at - row.received_at).total_seconds() == 3600


@pytest.mark.parametrize("header", [("Auto-Submitted", "auto-replied"), ("Precedence", "bulk"),
                                    ("List-Unsubscribe", "<mailto:leave@komdigi.go.id>")])
def test_only_machine_mail_of_an_authority_is_not_an_order(intake, header):
    outcome = intake(letter("Saya sedang cuti sampai 1 Desember.", subject="Cuti",
                            headers=[dmarc_pass(), header]))
    assert outcome.state == "not_order" and "machine mail" in outcome.reason


def test_a_complaint_from_the_public_becomes_user_reports(store, intake):
    body = ("Halo, saya menemukan kanal yang menyebarkan propaganda ISIS: https://t.me/kanal_propaganda_x "
            "dan t.me/kanal_propaganda_y. Tolong diblokir.")
    outcome = intake(letter(body, subject="Laporan kanal", sender="Warga <warga.peduli@gmail.com>",
                            headers=[dmarc_pass("gmail.com")]))
    assert outcome.state == "report"
    with store.uow(read_only=True) as uow:
        filed = uow.session.execute(select(reports)).all()
        cases = {r.target.canonical: uow.cases.get(r.case_id) for r in filed}
    assert sorted(cases) == ["https://t.me/kanal_propaganda_x", "https://t.me/kanal_propaganda_y"]
    assert all(str(case.source) == "report" and str(case.state) == "queued" for case in cases.values())
    assert {r.reporter for r in filed} == {"warga.peduli@gmail.com"}


@pytest.mark.parametrize("domain,verified,expected", [
    ("komdigi-go.id", "komdigi.go.id", True), ("komdigi.go.id.example.com", "komdigi.go.id", True),
    ("xn--kmdigi-5ye.go.id", "komdigi.go.id", True), ("komdlgi.go.id", "komdigi.go.id", True),
    ("korndigi.go.id", "komdigi.go.id", True), ("mail-komdigi.com", "komdigi.go.id", True),
    ("garda-ie.com", "garda.ie", True),
    ("mail.komdigi.go.id", "komdigi.go.id", False), ("komdigi.go.id", "komdigi.go.id", False),
    ("gmail.com", "komdigi.go.id", False), ("polri.go.id", "komdigi.go.id", False),
    ("kominfo.go.id", "komdigi.go.id", False), ("posteo.de", "garda.ie", False),
])
def test_look_alike_domains(domain, verified, expected):
    assert looks_like(domain, verified) is expected


REPLIES_QUOTING_AN_ORDER = {
    "thanks_for_blocking": ("Terima kasih, kanal sudah diblokir.", False),
    "thanks_with_polite_closing": ("Terima kasih atas tindak lanjutnya. Apabila masih ada pertanyaan "
                                   "silakan hubungi kami.", False),
    "a_question": ("Mohon informasikan apakah sudah diproses.", False),
    "thanks_for_more_information": ("Terima kasih atas informasi tambahannya.", False),
    "please_handle_new_channels": ("Mohon ditangani juga kanal berikut:\n1. t.me/kanal_baru_x", True),
    "please_block_all": ("Mohon segera diblokir seluruhnya.", True),
    "please_act": ("Mohon ditindaklanjuti.", True),
    "still_up": ("The channels below are still up.", True),
    "not_yet_removed": ("These have not yet been removed.", True),
}


@pytest.mark.parametrize("kind", sorted(REPLIES_QUOTING_AN_ORDER))
def test_a_reply_quoting_an_order_is_one_only_when_it_asks_again(kind):
    own, is_order = REPLIES_QUOTING_AN_ORDER[kind]
    body = f"{own}\n\nPada Sel, 24 Nov 2026 10.02, {SENDER} menulis:\n" + "\n".join(
        f"> {line}" for line in ORDER_LETTER.splitlines())
    parsed = parse_message(letter(body, subject="Re: Permintaan Penurunan Konten"))
    assert parsed.is_order is is_order, parsed.order_reason
    if is_order:
        assert parsed.order_reference == NOMOR
