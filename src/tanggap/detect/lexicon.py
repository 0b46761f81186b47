"""The jihadist-jargon lexicon: terms, their spelling variants, and how much a hit means.

Every term has a specificity. ``high`` terms (``amaliyah istisyhadiyah``, ``ansharut thaghut``)
are rare outside jihadist writing; ``medium`` ones (``thaghut``, ``baiat``) point that way;
``low`` ones (``jihad``, ``hijrah``, ``khilafah``, ``akhi``) are everyday religious words and
**never count alone**: they add to the evidence only beside a medium or high hit
(:func:`evidence`).

Matching is on whole tokens after normalisation, by a *spelling key* that folds the usual
transliteration differences (``th``/``t``, ``dh``/``d``, ``gh``/``g``, ``sh``/``sy``, ``q``/``k``,
doubled letters, apostrophes, a final ``h``), so ``toghut``, ``thogut`` and ``thaghut`` are one
term. Keys of three letters or fewer match only exactly. Upper-case acronyms of up to three
letters (``JAD``, ``JAT``, ``MIT``, ``JI``) match case-sensitively on the text before lower-casing,
as the lexicon asks, and are written out as their term so the classifier sees the words.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from tanggap.detect.memo import Memo

SPECIFICITIES = ("low", "medium", "high")
_RANK = {name: rank for rank, name in enumerate(SPECIFICITIES)}
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")
_DOUBLED = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class LexiconEntry:
    term: str
    category: str
    gloss: str
    specificity: str


@dataclass(frozen=True)
class LexiconHit:
    term: str  # the entry's canonical term
    matched: str  # the spelling found in the text (after normalisation)
    category: str
    specificity: str

    def explain(self) -> str:
        spelled = "" if self.matched == self.term else f" (as \u201c{self.matched}\u201d)"
        return f"{self.term}{spelled}: {self.category}, {self.specificity} specificity"


def spelling_key(word: str) -> str:
    """Fold transliteration differences: ``Thoghut`` and ``thaghut`` keep differing in o/a
    (o/a folding would merge GP Ansor, the NU youth wing, with anshar), the rest folds."""
    key = word.lower().replace("'", "").replace("\u2019", "").replace("`", "").replace("-", "")
    for old, new in (("oe", "u"), ("dh", "d"), ("th", "t"), ("gh", "g"), ("sh", "sy"), ("kh", "k"),
                     ("q", "k"), ("aw", "au"), ("iy", "i")):
        key = key.replace(old, new)
    if _DOUBLED.search(key):  # sub() with a group template costs a Python call, match or not
        key = _DOUBLED.sub(r"\1", key)
    if len(key) >= 5 and key.endswith("h") and key[-2] in "aiueo":
        key = key[:-1]
    return key


def _tokens(phrase: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(phrase.lower().replace("-", " ")))


def _same_word(spelling: tuple[str, ...], term: tuple[str, ...]) -> bool:
    """A spelling variant (``thoghut``/``thaghut``, ``berbaiat``/``baiat``) is written as the
    term; a different word listed as a variant (``pengantin`` for ``bom syahid``, ``ISIS`` for
    ``daulah islamiyah``) keeps its own words, so no feature sees words the post did not use."""
    if len(spelling) != len(term):
        return False
    return all(SequenceMatcher(None, spelling_key(a), spelling_key(b)).ratio() >= 0.7
               for a, b in zip(spelling, term, strict=True))


def _is_acronym(variant: str) -> bool:
    return variant.isupper() and variant.isalpha() and len(variant) <= 3


class Lexicon:
    def __init__(self, entries: Iterable[tuple[LexiconEntry, Iterable[str]]],
                 review: dict[str, str] | None = None):
        """``entries``: each entry with its spellings (the term itself included);
        ``review``: spelling -> specificity overrides (see data/lexicon/lexicon_review.tsv)."""
        review = {spelling: level for spelling, level in (review or {}).items()}
        self.entries: list[LexiconEntry] = []
        # spelling key -> (entry, spelling, whether the spelling is rewritten as the term)
        self._phrases: dict[tuple[str, ...], tuple[LexiconEntry, str, bool]] = {}
        self._acronyms: dict[str, tuple[LexiconEntry, str]] = {}
        for entry, spellings in entries:
            self.entries.append(entry)
            for spelling in dict.fromkeys([entry.term, *spellings]):
                level = review.get(spelling, entry.specificity)
                variant_entry = entry if level == entry.specificity else LexiconEntry(
                    entry.term, entry.category, entry.gloss, level)
                if _is_acronym(spelling):
                    self._acronyms[spelling] = (variant_entry, spelling)
                    continue
                tokens = _tokens(spelling)
                if not tokens:
                    continue
                key = tuple(self._token_key(t) for t in tokens)
                current = self._phrases.get(key)
                # The canonical term's own spelling wins a collision.
                if current is None or (spelling == entry.term and current[1] != current[0].term):
                    self._phrases[key] = (variant_entry, spelling, _same_word(tokens, _tokens(entry.term)))
        self._longest = max((len(k) for k in self._phrases), default=1)
        # first key of a phrase -> its longest phrase: most tokens start none, and skip at once
        self._starts: dict[str, int] = {}
        for key in self._phrases:
            self._starts[key[0]] = max(self._starts.get(key[0], 0), len(key))
        self._keys: Memo[str, str] = Memo(self._token_key)  # spelling keys cost more than the matching
        self._acronym_pattern = (re.compile(r"(?<![A-Za-z0-9])(" + "|".join(
            sorted(map(re.escape, self._acronyms), key=len, reverse=True)) + r")(?![A-Za-z0-9])")
            if self._acronyms else None)

    @staticmethod
    def _token_key(token: str) -> str:
        key = spelling_key(token)
        return key if len(key) > 3 else "=" + token.lower().replace("'", "")

    @classmethod
    def load(cls, path: Path, review_path: Path | None = None) -> Lexicon:
        entries = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                specificity = row["specificity"].strip()
                if specificity not in _RANK:
                    raise ValueError(f"{path}: {row['term']!r} has specificity {specificity!r}")
                entry = LexiconEntry(row["term"].strip(), row["category"].strip(),
                                     row["gloss_en"].strip(), specificity)
                variants = [v.strip() for v in (row["variants"] or "").split("|") if v.strip()]
                entries.append((entry, variants))
        review = {}
        if review_path is not None:
            with review_path.open(encoding="utf-8", newline="") as handle:
                review = {row["variant"]: row["specificity"] for row in csv.DictReader(handle, delimiter="\t")}
        return cls(entries, review)

    # -- matching

    def expand_acronyms(self, text: str) -> tuple[str, list[LexiconHit]]:
        """Case-sensitive acronyms in ``text`` (case kept) -> their terms, and the hits."""
        if self._acronym_pattern is None or text.islower():  # every acronym has an upper-case letter
            return text, []
        hits: list[LexiconHit] = []

        def expand(match: re.Match[str]) -> str:
            entry, spelling = self._acronyms[match.group(1)]
            hits.append(LexiconHit(entry.term, spelling, entry.category, entry.specificity))
            return f" {entry.term} "

        # canonicalise() matches the written-out term again: the Normaliser keeps one hit.
        return self._acronym_pattern.sub(expand, text), hits

    def keys(self, tokens: Iterable[str]) -> tuple[str, ...]:
        """The tokens' matching keys (what :meth:`canonicalise` looks phrases up by)."""
        return tuple(map(self._keys.__getitem__, tokens))

    def may_start_phrase(self, key: str) -> bool:
        """Whether some phrase (one word or more) starts with a token of this key: a text none
        of whose tokens may start one has no phrase hit, and :meth:`canonicalise` leaves it as
        it is."""
        return key in self._starts

    def has_phrase(self, keys: Sequence[str]) -> bool:
        """Whether :meth:`canonicalise` finds a phrase in tokens of these keys (when it finds
        none it leaves the tokens as they are)."""
        phrases = self._phrases
        for position, longest in enumerate(map(self._starts.get, keys)):
            if longest is not None:
                for length in range(min(longest, len(keys) - position), 0, -1):
                    if tuple(keys[position:position + length]) in phrases:
                        return True
        return False

    def canonicalise(self, tokens: list[str], keys: Sequence[str] | None = None,
                     ) -> tuple[list[str], list[LexiconHit], set[int]]:
        """Longest match first; matched spellings become the term's own words (protected from
        slang replacement). Returns the new tokens, the hits and the protected positions.
        ``keys``: the tokens' :meth:`keys`, when known already."""
        if keys is None:
            keys = self.keys(tokens)
        starts = self._starts
        out: list[str] = []
        hits: list[LexiconHit] = []
        protected: set[int] = set()
        flags = list(map(starts.__contains__, keys))
        if True not in flags:  # most posts: no phrase starts anywhere
            return list(tokens), hits, protected
        position = 0
        for candidate in [index for index, flag in enumerate(flags) if flag]:
            if candidate < position:  # inside a phrase matched already
                continue
            out.extend(tokens[position:candidate])  # tokens where no phrase starts
            position = candidate
            for length in range(min(starts[keys[position]], len(tokens) - position), 0, -1):
                found = self._phrases.get(tuple(keys[position:position + length]))
                if found is None:
                    continue
                entry, _, rewrite = found
                matched = " ".join(tokens[position:position + length])
                hits.append(LexiconHit(entry.term, matched, entry.category, entry.specificity))
                for word in _tokens(entry.term) if rewrite else tokens[position:position + length]:
                    protected.add(len(out))
                    out.append(word)
                position += length
                break
            else:
                out.append(tokens[position])
                position += 1
        out.extend(tokens[position:])
        return out, hits, protected


@dataclass(frozen=True)
class Evidence:
    """What the lexicon says about one text, as a moderator would read it."""

    level: str  # "none" | "weak" | "medium" | "strong"
    hits: tuple[LexiconHit, ...]

    @property
    def explanation(self) -> str:
        if not self.hits:
            return "no lexicon term"
        return "; ".join(hit.explain() for hit in self.hits)


def evidence(hits: Iterable[LexiconHit]) -> Evidence:
    """Low-specificity terms never count alone: only high or medium hits raise the level, and
    low ones add to it only beside them."""
    hits = tuple(hits)
    levels = [hit.specificity for hit in hits]
    high, medium, low = levels.count("high"), levels.count("medium"), levels.count("low")
    if high:
        level = "strong"
    elif medium >= 2 or (medium and low):
        level = "medium"
    elif medium:
        level = "weak"
    else:
        level = "none"
    return Evidence(level, hits)
