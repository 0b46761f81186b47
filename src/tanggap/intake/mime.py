"""Walk an e-mail: headers, bodies, attachments and forwarded messages, within limits.

Uses the stdlib parser with ``policy.default``, hardened where hostile mail hurts it: header
values are cut to a bounded length before the header parser sees them (a long parameter list
or thousands of encoded words take it seconds to minutes), the number of parts and the nesting
depth are capped while parsing (deep nesting ends in RecursionError), and a message the strict
policy cannot parse is read again with ``compat32``.
"""

from __future__ import annotations

import base64
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.feedparser import BytesFeedParser
from email.header import decode_header, make_header
from email.message import Message
from email.headerregistry import AddressHeader
from email.policy import EmailPolicy, Policy, compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # parse.py imports this module; the limits are only read here
    from tanggap.intake.parse import Budget, ParseLimits

AUTH_METHOD = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto[- ]?reply|autoreply|auto:|out of (?:the )?office|"
    r"balasan otomatis|abwesenheit|automatische antwort|r[ée]ponse automatique|"
    r"risposta automatica|respuesta autom[áa]tica|afwezig)",
    re.IGNORECASE,
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Labels that mailers put on Windows-1252 text (Outlook's smart quotes and dashes, 0x80-0x9F):
# read as Windows-1252, as browsers do (WHATWG Encoding); in Latin-1 those bytes are control
# characters that stick to a link. Text under an ASCII label is read as UTF-8 when it is UTF-8.
LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
                           "cp819", "ibm819", "iso-ir-100", "csisolatin1", "windows-1252", "cp1252"})
ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "csascii"})


@dataclass(frozen=True)
class AuthVerdicts:
    """What the receiving server's ``Authentication-Results`` said: pass, fail, none, …"""

    dkim: str = "none"
    spf: str = "none"
    dmarc: str = "none"


@dataclass(frozen=True)
class Envelope:
    """The headers intake cares about, decoded and bounded."""

    message_id: str | None = None
    subject: str = ""
    sender_address: str | None = None
    sender_name: str | None = None
    sent_at: datetime | None = None
    auth: AuthVerdicts = AuthVerdicts()
    automated: str | None = None  # why it is machine-sent, e.g. "Auto-Submitted: auto-replied"
    bulk: str | None = None  # why it is a mailing, e.g. "List-Unsubscribe"
    content_type: str = "text/plain"

    @property
    def sender_domain(self) -> str | None:
        if not self.sender_address or "@" not in self.sender_address:
            return None
        return self.sender_address.rsplit("@", 1)[1].lower().rstrip(".>") or None


@dataclass(frozen=True)
class Leaf:
    """One part that is not a container: a body or an attachment, transfer-decoded."""

    content_type: str
    payload: bytes
    charset: str | None = None
    filename: str | None = None
    is_attachment: bool = False
    alternative: int | None = None  # parts of one multipart/alternative share this number
    flowed: str | None = None  # format=flowed (RFC 3676): "delsp" when DelSp=yes, else "flowed"


@dataclass
class MessageNode:
    """A message with its leaf parts, and the messages forwarded inside it (message/rfc822)."""

    envelope: Envelope
    leaves: list[Leaf] = field(default_factory=list)
    forwarded: list[MessageNode] = field(default_factory=list)


class StructureLimit(Exception):
    """The parser met more parts, or deeper nesting, than the limits allow."""


class _BoundedPolicy(EmailPolicy):
    max_header_chars = 8192

    def header_fetch_parse(self, name, value):  # type: ignore[no-untyped-def]
        if len(value) > self.max_header_chars:
            value = value[: self.max_header_chars]
        return super().header_fetch_parse(name, value)


class _BoundedParser(BytesFeedParser):
    # _new_message is the stdlib parser's one hook per part (stable since Python 3.2).
    # Private to the stdlib parser, so absent from typeshed: declared here for the checker.
    _msgstack: list[Message]

    def __init__(self, limits: ParseLimits, policy: Policy):
        super().__init__(policy=policy)
        self._limits = limits
        self._parts = 0

    def _new_message(self) -> None:
        self._parts += 1
        if self._parts > self._limits.max_parts:
            raise StructureLimit(f"more than {self._limits.max_parts} MIME parts")
        if len(self._msgstack) >= self._limits.max_depth:
            raise StructureLimit(f"MIME parts nested deeper than {self._limits.max_depth} levels")
        super()._new_message()  # type: ignore[misc]  # the private hook typeshed does not declare

    def partial_root(self) -> Message | None:
        return self._msgstack[0] if self._msgstack else None


