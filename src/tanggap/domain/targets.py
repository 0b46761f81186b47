"""Targets: what an order points at, in one canonical form per entity.

Canonical forms (DESIGN.md): ``https://t.me/<username>``, ``https://t.me/<username>/<post>``,
``https://t.me/c/<id>/<post>``, ``https://t.me/+<invite>``. Usernames are lowercased (Telegram
resolves them case-insensitively); invite hashes keep their case (they are case-sensitive).

Other platforms contribute their own spellings and canonical forms through
:func:`register_spellings` (Matrix: ``tanggap/platforms/matrix_targets.py``); the t.me logic
below stays the default. A target says which network it belongs to (``Target.network``), and
that is how a case is routed to the platform adapter that serves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

from tanggap.domain.errors import InvalidTarget

USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
INVITE_HASH = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Post and channel ids: ASCII digits only (str.isdigit also accepts "²"), and short enough to
# be a real id rather than a number int() refuses to convert.
NUMBER = re.compile(r"[0-9]{1,19}")
TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}
# First path segments on t.me that are pages, not usernames.
RESERVED_PATHS = {
    "s", "c", "joinchat", "addstickers", "addemoji", "addtheme", "addlist", "setlanguage",
    "share", "proxy", "socks", "iv", "login", "confirmphone", "invoice", "bg", "boost",
    "contact", "giftcode", "m",
}
# The common spelling, "https://t.me/name[/post]", without the general URL machinery: a
# 200,000-row target list is mostly this.
SIMPLE_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?t\.me/(?P<name>[A-Za-z][A-Za-z0-9_]{4,31})(?:/(?P<post>[0-9]{1,19}))?/?",
    re.IGNORECASE,
)
# Zero-width, soft-hyphen and bidi-control characters: invisible in a mail client, but they
# break a link when copied, and are used to hide links from filters.
INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)
# Defanged spellings used in threat-intel style lists: hxxps://t[.]me/x, t(.)me/x, t[dot]me/x.
DEFANGS = (
    (re.compile(r"(?<![a-z])hxxp(?=s?(?::|\[:|\(:))", re.I), "http"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.I), "."),
    (re.compile(r"\[://\]"), "://"),
    (re.compile(r"\[:\]|\(:\)"), ":"),
)
WRAPPERS = "<>\"'()[]{}«»“”‘’`"
TRAILING_PUNCTUATION = ".,;:!?"


class TargetKind(StrEnum):
    CHANNEL = "channel"
    POST = "post"
    PRIVATE_POST = "private_post"
    INVITE = "invite"


@dataclass(frozen=True, order=True)
class Target:
    """One entity on the platform. Build with the class methods or :func:`parse_target`."""

    canonical: str
    kind: TargetKind
    username: str | None = None
    post_id: int | None = None
    internal_id: int | None = None
    invite_hash: str | None = None
    # Which network's entity this is ("telegram": the t.me forms above; others contributed).
    network: str = "telegram"
    room: str | None = None  # Matrix: "!id[:server]" or "#alias:server"
    event_id: str | None = None  # Matrix: "$id[:server]" for a single event (a post)

    @classmethod
    def channel(cls, username: str) -> Target:
        name = _valid_username(username)
        return cls(f"https://t.me/{name}", TargetKind.CHANNEL, username=name)

    @classmethod
    def post(cls, username: str, post_id: int) -> Target:
        name = _valid_username(username)
        post = _valid_post_id(post_id)
        return cls(f"https://t.me/{name}/{post}", TargetKind.POST, username=name, post_id=post)

    @classmethod
    def private_post(cls, internal_id: int, post_id: int) -> Target:
        channel_id = _valid_post_id(internal_id)
        post = _valid_post_id(post_id)
        return cls(
            f"https://t.me/c/{channel_id}/{post}", TargetKind.PRIVATE_POST,
            internal_id=channel_id, post_id=post,
        )

    @classmethod
    def invite(cls, invite_hash: str) -> Target:
        if not INVITE_HASH.fullmatch(invite_hash):
            raise InvalidTarget(f"invite hash {invite_hash!r} is not 8-64 letters, digits, _ or -")
        return cls(f"https://t.me/+{invite_hash}", TargetKind.INVITE, invite_hash=invite_hash)

    @classmethod
    def from_canonical(cls, canonical: str) -> Target:
        target = parse_target(canonical)
        if target.canonical != canonical:
            raise InvalidTarget(f"{canonical!r} is not in canonical form")
        return target

    @property
    def channel_target(self) -> Target:
        """The channel an entity lives in, where the link names it (posts by username)."""
        if self.kind is TargetKind.POST and self.username:
            return Target.channel(self.username)
        if self.kind is TargetKind.POST and self.network != "telegram":
            return parse_target(self.canonical.rsplit("/", 1)[0])
        return self

    def __str__(self) -> str:
        return self.canonical


# Spelling parsers contributed by platforms: each returns a Target for a spelling it
# recognises, None for one it does not, and raises InvalidTarget for one of its own that is
# broken. Tried in registration order before the t.me rules (after the fast t.me path).
SpellingParser = Callable[[str], "Target | None"]
_CONTRIBUTED_SPELLINGS: list[SpellingParser] = []


def register_spellings(parser: SpellingParser) -> None:
    """Let a platform's own spellings be parsed (idempotent: registering twice adds nothing)."""
    if parser not in _CONTRIBUTED_SPELLINGS:
        _CONTRIBUTED_SPELLINGS.append(parser)


