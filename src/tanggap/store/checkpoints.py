"""The append-only file of signed audit checkpoints, kept under the var directory (outside the
database, so whoever can rewrite the database cannot rewrite what it promised)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from tanggap.domain.audit import Checkpoint


class CheckpointLog:
    def __init__(self, path: Path, key: bytes):
        self.path = Path(path)
        self.key = key

    def append(self, seq: int, head: str, at: datetime) -> Checkpoint:
        checkpoint = Checkpoint.sign(self.key, seq, head, at)
        line = json.dumps({"seq": seq, "hash": head, "at": at.isoformat(timespec="microseconds"),
                           "mac": checkpoint.mac}, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: each line lands whole at the end, also with several processes appending.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return checkpoint

    def read(self) -> list[Checkpoint]:
        if not self.path.exists():
            return []
        return self._parse(self.path.read_text().splitlines())

    def _parse(self, lines: list[str]) -> list[Checkpoint]:
        found = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                found.append(Checkpoint(int(row["seq"]), str(row["hash"]),
                                        datetime.fromisoformat(row["at"]), str(row["mac"])))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{self.path} line {number} is not a checkpoint: {error}") from None
        return found

    def latest(self, tail_bytes: int = 8192) -> Checkpoint | None:
        """The newest checkpoint, read from the end of the file (it grows with every commit;
        processes may append a little out of order, hence the max over the last lines)."""
        if not self.path.exists():
            return None
        with self.path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - tail_bytes))
            lines = handle.read().decode(errors="replace").splitlines()
        if size > tail_bytes:
            lines = lines[1:]  # the first line read may be cut
        found = self._parse(lines)
        return max(found, key=lambda c: c.seq) if found else None
