"""Message structures that real mail systems produce: Outlook HTML behind link-protection
gateways, spreadsheets under a letterhead, Word letters, Outlook's winmail.dat, forwards."""

import quopri

from tanggap.intake.parse import parse_message
from tests.intake.conftest import XLSX_TYPE, mail, xlsx
from tests.intake_more.conftest import HEAD, NOMOR, docx, email, inbound_row, multipart, part

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OUTLOOK_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=windows-1252">
<style><!-- p.MsoNormal {margin:0cm} --></style></head><body lang=EN-US><div class=WordSection1>
<p class=MsoNormal>Nomor&nbsp;: B-0702/DJWD/PW.02.01/05/2026<br>Hal&nbsp;: Permintaan Penurunan Konten
Perjudian<o:p></o:p></p><p class=MsoNormal>Kami meminta agar kanal berikut diblokir:<o:p></o:p></p>
<table class=MsoTableGrid border=1><tr><td><table>
<tr><td><b>No</b></td><td><b>Tautan</b></td></tr>
<tr><td>1</td><td><p class=MsoNormal>t.me/s/judi_slot_gacor<o:p></o:p></p></td></tr>
<tr><td>2</td><td><a href="https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Ft.me%2Fjoinchat%2FAAAAAFakeHash123&amp;data=05">https://t.me/joinchat/AAAAAFakeHash123</a></td></tr>
<tr><td>3</td><td><a href="https://urldefense.com/v3/__https://t.me/slot_maxwin88/123__;!!ABC!xyz$">https://t.me/slot_maxwin88/123</a></td></tr>
<tr><td>4</td><td><a href="https://urldefense.proofpoint.com/v2/url?u=https-3A__t.me_togel-5Fonline88&amp;d=DwMF&amp;c=x">t.me/togel_online88</a></td></tr>
<tr><td>5</td><td><a href="https://linkprotect.cudasvc.com/url?a=https%3a%2f%2ftelegram.me%2fcasino_ria88&amp;c=E,1,x&amp;typo=1">telegram.me/casino_ria88</a></td></tr>
<tr><td>6</td><td><a href="https://protect-au.mimecast.com/s/AbCdEfGhIjK?domain=t.me">t.me/+InviteHashXyz</a></td></tr>
<tr><td>7</td><td><a href="https://secure-web.cisco.com/1abcDEF-x/https%3A%2F%2Ft.me%2Fbandar_bola77">t.me/bandar_bola77</a></td></tr>
<tr><td>8</td><td><a href="https://imsva91-ctp.trendmicro.com:443/wis/clicktime/v1/query?url=https%3a%2f%2ft.me%2fslot_trend88&amp;umid=x">slot_trend88</a></td></tr>
</table></td></tr></table>
<p class=MsoNormal>Hormat kami,<br>Tim Aduan &#8211; hubungi @maya_wasdig</p></div></body></html>"""


def canonicals(parsed) -> list[str]:
    return [target.canonical for target in parsed.targets]


def test_outlook_html_behind_link_protection_gateways_gives_the_links_the_authority_wrote():
    raw = email(quopri.encodestring(OUTLOOK_HTML.replace("\n", "\r\n").encode("cp1252")),
                content_type="text/html; charset=windows-1252", cte="quoted-printable")
    parsed = parse_message(raw)
    assert parsed.order_reference == "B-0702/DJWD/PW.02.01/05/2026" and parsed.deadline_hours == 24
    assert canonicals(parsed) == [
        "https://t.me/+AAAAAFakeHash123", "https://t.me/+InviteHashXyz", "https://t.me/bandar_bola77",
        "https://t.me/casino_ria88", "https://t.me/judi_slot_gacor", "https://t.me/slot_maxwin88/123",
        "https://t.me/slot_trend88", "https://t.me/togel_online88",
    ]
    # The opaque Mimecast link hides its destination: the shown text counts, and it says so.
    assert any("mimecast" in w and "shown" in w for w in parsed.warnings)
    assert "https://t.me/maya_wasdig" not in canonicals(parsed)


