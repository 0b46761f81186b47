"""Messages from files: single .eml files, folders of them (and Maildirs), and mbox files."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MBOX_MAGIC = b"From "


@dataclass(frozen=True)
class FileMessage:
    label: str  # where it came from, for progress and errors
    raw: bytes | None
    error: str | None = None


def count_messages(paths: list[Path]) -> int:
    return sum(1 for _ in _sources(paths))


def iter_messages(paths: list[Path]) -> Iterator[FileMessage]:
    """Every message under the paths; an unreadable file is a message with `error`, not a crash."""
    for path, key in _sources(paths):
        try:
            if key is None:
                yield FileMessage(str(path), path.read_bytes())
            else:
                yield FileMessage(f"{path}#{key}", _mbox(path).get_bytes(key))
        except (OSError, KeyError, ValueError) as error:
            yield FileMessage(f"{path}" + (f"#{key}" if key is not None else ""), None, str(error))


MESSAGE_SUFFIXES = {".eml", ".msg", ".mbox", ""}  # "": Maildir files have no suffix


def _sources(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    for path in paths:
        if path.is_dir():
            # In a folder, only what looks like mail; a file named explicitly is always read.
            yield from _sources(sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                and p.suffix.lower() in MESSAGE_SUFFIXES))
        elif _is_mbox(path):
            for key in _mbox(path).keys():
                yield path, key
        else:
            yield path, None


def _is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(MBOX_MAGIC)) == MBOX_MAGIC
    except OSError:
        return False


_open_mboxes: dict[Path, mailbox.mbox] = {}


def _mbox(path: Path) -> mailbox.mbox:
    if path not in _open_mboxes:
        _open_mboxes[path] = mailbox.mbox(path, create=False)
    return _open_mboxes[path]