def read_message(raw: bytes, limits: ParseLimits) -> tuple[Message, list[str]]:
    """Parse the bytes into a message tree; returns it with warnings about what was cut."""
    warnings: list[str] = []
    # A policy takes any attribute its class declares; typeshed lists only the stdlib's own.
    bounded = _BoundedPolicy(max_header_chars=limits.max_header_chars)  # type: ignore[call-overload]
    policies = (bounded, compat32)
    for policy in policies:
        parser = _BoundedParser(limits, policy)
        try:
            parser.feed(raw)
            return parser.close(), warnings
        except StructureLimit as exc:
            root = parser.partial_root()
            if root is not None:
                warnings.append(f"incomplete: {exc}; the parts after that were not read")
                return root, warnings
        except (RecursionError, MemoryError) as exc:
            warnings.append(f"the MIME parser failed ({type(exc).__name__}); retrying leniently")
        except Exception as exc:  # the stdlib parser has index and type bugs on hostile input
            warnings.append(f"the MIME parser failed ({type(exc).__name__}: {exc}); retrying leniently")
    raise ValueError("not a readable e-mail message: " + "; ".join(warnings))


def walk(message: Message, limits: ParseLimits, budget: Budget, warnings: list[str]) -> MessageNode:
    """The message as a tree of :class:`MessageNode`; what is skipped becomes a warning."""
    walker = _Walker(limits, budget, warnings)
    return walker.node(message, depth=0)


def decode_text(leaf: Leaf, warnings: list[str]) -> str:
    """Bytes of a text part -> str, by its charset; unknown charsets fall back, with a warning."""
    charset = (leaf.charset or "").strip().strip('"').lower() or None
    if charset in ASCII_LABELS:  # 8-bit text under a 7-bit label: UTF-8 if it is, else as below
        charset = None
    elif charset in LATIN1_LABELS:
        charset = "cp1252"
    if charset:
        try:
            return leaf.payload.decode(charset, errors="replace")
        except LookupError:
            warnings.append(f"unknown charset {charset[:40]!r} in {describe(leaf)}; read as UTF-8")
        except Exception:  # some codecs fail outright on some bytes rather than replacing
            warnings.append(f"charset {charset[:40]!r} could not decode {describe(leaf)}; read as UTF-8")
    try:
        return leaf.payload.decode("utf-8")
    except UnicodeDecodeError:
        # Undeclared and not UTF-8: Windows-1252 is what such mail usually is.
        return leaf.payload.decode("cp1252", errors="replace")


def describe(leaf: Leaf) -> str:
    name = f" {leaf.filename!r}" if leaf.filename else ""
    return f"{'attachment' if leaf.is_attachment else 'part'}{name} ({leaf.content_type})"


def envelope(message: Message) -> Envelope:
    """Read the headers of one message; a header the parser chokes on is read raw."""
    sender_name, sender_address = _sender(message)
    return Envelope(
        message_id=_header(message, "message-id") or None,
        subject=_header(message, "subject"),
        sender_address=sender_address,
        sender_name=sender_name,
        sent_at=_date(_header(message, "date")),
        auth=_auth(message),
        automated=_automated(message),
        bulk=_bulk(message),
        content_type=_content_type(message),
    )