def test_a_click_tracker_of_an_unknown_site_still_hides_the_shown_telegram_text():
    html = ('<p>Nomor : B-0703/DJWD/PW.02.01/05/2026</p><p>Mohon diblokir:</p>'
            '<p><a href="http://click.mailer.example/ls/click?upn=xyz">https://t.me/poker_kita77</a></p>')
    parsed = parse_message(email(html, content_type="text/html; charset=utf-8"))
    assert canonicals(parsed) == []


def test_a_spreadsheet_under_a_letterhead_finds_its_header_row():
    rows = [["KEMENTERIAN KOMUNIKASI DAN DIGITAL"], ["Direktorat Jenderal Pengawasan Ruang Digital"], [],
            [f"Lampiran Surat Nomor {NOMOR}"], ["Tanggal 5 Mei 2026"], [], [],
            ["No", "Nama Kanal", "Tautan", "Keterangan"],
            [1, "Kanal X", "kanal_xlsx_a", "terorisme"], [2, "Kanal Y", "https://t.me/kanal_xlsx_b", ""]]
    workbook = xlsx({"Rekap": [["Ringkasan"], ["Jumlah", 2]], "Daftar": rows})
    parsed = parse_message(mail(HEAD + "Daftar terlampir.", attachments=[(XLSX_TYPE, "lampiran.xlsx", workbook)]))
    assert canonicals(parsed) == ["https://t.me/kanal_xlsx_a", "https://t.me/kanal_xlsx_b"]


def test_a_word_letter_is_read_for_its_number_its_table_and_its_hyperlinks(store, intake):
    letter = docx(
        [f"Nomor : {NOMOR}", "Hal : Permintaan Penurunan Konten Terkait Terorisme",
         "Dengan hormat, kami meminta pihak Telegram untuk menurunkan kanal pada tabel berikut:"],
        table=[["No", "Username", "Keterangan"], ["1", "kanal_docx_a", "propaganda"],
               ["2", "@kanal_docx_b", "rekrutmen"], ["3", "https://t.me/kanal_docx_c/45", ""]],
        hyperlinks=[("kanal keempat", "https://t.me/kanal_docx_d")])
    body, ctype = multipart(part("text/plain; charset=utf-8", "Yth. Tim Telegram,\nSurat terlampir.\n", cte="8bit"),
                            part(DOCX_TYPE, letter, filename="Surat B-0700.docx"))
    raw = email(body, content_type=ctype, subject="Surat Kemkomdigi")
    parsed = parse_message(raw)
    assert parsed.is_order and parsed.order_reference == NOMOR and parsed.deadline_hours == 4
    assert canonicals(parsed) == ["https://t.me/kanal_docx_a", "https://t.me/kanal_docx_b",
                                  "https://t.me/kanal_docx_c/45", "https://t.me/kanal_docx_d"]
    assert intake(raw).state == "order"


def test_a_word_zip_bomb_is_refused_with_a_reason():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document>" + " " * (60 << 20) + "</w:document>")
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"),
                            part(DOCX_TYPE, buffer.getvalue(), filename="surat.docx"))
    parsed = parse_message(email(body, content_type=ctype))
    assert not parsed.complete
    assert any("surat.docx" in w and "zip bomb" in w for w in parsed.warnings)


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """Outlook's winmail.dat ([MS-OXTNEF]): a message class, then per file its start marker,
    its (8.3) title and its bytes; each attribute with its checksum."""
    def attribute(level: int, kind: int, ident: int, data: bytes) -> bytes:
        return (bytes([level]) + ((kind << 16) | ident).to_bytes(4, "little") + len(data).to_bytes(4, "little")
                + data + (sum(data) % 65536).to_bytes(2, "little"))

    out = (0x223E9F78).to_bytes(4, "little") + b"\x01\x00"
    out += attribute(1, 7, 0x8008, b"IPM.Microsoft Mail.Note\x00")
    for title, data in files:
        out += attribute(2, 6, 0x9002, bytes(14))
        out += attribute(2, 1, 0x8010, title.encode("cp1252") + b"\x00")
        out += attribute(2, 6, 0x800F, data)
    return out


