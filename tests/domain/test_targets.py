"""Targets: every spelling authorities use maps to one canonical form; the rest is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.domain.errors import InvalidTarget
from tanggap.domain.targets import (
    Target,
    TargetKind,
    clean_spelling,
    looks_like_telegram,
    parse_target,
)

CHANNEL = "https://t.me/kabar_x"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("https://t.me/Kabar_X", CHANNEL),
        ("http://t.me/kabar_x", CHANNEL),
        ("t.me/kabar_x", CHANNEL),
        ("https://t.me/kabar_x/", CHANNEL),
        ("T.ME/KABAR_X", CHANNEL),
        ("telegram.me/kabar_x", CHANNEL),
        ("https://telegram.dog/kabar_x", CHANNEL),
        ("www.t.me/kabar_x", CHANNEL),
        ("https://www.telegram.me/kabar_x", CHANNEL),
        ("https://t.me./kabar_x", CHANNEL),
        ("t.me/s/kabar_x", CHANNEL),
        ("t.me/s/kabar_x?before=1200", CHANNEL),
        ("kabar_x.t.me", CHANNEL),
        ("https://kabar_x.t.me/", CHANNEL),
        ("tg://resolve?domain=kabar_x", CHANNEL),
        ("tg:resolve?domain=kabar_x", CHANNEL),
        ("https://t.me/kabar_x?start=abc", CHANNEL),
        ("https://t.me/kabar_x#top", CHANNEL),
        ("@kabar_x", CHANNEL),
        ("kabar_x", CHANNEL),
        ("hxxps://t[.]me/kabar_x", CHANNEL),
        ("t[.]me/kabar_x", CHANNEL),
        ("t(.)me/kabar_x", CHANNEL),
        ("t[dot]me/kabar_x", CHANNEL),
        ("hxxps[://]t[.]me/kabar_x", CHANNEL),
        ("<https://t.me/kabar_x>", CHANNEL),
        ("<hxxps://t[.]me/kabar_x>", CHANNEL),
        ('"t.me/kabar_x"', CHANNEL),
        ("(t.me/kabar_x).", CHANNEL),
        ("t.me/kabar_x,", CHANNEL),
        ("t.me/kabar_x;", CHANNEL),
        ("t.me/kabar_x:", CHANNEL),
        ("https://t.me/kabar\u200b_x", CHANNEL),
        ("https://t.me/\u2060kabar_x\u200d", CHANNEL),
        ("https://t.me/kabar_x\u200e", CHANNEL),
        ("tg://resolve?domain=kabar_x&post=12", "https://t.me/kabar_x/12"),
        ("t.me/kabar_x/12?single", "https://t.me/kabar_x/12"),
        ("t.me/kabar_x/12?comment=5", "https://t.me/kabar_x/12"),
        ("t.me/s/kabar_x/12", "https://t.me/kabar_x/12"),
        ("t.me/c/1234567890/45?single", "https://t.me/c/1234567890/45"),
        ("tg://privatepost?channel=1234567890&post=45", "https://t.me/c/1234567890/45"),
        ("t.me/joinchat/AbCdEfGh12", "https://t.me/+AbCdEfGh12"),
        ("telegram.me/joinchat/AbCdEfGh12", "https://t.me/+AbCdEfGh12"),
        ("t.me/+AbCdEfGh12", "https://t.me/+AbCdEfGh12"),
        ("https://t.me/%2BAbCdEfGh12", "https://t.me/+AbCdEfGh12"),
        ("tg://join?invite=AbCdEfGh12", "https://t.me/+AbCdEfGh12"),
    ],
)
def test_a_spelling_maps_to_its_canonical_form(spelling, canonical):
    assert parse_target(spelling).canonical == canonical


def test_kinds_and_parts():
    post = parse_target("t.me/Kabar_X/12")
    assert post.kind is TargetKind.POST and post.username == "kabar_x" and post.post_id == 12
    assert post.channel_target == Target.channel("kabar_x")
    assert parse_target("t.me/c/99/1").kind is TargetKind.PRIVATE_POST
    invite = parse_target("t.me/+AbCdEfGh12")
    assert invite.kind is TargetKind.INVITE and invite.invite_hash == "AbCdEfGh12"  # case kept


@pytest.mark.parametrize(
    "spelling",
    [
        "", "   ", "@abc", "abc", "1kabar", "kabar-x", "@" + "a" * 33,
        "https://example.com/kabar_x", "https://telegram.org/faq", "https://x.com/kabar_x",
        "https://t.me/", "t.me/addstickers/Pack", "t.me/share/url?url=x", "t.me/joinchat",
        "t.me/c/123", "t.me/c/abc/1", "t.me/kabar_x/0", "t.me/c/0/1", "t.me/+short",
        "tg://resolve?phone=123", "tg://settings", "ftp://t.me/kabar_x", "mailto:kabar_x@t.me",
        "https://[t.me/kabar_x", "tg://[x", "t.me/c/" + "9" * 5000 + "/1", "t.me/c/²/1", "@joinchat", "CONFIRMPHONE",
        "t.me/+6281234567890",
        "tg://resolve?domain=addstickers",
        # A post we cannot read is refused, never widened to the whole channel.
        "t.me/kabar_x/²", "t.me/kabar_x/12abc", "https://t.me/kabar_x/12abc?single", "t.me/s/kabar_x/x1",
        # Ids must fit a signed 64-bit integer, or the platform refuses them forever.
        "t.me/kabar_x/9223372036854775808", "t.me/kabar_x/99999999999999999999",
        "t.me/c/9223372036854775808/1", "tg://resolve?domain=kabar_x&post=9999999999999999999",
    ],
)
def test_what_is_not_a_target_is_refused_with_a_reason(spelling):
    with pytest.raises(InvalidTarget) as refused:
        parse_target(spelling)
    assert refused.value.message and refused.value.field == "targets"


def test_from_canonical_accepts_only_canonical_strings():
    assert Target.from_canonical(CHANNEL).canonical == CHANNEL
    with pytest.raises(InvalidTarget):
        Target.from_canonical("t.me/Kabar_X")


def test_clean_spelling_strips_wrappers_and_undoes_defanging():
    assert clean_spelling(" «hxxps://t[.]me/x». ") == "https://t.me/x"
    assert clean_spelling("[t(.)me/x]") == "t.me/x"


def test_looks_like_telegram_tells_broken_telegram_links_from_other_sites():
    assert looks_like_telegram("t.me/addstickers/Pack")
    assert looks_like_telegram("tg://settings")
    assert looks_like_telegram("x.t.me")
    assert not looks_like_telegram("https://telegram.org/faq")
    assert not looks_like_telegram("https://x.com/t.me")
    assert not looks_like_telegram("https://[broken")


USERNAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True)
SPELLINGS = st.sampled_from([
    "https://t.me/{}", "http://t.me/{}", "t.me/{}", "telegram.me/{}", "telegram.dog/{}",
    "www.t.me/{}", "https://t.me/s/{}", "{}.t.me", "https://{}.t.me/", "tg://resolve?domain={}",
    "@{}", "hxxps://t[.]me/{}", "t(.)me/{}", "<https://t.me/{}>", "(t.me/{}).", "t.me/{}?start=x",
])


@settings(max_examples=150, deadline=None)
@given(USERNAMES, SPELLINGS)
def test_every_spelling_of_a_username_gives_the_same_target(username, spelling):
    target = parse_target(spelling.format(username))
    assert target == Target.channel(username)
    assert target.canonical == "https://t.me/" + username.lower()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_target_or_refused_never_a_crash(text):
    try:
        target = parse_target(text)
    except InvalidTarget:
        return
    assert Target.from_canonical(target.canonical) == target
