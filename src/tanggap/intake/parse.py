"""E-mail in, parsed order out: :func:`parse_message` never raises on bad input.

Pure: no storage, no network, no clock but the thread's CPU time for the time budget. What a
limit cut short, and why, is said in ``warnings`` (those start with "incomplete:", and then
``complete`` is False); a message that cannot be read at all has ``error`` set.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tanggap.domain.sla import SlaPolicy
from tanggap.domain.targets import Target
from tanggap.intake import attachments
from tanggap.intake.attachments import AttachmentError, Reading
from tanggap.intake.letters import Assessment, Letter, assess, named_order_ids
from tanggap.intake.links import Harvest, harvest_html, harvest_spelling, harvest_table, harvest_text
from tanggap.intake.mime import (
    AuthVerdicts,
    Leaf,
    MessageNode,
    decode_text,
    describe,
    envelope,
    read_message,
    unflow,
    walk,
)

MiB = 1 << 20
# Parts that are no list of targets and need no warning when skipped.
SILENT_TYPES = ("image/", "application/pkcs7-signature", "application/x-pkcs7-signature",
                "application/pgp-signature", "application/pgp-keys", "text/calendar",
                "message/delivery-status", "text/rfc822-headers", "message/disposition-notification")
LETTER_TEXT_CHARS = 1_000_000  # a letter's own words are at its start; the rest is lists


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on the work one message may cause. The defaults let a 200,000-row target list
    through and stop zip bombs, deep nesting and runaway parts."""

    max_message_bytes: int = 64 * MiB
    max_depth: int = 16  # MIME nesting, forwarded messages included
    max_parts: int = 500
    max_header_chars: int = 8192  # a longer header value is cut before it is parsed
    max_attachment_bytes: int = 48 * MiB  # one decoded part
    max_decompressed_bytes: int = 512 * MiB  # an XLSX archive, all entries
    max_compression_ratio: float = 100.0  # an XLSX entry over 1 MiB
    max_zip_entries: int = 2000
    max_sheets: int = 32
    max_rows: int = 1_000_000  # per CSV file or worksheet
    max_columns: int = 64
    max_pdf_pages: int = 500
    max_text_chars: int = 8_000_000  # one text body, or a PDF's text
    max_line_chars: int = 10_000  # longer lines are searched for links, not read as list entries
    max_warnings: int = 50
    time_budget_s: float | None = 60.0  # CPU seconds per message; None for none