def test_the_lists_inside_winmail_dat_are_read(store, intake):
    workbook = xlsx({"Daftar": [["No", "Tautan"], [1, "kanal_tnef_xlsx"]]})
    winmail = tnef([("LAMPIR~1.XLS", workbook), ("DAFTAR~1.CSV", b"No;URL\r\n1;https://t.me/kanal_tnef_csv\r\n")])
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar kanal terlampir.\n", cte="8bit"),
                            part("application/ms-tnef", winmail, filename="winmail.dat"))
    raw = email(body, content_type=ctype)
    parsed = parse_message(raw)
    assert [t.canonical for t in parsed.targets] == ["https://t.me/kanal_tnef_csv", "https://t.me/kanal_tnef_xlsx"]
    assert parsed.complete
    assert intake(raw).state == "order"


def test_a_broken_winmail_dat_is_named_and_the_authoritys_order_goes_to_a_person(store, intake):
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar kanal terlampir.\n", cte="8bit"),
                            part("application/ms-tnef", b"\x00\x01garbage" + bytes(200), filename="winmail.dat"))
    raw = email(body, content_type=ctype)
    parsed = parse_message(raw)
    assert not parsed.complete
    assert any("winmail.dat" in w and "TNEF" in w for w in parsed.warnings)
    outcome = intake(raw)
    assert outcome.state == "triage"
    assert any("TNEF" in w for w in inbound_row(store, outcome.inbound_id).warnings)


def test_a_forward_of_a_forward_as_attached_messages_takes_the_innermost_order(store, intake):
    original = email(HEAD + "1. https://t.me/kanal_terdalam\n", message_id="<orig@komdigi.go.id>",
                     authenticated=False)
    middle_body, middle_type = multipart(
        part("text/plain; charset=utf-8", "Mohon ditindaklanjuti.\n", cte="8bit"),
        part("message/rfc822", original, cte="8bit", disposition="attachment"))
    middle = email(middle_body, content_type=middle_type, subject="Fwd: Permintaan Penurunan Konten",
                   sender="Sekretariat <sekretariat@komdigi.go.id>", message_id="<mid@komdigi.go.id>",
                   authenticated=False)
    outer_body, outer_type = multipart(
        part("text/plain; charset=utf-8", "Diteruskan untuk diproses.\n", cte="8bit"),
        part("message/rfc822", middle, cte="8bit", disposition="attachment"))
    raw = email(outer_body, content_type=outer_type, subject="Fwd: Fwd: Permintaan Penurunan Konten",
                sender="Biro Hukum <hukum@komdigi.go.id>", message_id="<outer@komdigi.go.id>")
    parsed = parse_message(raw)
    assert parsed.is_order and parsed.order_reference == NOMOR
    assert canonicals(parsed) == ["https://t.me/kanal_terdalam"]
    assert intake(raw).state == "order"


def test_an_inline_pesan_terusan_forward_is_the_order_it_forwards(intake):
    body = ("Mohon segera ditindaklanjuti.\n\n---------- Pesan terusan ----------\n"
            "Dari: Direktorat <aduankonten@komdigi.go.id>\nTanggal: Sel, 5 Mei 2026 10.00\n"
            "Subjek: Permintaan Penurunan Konten\nKepada: <abuse@platform.example>\n\n"
            + HEAD + "1. https://t.me/kanal_terusan\n")
    parsed = parse_message(email(body, subject="Fwd: Permintaan Penurunan Konten"))
    assert parsed.is_order and parsed.order_reference == NOMOR
    assert canonicals(parsed) == ["https://t.me/kanal_terusan"]


GOOGLE_GROUP = [("List-Id", "<aduankonten.komdigi.go.id>"), ("Mailing-list", "list aduankonten@komdigi.go.id"),
                ("List-Post", "<https://groups.google.com/a/komdigi.go.id/group/aduankonten/post>, "
                              "<mailto:aduankonten@komdigi.go.id>"),
                ("List-Help", "<https://support.google.com/a/komdigi.go.id/bin/topic.py?topic=25838>"),
                ("List-Unsubscribe", "<mailto:aduankonten+unsubscribe@komdigi.go.id>"),
                ("Precedence", "list"), ("X-Original-Sender", "pejabat@komdigi.go.id")]


