"""Which language a channel (or a post) writes in, to route it to someone who reads it.

Routes ``id`` (Indonesian), ``ms`` (Malay), ``jv`` (Javanese), ``su`` (Sundanese), ``ar``
(Arabic script) and ``en``; anything else, or too little text, is ``"und"``.

A weighted function-word scorer, no model: posts are short, informal and code-mixed, and a
moderator needs a routing guess, not a verdict. Words used by one language only weigh more
than words several of them share (``tak``, ``nak``, ``kerana`` say Malay; ``ora``, ``kowe`` say
Javanese; ``teu``, ``anjeun`` say Sundanese). Indonesian and Malay share most function words (and
detectors confuse colloquial Jakarta Indonesian with Malay), so routing treats them as one
family and a tie between them goes to Indonesian, the larger audience.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain

from tanggap.detect.memo import Memo

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "id": frozenset("""yang dan di ini itu tidak dengan untuk dari ada ke akan kita saya kamu aja gak
        nggak ngga enggak udah sudah juga bisa karena karna mereka kalian dalam pada jangan lagi
        banget sih dong deh kok tapi tetapi seperti sama gimana bagaimana kenapa mengapa belum
        atau jadi kalau kalo harus hanya cuma semua oleh saat setelah sangat masih lebih apa
        siapa mau ingin buat bikin gue gw lu lo tuh nih emang memang mah kepada daripada""".split()),
    "ms": frozenset("""yang dan ini itu tidak dengan untuk dari ada akan kita saya awak tak nak kerana
        boleh sahaja sangat mereka dalam pada jangan lagi oleh kepada daripada iaitu ialah mahu
        kat je ni tu dah macam mcm sebab hendak pun korang sikit betul tengok cakap selepas
        kerajaan polis percuma wang bagaimana kenapa semua belum atau jadi kalau hanya""".split()),
    "jv": frozenset("""ora aku kowe sing lan iki iku wis opo karo ning neng arep uwong sampeyan
        piye ngono wae ae nang kuwi dadi rak ojo mung yen saka marang dening ono iso isa kabeh
        nek ngerti sopo endi lunga mangan turu omah apik elek akeh sithik ndak wong durung
        sak lho tenan""".split()),
    "su": frozenset("""abdi anjeun teu nu jeung ieu eta aya kumaha urang sareng naon moal keur
        bae mah oge tos atuh euy teh kitu kieu sanes nya pisan bade nuju henteu salira mangga
        hatur nuhun geus dina tina nepi jalma lamun saha iraha kudu deui ayeuna sarua ari
        mun wae""".split()),
    "en": frozenset("""the and of to is in that for it you are with this was be have not they we on
        at by from his her their our will would can could should what which who when where why
        how there been has had were an or but if all any some more most other into than then
        them these those because about just my your me i he she its do does did don't""".split()),
}
FAMILIES = {"ms": "id"}  # Malay routes with Indonesian
ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
WORD = re.compile(r"[a-zA-Z\u00C0-\u024F]+(?:'[a-zA-Z]+)?")
_REPEATS = re.compile(r"(.)\1{2,}")
_NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|me|id|org|net)/\S*|[@#]\w+")

# How often each word is shared decides its weight: own words 3, shared by two 1, more 0.5.
_SHARED = Counter(word for words in FUNCTION_WORDS.values() for word in words)
_WEIGHTS: dict[str, dict[str, float]] = {
    lang: {word: {1: 3.0, 2: 1.0}.get(_SHARED[word], 0.5) for word in words}
    for lang, words in FUNCTION_WORDS.items()
}
# word -> its weight in each language, in _WEIGHTS order
_VECTORS = {word: tuple(weights.get(word, 0.0) for weights in _WEIGHTS.values())
            for words in FUNCTION_WORDS.values() for word in words}
_LANGUAGES = tuple(_WEIGHTS)
MIN_EVIDENCE = 2.0  # a score below this is "und"


# A chunk's evidence as one integer: each language's weight in half units (every weight is a
# half) in its own 32-bit field, in ``_WEIGHTS`` order. A text's evidence is then the plain sum
# of its chunks' integers, exactly (a field would need some 700 million words to overflow).
_FIELD = 32
_FIELD_MASK = (1 << _FIELD) - 1


def _pack(vector: tuple[float, ...]) -> int:
    return sum(int(weight * 2) << (_FIELD * index) for index, weight in enumerate(vector))


def _unpack(evidence: int) -> list[float]:
    return [((evidence >> (_FIELD * index)) & _FIELD_MASK) / 2 for index in range(len(_LANGUAGES))]


def chunk_evidence(chunk: str) -> int:
    """The evidence of one whitespace-free chunk, packed (0 for none). The patterns here never
    match across whitespace, so a text's evidence is the sum of its chunks': computed once a
    chunk (:class:`~tanggap.detect.memo.Memo`)."""
    if "/" in chunk or "www." in chunk or "@" in chunk or "#" in chunk:
        chunk = _NOT_PROSE.sub(" ", chunk)
    evidence = 0
    for word in WORD.findall(chunk):
        word = word.lower()
        if _REPEATS.search(word):  # sub() with a group template costs a Python call: search first
            word = _REPEATS.sub(r"\1", word)
        evidence += _PACKED.get(word, 0)
    return evidence


_PACKED = {word: _pack(vector) for word, vector in _VECTORS.items()}
_CHUNKS: Memo[str, int] = Memo(chunk_evidence)


def _totals(texts: list[str]) -> list[float]:
    """Evidence per language, in ``_WEIGHTS`` order."""
    return _unpack(sum(map(_CHUNKS.__getitem__, chain.from_iterable(map(str.split, texts)))))


def language_scores(texts: list[str]) -> Counter[str]:
    """Evidence per language (the weighted function-word count)."""
    return Counter(dict(zip(_WEIGHTS, _totals(texts), strict=True)))


def _mostly_arabic(joined: str) -> bool:
    if joined.isascii() or not ARABIC.search(joined):  # no Arabic letter, no share to count
        return False
    letters = sum(map(str.isalpha, joined))
    return bool(letters) and len(ARABIC.findall(joined)) / letters > 0.3


def _decide(totals: list[float]) -> str:
    top = max(totals)
    if top < MIN_EVIDENCE:
        return "und"
    best = _LANGUAGES[totals.index(top)]  # the first of equals, as Counter.most_common ranks them
    if best == "ms" and totals[_LANGUAGES.index("id")] >= top:  # a tie goes to Indonesian, the larger audience
        return "id"
    return best


def detect_language(texts: list[str]) -> str:
    """The most likely language of a channel's posts, or "und" when the evidence is thin."""
    if _mostly_arabic(" ".join(texts)):
        return "ar"
    return _decide(_totals(texts))


def language_of(text: str, evidence: int) -> str:
    """``detect_language([text])`` when the sum of ``chunk_evidence`` over the whitespace chunks
    of ``text`` is known already (the normaliser keeps it with its own per-chunk work)."""
    if not text.isascii() and _mostly_arabic(text):
        return "ar"
    return _DECISIONS[evidence]


# posts share their mixes of function words: the decision for a packed evidence, memoised
_DECISIONS: Memo[int, str] = Memo(lambda evidence: _decide(_unpack(evidence)))


_ENGLISH = FUNCTION_WORDS["en"]
_LOCAL = FUNCTION_WORDS["id"] | FUNCTION_WORDS["ms"]


def function_words(tokens: list[str] | tuple[str, ...]) -> tuple[int, int]:
    """How many of ``tokens`` are English function words, and how many Indonesian or Malay ones."""
    return sum(map(_ENGLISH.__contains__, tokens)), sum(map(_LOCAL.__contains__, tokens))


def english_by_counts(english: int, local: int) -> bool:
    """:func:`looks_english` from the counts of :func:`function_words`."""
    return english >= 2 and english > 2 * local


def looks_english(tokens: list[str]) -> bool:
    """Mostly English function words: the Indonesian slang dictionaries must not touch it
    (they map "or" to "orang" and "can" to "belum" for code-mixed tweets)."""
    english = sum(map(_ENGLISH.__contains__, tokens))
    if english < 2:
        return False
    local = sum(map(_LOCAL.__contains__, tokens))
    return english > 2 * local


def family(language: str | None) -> str | None:
    return FAMILIES.get(language, language) if language else None


def readable_by(language: str | None, reader_languages: tuple[str, ...] | list[str]) -> bool:
    """Unknown language: anyone may try. Otherwise the reader must read its family."""
    if language in (None, "und"):
        return True
    families = {family(lang) for lang in reader_languages}
    return family(language) in families
