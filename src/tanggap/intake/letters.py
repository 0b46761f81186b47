"""Read a message as a letter: is it a takedown order, whose, which number, how urgent.

An order is a request to take content down, written by an authority: the Indonesian ministry
(a ``.go.id`` sender) or an EU competent authority (a removal order under Regulation (EU)
2021/784). Auto-replies, mailings, forged senders (DMARC fail), complaints from the public and
other correspondence (a meeting invitation, a thank-you) are not orders. The category decides
the deadline, through the SLA table; a letter that names several gets the shortest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tanggap.domain.errors import UnknownCategory
from tanggap.domain.sla import ANY, SlaPolicy
from tanggap.intake.mime import Envelope

ID_GOVERNMENT_SUFFIX = ".go.id"
# Personal mailboxes: an authority does not send orders from these.
FREEMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.id", "ymail.com", "outlook.com",
    "hotmail.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "proton.me",
    "protonmail.com", "posteo.de", "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de",
    "mail.com", "mail.ru", "yandex.ru", "yandex.com", "zoho.com", "tutanota.com", "libero.it",
    "orange.fr", "free.fr", "laposte.net", "wp.pl", "seznam.cz",
})
TCO_REFERENCE = re.compile(r"\bTCO-[A-Z]{2}-\d{4}-\d{3,}\b")
EU_ORDER = re.compile(
    r"\bTCO-[A-Z]{2}-\d{4}-\d|2021/784|terrorist content online|\bTCO regulation|\bremoval order",
    re.IGNORECASE,
)
TAKEDOWN = re.compile(
    r"penurunan|menurunkan|diturunkan|\bturunkan|take[\s-]?down|nonaktifkan|pemutusan akses|"
    r"memutus akses|pemblokiran|memblokir|diblokir|\bblokir|menghapus|dihapus|penghapusan|"
    r"\bremov(?:e|al)\b|disabl(?:e|ing) access|\bblock(?:ing)?\b",
    re.IGNORECASE,
)
REQUEST = re.compile(
    r"\b(?:mohon|meminta|minta|permintaan|permohonan|harap\w*|agar|please|request\w*|must|"
    r"required|shall|order)\b",
    re.IGNORECASE,
)
# Correspondence that mentions takedowns without being an order.
CORRESPONDENCE = re.compile(
    r"\b(?:undangan|invitation|meeting|rapat|webinar|sosialisasi|terima kasih|"
    r"thank you|newsletter|buletin)\b",
    re.IGNORECASE,
)
REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|balas)\s*:", re.IGNORECASE)
FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|tr|wg|i|pd|terus)\s*:", re.IGNORECASE)
QUOTED_LINE = re.compile(r"^[ \t]*>")
# Where a quoted or inline-forwarded message starts, in the styles mail clients write:
# Gmail/Thunderbird "On … wrote:" (also Indonesian "Pada … menulis:"), Outlook's divider or
# "From: … Sent:" block (also "Dari: … Dikirim:"), Zimbra's "----- Original Message -----".
QUOTE_START = re.compile(
    r"(?im)^[ \t>]*(?:"
    r"-{2,}[ \t]*(?:original message|pesan asli|forwarded message|pesan (?:yang )?diteruskan|"
    r"pesan terusan|weitergeleitete nachricht|message d'origine|message transf[ée]r[ée])[ \t]*-{2,}"
    r"|_{10,}[ \t]*\n[ \t>]*(?:from|dari|von|de)[ \t]*:"
    r"|(?:on|pada|am|le)\b[^\n]{0,300}\b(?:wrote|menulis|schrieb|a [ée]crit)[ \t]*:[ \t]*$"
    r"|(?:from|dari|von|de)[ \t]*:[^\n]*@[^\n]*\n[ \t>]*(?:sent|date|dikirim|tanggal|gesendet|envoy[ée])[ \t]*:"
    r")"
)
INLINE_FORWARD = re.compile(
    r"(?i)-{2,}[ \t]*(?:forwarded message|pesan (?:yang )?diteruskan|pesan terusan|"
    r"weitergeleitete nachricht|message transf[ée]r[ée])"
)
# A reminder or follow-up in its own words: still up, replacements, please act on all of them.
FOLLOW_UP = re.compile(
    r"\bmasih[ \t]+(?:aktif|beroperasi|tersedia|online|tayang|muncul|(?:bisa|dapat)[ \t]+diakses)|"
    r"\bbelum[ \t]+(?:di)?(?:tindak|turun|blokir|hapus)|\bditindaklanjuti\b|\bpengganti(?:nya)?\b|"
    r"\b(?:kanal|tautan|akun|grup|channel)\w*[ \t]+(?:tambahan|baru|susulan)\b|\bpengingat\b|"
    r"\bstill[ \t]+(?:up|active|online|available|accessible|reachable)\b|\breplacement|\breminder\b|"
    r"\badditional[ \t]+(?:channels?|links?|accounts?)\b|"
    r"\bnot[ \t]+yet[ \t]+(?:been[ \t]+)?(?:removed|blocked|taken[ \t]+down)",
    re.IGNORECASE,
)
# A withdrawal: the authority takes an order back, or asks for a block to be lifted
# ("normalisasi", "buka blokir"). It names the order's channels, so it reads like a follow-up;
# acted on as one, it would act on the channel the authority says to leave alone.
WITHDRAWAL = re.compile(
    r"\b(?:pencabutan|mencabut|membatalkan|pembatalan|menarik[ \t]+kembali)[ \t]+"
    r"(?:(?:atas|terhadap|kembali)[ \t]+)?(?:surat|permintaan|permohonan|perintah)\b|"
    r"\bdengan[ \t]+ini[ \t]+(?:kami[ \t]+)?(?:dicabut|dibatalkan|mencabut|membatalkan|menarik[ \t]+kembali)\b|"
    r"\b(?:surat|permintaan|permohonan|perintah)\b[^\n.]{0,80}?\bdinyatakan[ \t]+"
    r"(?:dicabut|dibatalkan|tidak[ \t]+berlaku)\b|"
    r"\btidak[ \t]+(?:perlu|usah)[ \t]+(?:lagi[ \t]+)?(?:di)?tindak[ \t]*lanjut|"
    r"\bnormalisasi\b|\b(?:buka|membuka|dibuka)[ \t]+(?:kembali[ \t]+)?(?:blokir|akses)|"
    r"\bpemulihan[ \t]+akses|\bakses\b[^\n.]{0,60}\bdipulihkan\b|"
    r"\b(?:withdraw\w*|revok\w*|revocation|rescind\w*|cancel\w*|annul\w*)"
    r"(?:[ \t]+(?:of|the|our|this|that|removal|takedown|blocking)){0,4}[ \t]+(?:order|request|notice)s?\b|"
    r"\b(?:order|request)s?\b(?:[ \t]+\S+){0,8}?[ \t]+(?:is|are|was|were|has[ \t]+been|have[ \t]+been)"
    r"[ \t]+(?:hereby[ \t]+)?(?:withdrawn|revoked|rescinded|cancell?ed|annulled)\b|"
    r"\b(?:lift|reinstate|restore)\w*[ \t]+(?:the[ \t]+)?(?:block|access|channel|account)|\bunblock",
    re.IGNORECASE,
)
# A sentence that speaks of a withdrawal only as a possibility ("a request to cancel this order
# may be made", "apabila ... dapat dicabut") withdraws nothing.
CONDITIONAL = re.compile(r"\b(?:apabila|jika|jikalau|bilamana|seandainya|if|may|might|unless|whether)\b",
                         re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n")
# A correction ("ralat"): taken as a follow-up, the union of targets would keep the channel
# the authority says it named by mistake.
CORRECTION = re.compile(
    r"\bralat\b|\bkoreksi\b|\bcorrigendum\b|\berrat(?:um|a)\b|"
    r"\bperbaikan[ \t]+(?:atas[ \t]+)?(?:surat|data|daftar|tautan|lampiran)|"
    r"\bcorrect(?:ion|ed|s)?\b[^\n.]{0,60}\b(?:order|list|link|url|channel)",
    re.IGNORECASE,
)
# A Telegram link or a listed @name in the message's own words: it names channels itself.
TELEGRAM_HINT = re.compile(r"(?i)(?:t(?:elegram)?\[?\.\]?(?:me|dog)/|tg://|"
                           r"^[ \t]*(?:\d+[.)]|[-*•])?[ \t]*@\w{5,})", re.M)
HAL_LINE = re.compile(r"(?im)^[ \t|>]*(?:hal|perihal)[ \t|]*:[ \t|]*(.+)$")
# "Nomor : B-0634/DJWD/PW.02.01/03/2025" (also as table cells, or one cell a line in a PDF).
LABELLED_NUMBER = re.compile(r"(?im)^[ \t|>]*(?:nomor|no\.?)(?:[ \t]+surat)?[\s|]*:[\s|]*([^\s|]+)")
LABELLED_REFERENCE = re.compile(
    r"(?i)\b(?:reference|ref\.?|aktenzeichen|r[ée]f[ée]rence)(?:[ \t]+(?:no\.?|number))?"
    r"[ \t]*:[ \t]*([^\s|]+)"
)
LETTER_NUMBER = r"(?:[A-Z]{1,3}-\d{1,6}(?:/[\w.-]+)+|\d{1,6}(?:/[\w.-]+){2,})"
PROSE_NUMBER = re.compile(rf"(?i)\b(?:nomor|no\.)[ \t]*({LETTER_NUMBER})")
SUBJECT_NUMBER = re.compile(rf"(?i)({LETTER_NUMBER}|\bTCO-[A-Z]{{2}}-\d{{4}}-\d{{3,}}\b)")
# Letters often name the content rather than the category: "propaganda ISIS" is terrorism,
# "kekerasan seksual terhadap anak" child sexual abuse, "provokasi kerusuhan" public order, all
# urgent (Permenkominfo 5/2020, Art. 14(3)); missed, they got the 24-hour default. Used only
# for categories the SLA policy has. (The policy's own aliases are single terms.)
NAMED_BY_CONTENT: dict[str, re.Pattern[str]] = {
    "terrorism": re.compile(
        r"\b(?:isis|isil|daesh|jad|jamaah[ \t]+ansharu?t[ \t]+daulah|jamaah[ \t]+islamiyah|"
        r"negara[ \t]+islam[ \t]+(?:irak|iraq)|ekstremis(?:me)?|violent[ \t]+extremis\w*|jihadis\w*)\b",
        re.IGNORECASE),
    "csam": re.compile(
        r"\b(?:kekerasan|eksploitasi|pelecehan)[ \t]+seksual[ \t]+(?:(?:terhadap|pada)[ \t]+)?anak|"
        r"\bpornografi[ \t]+(?:yang[ \t]+melibatkan[ \t]+)?anak|\bcsam\b|\bpedofil\w*|"
        r"\bchild[ \t]+(?:sexual[ \t]+)?(?:abuse|exploitation|pornography)",
        re.IGNORECASE),
    "public_order": re.compile(
        r"\b(?:kerusuhan|provokasi|separatisme|separatis|makar)\b|\bincitement[ \t]+to[ \t]+(?:violence|riot)",
        re.IGNORECASE),
}
# Our own order id (a ULID), as our acknowledgement writes it ("Nomor tiket / order id: 01J…")
# or as a subject tag ("Re: [01J…]"): how a reply with no Nomor of its own names its order.
NAMED_ORDER_ID = re.compile(
    r"(?i)\b(?:order[ \t]+id|nomor[ \t]+tiket|tiket|ticket)\b[^\n\w]{0,20}([0-7][0-9A-HJKMNP-TV-Z]{25})\b|"
    r"\[([0-7][0-9A-HJKMNP-TV-Z]{25})\]"
)
# Alias words too short or too common to mean a category in running text.
AMBIGUOUS_CATEGORY_WORDS = {"other", "sara", "tco"}


@dataclass(frozen=True)
class Letter:
    """One message as text: headers, body (quotes included) and readable attachments."""

    envelope: Envelope
    body: str = ""
    attachments: str = ""
    forwarded: tuple[Letter, ...] = ()

    @property
    def own_words(self) -> str:
        """What this message itself says: subject (unless a reply), unquoted body, attachments."""
        subject = "" if REPLY_SUBJECT.match(self.envelope.subject) else self.envelope.subject
        return "\n".join((subject, _unquoted(self.body), self.attachments))

    @property
    def quoted_words(self) -> str:
        """What it quotes or forwards inline: an earlier letter, in any client's style."""
        return _quoted(self.body)

    @property
    def all_words(self) -> str:
        return "\n".join((self.envelope.subject, self.body, self.attachments))


