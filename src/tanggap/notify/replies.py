"""The acknowledgement and the final status reply, in the thread of the order e-mail.

Bilingual (Indonesian first: the ministry's staff read it; English for EU authorities and
auditors). Deadlines are shown in WIB, the ministry's time, and in UTC.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tanggap.domain.clock import format_wib
from tanggap.services.orders import OrderStatus

STATUS_WORDS = {
    "queued": "dalam antrean / queued",
    "in_review": "sedang ditinjau / in review",
    "actioned": "sudah ditindak / actioned",
    "no_action": "tidak ditindak / no action",
    "reversed": "dibatalkan setelah banding / reversed on appeal",
}


def _threaded(reply_to_message_id: str | None, references: str | None, to: str, sender: str,
              subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply loops
    if reply_to_message_id:
        message["In-Reply-To"] = reply_to_message_id
        message["References"] = " ".join(filter(None, [references, reply_to_message_id]))
    return message


def acknowledgement(status: OrderStatus, to: str, sender: str, subject: str,
                    message_id: str | None, references: str | None = None,
                    unread: list[str] | None = None) -> EmailMessage:
    message = _threaded(message_id, references, to, sender, subject or status.reference or "Order")
    deadline = status.deadline.due_at
    lines = [
        "Yth. Bapak/Ibu,", "",
        f"Perintah Nomor {status.reference or '(tanpa nomor)'} telah kami terima dan dicatat.",
        f"We have received and registered order {status.reference or '(no reference)'}.", "",
        f"Batas waktu / deadline: {format_wib(deadline)} ({deadline.isoformat()} UTC), {status.deadline.basis}",
        f"Nomor tiket / order id: {status.order_id}", "",
        f"Target yang diterima / targets accepted ({len(status.targets)}):",
        *[f"  {n}. {t.target}  [{STATUS_WORDS.get(t.status, t.status)}]" for n, t in enumerate(status.targets, 1)],
    ]
    if status.rejected:
        lines += ["", f"Tidak dapat diproses / not processed ({len(status.rejected)}):",
                  *[f"  - {r['input']}: {r['reason']}" for r in status.rejected]]
    if unread:
        lines += ["", f"Bagian yang tidak dapat kami baca / parts we could not read ({len(unread)}):",
                  *[f"  - {part}" for part in unread],
                  "Mohon kirim ulang target di dalamnya sebagai CSV, XLSX atau teks di badan surel.",
                  "Please send the targets in them again as CSV, XLSX or in the body of the e-mail."]
    lines += ["", "Status akhir akan kami kirim setelah semua target selesai ditangani.",
              "A final status follows when every target is settled.", "", "Tanggap"]
    message.set_content("\n".join(lines))
    return message


def final_status(status: OrderStatus, to: str, sender: str, subject: str,
                 message_id: str | None, references: str | None = None, update: bool = False) -> EmailMessage:
    message = _threaded(message_id, references, to, sender, subject or status.reference or "Order")
    reference = status.reference or "(tanpa nomor / no reference)"
    intro = ([f"Pembaruan status perintah Nomor {reference}: sebagian keputusan dibatalkan setelah banding.",
              f"Status update for order {reference}: decisions were reversed on appeal."] if update else
             [f"Semua target dalam perintah Nomor {reference} telah selesai ditangani.",
              f"Every target of order {reference} has been settled."])
    lines = ["Yth. Bapak/Ibu,", "", *intro, ""]
    for n, target in enumerate(status.targets, 1):
        detail = STATUS_WORDS.get(target.status, target.status)
        if target.status == "actioned":
            scope = "global" if target.scope == "global" else ", ".join(target.scope or [])
            detail += f": {target.action} ({scope})"
            if target.actioned_at is not None:
                detail += f" {format_wib(target.actioned_at)}"
        elif target.reason:
            detail += f": {target.reason}"
        lines.append(f"  {n}. {target.target}  [{detail}]")
    lines += ["", "Tanggap"]
    message.set_content("\n".join(lines))
    return message
