"""Text normalisation for Indonesian social-media posts, before any feature sees them.

What it does, in order (each step is a small function, tested on its own):

1. Undo transport damage: literal ``\\xNN`` byte escapes and ``\\n`` (id-hatespeech, Kaskus),
   HTML entities, fullwidth and "fancy font" letters (NFKC), zero-width characters.
2. Remove what only says where a text came from, not what it says: URLs and ``URL``
   placeholders, ``@mentions`` and ``USER`` placeholders, ``RT`` prefixes, Kaskus BBCode
   (``[QUOTE=...]``, ``[B]``) and smiley codes (``:ngakak:``), e-mail addresses. Leaving these
   in lets a model learn the *source* of a training text (the netifier positives come only from
   Twitter and Kaskus) instead of its content.
3. Emoji: the few that carry meaning in this domain (bomb, weapons, fire, black flag, the raised
   index finger of the tawhid salute) become words; all others are dropped.
4. Arabic script: diacritics and tatweel removed, alef/ya/ta-marbuta forms unified.
5. Lower case; hashtags split (``#BelaIslam`` -> ``bela islam``); Indonesian reduplication
   (``anak2`` -> ``anak anak``); leetspeak inside words (``k4f1r`` -> ``kafir``); letters
   repeated three or more times folded (``kapirrr`` -> ``kapir``); laughter folded.
6. Transliterated-Arabic spelling variants to one spelling (``thoghut``, ``toghut`` ->
   ``thaghut``) through the lexicon and a small table of common religious spellings; tokens
   that are lexicon terms are protected from step 7.
7. Slang and abbreviations to standard Indonesian with the two slang dictionaries shipped in
   ``detect/data`` (``yg`` -> ``yang``, ``gak`` -> ``tidak``).

The result is a :class:`NormalisedText`: the space-joined tokens and the lexicon hits found on
the way (so a lexicon signal and the classifier see the same spelling of a term).
"""

from __future__ import annotations

import html
import re
from itertools import chain
import unicodedata
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from tanggap.detect.language import (chunk_evidence, english_by_counts, function_words, language_of,
                                     looks_english)
from tanggap.detect.language_scan import languages_of
from tanggap.detect.memo import Memo

if TYPE_CHECKING:
    from tanggap.detect.lexicon import Lexicon, LexiconHit

# -- 1. transport damage -----------------------------------------------------------------

_BYTE_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_LITERAL_NEWLINE = re.compile(r"\\[nrt]")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")


def _decode_byte_run(match: re.Match[str]) -> str:
    raw = bytes(int(part, 16) for part in match.group(0).split("\\x")[1:])
    return raw.decode("utf-8", errors="ignore") or " "


def repair(text: str) -> str:
    """Undo escaping done by scrapers and forums; NFKC folds "𝐛𝐨𝐦" and fullwidth to ASCII.

    Each step runs only when its trigger character is there (most posts have none)."""
    if "\\" in text:
        text = _BYTE_ESCAPES.sub(_decode_byte_run, text)
        text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        text = _LITERAL_NEWLINE.sub(" ", text).replace("\\/", "/")
    if "&" in text:
        text = html.unescape(html.unescape(text))  # some sources escaped twice (&amp;quot;)
    if text.isascii():  # NFKC keeps ASCII, and zero-width characters are not ASCII
        return text
    text = unicodedata.normalize("NFKC", text)
    return _ZERO_WIDTH.sub("", text)


# -- 2. source markup ----------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+|\b[a-z0-9-]+\.(?:com|net|org|id|ly|co|me)/\S*",
                  re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_MENTION = re.compile(r"(?<![\w@])@\w{1,30}")
