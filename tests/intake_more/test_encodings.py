"""Charsets and file encodings as Windows mailers and Excel in an Indonesian locale write them."""

import base64

from tanggap.intake.parse import parse_message
from tests.intake_more.conftest import HEAD, NOMOR, email, multipart, part


def canonicals(parsed) -> list[str]:
    return [target.canonical for target in parsed.targets]


def test_windows_1252_text_declared_as_iso_8859_1_reads_as_windows_1252():
    # Outlook declares iso-8859-1 and writes smart quotes (0x93/0x94): as Latin-1 they are C1
    # control characters glued to the link; as the browsers read it (WHATWG), they are quotes.
    body = (HEAD + "1. \u201ct.me/kanal_kutip\u201d \u2013 aktif\n2. https://t.me/kanal_biasa\n").encode("cp1252")
    parsed = parse_message(email(body, content_type="text/plain; charset=iso-8859-1"))
    assert canonicals(parsed) == ["https://t.me/kanal_biasa", "https://t.me/kanal_kutip"]
    assert not any("not a target" in w for w in parsed.warnings)


def test_utf8_text_declared_as_us_ascii_reads_as_utf8():
    body = HEAD + "1. https://t.me/kanal_ascii \u2014 \u201cmasih aktif\u201d\n"
    parsed = parse_message(email(body.encode(), content_type="text/plain; charset=us-ascii"))
    assert canonicals(parsed) == ["https://t.me/kanal_ascii"]
    assert "\u2014" in parsed.text


def test_encoded_word_subject_split_over_lines_in_two_charsets_gives_the_number():
    subject = ("=?UTF-8?B?UGVybWludGFhbiBQZW51cnVuYW4gS29udGVu?=\r\n"
               " =?ISO-8859-1?Q?_Nomor_B-0701/DJWD/PW.02.01/05/2026_=E9?=")
    body = HEAD.replace(f"Nomor    : {NOMOR}\n", "") + "1. https://t.me/kanal_subjek\n"
    parsed = parse_message(email(body, subject=subject))
    assert parsed.subject == "Permintaan Penurunan Konten Nomor B-0701/DJWD/PW.02.01/05/2026 \u00e9"
    assert parsed.order_reference == "B-0701/DJWD/PW.02.01/05/2026"


def test_rfc2231_file_name_of_a_csv_sent_as_octet_stream_is_read():
    csv = "No;Nama Kanal;URL\r\n1;Kanal A;https://t.me/kanal_csv_a\r\n2;Kanal B;@kanal_csv_b\r\n"
    attachment = (b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
                  b" filename*0*=UTF-8''Lampiran%20Surat%20%E2%80%93;\r\n filename*1*=%20daftar.csv\r\n"
                  b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(csv.encode()))
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"), attachment)
    parsed = parse_message(email(body, content_type=ctype))
    assert canonicals(parsed) == ["https://t.me/kanal_csv_a", "https://t.me/kanal_csv_b"]


def test_a_utf16_text_attachment_is_read():
    listing = "1. https://t.me/kanal_txt_a\r\n2. @kanal_txt_b\r\n".encode("utf-16")
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"),
                            part("text/plain; charset=utf-16", listing, filename="daftar.txt"))
    assert canonicals(parse_message(email(body, content_type=ctype))) == [
        "https://t.me/kanal_txt_a", "https://t.me/kanal_txt_b"]


def test_nul_bytes_in_a_csv_do_not_cost_its_targets():
    csv = b"No,URL\r\n1,https://t.me/kanal_nul_a\x00\r\n2,https://t.me/kanal_n\x00ul_b\r\n"
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"),
                            part("text/csv", csv, filename="daftar.csv"))
    parsed = parse_message(email(body, content_type=ctype))
    assert canonicals(parsed) == ["https://t.me/kanal_nul_a", "https://t.me/kanal_nul_b"]


def test_a_utf16_csv_without_byte_order_mark_is_read():
    csv = "No;URL\r\n1;https://t.me/kanal_utf_a\r\n2;@kanal_utf_b\r\n".encode("utf-16-le")
    body, ctype = multipart(part("text/plain; charset=utf-8", HEAD + "Daftar terlampir.\n", cte="8bit"),
                            part("text/csv", csv, filename="daftar.csv"))
    parsed = parse_message(email(body, content_type=ctype))
    assert canonicals(parsed) == ["https://t.me/kanal_utf_a", "https://t.me/kanal_utf_b"]
