"""Bounded per-word memos for the text pipeline (normalisation, lexicon keys, language words and
the language decision per mix of function words).

Posts are short and their words recur (a few thousand cover most of any stream), so the work
done per word (spelling keys, folding, tokenising a whitespace-separated chunk) is done once per
distinct word. A memo is emptied when it grows past its limit, so a stream of new words keeps
memory bounded; :func:`clear_all` empties every memo (the throughput bench starts each timed
run cold with it, so repeated runs over the same posts do not flatter the figures).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")

LIMIT = 200_000
_MEMOS: list[weakref.ref[Memo]] = []


class Memo(dict[Key, Value], Generic[Key, Value]):
    """``memo[word]`` is ``compute(word)``, computed on the first lookup only."""

    def __init__(self, compute: Callable[[Key], Value], limit: int = LIMIT):
        super().__init__()
        self._compute = compute
        self._limit = limit
        _MEMOS.append(weakref.ref(self))

    def __missing__(self, word: Key) -> Value:
        if len(self) >= self._limit:
            self.clear()
        value = self[word] = self._compute(word)
        return value


def clear_all() -> None:
    _MEMOS[:] = [reference for reference in _MEMOS if reference() is not None]
    for reference in _MEMOS:
        memo = reference()
        if memo is not None:
            memo.clear()