def test_an_order_relayed_by_the_ministrys_own_group_mailbox_is_an_order(intake):
    # The ministry's order address is often a group (Google Groups, a Zimbra or Mailman list):
    # it adds list headers to every letter it relays. A discussion list relays a person's
    # letter; it is no bulk mailing, and the order in it must not end as machine mail.
    raw = email(HEAD + "1. https://t.me/kanal_grup\n", headers=GOOGLE_GROUP,
                sender="'Pejabat Pengawasan' via Aduan Konten <aduankonten@komdigi.go.id>",
                message_id="<group-1@komdigi.go.id>")
    parsed = parse_message(raw)
    assert parsed.is_order and parsed.machine is None
    assert [t.canonical for t in parsed.targets] == ["https://t.me/kanal_grup"]
    assert intake(raw).state == "order"


def test_an_announcement_list_or_a_bulk_mailing_stays_machine_mail():
    body = HEAD + "1. https://t.me/kanal_buletin\n"
    for headers in ([("List-Unsubscribe", "<https://mailer.example/u/1>"), ("Precedence", "bulk")],
                    [("List-Id", "<buletin.komdigi.go.id>"), ("List-Post", "NO"), ("Precedence", "list")],
                    [*GOOGLE_GROUP, ("Precedence", "bulk")]):
        parsed = parse_message(email(body, headers=headers))
        assert parsed.machine and not parsed.is_order, headers


def test_format_flowed_delsp_text_joins_a_link_broken_across_lines():
    # RFC 3676 with DelSp=yes: the sender broke the long invite link and marked the break
    # with a space that is not part of the text.
    body = HEAD + "1. https://t.me/joinchat/AAAAAEhjkKJHKJhkjhKJHkjhkjHKJ \nhkjhkjh\n2. https://t.me/kanal_utuh\n"
    parsed = parse_message(email(body, content_type="text/plain; charset=utf-8; format=flowed; delsp=yes"))
    assert [t.canonical for t in parsed.targets] == [
        "https://t.me/+AAAAAEhjkKJHKJhkjhKJHkjhkjHKJhkjhkjh", "https://t.me/kanal_utuh"]


def test_format_flowed_without_delsp_keeps_the_space_and_quoted_depths_apart():
    from tanggap.intake.mime import unflow

    text = "Mohon kanal berikut \nditurunkan:\n> kutipan yang \n> panjang\nbaris biasa\n-- \nTim"
    assert unflow(text, delsp=False) == "Mohon kanal berikut diturunkan:\n> kutipan yang panjang\nbaris biasa\n-- \nTim"


def test_an_html_link_written_without_a_scheme_counts_whatever_its_text():
    html = ('<p>Nomor : B-0704/DJWD/PW.02.01/05/2026</p><p>Mohon diblokir:</p><ol>'
            '<li><a href="telegram.me/kanal_noscheme">kanal ini</a></li>'
            '<li><a href="www.t.me/kanal_www">klik</a></li><li><a href="kanal_sub.t.me">sub</a></li></ol>')
    parsed = parse_message(email(html, content_type="text/html; charset=utf-8"))
    assert [t.canonical for t in parsed.targets] == [
        "https://t.me/kanal_noscheme", "https://t.me/kanal_sub", "https://t.me/kanal_www"]


def test_a_plain_text_stub_beside_the_html_letter_does_not_hide_the_letters_number():
    html = ("<p>Nomor : B-0705/DJWD/PW.02.01/05/2026<br>Hal : Pemblokiran Konten Terorisme</p>"
            "<p>Mohon diblokir: <a href='https://t.me/kanal_htmlonly'>kanal</a></p>")
    body, ctype = multipart(part("text/plain; charset=utf-8", "Your mail client cannot display HTML.", cte="8bit"),
                            part("text/html; charset=utf-8", html, cte="8bit"), subtype="alternative")
    parsed = parse_message(email(body, content_type=ctype))
    assert parsed.order_reference == "B-0705/DJWD/PW.02.01/05/2026" and parsed.deadline_hours == 4
    assert [t.canonical for t in parsed.targets] == ["https://t.me/kanal_htmlonly"]


