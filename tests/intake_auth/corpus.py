"""A corpus of e-mails built in code: authority letters, follow-ups in every client's quote
style, letters in every transfer encoding and charset, and forged variants of each kind.

DKIM signatures are made with the test keys in ``keys/`` (2048-bit RSA, made for these tests
only); ``LocalDns`` answers the key look-ups as DNS would for the domains named here.
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

import dkim

KEYS = Path(__file__).parent / "keys"
OUR_MX = "mx1.platform.example"
MINISTRY = "komdigi.go.id"
SENDER = f"Direktorat Jenderal Pengawasan Ruang Digital <aduankonten@{MINISTRY}>"
NOMOR = "B-1201/DJWD/PW.02.01/11/2026"

ORDER_LETTER = f"""Yth. Tim Kepatuhan Telegram

Nomor    : {NOMOR}
Sifat    : Sangat Segera
Lampiran : -
Hal      : Permintaan Penurunan Konten Terkait Terorisme

Dengan hormat, berdasarkan hasil pengawasan kami meminta pihak Telegram untuk menurunkan
kanal berikut yang memuat propaganda terorisme:

1. https://t.me/kanal_asal_satu
2. https://t.me/kanal_asal_dua
3. @kanal_asal_tiga

Atas perhatian dan kerja samanya kami ucapkan terima kasih.

Direktur Pengendalian Aplikasi Informatika
"""
ORIGINAL_TARGETS = ["https://t.me/kanal_asal_dua", "https://t.me/kanal_asal_satu",
                    "https://t.me/kanal_asal_tiga"]
NEW_TARGETS = ["https://t.me/kanal_ganti_satu", "https://t.me/kanal_ganti_dua"]

FOLLOW_UP_ID = """Dengan hormat,

Kanal-kanal pada surat kami di bawah ini masih aktif. Berikut dua kanal pengganti yang
dibuat oleh pengelola yang sama:

1. t.me/kanal_ganti_satu
2. @kanal_ganti_dua

Mohon seluruhnya ditangani.

Salam,
Tim Pengawasan Konten"""

FOLLOW_UP_EN = """Dear Telegram team,

the channels in our letter below are still up. Here are two replacement channels:
- https://t.me/kanal_ganti_satu
- https://t.me/kanal_ganti_dua

Please handle all of them.

