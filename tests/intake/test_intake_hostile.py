"""Hostile and broken input: every file gets a bounded parse, a clear error or warning, and the
parser keeps going. Each test also bounds the CPU time it may take (CPU, not wall-clock time,
so that a busy test machine does not make them flaky)."""

from __future__ import annotations

import base64
import os
import time

import pytest

from tanggap.intake import ParseLimits, parse_message
from tanggap.intake.parse import ParsedMessage

HEADERS = (b"From: Aduan Konten <aduankonten@komdigi.go.id>\r\nTo: abuse@telegram.org\r\n"
           b"Subject: Permintaan Penurunan Konten Terorisme\r\nMIME-Version: 1.0\r\n")
LETTER = b"Nomor: B-0001/DJWD/PW.02.01/01/2026\r\nMohon menurunkan kanal berikut:\r\n1. https://t.me/kanal_teror\r\n"


def timed(raw: bytes, limits: ParseLimits = ParseLimits(), seconds: float = 10) -> ParsedMessage:
    started = time.process_time()
    result = parse_message(raw, limits)
    assert time.process_time() - started < seconds
    return result


def plain(body: bytes, content_type: bytes = b"text/plain; charset=utf-8") -> bytes:
    return HEADERS + b"Content-Type: " + content_type + b"\r\n\r\n" + body


def test_an_empty_file_is_an_error():
    for raw in (b"", b"   \r\n\r\n"):
        result = timed(raw)
        assert result.error == "empty file" and not result.is_order and not result.complete


def test_random_bytes_are_not_an_email():
    result = timed(os.urandom(200_000))
    assert result.error and "not an e-mail" in result.error


def test_nul_bytes_are_reported_and_removed_from_the_text():
    result = timed(plain(LETTER.replace(b"kanal_teror", b"kanal\x00_teror") + b"\x00" * 10_000))
    assert [t.canonical for t in result.targets] == ["https://t.me/kanal_teror"]
    assert "the message contains NUL bytes" in result.warnings


def test_a_truncated_message_gives_what_it_has():
    raw = HEADERS + b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n" + LETTER
    raw += (b"\r\n--X\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(b"1;t.me/kanal_csv\n" * 50))
    result = timed(raw[:-30])
    assert result.is_order and "https://t.me/kanal_teror" in [t.canonical for t in result.targets]


def test_an_unterminated_boundary_still_reads_the_parts():
    raw = HEADERS + b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n" + LETTER
    assert [t.canonical for t in timed(raw).targets] == ["https://t.me/kanal_teror"]


def test_a_multipart_without_a_boundary_is_read_as_text():
    raw = HEADERS + b"Content-Type: multipart/mixed\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n" + LETTER
    assert [t.canonical for t in timed(raw).targets] == ["https://t.me/kanal_teror"]


def test_thousands_of_nested_parts_are_cut_at_the_depth_limit():
    raw = HEADERS
    for level in range(5000):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    result = timed(raw + b"Content-Type: text/plain\r\n\r\n" + LETTER)
    assert result.error is None and not result.complete
    assert any("nested deeper than" in w for w in result.warnings)


def test_thousands_of_forwarded_messages_inside_each_other_are_cut():
    raw = plain(LETTER)
    for _ in range(3000):
        raw = HEADERS + b"Content-Type: message/rfc822\r\n\r\n" + raw
    result = timed(raw)
    assert result.error is None and not result.complete


def test_many_parts_are_cut_at_the_parts_limit():
    parts = b"".join(b"--X\r\nContent-Type: text/plain\r\n\r\nhalo\r\n" for _ in range(100_000))
    first = b"--X\r\nContent-Type: text/plain\r\n\r\n" + LETTER
    raw = HEADERS + b"Content-Type: multipart/mixed; boundary=X\r\n\r\n" + first + parts + b"--X--\r\n"
    result = timed(raw)
    assert [t.canonical for t in result.targets] == ["https://t.me/kanal_teror"]
    assert any("more than 500 MIME parts" in w for w in result.warnings)


def test_unknown_charsets_fall_back_with_a_warning():
    result = timed(plain(LETTER, b"text/plain; charset=x-klingon"))
    assert [t.canonical for t in result.targets] == ["https://t.me/kanal_teror"]
    assert any("unknown charset" in w for w in result.warnings)


def test_a_huge_single_line_body_is_read_within_the_limits():
    result = timed(plain(LETTER + b"x" * 30_000_000), ParseLimits(max_text_chars=10_000_000), seconds=15)
    assert [t.canonical for t in result.targets] == ["https://t.me/kanal_teror"]
    assert any(w.startswith("incomplete:") and "characters" in w for w in result.warnings)


@pytest.mark.parametrize("filler",
                         [b"t.me/" * 400_000, b"https://" * 250_000, b"@a" * 1_000_000, b"<a href=" * 200_000])
def test_pathological_repetitions_stay_fast(filler):
    assert timed(plain(LETTER + filler)).is_order
    assert timed(plain(b"<html>" + LETTER + filler, b"text/html")).is_order


def test_pathological_headers_stay_fast():
    raw = (b"From: " + b"(" * 5000 + b"x@y.go.id" + b")" * 5000 + b"\r\n"
           + b"Subject: " + b" ".join(b"=?utf-8?q?abc?=" for _ in range(100_000)) + b"\r\n"
           + b"Content-Type: text/plain; " + b"; ".join(b"a%d=b" % i for i in range(50_000)) + b"\r\n"
           + b"Received: x\r\n" * 20_000 + b"\r\n" + LETTER)
    result = timed(raw)
    assert result.error is None


def test_a_message_over_the_size_limit_is_an_error():
    result = timed(plain(LETTER + b"x" * 2000), ParseLimits(max_message_bytes=1000))
    assert "over the limit" in result.error


def test_the_time_budget_stops_work_and_says_so(build):
    rows = "".join(f"{i};https://t.me/kanal_{i:06d}\r\n" for i in range(100_000)).encode()
    raw = build.mail(build.letter, attachments=[("text/csv", "a.csv", rows)])
    result = timed(raw, ParseLimits(time_budget_s=0.05))
    assert not result.complete
    assert any("time budget" in w for w in result.warnings)
    assert result.is_order  # the letter was read before the budget ran out


def test_a_base64_part_with_garbage_is_decoded_leniently():
    raw = (HEADERS + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.encodebytes(LETTER)[:-5] + b"!!!***\r\n")
    assert timed(raw).error is None


def test_the_parser_keeps_running_over_a_batch_of_broken_files(build):
    batch = [b"", os.urandom(5000), b"\x00" * 5000, plain(LETTER)[:50],
             HEADERS + b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--",
             build.mail(build.letter, attachments=[("application/pdf", "x.pdf", b"%PDF-1.4\n%%EOF")]), plain(LETTER)]
    results = [timed(raw) for raw in batch]
    assert [t.canonical for t in results[-1].targets] == ["https://t.me/kanal_teror"]
    assert all(isinstance(result, ParsedMessage) for result in results)
