"""Signal types: one interface for PDQ, MD5 and SHA-256, found without a list to edit."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from threatexchange.signal_type.pdq.signal import PdqSignal

from tanggap.detect.banks.signals import signal_type, signal_types
from tests.banks.conftest import encode, propaganda_image

PDQ = signal_type("pdq")
MD5 = signal_type("md5")
SHA256 = signal_type("sha256")


def distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def test_every_signal_type_is_found_by_its_module_alone():
    assert set(signal_types()) == {"pdq", "md5", "sha256"}
    assert {kind.source() for kind in signal_types().values()} == {"hash:pdq", "hash:md5", "hash:sha256"}


@pytest.mark.parametrize("spelling, name", [
    ("PDQ", "pdq"), ("HASH_PDQ", "pdq"), ("photo-pdq", "pdq"), ("MD5", "md5"), ("HASH_MD5", "md5"),
    ("video_md5", "md5"), ("SHA256", "sha256"), ("SHA-256", "sha256"), ("HASH_SHA256", "sha256"),
])
def test_the_spellings_of_shared_lists_resolve(spelling, name):
    assert signal_type(spelling).name == name


@pytest.mark.parametrize("spelling", ["PhotoDNA", "TMK+PDQF", "vpdq", "URI", ""])
def test_hashes_we_cannot_compute_are_not_types(spelling):
    assert signal_type(spelling) is None


def test_a_forwarded_copy_matches_within_31_and_an_unrelated_picture_does_not(
        propaganda_png, propaganda_forward, landscape_png):
    original = PDQ.hash_media(propaganda_png)
    forward = PDQ.hash_media(propaganda_forward)
    unrelated = PDQ.hash_media(landscape_png)
    assert original.ok and forward.ok and unrelated.ok
    assert distance(original.value, forward.value) <= 31
    assert distance(original.value, unrelated.value) > 31
    index = PDQ.build_index([original.value])
    assert [hit.position for hit in PDQ.matches(index, forward.value)] == [0]
    assert PDQ.matches(index, unrelated.value) == []


def test_a_flat_image_has_no_pdq_and_says_why(flat_png):
    result = PDQ.hash_media(flat_png)
    assert result.value is None and result.flagged
    assert result.quality == 0 and "quality 0 < 50" in result.reason


def test_bytes_that_are_no_image_have_no_pdq_but_are_not_flagged():
    result = PDQ.hash_media(b"\x00\x00\x00\x18ftypmp42 a video, not a photo")
    assert result.value is None and not result.flagged


def test_a_truncated_image_is_flagged(propaganda_png):
    result = PDQ.hash_media(propaganda_png[: len(propaganda_png) // 3])
    assert result.value is None and result.flagged and "damaged" in result.reason


def test_pdq_of_an_rgb_image_is_threatexchanges(propaganda_png, landscape_png):
    for media in (propaganda_png, landscape_png, encode(propaganda_image(), "JPEG", quality=80)):
        assert PDQ.hash_media(media).value == PdqSignal.hash_from_bytes(media)


@pytest.mark.parametrize("mode, fmt", [("P", "GIF"), ("CMYK", "JPEG"), ("RGBA", "PNG"), ("L", "PNG"),
                                       ("1", "PNG"), ("I;16", "PNG")])
def test_other_pixel_formats_hash_like_the_rgb_picture(mode, fmt, propaganda_png):
    rgb = PDQ.hash_media(propaganda_png).value
    other = PDQ.hash_media(encode(propaganda_image().convert(mode), fmt))
    assert other.ok, other.reason
    assert distance(rgb, other.value) <= 31


def test_cmyk_is_not_inverted_as_threatexchange_does():
    image = propaganda_image()
    buffer = io.BytesIO()
    image.convert("CMYK").save(buffer, "TIFF")
    ours = PDQ.hash_media(buffer.getvalue()).value
    theirs = PdqSignal.hash_from_bytes(buffer.getvalue())
    rgb = PDQ.hash_media(encode(image)).value
    assert distance(ours, rgb) <= 8 < distance(theirs, rgb)


def test_file_hashes_are_threatexchanges_md5_and_sha256(propaganda_png):
    assert MD5.hash_media(propaganda_png).value == hashlib.md5(propaganda_png).hexdigest()
    assert SHA256.hash_media(propaganda_png).value == hashlib.sha256(propaganda_png).hexdigest()
    assert MD5.hash_media(b"").flagged


@pytest.mark.parametrize("kind, value, reason", [
    (PDQ, "0" * 64, "degenerate"),
    (PDQ, "f" * 64, "degenerate"),
    (PDQ, "ab" * 31, "64 hex"),
    (PDQ, "g" * 64, "not hexadecimal"),
    (MD5, "d41d8cd98f00b204e9800998ecf8427e", "empty file"),
    (SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty file"),
    (MD5, "12345", "32 hex"),
])
def test_validate_says_what_is_wrong(kind, value, reason):
    with pytest.raises(ValueError, match=reason):
        kind.validate(value)


def test_validate_normalises_case_and_prefix():
    value = "35921E2082C0D08EFF490B4952398D90CA7431DB57D1EFB871E31FBB32FC5706"
    assert PDQ.validate(f" 0x{value} ") == value.lower()
    assert MD5.validate("BADA4075AB20C107E744E9EF78A410BE") == "bada4075ab20c107e744e9ef78a410be"


def test_exact_types_match_only_the_identical_file(propaganda_png, propaganda_forward):
    for kind in (MD5, SHA256):
        index = kind.build_index([kind.hash_media(propaganda_png).value] * 2)
        assert [h.position for h in kind.matches(index, kind.hash_media(propaganda_png).value)] == [0, 1]
        assert kind.matches(index, kind.hash_media(propaganda_forward).value) == []


def test_thresholds_are_checked_per_type():
    assert PDQ.threshold() == 31 and MD5.threshold() == 0
    with pytest.raises(ValueError):
        MD5.threshold(3)
    with pytest.raises(ValueError):
        PDQ.threshold(200)


def test_strength_falls_to_a_half_at_the_threshold():
    assert PDQ.strength(0, 31) == 1.0 and PDQ.strength(31, 31) == 0.5
    assert MD5.strength(0, 0) == 1.0


def test_images_too_large_are_refused_without_decoding():
    buffer = io.BytesIO()
    Image.new("1", (9000, 8000)).save(buffer, "PNG")
    result = PDQ.hash_media(buffer.getvalue())
    assert result.value is None and "too large" in result.reason