@dataclass(frozen=True)
class Assessment:
    is_order: bool
    reason: str  # why it is, or is not, an order, for a person to check
    order_reference: str | None = None
    jurisdiction: str | None = None
    category: str | None = None
    deadline_hours: float | None = None
    issuer: Envelope | None = None  # the message that is the order (the original, in a forward)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    retracts: str | None = None  # a withdrawal's or correction's order number: no order itself


def assess(letter: Letter, sla: SlaPolicy | None = None) -> Assessment:
    """Whether the letter is an order and, if it is, its reference, category and deadline."""
    sla = sla or SlaPolicy()
    top = letter.envelope
    refusal = _not_an_order(top)
    if refusal:
        return Assessment(False, refusal)
    issuer, reason = _find_order(letter)
    if issuer is None:
        return Assessment(False, reason, retracts=reference(letter) if _retraction(letter) else None)
    jurisdiction = _jurisdiction(issuer)
    category, hours = _deadline(letter, jurisdiction, sla)
    warnings = []
    if issuer is not letter and top.sender_domain != issuer.envelope.sender_domain:
        warnings.append(
            f"forwarded by {top.sender_address}, not by the issuing authority "
            f"({issuer.envelope.sender_address})"
        )
    return Assessment(
        True, reason, reference(letter), jurisdiction, category, hours, issuer.envelope, tuple(warnings)
    )


