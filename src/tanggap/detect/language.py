"""Which language a channel writes in, to route its case to someone who reads it.

A small function-word scorer: good enough to route, and honest about not knowing ("und").
Indonesian and Malay share most function words (and detectors confuse colloquial Jakarta
Indonesian with Malay), so routing treats them as one family.
"""

from __future__ import annotations

import re
from collections import Counter

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "id": frozenset("yang dan di ini itu tidak dengan untuk dari ada ke akan kita saya kamu aja gak "
                    "nggak udah sudah juga bisa karena mereka kalian dalam pada jangan lagi banget".split()),
    "ms": frozenset("yang dan ini itu tidak dengan untuk dari ada akan kita saya awak tak nak kerana "
                    "boleh sahaja sangat mereka dalam pada jangan lagi oleh kepada".split()),
    "jv": frozenset("ora aku kowe sing lan iki iku wis opo karo ning neng arep uwong sampeyan "
                    "piye ngono wae".split()),
    "su": frozenset("abdi anjeun teu nu jeung ieu eta aya kumaha urang sareng naon moal keur "
                    "bae mah".split()),
    "en": frozenset("the and of to is in that for it you are with this was be have not they "
                    "we on at by".split()),
}
FAMILIES = {"ms": "id"}  # Malay routes with Indonesian
ARABIC = re.compile(r"[\u0600-\u06FF]")
WORD = re.compile(r"[a-zA-Z\u00C0-\u024F]+")


def detect_language(texts: list[str]) -> str:
    """The most likely language of a channel's posts, or "und" when the evidence is thin."""
    joined = " ".join(texts)
    letters = sum(ch.isalpha() for ch in joined)
    if letters and len(ARABIC.findall(joined)) / letters > 0.3:
        return "ar"
    words = [w.lower() for w in WORD.findall(joined)]
    scores = Counter({lang: sum(w in vocab for w in words) for lang, vocab in FUNCTION_WORDS.items()})
    (best, top), *rest = scores.most_common() or [("und", 0)]
    if top < 2:
        return "und"
    if best == "ms" and scores["id"] >= top:  # a tie goes to Indonesian, the larger audience
        return "id"
    return best


def family(language: str | None) -> str | None:
    return FAMILIES.get(language, language) if language else None


def readable_by(language: str | None, reader_languages: tuple[str, ...] | list[str]) -> bool:
    """Unknown language: anyone may try. Otherwise the reader must read its family."""
    if language in (None, "und"):
        return True
    families = {family(lang) for lang in reader_languages}
    return family(language) in families
