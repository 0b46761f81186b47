"""Matrix's target spellings and canonical forms, contributed to ``domain.targets``.

Plain Python, no I/O: it only reads text. A room is named by its alias (``#name:server``) or
its id (``!opaque:server``; room version 12 ids have no ``:server`` part and use ``-`` and
``_``); a single event by its room and its id (``$opaque``). Accepted spellings:

    #alias:server          !roomid:server          !roomid (room version 12)
    https://matrix.to/#/#alias:server             (also ?via=..., percent-encoded, no scheme)
    https://matrix.to/#/!roomid:server/$event     (an event in a room: a post)
    matrix:r/alias:server  matrix:roomid/id:server  matrix:roomid/id:server/e/event  (MSC2312 URIs)
    https://app.element.io/#/room/#alias:server   (Element web links)

Canonical forms: ``https://matrix.to/#/<room>`` and ``https://matrix.to/#/<room>/<event>``,
with the room being the alias or the id as written (an alias and an id of the same room are
two spellings only the homeserver can join up), server names lowercased (DNS names are
case-insensitive), everything else kept as is (Matrix identifiers are case-sensitive).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from tanggap.domain.errors import InvalidTarget
from tanggap.domain.targets import Target, TargetKind, register_spellings

NETWORK = "matrix"
CANONICAL_PREFIX = "https://matrix.to/#/"
# A server name: a DNS name or IPv4 address, or a bracketed IPv6 literal, with an optional port.
SERVER = r"(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?)(?::[0-9]{1,5})?"
# Opaque ids (room and event ids): base64 in either alphabet (room versions 3+ and 12), letters
# (older versions). No "/", "#", "?", ":", "." or spaces: a link's structure stays readable, and
# a canonical form never ends in punctuation that cleaning a spelling would strip.
OPAQUE = r"[A-Za-z0-9_=+~-]{1,255}"
ROOM_ID = re.compile(rf"!(?P<opaque>{OPAQUE})(?::(?P<server>{SERVER}))?")
# Alias localparts are loosely specified; refuse only what would break a link or a path.
ALIAS = re.compile(rf"#(?P<localpart>[^\s:#/?!$@%\x00-\x1f]{{1,255}}):(?P<server>{SERVER})")
EVENT_ID = re.compile(rf"\$(?P<opaque>[A-Za-z0-9_=+~/-]{{1,255}})(?::(?P<server>{SERVER}))?")
USER_ID = re.compile(rf"@[^\s:]{{1,255}}:{SERVER}")
MATRIX_TO_HOSTS = {"matrix.to"}
ELEMENT_HOSTS = {"app.element.io", "develop.element.io", "staging.element.io"}


def room(room: str) -> Target:
    """The target for a room alias or id (as a person may write it, without a link)."""
    canonical_room = _canonical_room(room)
    return Target(CANONICAL_PREFIX + canonical_room, TargetKind.CHANNEL, network=NETWORK,
                  room=canonical_room)


def event(room_ref: str, event_id: str) -> Target:
    """The target for one event in a room (a post)."""
    canonical_room = _canonical_room(room_ref)
    canonical_event = _canonical_event(event_id)
    return Target(f"{CANONICAL_PREFIX}{canonical_room}/{quote(canonical_event, safe='$:._=~-')}",
                  TargetKind.POST, network=NETWORK, room=canonical_room, event_id=canonical_event)


def parse_matrix(text: str) -> Target | None:
    """A Matrix spelling as a Target; None when the text is not a Matrix spelling at all."""
    head = text[:1]
    if head in "#!":
        return _from_identifiers([text], text)
    if head == "$":
        raise InvalidTarget(f"{text!r} is a Matrix event id without its room: "
                            "give the matrix.to link (https://matrix.to/#/!room:server/$event)")
    if head == "@":
        if USER_ID.fullmatch(text):
            raise InvalidTarget(f"{text!r} is a Matrix user, not a room or an event")
        return None
    lowered = text.lower()
    if lowered.startswith("matrix:"):
        return _from_matrix_uri(text)
    if "matrix.to" not in lowered and "element.io" not in lowered:
        return None
    link = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(link)
        host = (parts.hostname or "").lower().rstrip(".").removeprefix("www.")
    except ValueError:
        return None
    if host in MATRIX_TO_HOSTS:
        return _from_fragment(parts.fragment, text, prefix="/")
    if host in ELEMENT_HOSTS:
        return _from_fragment(parts.fragment, text, prefix="/room/")
    return None


def _from_fragment(fragment: str, original: str, prefix: str) -> Target:
    # "#/!room:server/$event?via=a&via=b": the query (routing hints) names no other entity.
    path = fragment.split("?", 1)[0]
    if not path.startswith(prefix):
        raise InvalidTarget(f"{original!r} is a Matrix link that names no room")
    segments = [unquote(segment) for segment in path[len(prefix):].split("/") if segment]
    if not segments:
        raise InvalidTarget(f"{original!r} is a Matrix link that names no room")
    return _from_identifiers(segments, original)


def _from_identifiers(segments: list[str], original: str) -> Target:
    first = segments[0]
    if first.startswith("@"):
        raise InvalidTarget(f"{original!r} names a Matrix user, not a room or an event")
    if len(segments) == 1:
        return room(first)
    if len(segments) == 2 and segments[1].startswith("$"):
        return event(first, segments[1])
    raise InvalidTarget(f"{original!r} is not a Matrix room or event link")


def _from_matrix_uri(text: str) -> Target:
    """MSC2312 ``matrix:`` URIs: ``r/<alias>``, ``roomid/<id>``, either with ``/e/<event>``."""
    body = text[len("matrix:"):].split("?", 1)[0]
    segments = [unquote(segment) for segment in body.split("/") if segment]
    sigils = {"r": "#", "roomid": "!"}
    if len(segments) not in (2, 4) or segments[0].lower() not in sigils:
        raise InvalidTarget(f"{text!r} is a matrix: URI that names no room or event")
    room_ref = sigils[segments[0].lower()] + segments[1]
    if len(segments) == 2:
        return room(room_ref)
    if segments[2].lower() != "e":
        raise InvalidTarget(f"{text!r} is a matrix: URI that names no room or event")
    return event(room_ref, "$" + segments[3])


def _canonical_room(text: str) -> str:
    if match := ROOM_ID.fullmatch(text):
        server = match["server"]
        return f"!{match['opaque']}" + (f":{server.lower()}" if server else "")
    if match := ALIAS.fullmatch(text):
        return f"#{match['localpart']}:{match['server'].lower()}"
    if text.startswith("#"):
        raise InvalidTarget(f"{text!r} is not a Matrix room alias (#name:server)")
    raise InvalidTarget(f"{text!r} is not a Matrix room id (!id:server) or alias (#name:server)")


def _canonical_event(text: str) -> str:
    if not (match := EVENT_ID.fullmatch(text)):
        raise InvalidTarget(f"{text!r} is not a Matrix event id ($id)")
    server = match["server"]
    return f"${match['opaque']}" + (f":{server.lower()}" if server else "")


register_spellings(parse_matrix)
