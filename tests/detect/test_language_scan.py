"""The compiled language pass (language_scan.py) decides as detect_language does, text by text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.detect import corpus
from tanggap.detect.language import FUNCTION_WORDS, detect_language
from tanggap.detect.language_scan import languages_of


def test_the_whole_shipped_corpus_routes_as_detect_language_routes_it():
    texts = [example.text for example in corpus.base_examples()]
    assert languages_of(texts) == [detect_language([text]) for text in texts]


@pytest.mark.parametrize("text", [
    "", "   ", "yang dan di ini itu", "the and of to is", "YANG DAN ini ITU", "yaaaang daaan iniii ituuu",
    "yyang ddan", "don't you know what i can't", "rock'n'roll and the don''t", "tak nak kerana boleh sahaja",
    "ora aku kowe sing lan", "abdi anjeun teu nu jeung", "lihat:https://t.co/x yang dan di ini",
    "yang.com/x dan di ini itu", ".com/yang dan", "@yang #dan di ini itu", "@ #  dan di ini itu",
    "#yang_dan di ini", "dan\u00a0yang\u3000ini\u2028itu", "\u00c0yang dan ini", "yang\u00e9 dan ini itu",
    "İni yang dan", "k\u212aan yang dan itu", "www. yang dan ini", "wwwyang dan ini", "http://", "httpyang dan",
    "@yang\u00e9 dan ini itu", "#\u00e9 dan ini", "\u0627\u0644\u0644\u0647 yang dan", "\ud800 yang dan ini",
    "yang\x1cdan\x1fini itu", "a.me/b yang dan", "ab.id/ yang dan ini itu", "x.org yang dan ini itu",
])
def test_awkward_texts_route_as_detect_language_routes_them(text):
    assert languages_of([text]) == [detect_language([text])]


WORDS = sorted({word for words in FUNCTION_WORDS.values() for word in words})[::7]
PIECES = [*WORDS, "YANG", "Dan", "yaaang", "tiiidak", "don't", "can'tt", "'s", "x'", "@user", "#tag", "@",
          "#", "http://x.co/a", "https://", "www.x", "www.", "t.com/x", "a.id/b", ".net/", "kafir", "2019",
          "\u00e9t\u00e9", "\u00c0", "İ", "\u212a", "ß", "\U0001F4A3", "\u0627\u0644\u0644\u0647", "_", "'", "\\n",
          "&amp;", "\u200b"]
SPACING = [" ", "", "  ", "\n", "\t", "\u00a0", "\u3000", "\u2003", ".", ",", "!", "'", "/", ":", "@", "#"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACING)), max_size=16))
def test_generated_texts_route_as_detect_language_routes_them(parts):
    text = "".join(piece + space for piece, space in parts)
    assert languages_of([text]) == [detect_language([text])]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=5))
def test_any_text_routes_as_detect_language_routes_it(texts):
    assert languages_of(texts) == [detect_language([text]) for text in texts]
