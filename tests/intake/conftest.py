"""Builders for intake tests: real e-mails, spreadsheets and PDFs, made in memory."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from types import SimpleNamespace

import pytest

KOMDIGI = "Direktorat Jenderal Pengawasan Ruang Digital <aduankonten@komdigi.go.id>"
ORDER_LETTER = """Nomor    : B-0999/DJWD/PW.02.01/05/2026
Sifat    : Sangat Segera
Hal      : Permintaan Penurunan Konten Terkait Terorisme pada Layanan Telegram

Kami meminta pihak Telegram untuk menurunkan konten pada tautan berikut:
"""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mail(
    body: str = ORDER_LETTER,
    *,
    sender: str = KOMDIGI,
    subject: str = "Permintaan Penurunan Konten Terkait Terorisme",
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    forwarded: Sequence[bytes] = (),
    headers: dict[str, str] | None = None,
    dmarc: str = "pass",
    charset: str = "utf-8",
    cte: str | None = None,
) -> bytes:
    """An e-mail as the mailbox receives it. ``attachments``: (content type, file name, bytes)."""
    message = EmailMessage()
    domain = sender.rsplit("@", 1)[1].rstrip(">")
    message["Authentication-Results"] = (
        f"mx1.telegram.org; dkim={dmarc} header.d={domain}; spf={dmarc} smtp.mailfrom={domain}; "
        f"dmarc={dmarc} header.from={domain}"
    )
    message["From"] = sender
    message["To"] = "Telegram Abuse <abuse@telegram.org>"
    message["Subject"] = subject
    message["Date"] = "Tue, 05 May 2026 10:00:00 +0700"
    message["Message-ID"] = "<test-0001@mail.komdigi.go.id>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset=charset, cte=cte)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for ctype, filename, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    raw = message.as_bytes(policy=SMTP)
    return _with_forwards(raw, forwarded) if forwarded else raw


def _with_forwards(raw: bytes, forwarded: Sequence[bytes]) -> bytes:
    """Attach whole messages as message/rfc822 parts (the outer message is re-serialised)."""
    from email import message_from_bytes
    from email.policy import default

    outer = message_from_bytes(raw, policy=default)
    if not outer.is_multipart():
        outer.make_mixed()
    for inner in forwarded:
        part = EmailMessage()
        part.set_content(message_from_bytes(inner, policy=default))
        part["Content-Disposition"] = 'attachment; filename="original.eml"'
        outer.attach(part)
    return outer.as_bytes(policy=SMTP)


def xlsx(
    sheets: dict[str, Sequence[Sequence[object]]], hyperlinks: dict[tuple[str, str], str] | None = None
) -> bytes:
    """A workbook; ``hyperlinks`` maps (sheet, cell) to a link target."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    for (title, cell), target in (hyperlinks or {}).items():
        workbook[title][cell].hyperlink = target
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def big_xlsx(rows: Iterable[Sequence[str]]) -> bytes:
    """A minimal workbook written directly, with a shared-strings table as Excel writes it:
    quick to make, and to read, at 200,000 rows."""
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}

    def cells(number: int, row: Sequence[str]) -> str:
        return "".join(
            f'<c r="{chr(65 + i)}{number}" t="s"><v>{strings.setdefault(str(v), len(strings))}</v></c>'
            for i, v in enumerate(row)
        )

    rows = list(rows)
    body = "".join(f'<row r="{n}">{cells(n, row)}</row>' for n, row in enumerate(rows, start=1))
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    files = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sheet_type}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Lampiran" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml":
            f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><dimension ref="A1:D{max(len(rows), 1)}"/>'
            f"<sheetData>{body}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def pdf(lines: Sequence[str | Sequence[str]], links: Sequence[str] = ()) -> bytes:
    """A one-page PDF letter in Helvetica. A line given as a list of cells is a table row
    (cells at fixed columns); ``links`` become link annotations."""
    columns = (50, 80, 220, 420)
    ops = ["BT", "/F1 9 Tf"]
    y = 800
    for line in lines:
        cells = [line] if isinstance(line, str) else list(line)
        for index, cell in enumerate(cells):
            x = columns[index] if len(cells) > 1 else 50
            ops.append(f"1 0 0 1 {x} {y} Tm ({_pdf_escape(cell)}) Tj")
        y -= 14
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1")
    annots = " ".join(f"{7 + i} 0 R" for i in range(len(links)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R /Annots [{annots}] >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Producer (tanggap tests) >>",
    ] + [
        f"<< /Type /Annot /Subtype /Link /Rect [50 50 200 60] /A << /S /URI /URI ({_pdf_escape(uri)}) >> >>".encode()
        for uri in links
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


@pytest.fixture(scope="session")
def build() -> SimpleNamespace:
    """Builders for e-mails (``mail``), workbooks (``xlsx``, ``big_xlsx``) and PDFs (``pdf``)."""
    return SimpleNamespace(mail=mail, xlsx=xlsx, big_xlsx=big_xlsx, pdf=pdf, letter=ORDER_LETTER, xlsx_type=XLSX_TYPE)