class _Walker:
    def __init__(self, limits: ParseLimits, budget: Budget, warnings: list[str]):
        self.limits = limits
        self.budget = budget
        self.warnings = warnings
        self.alternatives = 0
        self.too_deep_warned = False

    def node(self, message: Message, depth: int) -> MessageNode:
        node = MessageNode(envelope(message))
        self.part(message, node, depth, alternative=None)
        return node

    def part(self, part: Message, node: MessageNode, depth: int, alternative: int | None) -> None:
        self.budget.check("reading the MIME parts")
        if depth > self.limits.max_depth:
            if not self.too_deep_warned:
                self.warnings.append(
                    f"incomplete: parts nested deeper than {self.limits.max_depth} levels were not read"
                )
                self.too_deep_warned = True
            return
        ctype = _content_type(part)
        payload = _payload(part)
        if ctype == "message/rfc822" and _transfer_encoded(part):
            self.encoded_message(part, payload, node, depth)
            return
        if ctype == "message/rfc822" or (isinstance(payload, list) and ctype.startswith("message/")):
            for inner in payload if isinstance(payload, list) else []:
                if isinstance(inner, Message):
                    node.forwarded.append(self.node(inner, depth + 1))
            return
        if isinstance(payload, list):
            if ctype == "multipart/alternative":
                self.alternatives += 1
                alternative = self.alternatives
            for child in payload:
                if isinstance(child, Message):
                    self.part(child, node, depth + 1, alternative)
            return
        self.leaf(part, ctype, node, depth, alternative)

    def leaf(
        self, part: Message, ctype: str, node: MessageNode, depth: int, alternative: int | None
    ) -> None:
        try:
            data = part.get_payload(decode=True)
        except Exception as exc:  # a broken transfer encoding
            self.warnings.append(f"a {ctype} part could not be decoded ({type(exc).__name__})")
            return
        if not isinstance(data, bytes):
            return  # a part cut off by a structure limit
        filename = _filename(part)
        if len(data) > self.limits.max_attachment_bytes:
            self.warnings.append(
                f"incomplete: {filename or ctype} is {len(data)} bytes, over the limit of "
                f"{self.limits.max_attachment_bytes}; not read"
            )
            return
        disposition = _safe(part.get_content_disposition) or ""
        leaf = Leaf(
            content_type=ctype,
            payload=data,
            charset=_safe(part.get_content_charset),
            filename=filename,
            # A named non-text part is a file even when sent "inline".
            is_attachment=disposition == "attachment" or (bool(filename) and not ctype.startswith("text/")),
            alternative=alternative,
            flowed=_flowed(part) if ctype == "text/plain" else None,
        )
        if _is_attached_message(leaf):
            self.attached_message(leaf, node, depth)
        else:
            node.leaves.append(leaf)

    def encoded_message(self, part: Message, payload: object, node: MessageNode, depth: int) -> None:
        """A forwarded message in base64 or quoted-printable, which RFC 2046 forbids and
        Exchange and some webmails write anyway: the parser took the encoded text for the
        message's body. Decode it and read it as the forward it is."""
        try:
            inner = payload[0] if isinstance(payload, list) and payload else None
            encoded = str(inner.get_payload()) if isinstance(inner, Message) else str(payload or "")
            if _transfer_encoded(part) == "base64":
                data = base64.b64decode("".join(encoded.split()) + "==", validate=False)
            else:
                data = quopri.decodestring(encoded.encode("ascii", "replace"))
        except (ValueError, TypeError) as exc:
            self.warnings.append(f"a forwarded message could not be decoded ({type(exc).__name__})")
            return
        self.attached_message(Leaf("message/rfc822", data, filename=_filename(part), is_attachment=True),
                              node, depth)

    def attached_message(self, leaf: Leaf, node: MessageNode, depth: int) -> None:
        """An .eml file attached as application/octet-stream: a forward like message/rfc822."""
        try:
            inner, warnings = read_message(leaf.payload, self.limits)
        except ValueError as exc:
            self.warnings.append(f"{describe(leaf)}: {exc}")
            return
        self.warnings.extend(warnings)
        node.forwarded.append(self.node(inner, depth + 1))


def _flowed(part: Message) -> str | None:
    if str(_safe(lambda: part.get_param("format")) or "").lower() != "flowed":
        return None
    return "delsp" if str(_safe(lambda: part.get_param("delsp")) or "").lower() == "yes" else "flowed"


