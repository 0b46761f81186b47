"""The text pipeline as it was before the compiled fast path (issue 13): the reference the fast
path must reproduce exactly. Frozen here, not imported from the modules it checks: the same
compiled patterns and word lists, the original unguarded, unmemoised steps, and
scikit-learn's own ``HashingVectorizer`` for the n-gram counts."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from tanggap.detect import language as L
from tanggap.detect import normalise as N
from tanggap.detect.lexicon import LexiconHit
from tanggap.detect.normalise import NormalisedText, Normaliser


def repair(text: str) -> str:
    text = N._BYTE_ESCAPES.sub(N._decode_byte_run, text)
    text = N._UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = N._LITERAL_NEWLINE.sub(" ", text).replace("\\/", "/")
    text = html.unescape(html.unescape(text))
    text = unicodedata.normalize("NFKC", text)
    return N._ZERO_WIDTH.sub("", text)


_RETWEET = re.compile(r"(?:^|(?<=\s)|(?<=\"))RT\b:?", re.IGNORECASE)


def strip_source_markup(text: str) -> str:
    for pattern in (N._BBCODE, N._URL, N._EMAIL, N._MENTION, N._PLACEHOLDER, _RETWEET,
                    N._KASKUS_SMILEY, N._EMOTICON):
        text = pattern.sub(" ", text)
    return text


def replace_emoji(text: str) -> str:
    for emoji, words in N.MEANINGFUL_EMOJI.items():
        if emoji in text:
            text = text.replace(emoji, words)
    return N._EMOJI.sub(" ", text)


def normalise_arabic(text: str) -> str:
    return N._ARABIC_MARKS.sub("", text).translate(N._ARABIC_LETTERS)


def split_hashtags(text: str) -> str:
    return N._HASHTAG.sub(lambda m: " " + N._CAMEL.sub(" ", m.group(1)).replace("_", " ") + " ", text)


def fold_word_forms(text: str) -> str:
    text = N._REDUPLICATION.sub(r"\1 \1", text)
    text = N._LEET_TOKEN.sub(N._unleet, text)
    text = N._REPEATS.sub(r"\1", text)
    return N._LAUGHTER.sub(" ", text)


def looks_english(tokens: list[str]) -> bool:
    english = sum(token in L.FUNCTION_WORDS["en"] for token in tokens)
    local = sum(token in L.FUNCTION_WORDS["id"] or token in L.FUNCTION_WORDS["ms"] for token in tokens)
    return english >= 2 and english > 2 * local


def canonicalise(lexicon, tokens: list[str]):
    keys = [lexicon._token_key(token) for token in tokens]
    out: list[str] = []
    hits: list[LexiconHit] = []
    protected: set[int] = set()
    position = 0
    while position < len(tokens):
        for length in range(min(lexicon._longest, len(tokens) - position), 0, -1):
            found = lexicon._phrases.get(tuple(keys[position:position + length]))
            if found is None:
                continue
            entry, _, rewrite = found
            matched = " ".join(tokens[position:position + length])
            hits.append(LexiconHit(entry.term, matched, entry.category, entry.specificity))
            for word in lexicon_tokens(entry.term) if rewrite else tokens[position:position + length]:
                protected.add(len(out))
                out.append(word)
            position += length
            break
        else:
            out.append(tokens[position])
            position += 1
    return out, hits, protected


def lexicon_tokens(phrase: str) -> tuple[str, ...]:
    from tanggap.detect.lexicon import _tokens

    return _tokens(phrase)


def normalise(normaliser: Normaliser, text: str) -> NormalisedText:
    cleaned = split_hashtags(normalise_arabic(replace_emoji(strip_source_markup(repair(text)))))
    acronym_hits: list[LexiconHit] = []
    if normaliser.lexicon is not None:
        cleaned, acronym_hits = normaliser.lexicon.expand_acronyms(cleaned)
    tokens = [word for token in N.tokens_of(fold_word_forms(cleaned.lower()))
              for word in normaliser.spellings.get(token, token).split()]
    hits: list[LexiconHit] = list(acronym_hits)
    protected: set[int] = set()
    if normaliser.lexicon is not None:
        tokens, term_hits, protected = canonicalise(normaliser.lexicon, tokens)
        written_out = [hit.term for hit in acronym_hits]
        for hit in term_hits:
            if hit.term in written_out:
                written_out.remove(hit.term)
            else:
                hits.append(hit)
    if looks_english(tokens):
        return NormalisedText(" ".join(tokens), tuple(hits))
    out = [token if position in protected else normaliser.slang.get(token, token)
           for position, token in enumerate(tokens)]
    return NormalisedText(" ".join(out), tuple(hits))


def language_scores(texts: list[str]) -> Counter[str]:
    words = [L._REPEATS.sub(r"\1", w.lower()) for text in texts for w in L.WORD.findall(L._NOT_PROSE.sub(" ", text))]
    scores: dict[str, float] = {}
    for lang, weights in L._WEIGHTS.items():
        scores[lang] = sum(weights.get(word, 0.0) for word in words)
    return Counter(scores)


def detect_language(texts: list[str]) -> str:
    joined = " ".join(texts)
    letters = sum(ch.isalpha() for ch in joined)
    if letters and len(L.ARABIC.findall(joined)) / letters > 0.3:
        return "ar"
    scores = language_scores(texts)
    ranked = scores.most_common()
    if not ranked or ranked[0][1] < L.MIN_EVIDENCE:
        return "und"
    best, top = ranked[0]
    if best == "ms" and scores["id"] >= top:
        return "id"
    return best


def hashed_counts(texts: list[NormalisedText], n_bits: int = 20) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    common = dict(n_features=2 ** n_bits, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+", **common)
    strings = [text.text for text in texts]
    return chars.transform(strings).tocsr(), words.transform(strings).tocsr()