def reference(letter: Letter) -> str | None:
    """The order's reference, exactly as written. Its own number first; a reply or forward
    without one takes the number of the order it quotes or forwards."""
    own = "\n".join((_unquoted(letter.body), letter.attachments))
    found = _labelled(own) or _tco(own + "\n" + letter.envelope.subject)
    for inner in letter.forwarded:
        found = found or reference(inner)
    quoted = _quoted(letter.body)
    return (
        found
        or _labelled(quoted)
        or _tco(quoted)
        or _first(SUBJECT_NUMBER, letter.envelope.subject)
        or _first(PROSE_NUMBER, letter.all_words)
    )


def named_order_ids(letter: Letter, limit: int = 20) -> tuple[str, ...]:
    """Our order ids the thread names (in a quoted acknowledgement or a subject tag), each
    once, in the order written. Whether one is the sender's is for the caller to check."""
    found: dict[str, None] = {}
    for text in _thread_words(letter):
        for match in NAMED_ORDER_ID.finditer(text):
            found.setdefault((match.group(1) or match.group(2)).upper(), None)
            if len(found) >= limit:
                return tuple(found)
    return tuple(found)


def categories(text: str, sla: SlaPolicy) -> set[str]:
    """Category codes named in a text, through the SLA policy's aliases ("judi online"), and
    through what letters say instead of the category's name (``NAMED_BY_CONTENT``)."""
    found = set()
    for match in _category_words(sla).finditer(text):
        try:
            found.add(sla.category(re.sub(r"[\s_-]+", "_", match.group())))
        except UnknownCategory:
            continue
    for code, pattern in NAMED_BY_CONTENT.items():
        if code in sla.categories and code not in found and pattern.search(text):
            found.add(code)
    return found