_PLACEHOLDER = re.compile(r"\b(?:USER|URL)\b")  # id-hatespeech's masks (upper case only)
# "RT" at the start, after whitespace or after a quote: the letters first and the look-behind
# after them (three characters wide: whatever is before, then R, T), so the engine can scan
# for the letters instead of trying the look-behind at every position (5x faster).
_RETWEET = re.compile(r"[Rr][Tt](?<![^\s\"]..)\b:?")
_BBCODE = re.compile(r"\[/?[A-Za-z]{1,10}(?:=[^\]]{0,80})?\]")
_KASKUS_SMILEY = re.compile(r"(?:(?<=\s)|^):[a-z][a-z0-9_]{1,20}:?(?=\s|$|[.,!?])")
_EMOTICON = re.compile(r"(?:(?<=\s)|^)(?:[:;=xX8][-'^o]?[()\[\]DPpOo3/\\|*]+|[-^T>]_+[-^T<]|<3)(?=\s|$)")


_EMOTICON_CHUNKS: Memo[str, bool] = Memo(lambda chunk: _EMOTICON.fullmatch(chunk) is not None)


def strip_source_markup(text: str) -> str:
    """Remove what tells the platform or the data set, not the content (see module doc)."""
    # Each pattern runs only when a string every match contains is there: removing a match
    # leaves a space, so it cannot make a trigger appear for a later step.
    if "[" in text:
        text = _BBCODE.sub(" ", text)
    if "/" in text or "w." in text or "W." in text:  # "://", "www." in any case, ".com/"
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
        text = _MENTION.sub(" ", text)
    if "USER" in text or "URL" in text:
        text = _PLACEHOLDER.sub(" ", text)
    if "rt" in text or "RT" in text or "Rt" in text or "rT" in text:
        text = _RETWEET.sub(" ", text)
    if ":" in text:
        text = _KASKUS_SMILEY.sub(" ", text)
    # An emoticon match is always one whole whitespace-separated chunk (whitespace or an edge
    # on both sides, none inside): run the pattern only when some chunk is one.
    if any(map(_EMOTICON_CHUNKS.__getitem__, text.split())):
        text = _EMOTICON.sub(" ", text)
    return text


# -- 3. emoji ---------------------------------------------------------------------------

# The few emoji that carry meaning here, as words a moderator would also read. Every other
# emoji is dropped: their use differs by platform (Instagram) more than by content.
MEANINGFUL_EMOJI: dict[str, str] = {
    "\U0001F4A3": " bom ",            # bomb
    "\U0001F52B": " senjata ",        # pistol
    "\U0001F5E1": " pedang ",         # dagger
    "\u2694": " pedang ",             # crossed swords
    "\U0001F52A": " pisau ",          # kitchen knife
    "\U0001F4A5": " ledakan ",        # collision
    "\U0001F525": " api ",            # fire
    "\U0001F3F4": " bendera hitam ",  # black flag
    "\u261D": " telunjuk tauhid ",    # index pointing up (tawhid salute)
    "\U0001F446": " telunjuk tauhid ",
    "\U0001FA78": " darah ",          # drop of blood
    "\U0001F480": " tengkorak ",      # skull
    "\u2620": " tengkorak ",
}
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\uFE0F\u200d\u20E3"
    "\U0001F1E6-\U0001F1FF\u3030\u303D\u3297\u3299]")


def replace_emoji(text: str) -> str:
    if text.isascii():
        return text
    for emoji, words in MEANINGFUL_EMOJI.items():
        if emoji in text:
            text = text.replace(emoji, words)
    return _EMOJI.sub(" ", text)


# -- 4. Arabic script -------------------------------------------------------------------

_ARABIC_MARKS = re.compile("[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_LETTERS = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",
                                 "\u0671": "\u0627", "\u0649": "\u064A", "\u0629": "\u0647",
                                 "\u0624": "\u0648", "\u0626": "\u064A",
                                 **{chr(0x0660 + d): str(d) for d in range(10)},
                                 **{chr(0x06F0 + d): str(d) for d in range(10)}})


def normalise_arabic(text: str) -> str:
    if text.isascii():
        return text
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


# -- 5. case, hashtags, reduplication, leetspeak, repeats ----------------------------------

