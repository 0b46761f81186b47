"""Matrix's own target spellings, contributed to the one parser (platforms/matrix_targets.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanggap.domain.errors import InvalidTarget
from tanggap.domain.targets import Target, TargetKind, parse_target

ROOM_V12 = "!Ab3-_xYz0123456789abcdefABCDEF-_ghijklmnopq"


@pytest.mark.parametrize("spelling, canonical", [
    ("#some_room:localhost", "https://matrix.to/#/#some_room:localhost"),
    ("#some_room:LocalHost", "https://matrix.to/#/#some_room:localhost"),  # DNS names: any case
    ("#Kabar_Daulah:matrix.example.org", "https://matrix.to/#/#Kabar_Daulah:matrix.example.org"),
    ("#room:example.org:8448", "https://matrix.to/#/#room:example.org:8448"),
    ("!OGEhHVWSdvArJzumhm:matrix.org", "https://matrix.to/#/!OGEhHVWSdvArJzumhm:matrix.org"),
    (ROOM_V12, f"https://matrix.to/#/{ROOM_V12}"),  # room version 12: no server part
    ("https://matrix.to/#/#some_room:localhost", "https://matrix.to/#/#some_room:localhost"),
    ("https://matrix.to/#/#some_room:localhost?via=localhost&via=example.org",
     "https://matrix.to/#/#some_room:localhost"),
    ("matrix.to/#/%23some_room%3Alocalhost", "https://matrix.to/#/#some_room:localhost"),
    ("<https://matrix.to/#/#some_room:localhost>.", "https://matrix.to/#/#some_room:localhost"),
    ("hxxps://matrix[.]to/#/#some_room:localhost", "https://matrix.to/#/#some_room:localhost"),
    ("https://www.matrix.to/#/#some_room:localhost", "https://matrix.to/#/#some_room:localhost"),
    ("matrix:r/some_room:localhost", "https://matrix.to/#/#some_room:localhost"),
    ("matrix:roomid/OGEhHVWSdvArJzumhm:matrix.org?via=matrix.org",
     "https://matrix.to/#/!OGEhHVWSdvArJzumhm:matrix.org"),
    ("https://app.element.io/#/room/#some_room:localhost", "https://matrix.to/#/#some_room:localhost"),
])
def test_room_spellings_share_one_canonical_form(spelling, canonical):
    target = parse_target(spelling)
    assert target.canonical == canonical
    assert target.kind is TargetKind.CHANNEL and target.network == "matrix"
    assert Target.from_canonical(canonical) == target


@pytest.mark.parametrize("spelling, room, event", [
    ("https://matrix.to/#/!room:localhost/$event_id-1?via=localhost", "!room:localhost", "$event_id-1"),
    (f"https://matrix.to/#/{ROOM_V12}/%24Zx-_9a", ROOM_V12, "$Zx-_9a"),
    ("https://matrix.to/#/#some_room:localhost/$ev", "#some_room:localhost", "$ev"),
    ("https://matrix.to/#/!r:localhost/$v3+base64%2Fid", "!r:localhost", "$v3+base64/id"),  # room v3 ids
    ("matrix:roomid/room:localhost/e/event", "!room:localhost", "$event"),
])
def test_event_links_are_posts_of_their_room(spelling, room, event):
    target = parse_target(spelling)
    assert target.kind is TargetKind.POST and (target.room, target.event_id) == (room, event)
    assert target.channel_target == parse_target(room)
    assert Target.from_canonical(target.canonical) == target


@pytest.mark.parametrize("spelling, reason", [
    ("$event_without_room", "without its room"),
    ("@someone:localhost", "Matrix user"),
    ("https://matrix.to/#/@someone:localhost", "Matrix user"),
    ("#no_server", "not a Matrix room alias"),
    ("!has space:localhost", "not a Matrix room id"),
    ("!dotted.id:localhost", "not a Matrix room id"),
    ("https://matrix.to/#/", "names no room"),
    ("https://matrix.to/#/!r:localhost/$e/extra", "not a Matrix room or event link"),
    ("matrix:u/someone:localhost", "names no room or event"),
])
def test_broken_matrix_spellings_are_refused_with_a_reason(spelling, reason):
    with pytest.raises(InvalidTarget) as refused:
        parse_target(spelling)
    assert reason in refused.value.message


def test_telegram_spellings_are_untouched():
    assert parse_target("@Kabar_Mujahid").canonical == "https://t.me/kabar_mujahid"
    assert parse_target("t.me/kabar_mujahid/12").network == "telegram"


opaque = st.text(st.sampled_from("abcXYZ0189-_=+"), min_size=1, max_size=40)
servers = st.sampled_from(["localhost", "Matrix.Example.org", "example.org:8448", "10.0.0.1"])


@given(opaque, st.none() | servers, opaque)
def test_canonical_forms_are_fixed_points(room_part, server, event_part):
    room = f"!{room_part}" + (f":{server}" if server else "")
    for spelling in (room, f"https://matrix.to/#/{room}/${event_part}"):
        target = parse_target(spelling)
        assert parse_target(target.canonical) == target
        assert target.canonical.startswith("https://matrix.to/#/!")


@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused_with_a_reason(text):
    try:
        parse_target(text)
    except InvalidTarget as refused:
        assert refused.message
