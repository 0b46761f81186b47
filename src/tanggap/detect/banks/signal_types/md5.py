"""MD5 of a media file's bytes: matches only the identical file (threatexchange's MD5 signal)."""

from __future__ import annotations

from tanggap.detect.banks.signals import FileDigestSignalType


class Md5SignalType(FileDigestSignalType):
    name = "md5"
    aliases = frozenset({"hash_md5", "video_md5", "hash_video_md5", "file_md5", "photo_md5"})
    hex_length = 32
    label = "an MD5"
    empty_file = "d41d8cd98f00b204e9800998ecf8427e"

    @classmethod
    def threatexchange_signal(cls):
        from threatexchange.signal_type.md5 import VideoMD5Signal

        return VideoMD5Signal
