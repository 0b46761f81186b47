"""Bench: a 1,000-target XLSX order by e-mail, from SMTP to all cases queued and the ack sent.

The whole e-mail path, in one process, over real sockets: smtplib sends a ministry letter with
an XLSX attachment (1,000 rows) to the SMTP listener, which stores it before answering 250;
the intake worker (woken by the listener) parses it, checks the sender (DKIM/SPF/DMARC pass
for a registered authority domain), opens the order with 1,000 queued cases, and sends the
acknowledgement through the relay, here an aiosmtpd sink that records when it arrives.
Each run starts from a fresh, migrated database (a temp SQLite file; the PostgreSQL database
``tanggap_bench_smtp``, dropped and created, never ``test``).

Peers, measured in the same run on the same database:
- parse alone: ``parse_message`` on the same bytes (MIME, XLSX, links), no storage;
- API: the same 1,000 targets as one ``POST /api/v1/orders`` over HTTP (bench/order_intake.py's path).

    .venv/bin/python bench/smtp_xlsx_order.py [--runs 3] [--targets 1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import smtplib
import socket
import statistics
import tempfile
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from openpyxl import Workbook
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchdb import fresh_postgres
from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.intake.parse import parse_message
from tanggap.intake.smtp import SmtpListener
from tanggap.intake.worker import IntakeWorker, mailer_from_settings
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_authority
from tanggap.store.migrate import upgrade
from tanggap.store.uow import Store
from tanggap.web.app import create_app

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/tanggap_bench_smtp"
INTAKE_ADDRESS = "abuse@tanggap.invalid"
SENDER = "aduankonten@komdigi.go.id"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
TIMEOUT_S = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    if make_url(args.postgres).database in ("test", "postgres"):
        parser.error("use a database of its own for the bench: it is dropped and created")
    raw = order_email(args.targets, reference="B-4821/DJWD/PW.02.01/11/2026")
    print(f"order e-mail: {args.targets} targets in an XLSX attachment, {len(raw):,} bytes; "
          f"{args.runs} runs per backend, fresh database each run\n")
    with tempfile.TemporaryDirectory() as folder:
        backends = [("SQLite (WAL, file)", lambda run: f"sqlite:///{Path(folder) / f'bench-{run}.db'}")]
        if fresh_postgres(args.postgres):
            backends.append(("PostgreSQL", lambda run: _postgres_for_run(args.postgres)))
        else:
            print(f"PostgreSQL at {make_url(args.postgres).render_as_string(hide_password=True)} "
                  "not reachable: skipped\n")
        header = (f"{'backend':20} {'250 s':>7} {'cases queued s':>15} {'ack sent s':>11} {'targets/s':>10}"
                  f" | {'peer: parse s':>14} {'peer: API POST s':>17}")
        print(header)
        print("-" * len(header))
        for name, url_for in backends:
            runs = [bench_run(url_for(run), raw, args.targets, Path(folder), run) for run in range(args.runs)]
            median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            print(f"{name:20} {median['stored']:7.3f} {median['queued']:15.3f} {median['ack']:11.3f} "
                  f"{args.targets / median['queued']:10.0f} | {median['parse']:14.3f} {median['api']:17.3f}")
    print("\nmedians; times from the start of the SMTP conversation. 250: the raw message is stored;"
          "\ncases queued: every target has a queued case; ack sent: the acknowledgement reached the relay.")


def bench_run(url: str, raw: bytes, targets: int, folder: Path, run: int) -> dict[str, float]:
    upgrade(url)
    store = Store(url)
    issued = add_authority(store.uow(), "Kementerian Komunikasi dan Digital", "ID", ["komdigi.go.id"], SYSTEM)
    sink = AckSink()
    relay = Controller(sink, hostname="127.0.0.1", port=_free_port())
    relay.start()
    settings = Settings(database_url=url, var_dir=folder / f"var-{run}", secret_key="bench",
                        intake_address=INTAKE_ADDRESS, smtp_relay_host="127.0.0.1",
                        smtp_relay_port=relay.port,
                        # the order's Authentication-Results are our (bench) MX's: trusted, no DNS
                        intake_trusted_authserv_ids="mx1.tanggap.invalid", intake_verify_dkim=False)
    worker = IntakeWorker(store, settings, mailer_from_settings(settings)).start(interval_s=5.0)
    try:
        with SmtpListener(store, on_stored=lambda _receipt: worker.wake()) as listener:
            started = time.perf_counter()
            with smtplib.SMTP(listener.host, listener.port, timeout=TIMEOUT_S) as client:
                client.ehlo("mx1.example.net")
                client.mail(SENDER)
                client.rcpt(INTAKE_ADDRESS)
                code, answer = client.data(raw)
            stored = time.perf_counter() - started
            if code != 250:
                raise SystemExit(f"the listener answered {code} {answer!r}")
            queued = _wait_for_queued(store, targets, started)
            if not sink.arrived.wait(max(0.0, TIMEOUT_S - (time.perf_counter() - started))):
                raise SystemExit(_diagnose(store, "no acknowledgement reached the relay"))
            ack = sink.at - started
    finally:
        worker.stop()
        relay.stop()
    _check_acknowledgement(sink.message, targets)
    parse = _time_parse(raw, targets)
    api = _time_api(store, settings, issued.api_key, targets)
    store.dispose()
    return {"stored": stored, "queued": queued, "ack": ack, "parse": parse, "api": api}


class AckSink:
    """The relay: keeps the first message it is handed and when it came."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.at = 0.0
        self.message = b""

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.arrived.is_set():
            self.at = time.perf_counter()
            self.message = envelope.original_content
            self.arrived.set()
        return "250 OK"