def _not_an_order(envelope: Envelope) -> str | None:
    if envelope.automated:
        return f"automatic message ({envelope.automated})"
    if envelope.bulk:
        return f"bulk mailing ({envelope.bulk})"
    if envelope.auth.dmarc == "fail":
        return f"DMARC failed for {envelope.sender_domain}: the sender may be forged"
    return None


def _find_order(letter: Letter) -> tuple[Letter | None, str]:
    """The message in the thread that is the order: the forwarded original first when this
    one forwards, else this one, else anything it carries."""
    retraction = _retraction(letter)
    if retraction:  # not the original it quotes or forwards either: a person decides
        return None, retraction
    forwards = FORWARD_SUBJECT.match(letter.envelope.subject) is not None
    candidates = [*letter.forwarded, letter] if forwards else [letter, *letter.forwarded]
    reasons = []
    for candidate in candidates:
        if candidate is letter:
            is_order, reason = _reads_as_order(letter)
            if is_order:
                return letter, reason
        else:
            refusal = _not_an_order(candidate.envelope)
            found, reason = (None, refusal) if refusal else _find_order(candidate)
            if found is not None:
                return found, reason
        reasons.append(reason)
    return None, reasons[0] if reasons else "not an order"


def _reads_as_order(letter: Letter) -> tuple[bool, str]:
    envelope = letter.envelope
    if _jurisdiction(letter) is None:
        sender = envelope.sender_address or "(none)"
        return False, f"the sender {sender} is not an authority that issues orders"
    words = letter.own_words
    subject_line = " ".join((envelope.subject, *HAL_LINE.findall(words)[:1]))
    if CORRESPONDENCE.search(subject_line):
        return False, f"correspondence, not an order (subject {envelope.subject[:80]!r})"
    if EU_ORDER.search(words) or (TAKEDOWN.search(words) and REQUEST.search(words)):
        return True, f"order from {envelope.sender_domain}"
    return _follow_up(letter, words)


