"""Walking messages: headers, parts, forwards, charsets, and the parser's bounds."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanggap.intake.mime import Leaf, decode_text, envelope, read_message, walk
from tanggap.intake.parse import Budget, ParseLimits, parse_message

LIMITS = ParseLimits()


def tree(raw: bytes, limits: ParseLimits = LIMITS):
    warnings: list[str] = []
    message, parse_warnings = read_message(raw, limits)
    return walk(message, limits, Budget(None), warnings), parse_warnings + warnings


def test_envelope_reads_sender_subject_date_id_and_authentication_results(build):
    raw = build.mail(subject="=?utf-8?q?Permintaan_Penurunan_Konten?=", dmarc="fail")
    head = envelope(read_message(raw, LIMITS)[0])
    assert head.sender_address == "aduankonten@komdigi.go.id"
    assert head.sender_name == "Direktorat Jenderal Pengawasan Ruang Digital"
    assert head.sender_domain == "komdigi.go.id"
    assert head.subject == "Permintaan Penurunan Konten"
    assert head.sent_at.isoformat() == "2026-05-05T10:00:00+07:00"
    assert head.message_id == "<test-0001@mail.komdigi.go.id>"
    assert (head.auth.dkim, head.auth.spf, head.auth.dmarc) == ("fail", "fail", "fail")


def test_only_the_topmost_authentication_results_counts(build):
    raw = b"Authentication-Results: mx1.telegram.org; dkim=none; spf=softfail (x=pass); dmarc=fail\r\n" + build.mail()
    head = envelope(read_message(raw, LIMITS)[0])
    assert (head.auth.dkim, head.auth.spf, head.auth.dmarc) == ("none", "softfail", "fail")
    assert envelope(read_message(b"From: a@b.c\r\n\r\nx", LIMITS)[0]).auth.dmarc == "none"


def test_automatic_and_bulk_messages_are_recognised(build):
    def head(**headers):
        return envelope(read_message(build.mail(headers=headers), LIMITS)[0])

    assert head(**{"Auto-Submitted": "auto-replied"}).automated
    assert not head(**{"Auto-Submitted": "no"}).automated
    assert head(**{"X-Autoreply": "yes"}).automated
    assert envelope(read_message(build.mail(subject="Automatic reply: x"), LIMITS)[0]).automated
    assert envelope(read_message(build.mail(subject="Balasan Otomatis: x"), LIMITS)[0]).automated
    assert head(**{"List-Unsubscribe": "<https://x.example/u>"}).bulk
    assert head(Precedence="bulk").bulk
    assert not head().automated and not head().bulk


def test_leaves_alternatives_and_forwards(build):
    inner = build.mail("Asli: t.me/asli_kanal\n")
    raw = build.mail("teks", html="<p>html</p>", attachments=[("text/csv", "a.csv", b"x")], forwarded=[inner])
    node, warnings = tree(raw)
    assert warnings == []
    kinds = [(leaf.content_type, leaf.alternative is not None, leaf.is_attachment) for leaf in node.leaves]
    assert kinds == [("text/plain", True, False), ("text/html", True, False), ("text/csv", False, True)]
    assert len(node.forwarded) == 1
    assert node.forwarded[0].envelope.sender_domain == "komdigi.go.id"
    assert node.forwarded[0].leaves[0].payload.strip() == b"Asli: t.me/asli_kanal"


def test_an_eml_file_attached_as_octet_stream_is_a_forward(build):
    raw = build.mail("lihat lampiran", attachments=[("application/octet-stream", "asli.eml", build.mail())])
    node, _ = tree(raw)
    assert len(node.forwarded) == 1 and node.leaves[0].content_type == "text/plain"


def test_charsets_declared_unknown_and_undeclared():
    warnings: list[str] = []
    assert decode_text(Leaf("text/plain", "caf\xe9".encode("iso-8859-1"), "iso-8859-1"), warnings) == "café"
    assert decode_text(Leaf("text/plain", "café".encode(), "x-klingon"), warnings) == "café"
    assert "unknown charset" in warnings[0]
    assert decode_text(Leaf("text/plain", "caf\xe9".encode("cp1252")), []) == "café"
    assert decode_text(Leaf("text/plain", b"\xff\xfe", '"UTF-8"'), []) == "\ufffd\ufffd"


def test_quoted_printable_soft_breaks_inside_links_are_joined(build):
    name = "kanal_dengan_nama_sangat_panjang"
    body = build.letter + f"1. caf\u00e9 \u00b1 https://telegram.me/{name}/12345?comment=678901234567890\n"
    raw = build.mail(body, charset="iso-8859-1", cte="quoted-printable")
    assert b"=\n" in raw.replace(b"\r\n", b"\n")  # the serialiser did break the line
    result = parse_message(raw)
    assert [t.canonical for t in result.targets] == [f"https://t.me/{name}/12345"]


def test_nesting_beyond_the_limit_is_cut_with_a_warning():
    depth = 40
    raw = b"From: a@b.go.id\r\nSubject: x\r\n"
    for level in range(depth):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\nt.me/terdalam\r\n"
    node, warnings = tree(raw, ParseLimits(max_depth=10))
    assert any("nested deeper than 10" in w for w in warnings)
    assert node.envelope.subject == "x"


def test_parts_beyond_the_limit_are_not_read():
    raw = b"From: a@b.go.id\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n" + (
        b"--X\r\nContent-Type: text/plain\r\n\r\nhalo\r\n" * 50
    ) + b"--X--\r\n"
    node, warnings = tree(raw, ParseLimits(max_parts=20))
    assert any("more than 20 MIME parts" in w for w in warnings)
    assert len(node.leaves) < 20


def test_a_header_the_parser_chokes_on_is_read_raw_or_ignored():
    raw = b"From: " + b"(" * 3000 + b"a@b.c" + b")" * 3000 + b"\r\nSubject: tetap terbaca\r\n\r\nbody"
    head = envelope(read_message(raw, LIMITS)[0])
    assert head.subject == "tetap terbaca"


def test_a_huge_header_is_cut_before_it_is_parsed():
    raw = (b"Content-Type: text/plain; " + b"; ".join(b"p%d=v" % i for i in range(60_000))
           + b"\r\nSubject: " + b" ".join(b"=?utf-8?q?x?=" for _ in range(60_000)) + b"\r\n\r\nbody")
    started = time.process_time()
    node, _ = tree(raw)
    assert time.process_time() - started < 5
    assert node.leaves[0].content_type == "text/plain"


# Fuzzing the walker: random structures and random bytes never raise and stay bounded.
PART_TYPES = st.sampled_from([
    "text/plain", "text/html", "text/csv", "application/pdf", "message/rfc822", "multipart/mixed",
    "multipart/alternative", "application/octet-stream", "image/png", "x-unknown/\x00weird",
])
ENCODINGS = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "bogus"])
CHARSETS = st.sampled_from(["utf-8", "iso-8859-1", "x-klingon", "utf-16", ""])


@st.composite
def mime_trees(draw, depth=0):
    ctype = draw(PART_TYPES)
    if ctype.startswith("multipart/") and depth < 4:
        boundary = f"b{depth}x{draw(st.integers(0, 99))}"
        children = draw(st.lists(mime_trees(depth + 1), max_size=4))
        body = "".join(f"--{boundary}\r\n{child}\r\n" for child in children)
        if draw(st.booleans()):
            body += f"--{boundary}--\r\n"  # sometimes left unterminated
        return f"Content-Type: {ctype}; boundary={boundary}\r\n\r\n{body}"
    if ctype == "message/rfc822" and depth < 4:
        return f"Content-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\n{draw(mime_trees(depth + 1))}"
    charset = draw(CHARSETS)
    body = draw(st.text(max_size=80)).replace("\r", "")
    return (f"Content-Type: {ctype}; charset={charset}\r\nContent-Transfer-Encoding: {draw(ENCODINGS)}\r\n"
            f"Content-Disposition: {draw(st.sampled_from(['inline', 'attachment; filename=a.csv', 'attachment']))}"
            f"\r\n\r\n{body}")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_trees(), st.integers(0, 400))
def test_fuzz_any_mime_structure_parses_without_raising(structure, cut):
    raw = ("From: Aduan <aduankonten@komdigi.go.id>\r\nSubject: Permintaan Penurunan\r\nMIME-Version: 1.0\r\n"
           + structure)
    raw_bytes = raw.encode("utf-8", "surrogatepass")
    for candidate in (raw_bytes, raw_bytes[: len(raw_bytes) - cut]):  # and a truncated copy
        result = parse_message(candidate, ParseLimits(time_budget_s=10))
        assert result.error is None or result.error.startswith(("not an e-mail", "empty"))
        assert all(t.canonical.startswith("https://t.me/") for t in result.targets)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes_never_raise(raw):
    result = parse_message(raw)
    assert isinstance(result.is_order, bool)
    assert result.error is None or isinstance(result.error, str)
