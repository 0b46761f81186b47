"""What a signal type (a kind of hash) is, and how the banks find them all.

Modelled on python-threatexchange's ``SignalType``: one small class per hash with one uniform
interface. A new hash is one new module in :mod:`tanggap.detect.banks.signal_types` that
subclasses :class:`SignalType`; nothing else is edited (no switch statement on names).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import lru_cache
from typing import ClassVar, NamedTuple, Protocol

from tanggap.detect.banks.model import MediaHash

HEX = re.compile(r"^[0-9a-f]+$")


class IndexHit(NamedTuple):
    position: int  # the position of the matching value in the list the index was built from
    distance: int


class HashIndex(Protocol):
    """Built once from a list of hash values; answers many queries at once."""

    def __len__(self) -> int: ...

    def search(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        """For each query value, every indexed value within `threshold` (inclusive)."""
        ...


class SignalType(ABC):
    """A kind of hash: how to compute it from media bytes, check it, and index it."""

    name: ClassVar[str]  # "pdq": stored in the bank, shown as source "hash:pdq"
    # Other spellings of this type in shared lists (lower case): "hash_pdq", "photo_pdq".
    aliases: ClassVar[frozenset[str]] = frozenset()
    # A match is distance <= threshold; exact hashes have 0 and allow nothing else.
    default_threshold: ClassVar[int] = 0
    max_threshold: ClassVar[int] = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            _register(cls)

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """The value normalised (lower-case hex), or ValueError saying what is wrong with it."""

    @classmethod
    @abstractmethod
    def hash_media(cls, media: bytes) -> MediaHash:
        """The hash of one media file's bytes; `value` None with a `reason` when there is none."""

    @classmethod
    @abstractmethod
    def build_index(cls, values: Sequence[str]) -> HashIndex:
        """An index over validated values (duplicates allowed: each position is its own hit)."""

    @classmethod
    def threshold(cls, requested: int | None = None) -> int:
        if requested is None:
            return cls.default_threshold
        if not 0 <= requested <= cls.max_threshold:
            raise ValueError(f"{cls.name} threshold must be 0..{cls.max_threshold}, not {requested}")
        return requested

    @classmethod
    def matches(cls, index: HashIndex, value: str, threshold: int | None = None) -> list[IndexHit]:
        """The entries of `index` that `value` matches."""
        return index.search([value], cls.threshold(threshold))[0]

    @classmethod
    def strength(cls, distance: int, threshold: int) -> float:
        """How strongly a match at `distance` speaks: 1.0 for identical, 0.5 at the threshold."""
        if threshold <= 0:
            return 1.0
        return round(1.0 - 0.5 * min(distance, threshold) / threshold, 3)

    @classmethod
    def source(cls) -> str:
        return f"hash:{cls.name}"


class FileDigestSignalType(SignalType):
    """An exact digest of a file's bytes (MD5, SHA-256): matches only the identical file.
    A subclass names threatexchange's signal class and the digest's length."""

    hex_length: ClassVar[int]
    label: ClassVar[str]  # "an MD5", for messages
    empty_file: ClassVar[str]  # the digest of zero bytes: what every failed download hashes to

    @classmethod
    @abstractmethod
    def threatexchange_signal(cls): ...

    @classmethod
    def validate(cls, value: str) -> str:
        normalised = cls.threatexchange_signal().validate_signal_str(check_hex(value, cls.hex_length, cls.label))
        if normalised == cls.empty_file:
            raise ValueError(f"the {cls.label.split(' ', 1)[1]} of an empty file matches every failed download")
        return normalised

    @classmethod
    def hash_media(cls, media: bytes) -> MediaHash:
        if not media:
            return MediaHash(cls.name, None, "empty file")
        return MediaHash(cls.name, cls.threatexchange_signal().hash_from_bytes(media))

    @classmethod
    def build_index(cls, values: Sequence[str]) -> HashIndex:
        from tanggap.detect.banks.index import ExactIndex

        return ExactIndex(values)


_REGISTRY: dict[str, type[SignalType]] = {}
_SPELLINGS: dict[str, type[SignalType]] = {}
_discovered = False


def _spelling(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _register(cls: type[SignalType]) -> None:
    for spelling in {cls.name, *cls.aliases}:
        other = _SPELLINGS.get(_spelling(spelling))
        if other is not None and other is not cls:
            raise RuntimeError(f"signal types {other.name} and {cls.name} both claim {spelling!r}")
        _SPELLINGS[_spelling(spelling)] = cls
    _REGISTRY[cls.name] = cls
    _by_spelling.cache_clear()


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    from tanggap.detect.banks import signal_types as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _discovered = True


def signal_types() -> dict[str, type[SignalType]]:
    """Every signal type, by name."""
    _discover()
    return dict(sorted(_REGISTRY.items()))


def signal_type(spelling: str) -> type[SignalType] | None:
    """The signal type a list means by `spelling` ("PDQ", "HASH_MD5", "video_md5"), or None."""
    _discover()
    return _by_spelling(spelling)


@lru_cache(maxsize=1024)
def _by_spelling(spelling: str) -> type[SignalType] | None:
    return _SPELLINGS.get(_spelling(spelling))


def check_hex(value: str, length: int, what: str) -> str:
    """Lower-case hex of exactly `length` characters, or ValueError."""
    normalised = value.strip().lower()
    if normalised.startswith("0x"):
        normalised = normalised[2:]
    if len(normalised) != length:
        raise ValueError(f"{what} must be {length} hex characters, got {len(normalised)}")
    if not HEX.match(normalised):
        raise ValueError(f"{what} is not hexadecimal")
    return normalised