def parse_target(spelling: str) -> Target:
    """Parse one written target (a link in any common spelling, or ``@username``).

    Raises :class:`InvalidTarget` with a reason a person can act on.
    """
    text = clean_spelling(spelling)
    if not text:
        raise InvalidTarget("empty target")
    simple = SIMPLE_LINK.fullmatch(text)
    if simple and simple["name"].lower() not in RESERVED_PATHS:
        if simple["post"]:
            return Target.post(simple["name"], int(simple["post"]))
        return Target.channel(simple["name"])
    for contributed in _CONTRIBUTED_SPELLINGS:
        if (target := contributed(text)) is not None:
            return target
    if text.startswith("@"):
        return Target.channel(text[1:])
    if USERNAME.fullmatch(text):  # a bare handle in a structured list of targets
        return Target.channel(text)
    lowered = text.lower()
    if lowered.startswith("tg:"):
        return _parse_tg_uri(text)
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = _host(parts.hostname)
    except ValueError as exc:  # e.g. an unbalanced "[" that urlsplit reads as an IPv6 host
        raise InvalidTarget(f"{text!r} is not a link: {exc}") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidTarget(f"scheme {parts.scheme!r} is not a Telegram link")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host in TELEGRAM_HOSTS:
        return _from_path(segments, text)
    if _is_subdomain_link(host):
        return _from_path([host.removesuffix(".t.me"), *segments[:1]], text)
    raise InvalidTarget(f"{host or text!r} is not a Telegram host (out of scope)")


def looks_like_telegram(spelling: str) -> bool:
    """Whether a written link points at Telegram at all (``tg:``, t.me and its aliases).

    Lets a caller tell a broken Telegram link (worth a warning) from an out-of-scope one.
    """
    text = clean_spelling(spelling)
    if text.lower().startswith("tg:"):
        return True
    if "://" not in text:
        text = "https://" + text
    try:
        host = _host(urlsplit(text).hostname)
    except ValueError:
        return False
    return host in TELEGRAM_HOSTS or _is_subdomain_link(host)


def clean_spelling(spelling: str) -> str:
    """Undo what mail clients and analysts do to links: wrappers, defanging, invisibles."""
    text = spelling.translate(INVISIBLE).strip()
    for pattern, replacement in DEFANGS:
        text = pattern.sub(replacement, text)
    previous = None
    while text != previous:
        previous = text
        text = text.strip().rstrip(TRAILING_PUNCTUATION)
        if text[:1] in WRAPPERS:
            text = text[1:]
        if text[-1:] in WRAPPERS:
            text = text[:-1]
    return text


def _host(hostname: str | None) -> str:
    # "www." is an alias; a trailing dot is the DNS root and names the same host.
    return (hostname or "").lower().rstrip(".").removeprefix("www.")


def _is_subdomain_link(host: str) -> bool:
    """``name.t.me``: Telegram serves a channel's public page on its own subdomain."""
    return host.endswith(".t.me") and host.count(".") == 2


def _from_path(segments: list[str], original: str) -> Target:
    if not segments:
        raise InvalidTarget(f"{original!r} names no channel")
    head = segments[0]
    if head.startswith(("+", " ")) and len(head) > 1:  # "+" may arrive decoded as a space
        if head[1:].isdigit():
            raise InvalidTarget(f"t.me/+{head[1:]} is a phone-number link, not a channel or invite")
        return Target.invite(head[1:])
    match head.lower():
        case "joinchat":
            if len(segments) < 2:
                raise InvalidTarget(f"{original!r} is a joinchat link without an invite hash")
            return Target.invite(segments[1])
        case "s":
            return _from_path(segments[1:], original)
        case "c":
            if len(segments) < 3:
                raise InvalidTarget(f"{original!r} is a private-channel link without a post id")
            return Target.private_post(_int(segments[1], original), _int(segments[2], original))
    if head.lower() in RESERVED_PATHS:
        raise InvalidTarget(f"t.me/{head} is a Telegram page, not a channel")
    if len(segments) >= 2:
        # "t.me/name/12abc" names a post we cannot read; taking it as the whole channel would
        # widen the order to everything the channel ever posted.
        if not NUMBER.fullmatch(segments[1]):
            raise InvalidTarget(f"{_short(segments[1])!r} after t.me/{_short(head)} is not a post number; "
                                "the link is refused rather than widened to the whole channel")
        return Target.post(head, int(segments[1]))
    return Target.channel(head)


def _parse_tg_uri(text: str) -> Target:
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidTarget(f"{text!r} is not a link: {exc}") from None
    action = (parts.netloc or parts.path.strip("/")).lower()
    query = {key.lower(): values[0] for key, values in parse_qs(parts.query).items()}
    if action == "resolve" and "domain" in query:
        if "post" in query:
            return Target.post(query["domain"], _int(query["post"], text))
        return Target.channel(query["domain"])
    if action == "join" and "invite" in query:
        return Target.invite(query["invite"].lstrip("+ "))
    if action == "privatepost" and {"channel", "post"} <= query.keys():
        return Target.private_post(_int(query["channel"], text), _int(query["post"], text))
    raise InvalidTarget(f"{text!r} is a tg:// link that names no channel, post or invite")


def _valid_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise InvalidTarget(
            f"{username!r} is not a Telegram username (5-32 letters, digits or _, starting with a letter)"
        )
    if username.lower() in RESERVED_PATHS:  # t.me/joinchat is a page, so no channel has that name
        raise InvalidTarget(f"{username!r} is a Telegram page name, not a username")
    return username.lower()


MAX_ID = 2**63 - 1  # ids are stored and sent to the platform as signed 64-bit integers


def _valid_post_id(value: int) -> int:
    if value <= 0:
        raise InvalidTarget(f"id {value} must be a positive number")
    if value > MAX_ID:
        raise InvalidTarget(f"id {value} is larger than any real id (at most {MAX_ID})")
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _int(text: str, original: str) -> int:
    if not NUMBER.fullmatch(text):
        raise InvalidTarget(f"{text!r} in {original!r} is not a number")
    return int(text)
