"""MD5 of a media file's bytes: matches only the identical file (threatexchange's MD5 signal)."""

from __future__ import annotations

from collections.abc import Sequence

from tanggap.detect.banks.model import MediaHash
from tanggap.detect.banks.signals import HashIndex, SignalType, check_hex

EMPTY_FILE = "d41d8cd98f00b204e9800998ecf8427e"


class Md5SignalType(SignalType):
    name = "md5"
    aliases = frozenset({"hash_md5", "video_md5", "hash_video_md5", "file_md5", "photo_md5"})

    @classmethod
    def validate(cls, value: str) -> str:
        from threatexchange.signal_type.md5 import VideoMD5Signal

        normalised = VideoMD5Signal.validate_signal_str(check_hex(value, 32, "an MD5"))
        if normalised == EMPTY_FILE:
            raise ValueError("the MD5 of an empty file matches every failed download")
        return normalised

    @classmethod
    def hash_media(cls, media: bytes) -> MediaHash:
        from threatexchange.signal_type.md5 import VideoMD5Signal

        if not media:
            return MediaHash(cls.name, None, "empty file")
        return MediaHash(cls.name, VideoMD5Signal.hash_from_bytes(media))

    @classmethod
    def build_index(cls, values: Sequence[str]) -> HashIndex:
        from tanggap.detect.banks.index import ExactIndex

        return ExactIndex(values)