def test_a_spreadsheet_link_written_as_a_hyperlink_formula_counts():
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["No", "Nama Kanal", "Keterangan"])
    sheet.append([1, '=HYPERLINK("https://t.me/kanal_formula","Kanal F")', "aktif"])
    sheet.append([2, "=hyperlink(\"t.me/kanal_formula_dua\")", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse_message(mail(HEAD + "Daftar terlampir.", attachments=[(XLSX_TYPE, "l.xlsx", buffer.getvalue())]))
    assert [t.canonical for t in parsed.targets] == ["https://t.me/kanal_formula", "https://t.me/kanal_formula_dua"]


def test_a_forward_attached_in_base64_is_still_the_forwarded_order(store, intake):
    # RFC 2046 allows only 7bit, 8bit or binary for message/rfc822; Exchange writes base64.
    original = email(HEAD + "1. https://t.me/kanal_b64fwd\n", message_id="<b64-inner@komdigi.go.id>",
                     authenticated=False)
    body, ctype = multipart(part("text/plain; charset=utf-8", "Diteruskan.\n", cte="8bit"),
                            part("message/rfc822", original, cte="base64", disposition="attachment"))
    raw = email(body, content_type=ctype, subject="Fwd: Permintaan Penurunan Konten",
                sender="Biro Hukum <hukum@komdigi.go.id>", message_id="<b64-outer@komdigi.go.id>")
    parsed = parse_message(raw)
    assert parsed.is_order and parsed.order_reference == NOMOR
    assert [t.canonical for t in parsed.targets] == ["https://t.me/kanal_b64fwd"]
    assert intake(raw).state == "order"


def _zip(files: dict[str, bytes], encrypted: bool = False) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    if encrypted:  # the "encrypted" flag bit of the central directory entry, as a password tool sets it
        flags = data.index(b"PK\x01\x02") + 8
        data = data[:flags] + bytes([data[flags] | 1]) + data[flags + 1:]
    return data


def test_a_zipped_list_is_read_and_what_is_not_read_in_it_is_said():
    workbook = xlsx({"Daftar": [["No", "Tautan"], [1, "kanal_zip_xlsx"]]})
    archive = _zip({"Lampiran/daftar.csv": b"No;URL\r\n1;https://t.me/kanal_zip_csv\r\n",
                    "Lampiran/daftar.xlsx": workbook, "Lampiran/foto.jpg": b"\xff\xd8\xff",
                    "Lampiran/lagi.zip": _zip({"x.csv": b"t.me/kanal_terlalu_dalam"}),
                    "__MACOSX/Lampiran/._daftar.csv": b"\x00\x05"})
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"),
                            part("application/zip", archive, filename="Lampiran.zip"))
    parsed = parse_message(email(body, content_type=ctype))
    assert [t.canonical for t in parsed.targets] == ["https://t.me/kanal_zip_csv", "https://t.me/kanal_zip_xlsx"]
    assert not parsed.complete
    assert any("foto.jpg" in w for w in parsed.warnings)
    assert any("lagi.zip" in w for w in parsed.warnings)
    assert not any("MACOSX" in w for w in parsed.warnings)


def test_a_zip_bomb_or_an_encrypted_zip_is_refused_with_a_reason():
    bomb = _zip({"daftar.csv": b" " * (20 << 20)})
    secret = _zip({"daftar.csv": b"No;URL\r\n1;t.me/kanal_rahasia\r\n"}, encrypted=True)
    for archive, reason in ((bomb, "zip bomb"), (secret, "encrypted")):
        body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"),
                                part("application/zip", archive, filename="Lampiran.zip"))
        parsed = parse_message(email(body, content_type=ctype))
        assert parsed.targets == () and not parsed.complete
        assert any("Lampiran.zip" in w and reason in w for w in parsed.warnings), parsed.warnings


def test_an_attached_outlook_item_is_named_as_unread():
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Surat terlampir.\n", cte="8bit"),
                            part("application/vnd.ms-outlook", b"\xd0\xcf\x11\xe0" + bytes(100), filename="Surat.msg"))
    parsed = parse_message(email(body, content_type=ctype))
    assert not parsed.complete
    assert any("Outlook item (.msg)" in w for w in parsed.warnings)