def _follow_up(letter: Letter, words: str) -> tuple[bool, str]:
    """A reply, reminder or inline forward that carries an earlier order: the authority asks
    again ("masih aktif", replacement channels, "please handle all of them") or passes it on."""
    quoted = letter.quoted_words
    quotes_order = bool(EU_ORDER.search(quoted) or (TAKEDOWN.search(quoted) and REQUEST.search(quoted))
                        or _labelled(quoted))
    forwarded = FORWARD_SUBJECT.match(letter.envelope.subject) or INLINE_FORWARD.search(letter.body)
    if quotes_order and forwarded:
        return True, f"inline forward of an earlier order, from {letter.envelope.sender_domain}"
    # Thanks ("kanal sudah diblokir, terima kasih") or a question is no request: a human sees it
    # in triage. A reminder, or a request that names channels or a takedown, is one.
    asks = FOLLOW_UP.search(words) or (REQUEST.search(words) and (TAKEDOWN.search(words)
                                                                  or TELEGRAM_HINT.search(words)))
    if quotes_order and asks:
        return True, f"follow-up of the quoted order, from {letter.envelope.sender_domain}"
    if FOLLOW_UP.search(words) and (_first(SUBJECT_NUMBER, letter.envelope.subject) or _labelled(words)):
        return True, f"reminder under an earlier order's number, from {letter.envelope.sender_domain}"
    return False, "no request to take content down"


