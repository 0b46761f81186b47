"""SHA-256 of a media file's bytes: matches only the identical file (threatexchange's SHA-256)."""

from __future__ import annotations

from collections.abc import Sequence

from tanggap.detect.banks.model import MediaHash
from tanggap.detect.banks.signals import HashIndex, SignalType, check_hex

EMPTY_FILE = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


class Sha256SignalType(SignalType):
    name = "sha256"
    aliases = frozenset({"sha_256", "hash_sha256", "video_sha256", "hash_video_sha256", "file_sha256"})

    @classmethod
    def validate(cls, value: str) -> str:
        from threatexchange.signal_type.sha256 import VideoSHA256Signal

        normalised = VideoSHA256Signal.validate_signal_str(check_hex(value, 64, "a SHA-256"))
        if normalised == EMPTY_FILE:
            raise ValueError("the SHA-256 of an empty file matches every failed download")
        return normalised

    @classmethod
    def hash_media(cls, media: bytes) -> MediaHash:
        from threatexchange.signal_type.sha256 import VideoSHA256Signal

        if not media:
            return MediaHash(cls.name, None, "empty file")
        return MediaHash(cls.name, VideoSHA256Signal.hash_from_bytes(media))

    @classmethod
    def build_index(cls, values: Sequence[str]) -> HashIndex:
        from tanggap.detect.banks.index import ExactIndex

        return ExactIndex(values)
