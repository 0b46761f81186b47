"""Mail as authorities and their mail systems really send it, through the real intake path:
stored raw first (``receive_raw``), then parsed, authenticated and acted on (``process_inbound``)."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Sequence

import pytest

from tanggap.domain.access import SYSTEM
from tanggap.intake.authentication import SenderTrust
from tanggap.services.accounts import add_authority
from tanggap.services.intake import process_inbound, receive_raw
from tests.intake_auth.corpus import OUR_MX, local_dns

MINISTRY = "Direktorat Jenderal Pengawasan Ruang Digital <aduankonten@komdigi.go.id>"
GARDA = "Garda Counter Terrorism Unit <tco@garda.ie>"
NOMOR = "B-0700/DJWD/PW.02.01/05/2026"
HEAD = f"""Nomor    : {NOMOR}
Sifat    : Segera
Hal      : Permintaan Penurunan Konten Terkait Terorisme

Dengan hormat, kami meminta pihak Telegram untuk menurunkan kanal berikut:
"""
BOUNDARY = "=_tanggap_test_boundary"


@pytest.fixture
def authorities(store):
    ministry = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id", "kominfo.go.id"], SYSTEM)
    garda = add_authority(store.uow(), "Garda", "EU", ["garda.ie"], SYSTEM)
    return {"ministry": ministry, "garda": garda}


@pytest.fixture
def intake(store, sla, authorities):
    """Store one raw e-mail and process it as the SMTP listener's worker would."""
    trust = SenderTrust.from_setting(OUR_MX, local_dns())

    def run(raw: bytes, channel: str = "smtp"):
        receipt = receive_raw(store.uow(), raw, channel)
        return process_inbound(store, sla, receipt.inbound_id, trust=trust)
    return run


def dmarc_pass(sender: str) -> str:
    domain = sender.rsplit("@", 1)[1].rstrip(">")
    return (f"{OUR_MX}; dkim=pass header.d={domain} header.s=s1; spf=pass smtp.mailfrom={domain}; "
            f"dmarc=pass (p=reject) header.from={domain}")


def email(body: bytes | str, *, subject: str = "Permintaan Penurunan Konten", sender: str = MINISTRY,
          content_type: str = "text/plain; charset=utf-8", cte: str = "8bit",
          headers: Sequence[tuple[str, str]] | None = None, message_id: str = "<more-1@komdigi.go.id>",
          authenticated: bool = True) -> bytes:
    """One message written byte by byte (CRLF), so that charsets, encodings and header
    spellings are exactly the ones given; our MX's DMARC pass on top unless ``authenticated``
    is False. ``subject`` is written as given: encoded words stay encoded."""
    lines = []
    if authenticated:
        lines.append(f"Authentication-Results: {dmarc_pass(sender)}")
    lines += [*(f"{name}: {value}" for name, value in headers or []),
              f"From: {sender}", "To: Abuse <abuse@platform.example>", f"Subject: {subject}",
              "Date: Tue, 05 May 2026 10:00:00 +0700", f"Message-ID: {message_id}", "MIME-Version: 1.0"]
    if content_type:
        lines += [f"Content-Type: {content_type}", f"Content-Transfer-Encoding: {cte}"]
    payload = body.encode("utf-8") if isinstance(body, str) else body
    payload = payload.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n" + payload


def part(content_type: str, payload: bytes | str, *, filename: str | None = None,
         disposition: str | None = None, cte: str = "base64") -> bytes:
    """One MIME part: headers and its payload in the transfer encoding named."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    headers = [f"Content-Type: {content_type}" + (f'; name="{filename}"' if filename else "")]
    if disposition or filename:
        headers.append(f"Content-Disposition: {disposition or 'attachment'}"
                       + (f'; filename="{filename}"' if filename and not disposition else ""))
    headers.append(f"Content-Transfer-Encoding: {cte}")
    encoded = base64.encodebytes(data) if cte == "base64" else data
    return "\r\n".join(headers).encode() + b"\r\n\r\n" + encoded


def multipart(*parts: bytes, subtype: str = "mixed") -> tuple[bytes, str]:
    """A multipart body and its Content-Type, for :func:`email`."""
    body = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + BOUNDARY.encode() + b"--\r\n", f'multipart/{subtype}; boundary="{BOUNDARY}"'


def docx(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = (),
         hyperlinks: Sequence[tuple[str, str]] = ()) -> bytes:
    """A Word document as Word writes it: paragraphs, a table, and hyperlinks (shown text,
    target) whose targets live in the relationships part."""
    from xml.sax.saxutils import escape, quoteattr

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def para(text: str) -> str:
        return f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r></w:p>"

    body = "".join(para(p) for p in paragraphs)
    if table:
        rows = "".join("<w:tr>" + "".join(f"<w:tc>{para(c)}</w:tc>" for c in row) + "</w:tr>" for row in table)
        body += f"<w:tbl>{rows}</w:tbl>"
    rels = []
    for number, (shown, target) in enumerate(hyperlinks, 1):
        body += (f'<w:p><w:hyperlink r:id="rIdL{number}"><w:r><w:t>{escape(shown)}</w:t></w:r>'
                 "</w:hyperlink></w:p>")
        rels.append(f'<Relationship Id="rIdL{number}" Type="{r}/hyperlink" Target={quoteattr(target)} '
                    'TargetMode="External"/>')
    files = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "word/document.xml": f'<w:document xmlns:w="{w}" xmlns:r="{r}"><w:body>{body}</w:body></w:document>',
        "word/_rels/document.xml.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels) + "</Relationships>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def inbound_row(store, inbound_id: str):
    from tanggap.store import inbound as mailbox

    with store.uow(read_only=True) as uow:
        return mailbox.inbound(uow, inbound_id)


def order_targets(store, order_id: str) -> list[str]:
    with store.uow(read_only=True) as uow:
        order = uow.orders.get(order_id)
        return sorted(link.target.canonical for link in order.targets)