_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_REDUPLICATION = re.compile(r"\b([a-z]{2,})2(?=\b|[^0-9a-z])")
_LEET = str.maketrans({"4": "a", "3": "e", "1": "i", "0": "o", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_TOKEN = re.compile(r"(?<![a-z0-9@$])(?=[a-z][a-z0-9@$]*[0-9@$][a-z0-9@$]*[a-z])[a-z0-9@$]+")
_LEET_HINT = re.compile("[013457@$]")  # a leet token holds one of these
_REPEATS = re.compile(r"([a-z])\1{2,}")
_LAUGHTER = re.compile(r"\b(?:w?k[wk]{3,}|(?:ha){2,}h?|(?:he){2,}h?|(?:hi){2,}h?|(?:xi){2,}|a?wkwk\w*)\b")
_LAUGHTER_HINT = re.compile("kk|kw|haha|hehe|hihi|xixi")  # every laughter match holds one
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[\u0621-\u064A]+|[0-9]+")


def split_hashtags(text: str) -> str:
    if "#" not in text:
        return text
    return _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)).replace("_", " ") + " ", text)


def _unleet(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET)  # starts with a letter: not 2019 or 10rb


def fold_word_forms(text: str) -> str:
    """Lower-case text: reduplication, leetspeak, repeated letters, laughter."""
    if "2" in text and _REDUPLICATION.search(text):
        text = _REDUPLICATION.sub(r"\1 \1", text)
    if _LEET_HINT.search(text):
        text = _LEET_TOKEN.sub(_unleet, text)
    # sub() with a group template ("\\1") runs Python code on every call, match or not: search first
    if _REPEATS.search(text):
        text = _REPEATS.sub(r"\1", text)
    if _LAUGHTER_HINT.search(text):
        text = _LAUGHTER.sub(" ", text)
    return text


def tokens_of(text: str) -> list[str]:
    return _TOKEN.findall(text)


# -- the whole pipeline --------------------------------------------------------------------

@dataclass(frozen=True)
class NormalisedText:
    text: str  # space-joined tokens in canonical spelling
    hits: tuple[LexiconHit, ...] = ()

    @property
    def tokens(self) -> list[str]:
        return self.text.split()


def _without_bbcode(text: str) -> str:
    """Kaskus BBCode tags may hold spaces (``[QUOTE=a b]``), so the per-chunk path cannot see
    them: a text with the tags removed the way :meth:`Normaliser.clean` removes them (repair()
    first, then the tags), when what is left normalises as the text does by chunks. It does
    when no "[" is left (clean() then skips the tag step) and repair() changes none of its
    chunks (so the chunks' own repair() does not repair twice). Otherwise the text as it is."""
    repaired = repair(text)
    stripped = _BBCODE.sub(" ", repaired) if "[" in repaired else repaired
    if "[" in stripped:
        return text
    if stripped.isascii() and "\\" not in stripped and "&" not in stripped:  # repair() leaves each chunk
        return stripped
    return text if any(repair(chunk) != chunk for chunk in stripped.split()) else stripped


_WORD_SHAPED = re.compile(r"[(\"']*([A-Za-z]+)[.,!?;:\"')]*")


def _word_of(chunk: str) -> str | None:
    """The ASCII letters of a chunk that is letters with only brackets, quotes or stops around
    them (``"Kafir,"``, ``(bom)``), or None."""
    match = _WORD_SHAPED.fullmatch(chunk)
    return None if match is None else match.group(1)


# What one whitespace-free chunk of a raw text contributes, computed once a chunk, as a plain
# tuple (the garbage collector stops tracking tuples of strings and numbers; a memo of hundreds
# of thousands of tracked records made every full collection walk them all):
# (tokens: steps 1-6 up to the lexicon's phrases, acronym hits, the tokens space-joined or None
# for a chunk without tokens, the same with slang replaced, function-word counts (English +
# Indonesian/Malay << 32, + _LEXICON_WORK if needed), language evidence (chunk_evidence), the
# tokens' lexicon keys).
_Chunk = tuple[tuple[str, ...], tuple["LexiconHit", ...], str | None, str | None, int, int, tuple[str, ...]]
_TOKENS, _ACRONYMS = itemgetter(0), itemgetter(1)
_PLAIN, _SLANG, _COUNTS, _LANGUAGE, _KEYS = itemgetter(2), itemgetter(3), itemgetter(4), itemgetter(5), itemgetter(6)