def order_email(targets: int, reference: str, prefix: str = "bench_xlsx_") -> bytes:
    """A ministry letter about terrorist content, the targets in an XLSX like sample 06's."""
    mail = EmailMessage()
    mail["Return-Path"] = f"<{SENDER}>"
    mail["Authentication-Results"] = (
        "mx1.tanggap.invalid; dkim=pass header.d=komdigi.go.id header.s=kd2026; "
        "spf=pass smtp.mailfrom=komdigi.go.id; dmarc=pass (p=QUARANTINE) header.from=komdigi.go.id")
    mail["Date"] = formatdate(localtime=False)
    mail["From"] = f"Direktorat Jenderal Pengawasan Ruang Digital <{SENDER}>"
    mail["To"] = f"Tanggap Abuse <{INTAKE_ADDRESS}>"
    mail["Subject"] = "Permintaan Penurunan Konten Terkait Terorisme pada Layanan Telegram"
    mail["Message-ID"] = make_msgid(domain="mail.komdigi.go.id")
    mail.set_content(f"""KEMENTERIAN KOMUNIKASI DAN DIGITAL
REPUBLIK INDONESIA
DIREKTORAT JENDERAL PENGAWASAN RUANG DIGITAL

Jakarta, 28 November 2026

Nomor    : {reference}
Sifat    : Sangat Segera
Lampiran : 1 (satu) berkas
Hal      : Permintaan Penurunan Konten Terkait Terorisme pada Layanan Telegram

Kepada Yth.
Telegram FZ-LLC
u.p. Tim Penanganan Konten

Dengan hormat,

Berdasarkan hasil pengawasan, kami menemukan {targets} kanal Telegram yang memuat propaganda
terorisme dan radikalisme. Rincian tautan yang perlu diturunkan kami lampirkan bersama surel ini.

Mengingat konten tersebut termasuk kategori terorisme yang bersifat mendesak, kami meminta
pihak Telegram untuk segera menurunkan konten tersebut dalam waktu 4 (empat) jam.

Demikian kami sampaikan. Atas perhatian dan kerja sama yang baik, kami ucapkan terima kasih.

a.n. Direktur Jenderal Pengawasan Ruang Digital
Direktur Pengawasan Konten Digital,

ttd.
""")
    mail.add_attachment(_xlsx(targets, prefix), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                        filename=f"Lampiran_{reference.split('/')[0]}_Terorisme.xlsx")
    return mail.as_bytes(policy=SMTP_POLICY)


def _xlsx(targets: int, prefix: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Daftar Kanal"
    sheet.append(["No", "Nama Kanal", "URL", "Keterangan"])
    for n in range(1, targets + 1):
        sheet.append([n, f"Kanal {prefix}{n}", f"https://t.me/{prefix}{n}", "Propaganda terorisme"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _wait_for_queued(store: Store, targets: int, started: float) -> float:
    while True:
        with store.engine.connect() as connection:
            queued = connection.execute(text(
                "SELECT count(*) FROM cases WHERE state = 'queued' AND target LIKE 'https://t.me/bench\\_xlsx\\_%' "
                "ESCAPE '\\'")).scalar_one()
        elapsed = time.perf_counter() - started
        if queued >= targets:
            return elapsed
        if elapsed > TIMEOUT_S:
            raise SystemExit(_diagnose(store, f"only {queued} of {targets} cases queued after {TIMEOUT_S:.0f} s"))
        time.sleep(0.01)


def _diagnose(store: Store, what: str) -> str:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT state, reason FROM inbound_messages")).all()
    return f"{what}; inbound messages: {[(r.state, r.reason) for r in rows]}"


def _check_acknowledgement(raw_ack: bytes, targets: int) -> None:
    from email import message_from_bytes
    from email.policy import default

    body = message_from_bytes(raw_ack, policy=default).get_body(("plain",)).get_content()
    if f"({targets})" not in body:
        raise SystemExit(f"the acknowledgement does not list {targets} targets:\n{body[:500]}")


def _time_parse(raw: bytes, targets: int) -> float:
    started = time.perf_counter()
    parsed = parse_message(raw)
    elapsed = time.perf_counter() - started
    if not parsed.is_order or len(parsed.targets) != targets:
        raise SystemExit(f"parser: is_order={parsed.is_order}, {len(parsed.targets)} targets")
    return elapsed


def _time_api(store: Store, settings: Settings, key: str, targets: int) -> float:
    names = [f"https://t.me/bench_api_{n}" for n in range(1, targets + 1)]
    with BackgroundServer(create_app(settings, store=store)) as server, \
            httpx.Client(base_url=server.url, timeout=TIMEOUT_S, headers={"Authorization": f"Bearer {key}"}) as http:
        started = time.perf_counter()
        response = http.post("/api/v1/orders", json={"reference": f"BENCH-API-{time.time_ns()}",
                                                      "category": "terrorism", "targets": names})
        elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_for_run(url: str) -> str:
    if not fresh_postgres(url):
        raise SystemExit("could not recreate the PostgreSQL bench database")
    return url


if __name__ == "__main__":
    main()