def unflow(text: str, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676): a line that ends in a space
    continues on the next line of the same quote depth. With DelSp=yes that space was added
    by the sender and goes, so a link broken across lines is whole again."""
    lines: list[str] = []
    open_depth: int | None = None  # quote depth of a paragraph still open
    for raw in text.split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        line = raw[depth:]
        if line.startswith(" "):  # space-stuffing
            line = line[1:]
        flowed = line.endswith(" ") and line != "-- "
        if flowed and delsp:
            line = line[:-1]
        if open_depth == depth and lines:
            lines[-1] += line
        else:
            lines.append((">" * depth + " " if depth else "") + line)
        open_depth = depth if flowed else None
    return "\n".join(lines)


def _transfer_encoded(part: Message) -> str | None:
    encoding = str(_safe(lambda: part.get("content-transfer-encoding")) or "").strip().lower()
    return encoding if encoding in ("base64", "quoted-printable") else None


def _is_attached_message(leaf: Leaf) -> bool:
    name = (leaf.filename or "").lower()
    return name.endswith(".eml") and leaf.content_type in ("application/octet-stream", "text/plain")


def _payload(part: Message) -> object:
    try:
        return part.get_payload()
    except Exception:
        return None


def _content_type(part: Message) -> str:
    return _safe(part.get_content_type) or "text/plain"


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename)
    if not name:
        return None
    return CONTROL.sub("", str(name)).strip()[:255] or None


def _safe(call):  # type: ignore[no-untyped-def]
    """Header-derived values through the stdlib parser, which can raise on hostile input."""
    try:
        return call()
    except Exception:
        return None


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:  # e.g. RecursionError on nested comments: fall back to the raw value
        text = next((str(v) for k, v in message.raw_items() if k.lower() == name), "")
    if "=?" in text:  # encoded words the lenient (compat32) reading left as they were
        text = _decode_words(text[:4096])
    return " ".join(CONTROL.sub(" ", text[:4096]).split())


def _decode_words(text: str) -> str:
    try:
        return str(make_header(decode_header(text)))
    except Exception:
        return text


def _sender(message: Message) -> tuple[str | None, str | None]:
    """Display name and address of From; a name may hold commas, so the parsed header's
    addresses come first, a plain split of the text second."""
    try:
        header = message.get("from")
        if not isinstance(header, AddressHeader):  # compat32, the fallback parse, keeps plain text
            raise ValueError("From was not parsed into addresses")
        pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:
        try:
            pairs = getaddresses([_header(message, "from")])
        except Exception:
            return None, None
    for name, address in pairs:
        if "@" in address:
            return (name.strip() or None), address.lower()[:320]
    return None, None


def _date(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _auth(message: Message) -> AuthVerdicts:
    """Verdicts of the topmost Authentication-Results header, whoever wrote it: a hint for
    ``intake parse`` (a letter that says DMARC failed reads as no order), never trust. Who may
    be trusted is decided from headers our own servers added: ``intake/authentication.py``."""
    try:
        raw = next((str(v) for k, v in message.raw_items() if k.lower() == "authentication-results"), "")
    except Exception:
        raw = ""
    # Drop comments, e.g. "spf=pass (domain of x designates y as permitted sender)".
    text = re.sub(r"\([^()]*\)", " ", raw[:8192])
    verdicts: dict[str, str] = {}
    for method, result in AUTH_METHOD.findall(text):
        verdicts.setdefault(method.lower(), result.lower())
    return AuthVerdicts(**verdicts)


def _automated(message: Message) -> str | None:
    auto = _header(message, "auto-submitted").lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto[:40]}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if _header(message, name):
            return name
    if _header(message, "precedence").lower() == "auto_reply":
        return "Precedence: auto_reply"
    subject = _header(message, "subject")
    if AUTO_REPLY_SUBJECT.match(subject):
        return f"subject {subject[:60]!r}"
    if _content_type(message) == "multipart/report":
        return "delivery or read report (multipart/report)"
    return None


def _bulk(message: Message) -> str | None:
    """Why the message is a mailing, or None. A discussion list (one that takes posts, as a
    group mailbox does: Google Groups, Mailman, Zimbra) relays a person's letter, often an
    authority's own order address; only an announcement list or bulk mail is a mailing."""
    precedences = [value.strip().lower() for value in _headers_named(message, "precedence")]
    bulk = next((p for p in precedences if p in ("bulk", "junk")), None)
    if bulk:
        return f"Precedence: {bulk}"
    post = _header(message, "list-post").strip().lower()
    if post and post != "no":
        return None
    if _header(message, "list-unsubscribe"):
        return "List-Unsubscribe"
    if "list" in precedences:
        return "Precedence: list"
    return None


def _headers_named(message: Message, name: str) -> list[str]:
    try:
        return [str(v)[:200] for k, v in message.raw_items() if k.lower() == name][:20]
    except Exception:
        return []