@dataclass(frozen=True)
class ParsedMessage:
    """One e-mail as intake understands it. ``targets`` are the order's targets (empty when it
    is not an order); ``mentioned_targets`` are all Telegram targets it names, order or not
    (a complaint's channel, for a user report)."""

    is_order: bool
    order_reference: str | None = None
    deadline_hours: int | float | None = None
    targets: tuple[Target, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    message_id: str | None = None
    subject: str | None = None
    sender_address: str | None = None
    sender_name: str | None = None
    sent_at: datetime | None = None
    authority_name: str | None = None  # the issuer's display name (the original's, in a forward)
    authority_domain: str | None = None
    jurisdiction: str | None = None  # "ID", "EU" or None
    category: str | None = None  # a code of the SLA policy's categories
    order_reason: str = ""  # why it is, or is not, an order
    spellings: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    mentioned_targets: tuple[Target, ...] = ()
    out_of_scope: tuple[str, ...] = ()  # non-Telegram links
    auth: AuthVerdicts = AuthVerdicts()
    complete: bool = True  # False when a limit cut the reading short
    machine: str | None = None  # why it is machine mail (auto-reply, bounce, mailing), or None
    text: str = ""  # the top message's own text and what it quotes, for a person to read
    # The number of the order a withdrawal or correction concerns: it is no order itself (a
    # person acts on it), but belongs with that order. Not part of the parse contract.
    retracts: str | None = None
    # Our order ids the thread names ("order id: 01J…" in a quoted acknowledgement, "[01J…]" in
    # the subject): a reply without a Nomor can be filed under its order by them.
    named_order_ids: tuple[str, ...] = ()

    @classmethod
    def failed(cls, error: str, warnings: tuple[str, ...] = ()) -> ParsedMessage:
        return cls(False, error=error, warnings=warnings, complete=False, order_reason="unreadable")

    def contract(self, file: str) -> dict[str, Any]:
        """The fixed output of ``tanggap intake parse --json``: other tools depend on it."""
        return {
            "file": file,
            "is_order": self.is_order,
            "order_reference": self.order_reference,
            "deadline_hours": self.deadline_hours,
            "targets": [target.canonical for target in self.targets],
            "warnings": list(self.warnings),
            "error": self.error,
        }


class BudgetExceeded(BaseException):
    """The time budget ran out. A BaseException on purpose: it must pass through the broad
    ``except Exception`` that guards each reader against hostile files."""


class Budget:
    """CPU time of the parsing thread, so that a busy machine does not cut a valid message
    short, while a hostile one is stopped however the work is spread."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.deadline = None if seconds is None else time.thread_time() + seconds

    def check(self, doing: str) -> None:
        if self.deadline is not None and time.thread_time() > self.deadline:
            raise BudgetExceeded(f"the time budget of {self.seconds:g} s ran out while {doing}")


def parse_message(
    raw: bytes, limits: ParseLimits = ParseLimits(), sla: SlaPolicy | None = None
) -> ParsedMessage:
    """Parse one e-mail (RFC 5322 bytes). Never raises on bad input."""
    try:
        return _parse(raw, limits, sla or SlaPolicy())
    except (RecursionError, MemoryError) as exc:
        return ParsedMessage.failed(f"the message could not be parsed ({type(exc).__name__})")
    except Exception as exc:  # a bug must not stop a mailbox run; say what happened
        return ParsedMessage.failed(f"internal error while parsing: {type(exc).__name__}: {exc}")


def parse_file(
    path: str | Path, limits: ParseLimits = ParseLimits(), sla: SlaPolicy | None = None
) -> ParsedMessage:
    """Read and parse one .eml file; an unreadable file gives a result with ``error`` set."""
    try:
        with open(path, "rb") as file:
            raw = file.read(limits.max_message_bytes + 1)
    except OSError as exc:
        return ParsedMessage.failed(f"cannot read {path}: {exc.strerror or exc}")
    return parse_message(raw, limits, sla)


def _parse(raw: bytes, limits: ParseLimits, sla: SlaPolicy) -> ParsedMessage:
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        return ParsedMessage.failed(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        return ParsedMessage.failed("empty file")
    if len(raw) > limits.max_message_bytes:
        return ParsedMessage.failed(f"the message is over the limit of {limits.max_message_bytes} bytes")
    warnings: list[str] = []
    if b"\x00" in raw:
        warnings.append("the message contains NUL bytes")
    try:
        message, parse_warnings = read_message(raw, limits)
    except ValueError as exc:
        return ParsedMessage.failed(str(exc), tuple(warnings))
    warnings.extend(parse_warnings)
    if not _has_headers(message):
        return ParsedMessage.failed("not an e-mail message: no RFC 5322 headers found", tuple(warnings))
    reader, node, cut_short = _read_tree(message, limits, warnings)
    if cut_short:
        warnings.append(f"incomplete: {cut_short}")
    return _result(reader.letter(node), reader, sla, limits)


def _read_tree(message: Any, limits: ParseLimits, warnings: list[str]) -> tuple[_Reader, MessageNode, str | None]:
    """Walk and read the message within the time budget; what was read before the budget ran
    out stands, and the third value says why it stopped early (None when it did not)."""
    budget = Budget(limits.time_budget_s)
    reader = _Reader(limits, budget, warnings)
    node = MessageNode(envelope(message))
    try:
        node = walk(message, limits, budget, warnings)
        reader.collect(node)
    except BudgetExceeded as exc:
        return reader, node, str(exc)
    return reader, node, None


def _has_headers(message: Any) -> bool:
    known = {"from", "to", "subject", "date", "message-id", "content-type", "mime-version", "received"}
    try:
        return any(name.lower() in known for name in message.keys())
    except Exception:
        return False


class _Reader:
    """Reads every leaf of a message tree into one harvest of targets and the text of each
    message, and keeps what it has when the time budget runs out."""

    def __init__(self, limits: ParseLimits, budget: Budget, warnings: list[str]):
        self.limits = limits
        self.budget = budget
        self.warnings = warnings
        self.harvest = Harvest()
        self.texts: dict[int, tuple[list[str], list[str]]] = {}  # node -> (body, attachments)

    def collect(self, node: MessageNode) -> None:
        """Read every leaf of the tree; may be cut short by the time budget."""
        for inner in node.forwarded:
            self.collect(inner)
        body, attached = self.texts.setdefault(id(node), ([], []))
        for group in _alternative_groups(node.leaves):
            self.budget.check("reading the message parts")
            self._read_group(group, body, attached)

    def letter(self, node: MessageNode) -> Letter:
        """The letter as far as it was read."""
        body, attached = self.texts.get(id(node), ([], []))
        forwarded = tuple(self.letter(inner) for inner in node.forwarded)
        return Letter(node.envelope, "\n".join(body), "\n".join(attached), forwarded)

    def _read_group(self, group: list[Leaf], body: list[str], attached: list[str]) -> None:
        """One leaf, or the parts of one multipart/alternative: there the HTML part's links
        count (its hrefs are authoritative), the plain part is the letter's text."""
        if len(group) == 1:
            self._read_leaf(group[0], body, attached)
            return
        texts: dict[str, tuple[str, Harvest]] = {}
        for leaf in group:
            kind = attachments.kind_of(leaf)
            if kind in ("text", "html") and kind not in texts:
                harvest = Harvest()
                texts[kind] = (self._read_text(leaf, kind, harvest), harvest)
        html, plain = texts.get("html"), texts.get("text")
        if html and plain:
            # The plain part is the letter's text, unless it is a stub ("your mail client
            # cannot show HTML"): then the HTML's text carries the number and the request.
            stub = not plain[1].targets and bool(html[1].targets)
            body.append(html[0] if stub or not plain[0].strip() else plain[0])
            self.harvest.merge(self._compare_alternatives(html[1], plain[1]))
        elif html or plain:
            text, harvest = html or plain  # type: ignore[misc]
            body.append(text)
            self.harvest.merge(harvest)

    def _compare_alternatives(self, html: Harvest, plain: Harvest) -> Harvest:
        extra = sorted(set(plain.targets) - set(html.targets))
        if not html.targets and plain.targets:
            self.warnings.append("the HTML part names no target; the plain-text part's were used")
            return plain
        if extra:
            self.warnings.append(
                "the plain-text part names targets the HTML part does not (HTML counts): "
                + ", ".join(extra[:10])
            )
        return html

    def _read_leaf(self, leaf: Leaf, body: list[str], attached: list[str], nested: bool = False) -> None:
        kind = attachments.kind_of(leaf)
        reading = Reading(leaf.filename or leaf.content_type, self.limits, self.budget, self.warnings)
        try:
            if kind in ("text", "html"):
                sink = attached if leaf.is_attachment else body
                sink.append(self._read_text(leaf, kind, self.harvest))
            elif kind == "csv":
                self._read_rows(attachments.csv_rows(leaf.payload, reading), reading.name)
            elif kind == "xlsx":
                attachments.read_xlsx(leaf.payload, reading, lambda rows: self._read_rows(rows, reading.name))
            elif kind == "pdf":
                attached.append(self._read_pdf(leaf, reading))
            elif kind == "docx":
                attached.append(self._read_docx(leaf, reading))
            elif kind == "zip" and not nested:
                for name, data in attachments.zip_members(leaf.payload, reading):
                    member = Leaf("application/octet-stream", data, filename=f"{leaf.filename or 'zip'}/{name}",
                                  is_attachment=True)
                    self._read_leaf(member, body, attached, nested=True)
            elif kind == "zip":
                self.warnings.append(f"incomplete: {describe(leaf)}: an archive inside an archive is not read")
            elif kind == "tnef" and not nested:
                for name, data in attachments.tnef_files(leaf.payload, reading):
                    member = Leaf("application/octet-stream", data, filename=f"winmail.dat/{name}", is_attachment=True)
                    self._read_leaf(member, body, attached, nested=True)
            elif kind and kind.startswith("unreadable:"):
                what = kind.split(":", 1)[1]
                self.warnings.append(f"incomplete: {describe(leaf)}: {what} attachments are not read")
            elif leaf.is_attachment and not leaf.content_type.startswith(SILENT_TYPES):
                self.warnings.append(f"{describe(leaf)} was not read")
        except AttachmentError as exc:
            self.warnings.append(f"incomplete: {describe(leaf)}: {exc}")

    def _read_text(self, leaf: Leaf, kind: str, harvest: Harvest) -> str:
        text = decode_text(leaf, self.warnings).replace("\x00", "")
        # CRLF letters and Word's no-break spaces ("Nomor\xa0:") read like their plain twins.
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
        if leaf.flowed and kind == "text":
            text = unflow(text, delsp=leaf.flowed == "delsp")
        if len(text) > self.limits.max_text_chars:
            self.warnings.append(
                f"incomplete: {describe(leaf)} has {len(text)} characters; only the first "
                f"{self.limits.max_text_chars} were read"
            )
            text = text[: self.limits.max_text_chars]
        if kind == "html":
            text = harvest_html(text, harvest)
        else:
            harvest_text(text, harvest, max_line_chars=self.limits.max_line_chars)
        return text[:LETTER_TEXT_CHARS]

    def _read_rows(self, rows: Any, name: str) -> None:
        count = harvest_table(rows, self.harvest)
        if count == 0:
            self.warnings.append(f"{name}: no rows")

    def _read_docx(self, leaf: Leaf, reading: Reading) -> str:
        """A Word letter: its text is read like a body (number, request, links), its tables
        like an HTML table (a link column takes bare names; a signature table adds nothing)."""
        document = attachments.read_docx(leaf.payload, reading)
        harvest_text(document.text, self.harvest, max_line_chars=self.limits.max_line_chars)
        for rows in document.tables:
            harvest_table(rows, self.harvest, scan_text=False, handles_need_context=True)
        for uri in document.links[: self.limits.max_rows]:
            harvest_spelling(uri, self.harvest)
        return document.text[:LETTER_TEXT_CHARS]

    def _read_pdf(self, leaf: Leaf, reading: Reading) -> str:
        pdf = attachments.read_pdf(leaf.payload, reading)
        harvest_text(pdf.text, self.harvest, max_line_chars=self.limits.max_line_chars)
        for uri in pdf.links:
            harvest_spelling(uri, self.harvest)
        return pdf.text[:LETTER_TEXT_CHARS]


def _alternative_groups(leaves: list[Leaf]) -> list[list[Leaf]]:
    groups: list[list[Leaf]] = []
    for leaf in leaves:
        if leaf.alternative is not None and groups and groups[-1][0].alternative == leaf.alternative:
            groups[-1].append(leaf)
        else:
            groups.append([leaf])
    return groups


def _result(letter: Letter, reader: _Reader, sla: SlaPolicy, limits: ParseLimits) -> ParsedMessage:
    assessment = assess(letter, sla)
    harvest = reader.harvest
    warnings = list(reader.warnings)
    warnings.extend(assessment.warnings)
    if assessment.is_order:
        warnings.extend(harvest.notes)
        warnings.extend(
            f"{spelling[:200]!r} is not a target: {reason}" for spelling, reason in harvest.rejected.items()
        )
        if not harvest.targets:
            warnings.append("the order names no Telegram target")
    envelope = letter.envelope
    issuer = assessment.issuer
    mentioned = tuple(harvest.sorted_targets())
    return ParsedMessage(
        is_order=assessment.is_order,
        order_reference=assessment.order_reference if assessment.is_order else None,
        deadline_hours=_hours(assessment),
        targets=mentioned if assessment.is_order else (),
        warnings=_capped(warnings, limits.max_warnings),
        message_id=envelope.message_id,
        subject=envelope.subject,
        sender_address=envelope.sender_address,
        sender_name=envelope.sender_name,
        sent_at=envelope.sent_at,
        authority_name=issuer.sender_name if issuer else None,
        authority_domain=issuer.sender_domain if issuer else None,
        jurisdiction=assessment.jurisdiction,
        category=assessment.category,
        order_reason=assessment.reason,
        spellings=MappingProxyType({k: tuple(v) for k, v in sorted(harvest.spellings.items())}),
        mentioned_targets=mentioned,
        out_of_scope=tuple(harvest.out_of_scope),
        auth=envelope.auth,
        complete=not any(w.startswith("incomplete") for w in warnings),
        machine=envelope.automated or envelope.bulk,
        text=_readable(letter),
        retracts=assessment.retracts,
        named_order_ids=named_order_ids(letter),
    )


def _readable(letter: Letter, limit: int = 200_000) -> str:
    """The letter as a person reads it in triage: its body, then each forwarded message's."""
    parts = [letter.body, letter.attachments]
    for inner in letter.forwarded:
        sender = inner.envelope.sender_address or "?"
        parts.append(f"---------- forwarded: {inner.envelope.subject} ({sender}) ----------")
        parts.append(_readable(inner, limit))
    return "\n".join(p for p in parts if p)[:limit]


def _hours(assessment: Assessment) -> int | float | None:
    if not assessment.is_order or assessment.deadline_hours is None:
        return None
    hours = assessment.deadline_hours
    return int(hours) if float(hours).is_integer() else hours


def _capped(warnings: list[str], limit: int) -> tuple[str, ...]:
    unique = list(dict.fromkeys(warnings))
    if len(unique) <= limit:
        return tuple(unique)
    return (*unique[: limit - 1], f"... and {len(unique) - limit + 1} more warnings")


def letter_text(raw: bytes, limits: ParseLimits = ParseLimits(time_budget_s=5.0), max_chars: int = 20_000) -> str:
    """What a moderator reads of the e-mail an order came in: subject, body and the text of
    readable attachments (a PDF letter), forwarded messages after it. Read with the same
    limits as intake; never raises on bad input (an unreadable message gives "")."""
    try:
        message, warnings = read_message(bytes(raw), limits)
        reader, node, _ = _read_tree(message, limits, warnings)  # cut short or not, worth showing
        return _letter_words(reader.letter(node))[:max_chars]
    except (ValueError, RecursionError, MemoryError):
        return ""


def _letter_words(letter: Letter) -> str:
    parts = [letter.envelope.subject or "", letter.body, letter.attachments]
    parts += [_letter_words(inner) for inner in letter.forwarded]
    return "\n\n".join(part.strip() for part in parts if part and part.strip())