# A chunk with an acronym, or with a token where a lexicon phrase may start, sends its text
# through the lexicon; counts stay below 2**32 a post, so the sum of the chunks' flags says "any".
_LOCAL_SHIFT = 32
_LEXICON_WORK = 1 << 64
_COUNT_MASK = (1 << _LOCAL_SHIFT) - 1


class Normaliser:
    """Raw post -> :class:`NormalisedText`. Build once (the dictionaries are loaded then)."""

    def __init__(self, slang: dict[str, str] | None = None, lexicon: Lexicon | None = None,
                 spellings: dict[str, str] | None = None):
        self.slang = slang or {}
        self.lexicon = lexicon
        self.spellings = spellings or {}
        self._chunks: Memo[str, tuple[str, ...]] = Memo(self._chunk_tokens)
        self._raw_chunks: Memo[str, _Chunk] = Memo(self._chunk_record)

    @classmethod
    def default(cls) -> Normaliser:
        from tanggap.detect import resources

        return resources.default_normaliser()

    def clean(self, text: str) -> str:
        """Steps 1-4: a readable string, case kept (the lexicon's acronyms need case)."""
        return normalise_arabic(replace_emoji(strip_source_markup(repair(text))))

    def _tokens_and_acronyms(self, text: str) -> tuple[tuple[str, ...], tuple[LexiconHit, ...]]:
        """Steps 1-6 up to the lexicon's phrases: the tokens (spellings applied) and the hits of
        acronyms written out."""
        cleaned = split_hashtags(self.clean(text))
        acronym_hits: list[LexiconHit] = []
        if self.lexicon is not None:
            cleaned, acronym_hits = self.lexicon.expand_acronyms(cleaned)
        tokens = chain.from_iterable(map(self._chunks.__getitem__, cleaned.lower().split()))
        return tuple(tokens), tuple(acronym_hits)

    def _chunk_record(self, chunk: str) -> _Chunk:
        word = _word_of(chunk)
        acronym_hits: tuple[LexiconHit, ...] = ()
        if word is not None and self._as_its_lower_case(word, chunk):
            lower = word.lower()
            if lower != chunk:
                return self._raw_chunks[lower]
            tokens = self._chunks[lower]  # steps 1-4 leave it as it is
        else:
            tokens, acronym_hits = self._tokens_and_acronyms(chunk)
        english, local = function_words(tokens)
        counts = english + (local << _LOCAL_SHIFT)
        keys: tuple[str, ...] = ()
        if self.lexicon is not None:
            keys = self.lexicon.keys(tokens)
            if acronym_hits or any(map(self.lexicon.may_start_phrase, keys)):
                counts += _LEXICON_WORK
        plain = slang = None
        if tokens:
            plain = " ".join(tokens)
            slang = " ".join(map(self.slang.get, tokens, tokens))
        return tokens, acronym_hits, plain, slang, counts, chunk_evidence(chunk), keys

    def _as_its_lower_case(self, word: str, chunk: str) -> bool:
        """Whether ``chunk``, ASCII letters ``word`` with only brackets, quotes or stops around
        them, normalises as ``word.lower()`` alone does (steps 1-4 leave that unchanged). It
        does unless some step reads it as more than a word: an acronym, a placeholder (USER),
        "RT" (also after a quote), an emoticon ("xD", "x')") or a URL's "www."; each is checked
        on both spellings. No token holds the marks around the letters (nor does any function
        word of the language evidence, which reads the letters in lower case)."""
        lower = word.lower()
        if lower == "rt" or "www" in lower or lower in ("user", "url"):
            return False
        # an emoticon made of letters and marks starts with x (the others start with a mark)
        if lower[0] == "x" and (_EMOTICON_CHUNKS[chunk] or _EMOTICON_CHUNKS[word] or _EMOTICON_CHUNKS[lower]):
            return False
        return lower == word or self.lexicon is None or not self.lexicon.expand_acronyms(word)[1]

    def __call__(self, text: str) -> NormalisedText:
        if "[" in text:
            text = _without_bbcode(text)
            if "[" in text:
                return self._finish(*self._tokens_and_acronyms(text))
        # Every other step up to here works inside whitespace-free chunks (no pattern matches
        # whitespace or looks past it differently from a string's edge, and whitespace stays
        # whitespace), so a text's tokens and acronym hits are its chunks', in order:
        # computed once a chunk, as chunks recur from post to post.
        return self._from_chunks(list(map(self._raw_chunks.__getitem__, text.split())))

    def with_languages(self, texts: list[str]) -> tuple[list[NormalisedText], list[str]]:
        """``[self(text) for text in texts]`` and each text's ``detect_language([text])``,
        from the same per-chunk work (the compiled language pass for BBCode texts)."""
        normalised: list[NormalisedText] = []
        languages: list[str] = []
        bbcode: list[int] = []
        records = self._raw_chunks.__getitem__
        for text in texts:
            if "[" in text:
                normalised.append(self(text))  # the raw chunks are not the normaliser's
                languages.append("und")  # decided below, with the others like it
                bbcode.append(len(languages) - 1)
                continue
            chunks = list(map(records, text.split()))
            normalised.append(self._from_chunks(chunks))
            languages.append(language_of(text, sum(map(_LANGUAGE, chunks))))
        for position, language in zip(bbcode, languages_of([texts[i] for i in bbcode]), strict=True):
            languages[position] = language
        return normalised, languages

    def _from_chunks(self, chunks: list[_Chunk]) -> NormalisedText:
        counts = sum(map(_COUNTS, chunks))
        if counts >= _LEXICON_WORK:
            acronym_hits = tuple(chain.from_iterable(map(_ACRONYMS, chunks)))
            tokens = tuple(chain.from_iterable(map(_TOKENS, chunks)))
            keys = tuple(chain.from_iterable(map(_KEYS, chunks)))
            if acronym_hits or self.lexicon is None or self.lexicon.has_phrase(keys):
                return self._finish(tokens, acronym_hits, keys)
        # No lexicon hit, nothing protected: the slang step is per token, so the text is the
        # chunks' own strings joined (those without tokens left out).
        if english_by_counts(counts & _COUNT_MASK, (counts >> _LOCAL_SHIFT) & _COUNT_MASK):
            return NormalisedText(" ".join(filter(None, map(_PLAIN, chunks))))
        return NormalisedText(" ".join(filter(None, map(_SLANG, chunks))))

    def _finish(self, tokens_found: tuple[str, ...], acronyms_found: tuple[LexiconHit, ...],
                keys: tuple[str, ...] | None = None) -> NormalisedText:
        """Step 6's phrases (the lexicon) and step 7 (slang) over a whole text's tokens (and
        their lexicon keys, when known)."""
        tokens = list(tokens_found)
        acronym_hits = list(acronyms_found)
        hits: list[LexiconHit] = list(acronym_hits)
        protected: set[int] = set()
        if self.lexicon is not None:
            tokens, term_hits, protected = self.lexicon.canonicalise(tokens, keys)
            written_out = [hit.term for hit in acronym_hits]  # matched again as words: once only
            for hit in term_hits:
                if hit.term in written_out:
                    written_out.remove(hit.term)
                else:
                    hits.append(hit)
        if looks_english(tokens):  # the slang lists map "or" to "orang", "can" to "belum"
            return NormalisedText(" ".join(tokens), tuple(hits))
        out = list(map(self.slang.get, tokens, tokens))
        for position in protected:
            out[position] = tokens[position]
        return NormalisedText(" ".join(out), tuple(hits))

    def _chunk_tokens(self, chunk: str) -> tuple[str, ...]:
        """Step 5 (lower-cased already) and the spellings of step 6, for one whitespace-free
        chunk. No pattern there matches across whitespace or looks past it differently from a
        string's edge, so a text's tokens are its chunks' tokens in order: computed once a
        chunk (:class:`~tanggap.detect.memo.Memo`), as words recur from post to post."""
        return tuple(word for token in tokens_of(fold_word_forms(chunk))
                     for word in self.spellings.get(token, token).split())

    def text(self, text: str) -> str:
        return self(text).text
