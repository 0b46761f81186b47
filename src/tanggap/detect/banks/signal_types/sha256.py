"""SHA-256 of a media file's bytes: matches only the identical file (threatexchange's SHA-256)."""

from __future__ import annotations

from tanggap.detect.banks.signals import FileDigestSignalType


class Sha256SignalType(FileDigestSignalType):
    name = "sha256"
    aliases = frozenset({"sha_256", "hash_sha256", "video_sha256", "hash_video_sha256", "file_sha256"})
    hex_length = 64
    label = "a SHA-256"
    empty_file = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @classmethod
    def threatexchange_signal(cls):
        from threatexchange.signal_type.sha256 import VideoSHA256Signal

        return VideoSHA256Signal