Regards"""


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


# Each style: (name, subject, body) built from the original letter and a follow-up text.
def follow_up_styles(reply: str = FOLLOW_UP_ID) -> list[tuple[str, str, str]]:
    subject = "Permintaan Penurunan Konten Terkait Terorisme"
    return [
        ("gmail_top_post", f"Re: {subject}",
         f"{reply}\n\nPada Sel, 24 Nov 2026 pukul 10.02, {SENDER} menulis:\n{quoted(ORDER_LETTER)}\n"),
        ("gmail_wrapped_attribution", f"Re: {subject}",
         f"{reply}\n\nOn Tue, Nov 24, 2026 at 10:02 AM Direktorat Jenderal <aduankonten@{MINISTRY}>\nwrote:\n"
         f"{quoted(ORDER_LETTER)}\n"),
        ("bottom_post", f"Re: {subject}", f"{quoted(ORDER_LETTER)}\n\n{reply}\n"),
        ("outlook_divider", f"RE: {subject}",
         f"{reply}\n\n________________________________\nFrom: {SENDER}\n"
         f"Sent: Tuesday, November 24, 2026 10:02 AM\nTo: abuse@platform.example\nSubject: {subject}\n\n"
         f"{ORDER_LETTER}"),
        ("outlook_original_message_id", f"Balas: {subject}",
         f"{reply}\n\n-----Original Message-----\nDari: {SENDER}\nDikirim: Selasa, 24 November 2026 10.02\n"
         f"Kepada: abuse@platform.example\nPerihal: {subject}\n\n{ORDER_LETTER}"),
        ("zimbra", f"Re: {subject}",
         f"{reply}\n\n----- Original Message -----\nFrom: \"Direktorat Jenderal\" <aduankonten@{MINISTRY}>\n"
         f"To: \"Abuse\" <abuse@platform.example>\nSent: Tuesday, November 24, 2026 10:02:11 AM\n"
         f"Subject: {subject}\n\n{ORDER_LETTER}"),
        ("zimbra_indonesian", f"Re: {subject}",
         f"{reply}\n\n----- Pesan Asli -----\nDari: \"Direktorat Jenderal\" <aduankonten@{MINISTRY}>\n"
         f"Kepada: \"Abuse\" <abuse@platform.example>\nTerkirim: Selasa, 24 November 2026 10:02:11\n"
         f"Perihal: {subject}\n\n{ORDER_LETTER}"),
        ("forward_of_forward", f"Fwd: Fwd: {subject}",
         f"{reply}\n\n---------- Forwarded message ---------\nFrom: Sekretariat <sekretariat@{MINISTRY}>\n"
         f"Date: Tue, Nov 24, 2026 at 11:00 AM\nSubject: Fwd: {subject}\n\n"
         f"---------- Forwarded message ---------\nFrom: {SENDER}\nDate: Tue, Nov 24, 2026 at 10:02 AM\n"
         f"Subject: {subject}\n\n{ORDER_LETTER}"),
        ("quote_of_quote", f"Re: Re: {subject}",
         f"{reply}\n\nPada Rab, 25 Nov 2026 09.00, Abuse <abuse@platform.example> menulis:\n"
         f"> Terima kasih, sedang kami proses.\n>\n> Pada Sel, 24 Nov 2026 10.02, {SENDER} menulis:\n"
         f"{quoted(quoted(ORDER_LETTER))}\n"),
    ]


def letter(body: str, *, subject: str = "Permintaan Penurunan Konten Terkait Terorisme",
           sender: str = SENDER, charset: str = "utf-8", cte: str = "8bit", crlf: bool = True,
           headers: list[tuple[str, str]] | None = None, message_id: str = "<corpus-1@komdigi.go.id>",
           extra_from: list[str] | None = None) -> bytes:
    """One text/plain e-mail, written byte by byte so the encoding is exactly the one named."""
    encoded = body.encode(charset, errors="strict")
    if cte == "base64":
        payload = base64.encodebytes(encoded.replace(b"\n", b"\r\n")).replace(b"\n", b"\r\n")
    elif cte == "quoted-printable":
        payload = quopri.encodestring(encoded.replace(b"\n", b"\r\n"))
    else:
        payload = encoded
    lines = [*(f"{name}: {value}" for name, value in headers or []),
             f"From: {sender}", *(f"From: {other}" for other in extra_from or []),
             "To: Telegram Abuse <abuse@platform.example>", f"Subject: {subject}",
             "Date: Tue, 24 Nov 2026 10:00:00 +0700", f"Message-ID: {message_id}",
             "MIME-Version: 1.0", f"Content-Type: text/plain; charset={charset}",
             f"Content-Transfer-Encoding: {cte}"]
    head = "\n".join(lines).encode("ascii") + b"\n\n"
    raw = head + payload.replace(b"\r\n", b"\n")
    return raw.replace(b"\n", b"\r\n") if crlf else raw


def trusted(results: str, server: str = OUR_MX) -> tuple[str, str]:
    """An Authentication-Results header as a server writes it."""
    return ("Authentication-Results", f"{server}; {results}")


def dmarc_pass(domain: str = MINISTRY, server: str = OUR_MX) -> tuple[str, str]:
    return trusted(f"dkim=pass header.d={domain} header.s=s1; spf=pass smtp.mailfrom={domain}; "
                   f"dmarc=pass (p=reject) header.from={domain}", server)


def sign(raw: bytes, domain: str, key: str = "authority", selector: str = "s1",
         length: bool = False) -> bytes:
    """Prepend a DKIM-Signature for ``domain`` made with a test key."""
    private = (KEYS / f"{key}.pem").read_bytes()
    signature = dkim.sign(raw, selector.encode(), domain.encode(), private,
                          include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
                          length=length)
    return signature + raw


class LocalDns:
    """DNS for DKIM keys: (selector, domain) -> the test key whose public half is published."""

    def __init__(self, published: dict[tuple[str, str], str]):
        self.published = published
        self.asked: list[str] = []

    def __call__(self, name: bytes, timeout: int = 5) -> bytes | None:
        text = name.decode().rstrip(".")
        self.asked.append(text)
        selector, _, domain = text.partition("._domainkey.")
        key = self.published.get((selector, domain))
        if key is None:
            return None
        return b"v=DKIM1; k=rsa; p=" + (KEYS / f"{key}.pub.b64").read_bytes().strip()


def local_dns() -> LocalDns:
    """The ministry publishes its key; the attacker publishes theirs for their own domain."""
    return LocalDns({("s1", MINISTRY): "authority", ("s1", f"mail.{MINISTRY}"): "authority",
                     ("s1", "attacker.example"): "attacker"})
