"""Attachments: CSV, XLSX and PDF lists of targets, read fully when valid, refused when hostile."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from tanggap.intake import ParseLimits, parse_message
from tanggap.intake.attachments import AttachmentError, Reading, csv_rows, read_pdf, read_xlsx
from tanggap.intake.parse import Budget



def reading(name: str, warnings: list[str] | None = None, **limits) -> Reading:
    return Reading(name, ParseLimits(**limits), Budget(None), [] if warnings is None else warnings)


def targets_of(result) -> list[str]:
    return [t.canonical for t in result.targets]


def with_attachment(build, ctype: str, name: str, data: bytes):
    return parse_message(build.mail(build.letter + "(lampiran)\n", attachments=[(ctype, name, data)]))


@pytest.mark.parametrize(
    ("data", "encoding_name"),
    [
        ("No;Nama Kanal;URL\r\n1;Satu;t.me/csv_satu\r\n2;Dua;@csv_dua\r\n", "semicolon"),
        ("\ufeffNo,Nama Kanal,URL\n1,\"Satu, resmi\",t.me/csv_satu\n2,Dua,@csv_dua\n", "comma with BOM"),
        ("No\tNama Kanal\tURL\n1\tSatu\tt.me/csv_satu\n2\tDua\t@csv_dua\n", "tab"),
    ],
)
def test_csv_in_any_separator_with_or_without_bom(build, data, encoding_name):
    result = with_attachment(build, "text/csv", "lampiran.csv", data.encode("utf-8"))
    assert targets_of(result) == ["https://t.me/csv_dua", "https://t.me/csv_satu"], encoding_name


def test_csv_in_utf16_and_windows_1252(build):
    text = "No;Nama Kanal;URL\r\n1;Café;t.me/csv_satu\r\n"
    for data in (text.encode("utf-16"), text.encode("cp1252")):
        result = with_attachment(build, "application/octet-stream", "lampiran.csv", data)
        assert targets_of(result) == ["https://t.me/csv_satu"]


def test_csv_rows_stop_at_the_row_limit_with_a_warning():
    warnings: list[str] = []
    data = "".join(f"{i};t.me/kanal_{i:05d}\n" for i in range(100)).encode()
    rows = list(csv_rows(data, reading("a.csv", warnings, max_rows=10)))
    assert len(rows) == 10
    assert warnings == ["incomplete: a.csv: only the first 10 rows were read"]


def test_a_csv_field_over_the_size_limit_stops_reading_with_a_warning():
    warnings: list[str] = []
    data = b"1;t.me/kanal_awal\n2;\"" + b"x" * 200_000 + b"\"\n3;t.me/kanal_akhir\n"
    rows = list(csv_rows(data, reading("a.csv", warnings)))
    assert rows[0] == ["1", "t.me/kanal_awal"]
    assert "CSV reading stopped" in warnings[0]


def test_a_200000_row_csv_is_read_fully(build):
    rows = "".join(f"{i};Kanal {i};https://t.me/kanal_{i:06d};Aktif\r\n" for i in range(1, 200_001))
    data = ("\ufeffNo;Nama Kanal;URL;Keterangan\r\n" + rows).encode()
    started = time.process_time()
    result = with_attachment(build, "text/csv", "besar.csv", data)
    elapsed = time.process_time() - started
    assert len(result.targets) == 200_000
    assert result.targets[0].canonical == "https://t.me/kanal_000001"
    assert result.complete and not result.warnings
    assert elapsed < 45


def test_xlsx_header_row_link_columns_hyperlinks_and_sheets(build):
    book = build.xlsx(
        {"Kanal": [["No", "Nama Kanal", "URL", "Keterangan"], [1, "A", "t.me/teks_tampil", "x"],
                   [2, "B", "@xlsx_at", "Username"], [3, "C", "xlsx_polos", "Username"], [4, "Aktif", None, "Aktif"]],
         "Lain": [["catatan", "lihat t.me/xlsx_lembar_dua"]]},
        {("Kanal", "C2"): "https://t.me/xlsx_tautan"},
    )
    result = with_attachment(build, build.xlsx_type, "l.xlsx", book)
    assert targets_of(result) == [
        "https://t.me/xlsx_at", "https://t.me/xlsx_lembar_dua", "https://t.me/xlsx_polos", "https://t.me/xlsx_tautan",
    ]
    assert any("links to 'https://t.me/xlsx_tautan'" in w for w in result.warnings)


def test_a_200000_row_xlsx_is_read_fully(build):
    rows = [("No", "Nama Kanal", "URL", "Keterangan")] + [
        (str(i), f"Kanal {i}", f"https://t.me/kanal_{i:06d}", "Aktif") for i in range(1, 200_001)
    ]
    result = with_attachment(build, build.xlsx_type, "besar.xlsx", build.big_xlsx(rows))
    assert len(result.targets) == 200_000
    assert result.complete


def test_xlsx_rows_stop_at_the_row_limit(build):
    warnings: list[str] = []
    book = build.big_xlsx([("URL",)] + [(f"t.me/kanal_{i:05d}",) for i in range(50)])
    counts: list[int] = []
    read_xlsx(book, reading("l.xlsx", warnings, max_rows=10), lambda rows: counts.append(len(list(rows))))
    assert counts == [10]
    assert "only the first 10 rows" in warnings[0]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_inflating(build):
    bomb = zip_of({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000})
    assert len(bomb) < 100_000
    started = time.process_time()
    result = with_attachment(build, build.xlsx_type, "lampiran.xlsx", bomb)
    assert time.process_time() - started < 2
    assert any("zip bomb" in w for w in result.warnings)
    assert result.is_order and not result.complete


def test_an_archive_over_the_decompressed_limit_is_refused():
    many = zip_of({f"xl/f{i}.xml": bytes(range(256)) * 4000 for i in range(5)})
    with pytest.raises(AttachmentError, match="would inflate"):
        read_xlsx(many, reading("x", max_decompressed_bytes=1_000_000), list)
    with pytest.raises(AttachmentError, match="entries"):
        read_xlsx(many, reading("x", max_zip_entries=3), list)


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not really", b"%PDF-1.4 nope", b"hello", zip_of({"a.txt": b"hi"})])
def test_what_is_not_an_xlsx_gives_a_warning(build, data):
    result = with_attachment(build, build.xlsx_type, "lampiran.xlsx", data)
    assert result.is_order and result.error is None
    assert any("lampiran.xlsx" in w and "XLSX" in w for w in result.warnings)


@pytest.mark.parametrize("data", [b"", b"just text", b"%PDF-1.7\n1 0 obj garbage", b"PK\x03\x04"])
def test_a_pdf_that_is_not_one_gives_a_warning(build, data):
    result = with_attachment(build, "application/pdf", "surat.pdf", data)
    assert result.is_order and result.error is None
    assert any("surat.pdf" in w and "PDF" in w for w in result.warnings)


def test_pdf_letter_text_table_rows_and_link_annotations(build):
    letter = build.pdf(
        ["Nomor : B-0101/DJWD/PW.02.01/01/2026", ["No", "Nama Kanal", "Tautan", "Keterangan"],
         ["1", "Satu", "https://t.me/pdf_satu", "Aktif"], ["2", "Dua", "@pdf_dua", "Username"],
         "Narahubung Telegram @pdf_kontak"],
        links=["https://t.me/pdf_anotasi"],
    )
    pdf = read_pdf(letter, reading("surat.pdf"))
    assert "B-0101/DJWD/PW.02.01/01/2026" in pdf.text
    assert pdf.links == ["https://t.me/pdf_anotasi"]
    result = parse_message(build.mail("Surat terlampir, mohon penurunan konten.\n",
                                      attachments=[("application/pdf", "s.pdf", letter)]))
    assert targets_of(result) == ["https://t.me/pdf_anotasi", "https://t.me/pdf_dua", "https://t.me/pdf_satu"]
    assert result.order_reference == "B-0101/DJWD/PW.02.01/01/2026"


def test_pdf_pages_beyond_the_limit_are_not_read(build):
    warnings: list[str] = []
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(5):
        writer.add_blank_page(100, 100)
    buffer = io.BytesIO()
    writer.write(buffer)
    read_pdf(buffer.getvalue(), reading("s.pdf", warnings, max_pdf_pages=2))
    assert warnings == [
        "incomplete: s.pdf: only the first 2 of 5 pages were read",
        "incomplete: s.pdf: the PDF has no text layer (a scan?); it was not read",
    ]


def test_formats_we_cannot_read_are_named_in_a_warning(build):
    result = with_attachment(build, "application/msword", "surat.doc", b"\xd0\xcf\x11\xe0")
    assert any("Word (.doc) attachments are not read" in w for w in result.warnings)
    quiet = with_attachment(build, "image/png", "logo.png", b"\x89PNG")
    assert not any("logo.png" in w for w in quiet.warnings)