def _retraction(letter: Letter) -> str | None:
    """Why an authority's letter that withdraws or corrects an order is no order: a person
    acts on it (lifts a block, replaces a target), never the intake on its own."""
    if _jurisdiction(letter) is None:
        return None
    words = letter.own_words
    number = reference(letter) or "(no number)"
    if any(WITHDRAWAL.search(sentence) and not CONDITIONAL.search(sentence)
           for sentence in SENTENCE_END.split(words)):
        return (f"withdraws order {number} or asks to lift a block: a person decides, "
                "nothing is acted on automatically")
    if CORRECTION.search(words):
        return (f"corrects order {number}: a person replaces what it corrects "
                "(the targets it names are not added to the order automatically)")
    return None


def _jurisdiction(letter: Letter) -> str | None:
    domain = letter.envelope.sender_domain
    if not domain:
        return None
    if domain.endswith(ID_GOVERNMENT_SUFFIX):
        return "ID"
    if domain not in FREEMAIL_DOMAINS and EU_ORDER.search(letter.all_words):
        return "EU"
    return None


def _deadline(letter: Letter, jurisdiction: str | None, sla: SlaPolicy) -> tuple[str, float]:
    text = "\n".join(_thread_words(letter))
    found = categories(text, sla)
    if jurisdiction == "EU" and EU_ORDER.search(text):
        found.add(sla.category("terrorism"))  # a TCO removal order is about terrorist content
    if not found:
        found = {"other"}
    where = jurisdiction or ANY
    hours = min(sla.hours_for(where, code) for code in found)
    known = [code for code in found if code in sla.categories]
    category = min(known, key=sla.severity) if known else sorted(found)[0]
    return category, hours


def _thread_words(letter: Letter) -> list[str]:
    words = [letter.all_words]
    for inner in letter.forwarded:
        words.extend(_thread_words(inner))
    return words


_CATEGORY_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _category_words(sla: SlaPolicy) -> re.Pattern[str]:
    words = sorted(
        {*sla.aliases, *sla.categories} - AMBIGUOUS_CATEGORY_WORDS, key=len, reverse=True
    )
    key = tuple(words)
    if key not in _CATEGORY_PATTERNS:
        alternatives = "|".join(re.escape(w).replace("_", r"[\s_-]+") for w in words)
        _CATEGORY_PATTERNS[key] = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
    return _CATEGORY_PATTERNS[key]


def _labelled(text: str) -> str | None:
    for match in LABELLED_NUMBER.finditer(text):
        value = _clean_reference(match.group(1))
        if value:
            return value
    for match in LABELLED_REFERENCE.finditer(text):
        value = _clean_reference(match.group(1))
        if value and ("-" in value or "/" in value):
            return value
    return None


def _tco(text: str) -> str | None:
    match = TCO_REFERENCE.search(text)
    return match.group() if match else None


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return _clean_reference(match.group(1)) if match else None


def _clean_reference(value: str) -> str | None:
    value = value.strip().strip("[]()<>\"'").rstrip(".,;:")
    if len(value) < 3 or not any(c.isdigit() for c in value) or not any(c in "/-." for c in value):
        return None
    return value[:120]


def _split_quote(text: str) -> tuple[str, str]:
    """The message's own text and the text it quotes (">" lines, and everything after the
    first quote header of any style)."""
    start = QUOTE_START.search(text)
    head, tail = (text[:start.start()], text[start.start():]) if start else (text, "")
    own: list[str] = []
    quoted: list[str] = []
    for line in head.splitlines():
        (quoted if QUOTED_LINE.match(line) else own).append(line)
    quoted.extend(tail.splitlines())
    return "\n".join(own), "\n".join(re.sub(r"^(?:[ \t]*>)+[ \t]?", "", line) for line in quoted)


def _unquoted(text: str) -> str:
    return _split_quote(text)[0]


def _quoted(text: str) -> str:
    return _split_quote(text)[1]
